"""Writes for referrals (转介): a case's workers refer the child to an active partner they can
see, with a deadline to accept; then record the partner's answers along workflow.REFERRAL. Every
change writes its audit row with the case (case_audit), so it shows in the case timeline."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weibao.accounts.selectors import same_district_as_child
from weibao.areas.columns import area_columns_move
from weibao.areas.models import lock_where_read
from weibao.audit.services import audit_record
from weibao.cases import workflow as case_workflow
from weibao.cases.models import Case
from weibao.cases.selectors import case_roles, case_rows_to_lock
from weibao.cases.services import case_audit
from weibao.core.exceptions import Blocked, ConflictError
from weibao.core.text import checked_text
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner
from weibao.partners.selectors import (
    partners_visible_to,
)
from weibao.referrals.models import Referral
from weibao.referrals.workflow import REFERRAL

# How far ahead the partner may be given to answer a referral.
MAX_ACCEPT_DAYS = 60


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
    current = lock_where_read(case_rows_to_lock(), case)
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
    current = lock_where_read(
        Referral.objects.select_for_update()
        .select_related("case", "case__child", "partner")
        # The joined case and child lie in the referral's district: said, so the lock is one
        # district's (docs/scale.md, "What changes in the code", point 9).
        .filter(same_district_as_child("case__"), case__district_id=F("district_id")),
        referral,
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


# --- closing a case (registered on cases.hooks.case_close_guards) ---------------------------


def refuse_with_live_referrals(case: Case) -> None:
    """A case closes only when every referral has an outcome: a partner still working with the
    child (or yet to answer) would otherwise be left with a referral nobody follows."""
    live = list(
        Referral.objects.filter(
            case=case, state__in=[Referral.State.PENDING, Referral.State.ACCEPTED]
        ).values_list("partner__name", flat=True)
    )
    if live:
        message = ngettext(
            "%(n)d referral is still in progress (%(partners)s): record its outcome or revoke "
            "it before closing the case.",
            "%(n)d referrals are still in progress (%(partners)s): record their outcomes or "
            "revoke them before closing the case.",
            len(live),
        ) % {"n": len(live), "partners": "、".join(sorted(live))}
        raise Blocked(message, code="live_referrals")


# --- a child who moved (an accepted transfer) -----------------------------------------------


@transaction.atomic
def referrals_move_area(*, actor, case: Case) -> dict:
    """Bring the case's referrals to the area the case moved to, after cases.case_move_area:
    the live ones are then the new 街镇's to follow (its supervisor is told of a missed
    deadline), the finished ones stay the case's record (docs/domain.md §3.12). The partner
    stays the same; whether to revoke and refer anew near the new home is the new area's
    call. Called inside transfers.services.transfer_accept's transaction, which checks who
    may."""
    moved = area_columns_move(Referral.objects.filter(case=case), to=case)
    if moved:
        audit_record(actor=actor, action="referral.move_area", obj=case, changes=moved)
    return moved


# --- the end of the retention period (children.hooks.child_anonymise_parts) -----------------


def referrals_anonymise_child(*, actor, child) -> dict[str, int]:
    """The child's file is anonymised (inside children.services.child_anonymise's
    transaction, which writes the audit row): the referrals' reasons, the partners' responses
    and feedback and the revocation reasons are cleared; the partner, service, states and
    dates stay."""
    referrals = Referral.objects.filter(case__child=child)
    return {
        "referrals": referrals.update(reason="", response_note="", feedback="", revoke_reason="")
    }
