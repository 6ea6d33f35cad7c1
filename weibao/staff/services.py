"""Writes of the staff roster (docs/domain.md §2.6). Each runs in one transaction and writes
its audit row there. A person is never deleted: they are ended (end_date), so their training
record and honours stay. Who may: selectors.can_keep_staff_in / can_keep_member (district staff,
the 街镇's supervisor and station staff); accounts are the district's (can_open_account_for)."""

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import RoleAssignment, User
from weibao.accounts.selectors import district_area_ids, districts_managed_by
from weibao.accounts.services import user_invite
from weibao.areas.models import Area
from weibao.areas.selectors import area_is_closed
from weibao.audit.services import audit_record
from weibao.core import crypto
from weibao.core.exceptions import ConflictError
from weibao.core.text import checked_text, clean_text, normalize_name
from weibao.staff.choices import (
    COMMUNITY_ROLES,
    STATION_ROLES,
    WALL_ROLES,
    HonourLevel,
    Qualification,
    StaffRole,
)
from weibao.staff.models import Honour, StaffMember
from weibao.staff.selectors import (
    account_role_for,
    can_keep_member,
    can_keep_staff_in,
    can_link_accounts_for,
    can_open_account_for,
    staff_keeper_areas,
)

PHONE_RE = re.compile(r"^[0-9+()\- ]{3,30}(?:(?:ext\.?|转|x)\s*[0-9]{1,6})?$", re.IGNORECASE)
# The fields a form or the API may set; `area` is the 街镇 or 居民区 the person works in.
STAFF_FIELDS = (
    "name", "role", "area", "phone", "work_phone", "publish_on_display_wall", "start_date",
    "end_date", "full_time", "qualifications", "qualifications_note",
)  # fmt: skip
EARLIEST = dt.date(1950, 1, 1)


def _too_long(n: int) -> str:
    return _("Please keep this under %(n)d characters.") % {"n": n}


def _phone_problem(value: str) -> str | None:
    if value and (not PHONE_RE.match(value) or len(crypto.normalize_phone(value)) < 7):
        return _("Please give a phone number: digits, spaces, +, - and brackets only.")
    return None


def _date_or_none(value) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def _clean(actor, data: dict[str, Any], *, instance: StaffMember | None) -> dict[str, Any]:
    """The cleaned values (those not given keep the instance's), or a ValidationError with
    every field's message."""

    def given(field: str, default: Any = "") -> Any:
        if field in data:
            return data[field]
        if instance is None:
            return default
        if field == "area":
            return instance.place
        return getattr(instance, field)

    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    name = normalize_name(given("name"))
    if not name:
        errors["name"] = [_("Please give the person's name.")]
    elif len(name) > 64:
        errors["name"] = [_too_long(64)]
    clean["name"] = name
    role = given("role")
    if role not in StaffRole.values:
        errors["role"] = [_("Please choose the person's role.")]
    clean["role"] = role
    area = given("area", None)
    if not isinstance(area, Area) or area.level not in (
        Area.Level.SUBDISTRICT,
        Area.Level.COMMUNITY,
    ):
        errors["area"] = [_("Please choose the 街镇 or the 居民区 the person works in.")]
    elif not can_keep_staff_in(actor, area):
        errors["area"] = [_("You cannot keep the roster of this area.")]
    elif (instance is None or area != instance.place) and area_is_closed(area):
        # A closed area is no new value (docs/domain.md §1.16); someone already there stays.
        errors["area"] = [_("%(area)s is closed.") % {"area": area.name}]
    elif role in COMMUNITY_ROLES and area.level != Area.Level.COMMUNITY:
        errors["area"] = [_("A child director works in a 居民区: choose it.")]
    elif role in STATION_ROLES and area.level != Area.Level.SUBDISTRICT:
        errors["area"] = [_("This role works at the station: choose the 街镇.")]
    clean["area"] = area
    for field in ("phone", "work_phone"):
        value = clean_text(given(field))
        if len(value) > 30:
            errors[field] = [_too_long(30)]
        elif problem := _phone_problem(value):
            errors[field] = [problem]
        clean[field] = value
    clean["publish_on_display_wall"] = bool(given("publish_on_display_wall", False))
    if clean["publish_on_display_wall"] and "work_phone" not in errors:
        if role not in WALL_ROLES:
            errors["publish_on_display_wall"] = [
                _("Only the child supervisor and the child directors are shown on the wall.")
            ]
        elif not clean["work_phone"]:
            errors["work_phone"] = [_("Give the work phone the display wall may show.")]
    start = _date_or_none(given("start_date", None))
    end = _date_or_none(given("end_date", None))
    today = timezone.localdate()
    if start is None:
        errors["start_date"] = [_("Please give the date the person started.")]
    elif not EARLIEST <= start <= today + dt.timedelta(days=366):
        errors["start_date"] = [_("Please give a date between 1950 and next year.")]
    if end is not None and start is not None and end < start:
        errors["end_date"] = [_("The end date cannot be before the start date.")]
    elif end is not None and not EARLIEST <= end <= today + dt.timedelta(days=366):
        errors["end_date"] = [_("Please give a date between 1950 and next year.")]
    clean["start_date"], clean["end_date"] = start, end
    clean["full_time"] = bool(given("full_time", False))
    qualifications = given("qualifications", [])
    if not isinstance(qualifications, list | tuple) or not set(qualifications) <= set(
        Qualification.values
    ):
        errors["qualifications"] = [_("Please choose qualifications from the list.")]
        qualifications = []
    clean["qualifications"] = [q for q in Qualification.values if q in set(qualifications)]
    note = clean_text(given("qualifications_note"))
    if len(note) > 200:
        errors["qualifications_note"] = [_too_long(200)]
    clean["qualifications_note"] = note
    if errors:
        raise ValidationError(errors)
    return clean


def _apply(member: StaffMember, clean: dict[str, Any]) -> None:
    area: Area = clean["area"]
    if area.level == Area.Level.COMMUNITY:
        member.community = area
        member.subdistrict = area.parent
    else:
        member.community = None
        member.subdistrict = area
    member.district_id = member.subdistrict.parent_id
    for field in STAFF_FIELDS:
        if field != "area":
            setattr(member, field, clean[field])


def _audit_value(field: str, value: Any) -> Any:
    if field == "phone":
        return crypto.mask_phone(value) if value else ""
    if isinstance(value, Area):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _current_values(member: StaffMember) -> dict[str, Any]:
    return {
        field: member.place if field == "area" else getattr(member, field) for field in STAFF_FIELDS
    }


@transaction.atomic
def staff_create(*, actor, data: dict[str, Any]) -> StaffMember:
    """Add a person to the roster of a 街镇 (or of one of its 居民区) the actor keeps."""
    if not staff_keeper_areas(actor).exists():
        raise PermissionDenied
    clean = _clean(actor, data, instance=None)
    member = StaffMember()
    _apply(member, clean)
    member.save()
    audit_record(
        actor=actor,
        action="staff.create",
        obj=member,
        changes={f: {"new": _audit_value(f, clean[f])} for f in STAFF_FIELDS},
    )
    return member


def _lock(member: StaffMember, expected_version: int | None) -> StaffMember:
    current = (
        # Only the entry's own row is locked: PostgreSQL cannot lock the nullable side of the
        # join to its 居民区.
        StaffMember.objects.select_for_update(of=("self",))
        .select_related("subdistrict", "community")
        .get(pk=member.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


@transaction.atomic
def staff_update(
    *, actor, member: StaffMember, data: dict[str, Any], expected_version: int | None = None
) -> StaffMember:
    """Change a person's entry. The actor keeps both the person's 街镇 and, when they move,
    the new one. The phone is audited masked."""
    current = _lock(member, expected_version)
    if not can_keep_member(actor, current):
        raise PermissionDenied
    clean = _clean(actor, data, instance=current)
    before = _current_values(current)
    changes = {
        field: {"old": _audit_value(field, before[field]), "new": _audit_value(field, new)}
        for field, new in clean.items()
        if before[field] != new
    }
    if not changes:
        return current
    _apply(current, clean)
    current.version += 1
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError as exc:  # the account's one open entry
        raise ValidationError(
            {"end_date": [_("This person's account is linked to another open entry.")]}
        ) from exc
    audit_record(actor=actor, action="staff.update", obj=current, changes=changes)
    return current


@transaction.atomic
def staff_end(
    *,
    actor,
    member: StaffMember,
    end_date: dt.date,
    note: str = "",
    expected_version: int | None = None,
) -> StaffMember:
    """The person leaves the post on `end_date` (they stay on the roster, as ended). Their
    login account and its roles are the district's to change (人员与角色)."""
    current = _lock(member, expected_version)
    if not can_keep_member(actor, current):
        raise PermissionDenied
    note = checked_text(note, "note", required=False, limit=500)
    if not isinstance(end_date, dt.date):
        raise ValidationError({"end_date": [_("Please give the date the person left.")]})
    if end_date < current.start_date:
        raise ValidationError({"end_date": [_("The end date cannot be before the start date.")]})
    if end_date > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError({"end_date": [_("Please give a date between 1950 and next year.")]})
    old = current.end_date
    if old == end_date:
        return current
    current.end_date = end_date
    current.version += 1
    current.save(update_fields=["end_date", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="staff.end",
        obj=current,
        changes={
            "end_date": {"old": old.isoformat() if old else None, "new": end_date.isoformat()}
        },
        note=note,
    )
    return current


def staff_phone_reveal(*, actor, member: StaffMember, reason: str, channel: str) -> str:
    """A keeper of the person's 街镇 sees their phone in full, after saying why; the audit
    trail keeps who asked, when, why and through which door (as a child's reveals are kept in
    the access log)."""
    if not can_keep_member(actor, member):
        raise PermissionDenied
    reason = checked_text(
        reason,
        "reason",
        required=True,
        message=_("Please say why you need to see it in full."),
        limit=200,
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="staff.phone_reveal",
            obj=member,
            changes={"field": "phone", "channel": channel},
            note=reason,
        )
    return member.phone


# --- login accounts ---------------------------------------------------------------------------


@transaction.atomic
def staff_account_create(*, actor, member: StaffMember, username: str) -> StaffMember:
    """District staff open the person's login account in one step: the account, the role of
    the post on the person's 居民区 or 街镇 (accounts.services.user_invite, audited there: no
    password yet — the page shows the one-time link with which the person sets one), and the
    link to the roster entry."""
    current = _lock(member, None)
    if not can_link_accounts_for(actor, current):
        raise PermissionDenied
    if current.user_id is not None:
        raise ValidationError({"username": [_("This person already has an account.")]})
    if not can_open_account_for(actor, current):
        raise ValidationError(
            {
                "username": [
                    _(
                        "An account is opened here for a child director, a supervisor or "
                        "station staff who is working now."
                    )
                ]
            }
        )
    role = account_role_for(current)
    user = user_invite(
        actor=actor, username=username, full_name=current.name, role=role, area=current.place
    )
    current.user = user
    current.version += 1
    current.save(update_fields=["user", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="staff.account_create",
        obj=current,
        changes={"user": {"new": user.username}, "role": role},
    )
    return current


@transaction.atomic
def staff_account_link(*, actor, member: StaffMember, username: str) -> StaffMember:
    """District staff link the person's entry to an existing account of their district (one
    holding a role there), or unlink it (an empty username). A link grants nothing: the
    roles are granted on 人员与角色."""
    current = _lock(member, None)
    if not can_link_accounts_for(actor, current):
        raise PermissionDenied
    username = (username or "").strip()
    old = current.user.username if current.user_id else None
    user = None
    if username:
        managed = district_area_ids(districts_managed_by(actor))
        user = User.objects.filter(
            username=username,
            is_active=True,
            pk__in=RoleAssignment.objects.filter(area_id__in=managed).values("user_id"),
        ).first()
        if user is None:
            raise ValidationError(
                {"username": [_("No active account with a role in your district has this name.")]}
            )
    if (user.pk if user else None) == current.user_id:
        return current
    current.user = user
    current.version += 1
    try:
        with transaction.atomic():
            current.save(update_fields=["user", "version", "updated_at"])
    except IntegrityError as exc:
        raise ValidationError(
            {"username": [_("This account is linked to another open roster entry.")]}
        ) from exc
    audit_record(
        actor=actor,
        action="staff.account_link" if user else "staff.account_unlink",
        obj=current,
        changes={"user": {"old": old, "new": user.username if user else None}},
    )
    return current


# --- honours ----------------------------------------------------------------------------------


@transaction.atomic
def honour_add(*, actor, member: StaffMember, data: dict[str, Any]) -> Honour:
    """Record an honour or award of the person."""
    if not can_keep_member(actor, member):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    title = clean_text(data.get("title"))
    if not title:
        errors["title"] = [_("Please give the title of the honour.")]
    elif len(title) > 200:
        errors["title"] = [_too_long(200)]
    level = data.get("level")
    if level not in HonourLevel.values:
        errors["level"] = [_("Please choose the level.")]
    awarded_on = _date_or_none(data.get("awarded_on"))
    if awarded_on is None or not EARLIEST <= awarded_on <= timezone.localdate():
        errors["awarded_on"] = [_("Please give the date it was awarded (not in the future).")]
    issuer = clean_text(data.get("issuer"))
    if len(issuer) > 100:
        errors["issuer"] = [_too_long(100)]
    if errors:
        raise ValidationError(errors)
    honour = Honour.objects.create(
        member=member, title=title, level=level, awarded_on=awarded_on, issuer=issuer
    )
    audit_record(
        actor=actor,
        action="staff.honour_add",
        obj=honour,
        district=member.district_id,
        changes={
            "member": member.pk,
            "title": title,
            "level": level,
            "awarded_on": awarded_on.isoformat(),
            "issuer": issuer,
        },
    )
    return honour


@transaction.atomic
def honour_remove(*, actor, honour: Honour) -> None:
    """Take off an honour recorded by mistake (the audit row keeps what it said)."""
    if not can_keep_member(actor, honour.member):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action="staff.honour_remove",
        obj=honour,
        district=honour.member.district_id,
        changes={
            "member": honour.member_id,
            "title": honour.title,
            "level": honour.level,
            "awarded_on": honour.awarded_on.isoformat(),
        },
    )
    honour.delete()
