"""Writes of the children's council (docs/domain.md §8.1): members (a registered child of the
station's 街镇 the actor may see, with a guardian's consent and a term), meetings (agenda,
attendance, minutes) and decisions — each decision put on the station's suggestion board through
its service, to be routed and answered like any suggestion. Only the station's keepers write."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.areas.columns import area_columns_move
from weibao.areas.models import Area, lock_where_read
from weibao.audit.services import audit_record
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core.exceptions import ConflictError
from weibao.core.text import clean_text
from weibao.council.choices import ConsentHow
from weibao.council.models import CouncilDecision, CouncilMeeting, CouncilMember
from weibao.council.selectors import can_keep
from weibao.stations.models import Workstation
from weibao.suggestions.services import suggestion_from_council

# [team] limits (docs/domain.md §8.1).
LONGEST_TERM = dt.timedelta(days=3 * 366)
EARLIEST = dt.date(2015, 1, 1)
AGENDA_LIMIT = 2000
MINUTES_LIMIT = 10000
DECISION_LIMIT = 500
CONSENT_BY_LIMIT = 64


def _too_long(n: int) -> str:
    return _("Please keep this under %(n)d characters.") % {"n": n}


def _assert_keeper(actor, station: Workstation) -> None:
    if not can_keep(actor, station):
        raise PermissionDenied


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# --- members ------------------------------------------------------------------------------------


def _clean_member(actor, station: Workstation, data: dict, instance=None) -> dict:
    def given(field: str, default: Any = None) -> Any:
        if field in data:
            return data[field]
        return getattr(instance, field) if instance is not None else default

    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if instance is None:
        child = data.get("child")
        if not isinstance(child, Child) or not (
            children_visible_to(actor).filter(pk=child.pk).exists()
        ):
            errors["child"] = [_("Choose a registered child from your areas.")]
        elif child.subdistrict_id != station.subdistrict_id:
            errors["child"] = [_("The child must live in the station's 街镇.")]
        clean["child"] = child
    start, end = given("term_start"), given("term_end")
    if not isinstance(start, dt.date) or start < EARLIEST:
        errors["term_start"] = [_("Please give the day the term starts.")]
    if not isinstance(end, dt.date):
        errors["term_end"] = [_("Please give the day the term ends.")]
    elif isinstance(start, dt.date) and not start <= end <= start + LONGEST_TERM:
        errors["term_end"] = [_("The term ends after it starts, and lasts at most 3 years.")]
    clean["term_start"], clean["term_end"] = start, end
    consent_by = clean_text(given("consent_by", ""))
    if not consent_by:
        errors["consent_by"] = [_("Please say which guardian gave their consent.")]
    elif len(consent_by) > CONSENT_BY_LIMIT:
        errors["consent_by"] = [_too_long(CONSENT_BY_LIMIT)]
    clean["consent_by"] = consent_by
    consent_on = given("consent_on")
    today = timezone.localdate()
    if not isinstance(consent_on, dt.date) or not EARLIEST <= consent_on <= today:
        errors["consent_on"] = [_("Please give the day of the consent (not in the future).")]
    clean["consent_on"] = consent_on
    how = given("consent_how", "")
    if how not in ConsentHow.values:
        errors["consent_how"] = [_("Choose how the consent was given.")]
    clean["consent_how"] = how
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def member_add(*, actor, station: Workstation, data: dict[str, Any]) -> CouncilMember:
    """Put a registered child on the station's council for a term, with their guardian's
    consent."""
    _assert_keeper(actor, station)
    clean = _clean_member(actor, station, data)
    member = CouncilMember(station=station, created_by=actor, **clean)
    member.copy_area_of(clean["child"])
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"child": [_("This child is already a member for a term starting that day.")]}
        ) from exc
    audit_record(
        actor=actor,
        action="council.member_add",
        obj=member,
        child=member.child,
        changes={k: {"new": _iso(v.pk if isinstance(v, Child) else v)} for k, v in clean.items()},
    )
    return member


@transaction.atomic
def member_update(
    *, actor, member: CouncilMember, data: dict[str, Any], expected_version: int | None = None
) -> CouncilMember:
    """Change a member's term (end it early) or consent record."""
    current = lock_where_read(CouncilMember.objects.select_for_update(of=("self",)), member)
    _assert_keeper(actor, current.station)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    clean = _clean_member(actor, current.station, data, instance=current)
    changes = {}
    for field, value in clean.items():
        if getattr(current, field) != value:
            changes[field] = {"old": _iso(getattr(current, field)), "new": _iso(value)}
            setattr(current, field, value)
    if not changes:
        return current
    current.version += 1
    current.save()
    audit_record(
        actor=actor,
        action="council.member_update",
        obj=current,
        child=current.child,
        changes=changes,
    )
    return current


# --- meetings -----------------------------------------------------------------------------------


def _clean_meeting(station: Workstation, data: dict, instance=None) -> dict:
    def given(field: str, default: Any = None) -> Any:
        if field in data:
            return data[field]
        if instance is None:
            return default
        if field == "present":
            return list(instance.present.all())
        return getattr(instance, field)

    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    held_on = given("held_on")
    today = timezone.localdate()
    if not isinstance(held_on, dt.date) or not EARLIEST <= held_on <= today + dt.timedelta(366):
        errors["held_on"] = [_("Please give the day of the meeting.")]
    clean["held_on"] = held_on
    agenda = clean_text(given("agenda", ""), multiline=True)
    if not agenda:
        errors["agenda"] = [_("Please write the agenda.")]
    elif len(agenda) > AGENDA_LIMIT:
        errors["agenda"] = [_too_long(AGENDA_LIMIT)]
    clean["agenda"] = agenda
    minutes = clean_text(given("minutes", ""), multiline=True)
    if len(minutes) > MINUTES_LIMIT:
        errors["minutes"] = [_too_long(MINUTES_LIMIT)]
    clean["minutes"] = minutes
    present = list(given("present", []) or [])
    if any(not isinstance(m, CouncilMember) or m.station_id != station.pk for m in present):
        errors["present"] = [_("Choose members of this council.")]
    elif isinstance(held_on, dt.date) and any(not m.in_term(held_on) for m in present):
        errors["present"] = [_("Only members in term on the day of the meeting were present.")]
    clean["present"] = present
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def meeting_create(*, actor, station: Workstation, data: dict[str, Any]) -> CouncilMeeting:
    _assert_keeper(actor, station)
    clean = _clean_meeting(station, data)
    meeting = CouncilMeeting.objects.create(
        station=station,
        district_id=station.district_id,
        subdistrict_id=station.subdistrict_id,
        held_on=clean["held_on"],
        agenda=clean["agenda"],
        minutes=clean["minutes"],
        created_by=actor,
    )
    meeting.present.set(clean["present"])
    audit_record(
        actor=actor,
        action="council.meeting_create",
        obj=meeting,
        changes={
            "held_on": {"new": clean["held_on"].isoformat()},
            "agenda": {"new": clean["agenda"]},
            "minutes": {"new": clean["minutes"]},
            "present": {"new": sorted(m.pk for m in clean["present"])},
        },
    )
    return meeting


@transaction.atomic
def meeting_update(
    *, actor, meeting: CouncilMeeting, data: dict[str, Any], expected_version: int | None = None
) -> CouncilMeeting:
    current = lock_where_read(CouncilMeeting.objects.select_for_update(of=("self",)), meeting)
    _assert_keeper(actor, current.station)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    before = sorted(current.present.values_list("pk", flat=True))
    clean = _clean_meeting(current.station, data, instance=current)
    changes: dict[str, Any] = {}
    for field in ("held_on", "agenda", "minutes"):
        if getattr(current, field) != clean[field]:
            changes[field] = {"old": _iso(getattr(current, field)), "new": _iso(clean[field])}
            setattr(current, field, clean[field])
    after = sorted(m.pk for m in clean["present"])
    if after != before:
        changes["present"] = {"old": before, "new": after}
        current.present.set(clean["present"])
    if not changes:
        return current
    current.version += 1
    current.save()
    audit_record(actor=actor, action="council.meeting_update", obj=current, changes=changes)
    return current


@transaction.atomic
def decision_record(
    *, actor, meeting: CouncilMeeting, text: str, community: Area | None = None
) -> CouncilDecision:
    """A decision of the meeting: put on the station's suggestion board (approved, its public
    text the decision) to be routed and answered like any suggestion (docs/domain.md §8.1)."""
    _assert_keeper(actor, meeting.station)
    text = clean_text(text, multiline=True)
    if not text:
        raise ValidationError({"text": [_("Please write the decision.")]})
    if len(text) > DECISION_LIMIT:
        raise ValidationError({"text": [_too_long(DECISION_LIMIT)]})
    if community is not None and community.parent_id != meeting.subdistrict_id:
        raise ValidationError({"community": [_("Choose a 居民区 of this 街镇.")]})
    suggestion = suggestion_from_council(
        actor=actor, station=meeting.station, public_text=text, community=community
    )
    decision = CouncilDecision.objects.create(meeting=meeting, text=text, suggestion=suggestion)
    audit_record(
        actor=actor,
        action="council.decision_record",
        obj=decision,
        district=meeting.district_id,
        changes={"meeting": meeting.pk, "text": {"new": text}, "suggestion": suggestion.pk},
    )
    return decision


def members_anonymise_child(*, actor, child: Child) -> dict[str, int]:
    """A file anonymised at the end of its retention period: the guardian named on the child's
    council memberships goes (children.hooks.child_anonymise_parts, inside child_anonymise's
    transaction). The term, the date and the way consent was given stay."""
    cleared = CouncilMember.objects.filter(child=child).exclude(consent_by="").update(consent_by="")
    return {"council_members": cleared} if cleared else {}


def members_move_area(*, actor, child: Child) -> int:
    """A child's council memberships follow the child's file to their new 居民区
    (transfers.hooks.child_rows_move, inside the transfer's transaction), so every row about
    the child is found under the child's area; the council stays the station's."""
    moved = area_columns_move(CouncilMember.objects.filter(child=child), to=child)
    if moved:
        audit_record(
            actor=actor, action="council.members_move_area", obj=child, child=child,
            changes=moved,
        )  # fmt: skip
    return len(moved.get("rows", []))
