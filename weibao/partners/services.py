"""Writes for the "1+N" partner registry and for referrals (转介).

Partners: supervisors keep the registry of their 街镇 and its 居民区, district staff all of the
district (selectors.can_manage_partners_in). A partner is never deleted (referrals and service
records point at it): it is deactivated, and can be reactivated.

Referrals: a case's workers refer the child to an active partner they can see, with a deadline
to accept; then record the partner's answers along workflow.REFERRAL. Every change writes its
audit row with the case (case_audit), so it shows in the case timeline."""

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.areas.models import Area
from weibao.audit.services import audit_record
from weibao.cases import workflow as case_workflow
from weibao.cases.models import Case
from weibao.cases.selectors import case_roles
from weibao.cases.services import case_audit
from weibao.core.exceptions import ConflictError
from weibao.core.text import TEXT_LIMIT, checked_text
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner, PartnerKind, Referral
from weibao.partners.selectors import (
    areas_managed_by,
    can_manage_partners_in,
    partners_visible_to,
)
from weibao.partners.workflow import REFERRAL

# How far ahead the partner may be given to answer a referral.
MAX_ACCEPT_DAYS = 60
PHONE_RE = re.compile(r"^[0-9+()\- ]{3,30}(?:(?:ext\.?|转|x)\s*[0-9]{1,6})?$", re.IGNORECASE)

PARTNER_FIELDS = (
    "name", "kind", "area", "services", "address", "contact_name", "contact_phone", "notes",
)  # fmt: skip
PARTNER_LIMITS = {
    "name": 100,
    "services": 300,
    "address": 200,
    "contact_name": 64,
    "contact_phone": 30,
    "notes": TEXT_LIMIT,
}


# --- partners -------------------------------------------------------------------------------


def _too_long(n: int) -> str:
    return _("Please keep this under %(n)d characters.") % {"n": n}


def _clean_partner(actor, data: dict[str, Any], *, instance: Partner | None) -> dict[str, Any]:
    """The cleaned values, or a ValidationError with every field's message."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for field, limit in PARTNER_LIMITS.items():
        value = data.get(field, getattr(instance, field, "") if instance else "")
        value = " ".join(str(value or "").split()) if field != "notes" else str(value or "").strip()
        if len(value) > limit:
            errors[field] = [_too_long(limit)]
        clean[field] = value
    if not clean["name"]:
        errors["name"] = [_("Please give the partner's name.")]
    kind = data.get("kind", instance.kind if instance else "")
    if kind not in PartnerKind.values:
        errors["kind"] = [_("Please choose the type of partner.")]
    clean["kind"] = kind
    area = data.get("area", instance.area if instance else None)
    if not isinstance(area, Area):
        errors["area"] = [_("Please choose the area the partner serves.")]
    elif not can_manage_partners_in(actor, area):
        errors["area"] = [_("You cannot register partners in this area.")]
    clean["area"] = area
    phone = clean["contact_phone"]
    if phone and not PHONE_RE.match(phone):
        errors["contact_phone"] = [
            _("Please give a phone number: digits, spaces, +, - and brackets only.")
        ]
    if "name" not in errors and "area" not in errors:
        clash = Partner.objects.filter(area=area, name__iexact=clean["name"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["name"] = [_duplicate_message(clean["name"], area)]
    if errors:
        raise ValidationError(errors)
    return clean


def _duplicate_message(name: str, area: Area) -> str:
    return _("A partner named “%(name)s” is already registered in %(area)s.") % {
        "name": name,
        "area": area.name,
    }


def _save_partner(partner: Partner) -> None:
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError as exc:  # the same name registered at the same moment
        raise ValidationError({"name": [_duplicate_message(partner.name, partner.area)]}) from exc


def _audit_value(value: Any) -> Any:
    return value.pk if isinstance(value, Area) else value


def can_manage_partner(user, partner: Partner) -> bool:
    return can_manage_partners_in(user, partner.area)


@transaction.atomic
def partner_create(*, actor, data: dict[str, Any]) -> Partner:
    """Register a partner in an area the actor manages."""
    if not areas_managed_by(actor).exists():
        raise PermissionDenied
    clean = _clean_partner(actor, data, instance=None)
    partner = Partner(**clean)
    _save_partner(partner)
    audit_record(
        actor=actor,
        action="partner.create",
        obj=partner,
        changes={field: {"new": _audit_value(clean[field])} for field in PARTNER_FIELDS},
    )
    return partner


def _lock_partner(partner: Partner, expected_version: int | None) -> Partner:
    current = Partner.objects.select_for_update().select_related("area").get(pk=partner.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


@transaction.atomic
def partner_update(
    *, actor, partner: Partner, data: dict[str, Any], expected_version: int | None = None
) -> Partner:
    """Change a partner's details. The actor must manage both its current area and, when it
    moves, the new one."""
    current = _lock_partner(partner, expected_version)
    if not can_manage_partner(actor, current):
        raise PermissionDenied
    clean = _clean_partner(actor, data, instance=current)
    changes = {}
    for field in PARTNER_FIELDS:
        old, new = getattr(current, field), clean[field]
        if old != new:
            changes[field] = {"old": _audit_value(old), "new": _audit_value(new)}
            setattr(current, field, new)
    if not changes:
        return current
    current.version += 1
    _save_partner(current)
    audit_record(actor=actor, action="partner.update", obj=current, changes=changes)
    return current


@transaction.atomic
def partner_set_active(
    *,
    actor,
    partner: Partner,
    active: bool,
    note: str = "",
    expected_version: int | None = None,
) -> Partner:
    """Deactivate (instead of deleting) or reactivate a partner. A deactivated partner keeps
    its history but gets no new referrals or service records."""
    current = _lock_partner(partner, expected_version)
    if not can_manage_partner(actor, current):
        raise PermissionDenied
    note = (note or "").strip()
    if len(note) > TEXT_LIMIT:
        raise ValidationError({"note": [_too_long(TEXT_LIMIT)]})
    if current.active == active:
        return current
    current.active = active
    current.version += 1
    current.save(update_fields=["active", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="partner.reactivate" if active else "partner.deactivate",
        obj=current,
        changes={"active": {"old": not active, "new": active}},
        note=note,
    )
    return current


# --- referrals ------------------------------------------------------------------------------


def _live_duplicate_message() -> str:
    return _(
        "This case already has a pending or accepted referral to this partner. Revoke or "
        "complete it before referring again."
    )


@transaction.atomic
def referral_create(
    *,
    actor,
    case: Case,
    partner: Partner | None,
    service_type: str = "",
    reason: str,
    accept_by: dt.date | None,
) -> Referral:
    """Refer an open case's child to an active partner, who should accept within
    MAX_ACCEPT_DAYS days."""
    current = Case.objects.select_for_update().select_related("child").get(pk=case.pk)
    if not case_roles(actor, current) & case_workflow.WORKERS:
        raise PermissionDenied
    if not current.is_open:
        raise ValidationError(
            {"state": [_("Only an open case can be referred.")]}, code="case_closed"
        )
    errors: dict[str, list[str]] = {}
    if partner is None:
        errors["partner"] = [_("Please choose the partner to refer to.")]
    elif not partners_visible_to(actor).filter(pk=partner.pk).exists():
        errors["partner"] = [_("No such partner in your areas.")]
    elif not partner.active:
        errors["partner"] = [_("This partner is no longer active.")]
    elif Referral.objects.filter(
        case=current, partner=partner, state__in=[Referral.State.PENDING, Referral.State.ACCEPTED]
    ).exists():
        errors["partner"] = [_live_duplicate_message()]
    if service_type and service_type not in ServiceType.values:
        errors["service_type"] = [_("Please choose a service from the list.")]
    today = timezone.localdate()
    if accept_by is None:
        errors["accept_by"] = [_("Please give the date by which the partner should accept.")]
    elif accept_by < today:
        errors["accept_by"] = [_("The deadline cannot be in the past.")]
    elif accept_by > today + dt.timedelta(days=MAX_ACCEPT_DAYS):
        errors["accept_by"] = [
            _("The deadline can be at most %(n)d days from today.") % {"n": MAX_ACCEPT_DAYS}
        ]
    try:
        reason = checked_text(
            reason, "reason", required=True, message=_("Please give the reason for the referral.")
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        case=current,
        partner=partner,
        service_type=service_type or "",
        reason=reason,
        accept_by=accept_by,
        created_by=actor,
    )
    referral.district_id = current.district_id
    referral.subdistrict_id = current.subdistrict_id
    referral.community_id = current.community_id
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as exc:  # a second referral saved at the same moment
        raise ValidationError({"partner": [_live_duplicate_message()]}) from exc
    case_audit(
        actor=actor,
        case=current,
        action="referral.create",
        changes={
            "referral": {"new": referral.pk},
            "partner": {"new": partner.name},
            "state": {"old": None, "new": referral.state},
            "accept_by": {"new": accept_by.isoformat()},
            "service_type": {"new": referral.service_type or None},
        },
        note=reason,
    )
    return referral


# What each transition records, and whether the text is required.
TRANSITION_TEXT = {
    "accept": ("response_note", False),
    "reject": ("response_note", True),
    "complete": ("feedback", True),
    "revoke": ("revoke_reason", True),
}


def transition_text_message(name: str) -> str:
    return {
        "reject": _("Please record the partner's reason for rejecting."),
        "complete": _("Please record the partner's feedback."),
        "revoke": _("Please give the reason for revoking the referral."),
    }.get(name, "")


@transaction.atomic
def referral_transition(
    *,
    actor,
    referral: Referral,
    name: str,
    note: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Move a referral along workflow.REFERRAL: accept (note optional), reject (the partner's
    reason), complete (the partner's feedback), revoke (why)."""
    if name not in TRANSITION_TEXT:
        raise ValidationError({"transition": [_("Unknown action.")]})
    current = (
        Referral.objects.select_for_update()
        .select_related("case", "case__child", "partner")
        .get(pk=referral.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    transition = REFERRAL.check(name, current.state, case_roles(actor, current.case))
    field, required = TRANSITION_TEXT[name]
    note = checked_text(note, "note", required=required, message=transition_text_message(name))
    old = current.state
    current.state = transition.target
    now = timezone.now()
    fields = ["state", field, "version"]
    setattr(current, field, note)
    if name in ("accept", "reject"):
        current.responded_at = now
        fields.append("responded_at")
    elif name == "complete":
        current.completed_at = now
        fields.append("completed_at")
    else:
        current.revoked_at = now
        fields.append("revoked_at")
    current.version += 1
    current.save(update_fields=fields)
    case_audit(
        actor=actor,
        case=current.case,
        action=f"referral.{name}",
        changes={
            "referral": {"new": current.pk},
            "partner": {"new": current.partner.name},
            "state": {"old": old, "new": current.state},
        },
        note=note,
    )
    return current


def referral_accept(*, actor, referral: Referral, note: str = "", expected_version=None):
    return referral_transition(
        actor=actor, referral=referral, name="accept", note=note, expected_version=expected_version
    )


def referral_reject(*, actor, referral: Referral, reason: str, expected_version=None):
    return referral_transition(
        actor=actor,
        referral=referral,
        name="reject",
        note=reason,
        expected_version=expected_version,
    )


def referral_complete(*, actor, referral: Referral, feedback: str, expected_version=None):
    return referral_transition(
        actor=actor,
        referral=referral,
        name="complete",
        note=feedback,
        expected_version=expected_version,
    )


def referral_revoke(*, actor, referral: Referral, reason: str, expected_version=None):
    return referral_transition(
        actor=actor,
        referral=referral,
        name="revoke",
        note=reason,
        expected_version=expected_version,
    )
