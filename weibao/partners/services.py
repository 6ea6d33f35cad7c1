"""Writes for the "1+N" partner registry and for referrals (转介).

Partners: supervisors keep the registry of their 街镇 and its 居民区, district staff all of the
district (selectors.can_manage_partners_in). A partner is never deleted (referrals and service
records point at it): it is deactivated, and can be reactivated.

Referrals: a case's workers refer the child to an active partner they can see, with a deadline
to accept; then record the partner's answers along workflow.REFERRAL. Every change writes its
audit row with the case (case_audit), so it shows in the case timeline."""

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from weibao.areas.models import Area
from weibao.areas.selectors import area_is_closed
from weibao.audit.services import audit_record
from weibao.core.exceptions import ConflictError
from weibao.core.text import TEXT_LIMIT
from weibao.partners.models import Partner, PartnerKind
from weibao.partners.selectors import (
    areas_managed_by,
    can_manage_partners_in,
)

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
    elif (instance is None or area.pk != instance.area_id) and area_is_closed(area):
        # A closed area is no new value (docs/domain.md §1.16); a partner already there stays.
        errors["area"] = [_("%(area)s is closed.") % {"area": area.name}]
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
