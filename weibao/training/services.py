"""Writes of the training work (docs/domain.md §2.7): sessions, their materials and roll, the
district's topics and rule. Each runs in one transaction and writes its audit row there."""

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.areas.models import Area, joined_in_district, lock_where_read
from weibao.areas.selectors import area_is_closed, district_of
from weibao.audit.services import audit_record
from weibao.core import uploads
from weibao.core.exceptions import ConflictError
from weibao.core.text import clean_text
from weibao.staff.choices import StaffRole
from weibao.training.choices import DEFAULT_TOPICS, AttendanceStatus, Mode
from weibao.training.models import (
    Attendance,
    SessionMaterial,
    TrainingPolicy,
    TrainingSession,
    TrainingTopic,
)
from weibao.training.selectors import (
    can_keep_session,
    can_organise_in,
    organiser_areas,
    roll_candidates,
    session_roll,
    topic_districts_managed_by,
    training_rule,
)

MATERIAL_MAX_BYTES = 10 * 1024 * 1024
MATERIALS_PER_SESSION = 20
MAX_HOURS = Decimal("24")
EARLIEST = dt.date(2000, 1, 1)
SESSION_FIELDS = (
    "organiser", "topic", "title", "held_on", "mode", "place", "trainer", "hours", "audience",
)  # fmt: skip


def _too_long(n: int) -> str:
    return _("Please keep this under %(n)d characters.") % {"n": n}


# --- the district's topics and rule -----------------------------------------------------------


def _assert_district(actor, district: Area) -> None:
    if district.pk not in {d.pk for d in topic_districts_managed_by(actor)}:
        raise PermissionDenied


@transaction.atomic
def topics_ensure_defaults(*, district: Area, actor=None) -> int:
    """Give a district with no topic yet the default list (a district made after the data
    migration seeded the others): the first time one of its people opens a training form
    (`actor`), or the demo loader. Returns how many were made; one audit row says so."""
    if TrainingTopic.objects.filter(district=district).exists():
        return 0
    TrainingTopic.objects.bulk_create(
        [TrainingTopic(district=district, name=name) for name in DEFAULT_TOPICS]
    )
    audit_record(
        actor=actor,
        action="training.topics_default",
        obj=district,
        changes={"topics": list(DEFAULT_TOPICS)},
    )
    return len(DEFAULT_TOPICS)


def _topic_name(value) -> str:
    name = clean_text(value)
    if not name:
        raise ValidationError({"name": [_("Please give the topic.")]})
    if len(name) > 60:
        raise ValidationError({"name": [_too_long(60)]})
    return name


def _save_topic(topic: TrainingTopic) -> None:
    try:
        with transaction.atomic():
            topic.save()
    except IntegrityError as exc:
        raise ValidationError({"name": [_("The district already has this topic.")]}) from exc


@transaction.atomic
def topic_create(*, actor, district: Area, name: str) -> TrainingTopic:
    _assert_district(actor, district)
    topics_ensure_defaults(district=district, actor=actor)
    topic = TrainingTopic(district=district, name=_topic_name(name))
    _save_topic(topic)
    audit_record(
        actor=actor, action="training.topic_create", obj=topic, changes={"name": topic.name}
    )
    return topic


@transaction.atomic
def topic_update(
    *, actor, topic: TrainingTopic, name: str | None = None, active: bool | None = None
) -> TrainingTopic:
    """Rename a topic (the sessions that used it show the new name) or retire it (it stays on
    those sessions, and is not offered for new ones), or bring it back."""
    current = lock_where_read(
        TrainingTopic.objects.select_for_update(of=("self",)).select_related("district"), topic
    )
    _assert_district(actor, current.district)
    changes: dict[str, Any] = {}
    if name is not None:
        new = _topic_name(name)
        if new != current.name:
            changes["name"] = {"old": current.name, "new": new}
            current.name = new
    if active is not None and active != current.active:
        changes["active"] = {"old": current.active, "new": active}
        current.active = active
    if not changes:
        return current
    _save_topic(current)
    audit_record(actor=actor, action="training.topic_update", obj=current, changes=changes)
    return current


def training_policy_for(district: Area) -> TrainingPolicy:
    """The district's rule, created with the defaults (and the default topics) the first time
    it is edited (as cases.services.case_policy_for)."""
    policy, created = TrainingPolicy.objects.get_or_create(district=district)
    if created:
        topics_ensure_defaults(district=district, actor=None)
    return policy


@transaction.atomic
def training_policy_update(
    *, actor, district: Area, required_roles: list[str], min_hours
) -> TrainingPolicy:
    """District staff say which roster roles must be trained and how many hours in the period
    make "trained"."""
    _assert_district(actor, district)
    errors: dict[str, list[str]] = {}
    roles = [r for r in StaffRole.values if r in set(required_roles or ())]
    if not roles or len(roles) != len(set(required_roles or ())):
        errors["required_roles"] = [_("Choose at least one role from the list.")]
    hours = _hours(min_hours, errors, "min_hours", limit=Decimal("200"))
    if errors:
        raise ValidationError(errors)
    policy = lock_where_read(TrainingPolicy.objects, training_policy_for(district))
    changes = {}
    if policy.required_roles != roles:
        changes["required_roles"] = {"old": policy.required_roles, "new": roles}
    if policy.min_hours != hours:
        changes["min_hours"] = {"old": str(policy.min_hours), "new": str(hours)}
    policy.required_roles, policy.min_hours = roles, hours
    policy.save()
    audit_record(actor=actor, action="training.policy", obj=policy, changes=changes)
    return policy


def _hours(value, errors: dict, field: str, *, limit: Decimal = MAX_HOURS) -> Decimal | None:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = [_("Give the hours as a number, e.g. 2 or 1.5.")]
        return None
    if not Decimal("0.5") <= hours <= limit:
        errors[field] = [_("Give between 0.5 and %(limit)s hours.") % {"limit": limit.normalize()}]
        return None
    return hours


# --- sessions ---------------------------------------------------------------------------------


def _clean_session(actor, data: dict[str, Any], instance: TrainingSession | None) -> dict:
    def given(field: str, default: Any = "") -> Any:
        if field in data:
            return data[field]
        if instance is None:
            return default
        return instance.organiser if field == "organiser" else getattr(instance, field)

    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    organiser = given("organiser", None)
    if not isinstance(organiser, Area) or organiser.level not in (
        Area.Level.DISTRICT,
        Area.Level.SUBDISTRICT,
    ):
        errors["organiser"] = [_("Choose who organises the session: the district or a 街镇.")]
        organiser = None
    elif not can_organise_in(actor, organiser):
        errors["organiser"] = [_("You cannot organise sessions for this area.")]
        organiser = None
    elif (instance is None or instance.organiser.pk != organiser.pk) and area_is_closed(organiser):
        # A closed area is no new value (docs/domain.md §1.16).
        errors["organiser"] = [_("%(area)s is closed.") % {"area": organiser.name}]
        organiser = None
    clean["organiser"] = organiser
    district = district_of(organiser) if organiser else None
    topic = given("topic", None)
    if not isinstance(topic, TrainingTopic) or (
        district is not None and topic.district_id != district.pk
    ):
        errors["topic"] = [_("Choose a topic from the district's list.")]
    elif not topic.active and (instance is None or instance.topic_id != topic.pk):
        errors["topic"] = [_("This topic is retired: choose another.")]
    clean["topic"] = topic
    for field, limit in (("title", 100), ("place", 200), ("trainer", 100)):
        value = clean_text(given(field))
        if len(value) > limit:
            errors[field] = [_too_long(limit)]
        clean[field] = value
    if not clean["trainer"] and "trainer" not in errors:
        errors["trainer"] = [_("Please say who gave the training.")]
    mode = given("mode")
    if mode not in Mode.values:
        errors["mode"] = [_("Choose online or in person.")]
    clean["mode"] = mode
    if mode == Mode.OFFLINE and not clean["place"] and "place" not in errors:
        errors["place"] = [_("Please give the place of a session held in person.")]
    held_on = given("held_on", None)
    today = timezone.localdate()
    if not isinstance(held_on, dt.date):
        errors["held_on"] = [_("Please give the date of the session.")]
    elif not EARLIEST <= held_on <= today + dt.timedelta(days=366):
        errors["held_on"] = [_("Please give a date between 2000 and next year.")]
    clean["held_on"] = held_on
    clean["hours"] = _hours(given("hours", None), errors, "hours")
    audience = given("audience", None)
    if audience is None:
        audience = list(training_rule(district).roles) if district else []
    if not isinstance(audience, list | tuple) or not set(audience) <= set(StaffRole.values):
        errors["audience"] = [_("Choose at least one role from the list.")]
        audience = []
    clean["audience"] = [r for r in StaffRole.values if r in set(audience)]
    if not clean["audience"] and "audience" not in errors:
        errors["audience"] = [_("Choose at least one role from the list.")]
    if errors:
        raise ValidationError(errors)
    return clean


def _apply(session: TrainingSession, clean: dict) -> None:
    organiser: Area = clean["organiser"]
    if organiser.level == Area.Level.DISTRICT:
        session.district, session.subdistrict = organiser, None
    else:
        session.district_id, session.subdistrict = organiser.parent_id, organiser
    for field in SESSION_FIELDS:
        if field != "organiser":
            setattr(session, field, clean[field])


def _audit_value(value: Any) -> Any:
    if isinstance(value, Area | TrainingTopic):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def session_create(*, actor, data: dict[str, Any]) -> TrainingSession:
    """Record a session organised by the district or by a 街镇 the actor keeps."""
    if not organiser_areas(actor):
        raise PermissionDenied
    clean = _clean_session(actor, data, None)
    session = TrainingSession(created_by=actor)
    _apply(session, clean)
    session.save()
    audit_record(
        actor=actor,
        action="training.session_create",
        obj=session,
        changes={f: {"new": _audit_value(clean[f])} for f in SESSION_FIELDS},
    )
    return session


def _lock(session: TrainingSession, expected_version: int | None) -> TrainingSession:
    # Only the session's own row is locked: PostgreSQL cannot lock the nullable side of the
    # join to its 街镇.
    current = lock_where_read(
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("topic", "district", "subdistrict")
        .filter(joined_in_district("topic")),
        session,
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


@transaction.atomic
def session_update(
    *, actor, session: TrainingSession, data: dict[str, Any], expected_version: int | None = None
) -> TrainingSession:
    current = _lock(session, expected_version)
    if not can_keep_session(actor, current):
        raise PermissionDenied
    clean = _clean_session(actor, data, current)
    changes = {}
    for field in SESSION_FIELDS:
        old = current.organiser if field == "organiser" else getattr(current, field)
        if old != clean[field]:
            changes[field] = {"old": _audit_value(old), "new": _audit_value(clean[field])}
    if not changes:
        return current
    if (
        "organiser" in changes
        and current.attendances.exclude(member__in=_candidates_for(clean, current)).exists()
    ):
        raise ValidationError(
            {
                "organiser": [
                    _("People on the roll do not belong to this area: take them off first.")
                ]
            }
        )
    _apply(current, clean)
    current.version += 1
    current.save()
    audit_record(actor=actor, action="training.session_update", obj=current, changes=changes)
    return current


def _candidates_for(clean: dict, session: TrainingSession):
    probe = TrainingSession(held_on=clean["held_on"])
    _apply(probe, {**clean})
    return roll_candidates(probe).values("pk")


@transaction.atomic
def session_delete(*, actor, session: TrainingSession) -> None:
    """Take off a session recorded by mistake, with its roll and materials (the audit row keeps
    what it was)."""
    current = _lock(session, None)
    if not can_keep_session(actor, current):
        raise PermissionDenied
    roll = dict(current.attendances.values_list("member_id", "status"))
    audit_record(
        actor=actor,
        action="training.session_delete",
        obj=current,
        changes={
            "topic": current.topic.name,
            "title": current.title,
            "held_on": current.held_on.isoformat(),
            "hours": str(current.hours),
            "roll": {str(k): v for k, v in roll.items()},
        },
    )
    files = [m.file for m in current.materials.all()]
    current.delete()
    for file in files:
        transaction.on_commit(lambda f=file: f.delete(save=False))


# --- the roll ---------------------------------------------------------------------------------


@transaction.atomic
def session_roll_set(
    *, actor, session: TrainingSession, marks: dict[int, str], replace: bool = False
) -> dict[str, int]:
    """Record who was present, absent or excused: `marks` maps a roster person's id to a
    status. With `replace` (the API's PUT) anyone on the roll who is not in `marks` is taken
    off it. Only people of the organiser's area working on the day may be on the roll. Returns
    how many rows were added, changed and removed; one audit row lists the changes."""
    current = _lock(session, None)
    if not can_keep_session(actor, current):
        raise PermissionDenied
    bad_status = [s for s in marks.values() if s not in AttendanceStatus.values]
    if bad_status:
        raise ValidationError({"attendance": [_("Mark each person present, absent or excused.")]})
    eligible = set(roll_candidates(current).filter(pk__in=list(marks)).values_list("pk", flat=True))
    existing = {a.member_id: a for a in Attendance.objects.filter(session=current)}
    unknown = [pk for pk in marks if pk not in eligible and pk not in existing]
    if unknown:
        raise ValidationError(
            {
                "attendance": [
                    _(
                        "Some people are not on this session's roster (not of its area, or "
                        "not working on its day): %(ids)s."
                    )
                    % {"ids": ", ".join(str(pk) for pk in sorted(unknown)[:20])}
                ]
            }
        )
    changes: dict[str, dict] = {}
    added, changed, removed = [], [], []
    for member_id, status in marks.items():
        row = existing.get(member_id)
        if row is None:
            added.append(
                Attendance(session=current, member_id=member_id, status=status, recorded_by=actor)
            )
            changes[str(member_id)] = {"old": None, "new": status}
        elif row.status != status:
            changes[str(member_id)] = {"old": row.status, "new": status}
            row.status, row.recorded_by = status, actor
            changed.append(row)
    if replace:
        for member_id, row in existing.items():
            if member_id not in marks:
                removed.append(row.pk)
                changes[str(member_id)] = {"old": row.status, "new": None}
    if added:
        Attendance.objects.bulk_create(added)
    for row in changed:
        row.save(update_fields=["status", "recorded_by", "recorded_at"])
    if removed:
        Attendance.objects.filter(pk__in=removed).delete()
    if changes:
        audit_record(actor=actor, action="training.roll", obj=current, changes=changes)
    return {"added": len(added), "changed": len(changed), "removed": len(removed)}


@transaction.atomic
def session_roll_all_present(
    *, actor, session: TrainingSession, marks: dict[int, str] | None = None
) -> dict[str, int]:
    """ "Mark everyone present": each person on the actor's roll-call list who has no answer
    yet — none in `marks` (what was just tapped) and none recorded — is marked present; the
    answers given are kept. Saved by session_roll_set, so the audit row names each person's
    change as a roll-call does."""
    if not can_keep_session(actor, session):
        raise PermissionDenied
    full = dict(marks or {})
    for row in session_roll(session, actor):
        if row.member.pk not in full and not row.status:
            full[row.member.pk] = AttendanceStatus.PRESENT
    return session_roll_set(actor=actor, session=session, marks=full)


# --- materials --------------------------------------------------------------------------------


@transaction.atomic
def material_add(*, actor, session: TrainingSession, upload: UploadedFile) -> SessionMaterial:
    """Attach a file to a session: JPEG or PNG photos (written anew, without their metadata)
    and PDF documents up to 10 MB, recognised by their content (core.uploads)."""
    if not can_keep_session(actor, session):
        raise PermissionDenied
    if upload.size > MATERIAL_MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 10 MB.")]})
    content_type = uploads.sniffed_type(upload)
    if content_type is None:
        raise ValidationError({"file": [_("Only JPEG or PNG photos and PDF documents.")]})
    if session.materials.count() >= MATERIALS_PER_SESSION:
        raise ValidationError({"file": [_("At most 20 files per session.")]})
    content = upload
    if content_type != uploads.PDF:
        content = uploads.reencoded_image(upload, content_type)
        if content.size > MATERIAL_MAX_BYTES:
            raise ValidationError({"file": [_("The file is larger than 10 MB.")]})
    material = SessionMaterial(
        session=session,
        token=secrets.token_hex(16),
        original_name=uploads.display_name(upload.name, content_type),
        content_type=content_type,
        size=content.size,
        uploaded_by=actor,
    )
    # Stored under the random token (material_path), never under the user's file name.
    material.file.save(material.token, content, save=False)
    material.save()
    audit_record(
        actor=actor,
        action="training.material_add",
        obj=material,
        changes={
            "session": session.pk,
            "name": material.original_name,
            "content_type": content_type,
            "size": material.size,
        },
    )
    return material


@transaction.atomic
def material_remove(*, actor, material: SessionMaterial) -> None:
    if not can_keep_session(actor, material.session):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action="training.material_remove",
        obj=material,
        changes={"session": material.session_id, "name": material.original_name},
    )
    file = material.file
    material.delete()
    transaction.on_commit(lambda: file.delete(save=False))
