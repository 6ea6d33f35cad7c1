"""Writes for the services delivered to a child (服务台账): each service is recorded against
the child's open case and shows in the case, the child's file and the 街镇 ledger.

Rules for a new record (service_record_create):
- the actor is on the case team (workflow.TEAM: a worker, or a member named in the plan) and
  the case is open;
- the date is not in the future, not before the child's birth, and not more than
  BACKDATE_DAYS before the case was opened: services given in the days just before the case
  was filed (emergency care, a first counselling session) may be recorded, older ones belong
  to no case;
- the duration is 1 to 1440 minutes (one day);
- exactly one provider: a staff member who could own the case (services.eligible_owner), or an
  active partner the actor can see (partners_visible_to);
- the planned service it delivers, if any, is one still to be done in the case's current plan
  (cases.selectors.open_plan_items); saving the record moves that item on through the cases
  app (cases.plans.planned_service_progress).

A case closes only after at least one service was recorded on it (refuse_without_services, on
cases.hooks.case_close_guards).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.selectors import same_district_as_child
from weibao.areas.columns import area_columns_move
from weibao.areas.models import lock_where_read
from weibao.audit.services import audit_record
from weibao.cases import workflow
from weibao.cases.blockers import closes_without_services
from weibao.cases.models import Case, PlannedService
from weibao.cases.plans import planned_service_progress
from weibao.cases.selectors import (
    BACKDATE_DAYS,
    case_roles,
    case_rows_to_lock,
    earliest_date,
    open_plan_items,
)
from weibao.cases.services import case_audit, eligible_owner
from weibao.core.dates import month_bounds
from weibao.core.exceptions import Blocked
from weibao.core.text import TEXT_LIMIT, checked_text
from weibao.ledger.models import ServiceRecord
from weibao.ledger.selectors import service_records_visible_to
from weibao.partners.choices import ServiceType
from weibao.partners.selectors import partners_visible_to

MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class ServiceInput:
    delivered_on: dt.date | None
    service_type: str
    duration_minutes: int | None
    provider_user: object | None = None
    provider_partner: object | None = None
    notes: str = ""
    planned_service: PlannedService | None = None
    completes_item: bool = False


def validate_service(*, actor, case: Case, data: ServiceInput) -> dict[str, list[str]]:
    """Field → messages for everything wrong with the input (empty when it is fine)."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if data.delivered_on is None:
        errors["delivered_on"] = [_("Please give the date the service was delivered.")]
    elif data.delivered_on > today:
        errors["delivered_on"] = [_("The date cannot be in the future.")]
    elif data.delivered_on < earliest_date(case):
        errors["delivered_on"] = [
            _(
                "The date cannot be before %(date)s (the child's birth, or %(days)d days "
                "before the case was opened)."
            )
            % {"date": earliest_date(case).isoformat(), "days": BACKDATE_DAYS}
        ]
    if data.service_type not in ServiceType.values:
        errors["service_type"] = [_("Please choose the service.")]
    minutes = data.duration_minutes
    if minutes is None or isinstance(minutes, bool) or not isinstance(minutes, int):
        errors["duration_minutes"] = [_("Please give the duration in minutes.")]
    elif not 1 <= minutes <= MAX_MINUTES:
        errors["duration_minutes"] = [
            _("The duration must be between 1 and %(max)d minutes.") % {"max": MAX_MINUTES}
        ]
    user, partner = data.provider_user, data.provider_partner
    if user is None and partner is None:
        errors["provider"] = [
            _("Please choose who provided the service: a staff member or a partner.")
        ]
    elif user is not None and partner is not None:
        errors["provider"] = [_("Choose either a staff member or a partner, not both.")]
    elif user is not None and not (user.is_active and eligible_owner(user, case.child)):
        errors["provider"] = [_("This person does not work in the child's area.")]
    elif partner is not None:
        if not partners_visible_to(actor).filter(pk=partner.pk).exists():
            errors["provider"] = [_("No such partner in your areas.")]
        elif not partner.active:
            errors["provider"] = [_("This partner is no longer active.")]
    if len(data.notes or "") > TEXT_LIMIT:
        errors["notes"] = [_("Please keep this under %(n)d characters.") % {"n": TEXT_LIMIT}]
    item = data.planned_service
    if item is not None and not open_plan_items(case).filter(pk=item.pk).exists():
        # Another case's item, an earlier version's, or one done meanwhile: all the same here.
        errors["planned_service"] = [
            _("Choose a service of this case's current plan that is not done or cancelled.")
        ]
    if data.completes_item and item is None:
        errors["completes_item"] = [_("Choose the planned service this record completes.")]
    return errors


@transaction.atomic
def service_record_create(
    *,
    actor,
    case: Case,
    delivered_on: dt.date | None,
    service_type: str,
    duration_minutes: int | None,
    provider_user=None,
    provider_partner=None,
    notes: str = "",
    planned_service: PlannedService | None = None,
    completes_item: bool = False,
) -> ServiceRecord:
    """Record a service delivered to the child of an open case; when it delivers a planned
    service, that item is now in progress, or done if the record completes it."""
    current = lock_where_read(case_rows_to_lock(), case)
    if not case_roles(actor, current) & workflow.TEAM:
        raise PermissionDenied
    if not current.is_open:
        raise ValidationError(
            {"state": [_("Services can only be recorded on an open case.")]}, code="case_closed"
        )
    data = ServiceInput(
        delivered_on=delivered_on,
        service_type=service_type,
        duration_minutes=duration_minutes,
        provider_user=provider_user,
        provider_partner=provider_partner,
        notes=(notes or "").strip(),
        planned_service=planned_service,
        completes_item=bool(completes_item),
    )
    errors = validate_service(actor=actor, case=current, data=data)
    if errors:
        raise ValidationError(errors)
    record = ServiceRecord(
        case=current,
        child=current.child,
        delivered_on=data.delivered_on,
        service_type=data.service_type,
        provider_user=data.provider_user,
        provider_partner=data.provider_partner,
        duration_minutes=data.duration_minutes,
        notes=data.notes,
        planned_service=data.planned_service,
        completes_item=data.completes_item,
        recorded_by=actor,
    )
    record.district_id = current.district_id
    record.subdistrict_id = current.subdistrict_id
    record.community_id = current.community_id
    record.save()
    changes = {
        "service_record": {"new": record.pk},
        "service_type": {"new": record.service_type},
        "delivered_on": {"new": record.delivered_on.isoformat()},
        "duration_minutes": {"new": record.duration_minutes},
        "provider": {"new": provider_name(record)},
    }
    if record.planned_service_id:
        changes["planned_service"] = {"new": record.planned_service_id}
        changes["completes_item"] = {"new": record.completes_item}
    case_audit(
        actor=actor, case=current, action="service.record", changes=changes, note=record.notes
    )
    if record.planned_service_id:
        # The item's progress belongs to the plan: the cases app writes it (and its audit row).
        planned_service_progress(
            actor=actor, case=current, item=record.planned_service, done=record.completes_item
        )
    return record


def can_void(user, record: ServiceRecord) -> bool:
    """Who may void a record: whoever recorded it, while the case is open; the supervisor or
    the district on the case at any time (a closed case's ledger is theirs to correct)."""
    if record.voided_at is not None:
        return False
    roles = case_roles(user, record.case)
    if roles & workflow.APPROVERS:
        return True
    return record.case.is_open and record.recorded_by_id == user.pk and bool(roles & workflow.TEAM)


@transaction.atomic
def service_record_void(*, actor, record: ServiceRecord, reason: str) -> ServiceRecord:
    """Void a record entered by mistake (wrong child, date, duration...): it leaves the ledger
    and the totals, stays in the case with the reason, and a corrected record can be entered.
    The planned service it completed stays done: whether it really was is for the worker to
    say in the plan (kept simple on purpose; the timeline shows both steps)."""
    current = lock_where_read(
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("case", "case__child", "provider_user", "provider_partner")
        # The joined case and child lie in the record's district: said, so the lock is one
        # district's (docs/scale.md, "What changes in the code", point 9).
        .filter(same_district_as_child("case__"), case__district_id=F("district_id")),
        record,
    )
    if current.voided_at is not None:
        raise ValidationError(
            {"state": [_("This service record has already been voided.")]}, code="voided"
        )
    if not can_void(actor, current):
        raise PermissionDenied
    reason = checked_text(
        reason, "reason", required=True, message=_("Please say why the record is wrong.")
    )
    current.voided_at, current.voided_by, current.void_reason = timezone.now(), actor, reason
    current.save(update_fields=["voided_at", "voided_by", "void_reason"])
    case_audit(
        actor=actor,
        case=current.case,
        action="service.void",
        changes={
            "service_record": {"old": current.pk},
            "service_type": {"old": current.service_type},
            "delivered_on": {"old": current.delivered_on.isoformat()},
            "duration_minutes": {"old": current.duration_minutes},
            "provider": {"old": provider_name(current)},
        },
        note=reason,
    )
    return current


# --- closing a case (registered on cases.hooks.case_close_guards) ---------------------------


def refuse_without_services(case: Case) -> None:
    """A case closes only once a service has been recorded on it (a voided record does not
    count): closing means the child was served. A case closing after its assessment for no
    protection need is excused."""
    if closes_without_services(case):
        return
    if not ServiceRecord.objects.filter(case=case, voided_at__isnull=True).exists():
        raise Blocked(
            _(
                "No service has been recorded on this case: record the services the child "
                "received before asking to close."
            ),
            code="service_record_missing",
        )


def provider_name(record: ServiceRecord) -> str:
    """Who provided the service, as the timeline shows it (the record keeps the ids)."""
    if record.provider_partner_id:
        return record.provider_partner.name
    return str(record.provider_user)


def hours(minutes: int | None) -> str:
    """Minutes as hours with one decimal ("1.5")."""
    return f"{(minutes or 0) / 60:.1f}"


# --- the ledger (reads) ---------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFilters:
    """The ledger's filters; None / "" means "any". `provider` is "user:<id>" or
    "partner:<id>"."""

    year: int | None = None
    month: int | None = None
    service_type: str = ""
    provider: str = ""
    district_id: int | None = None
    subdistrict_id: int | None = None
    community_id: int | None = None
    case_id: int | None = None


def parse_provider(value: str | None) -> tuple[str, int] | None:
    """("user" | "partner", id) from "user:5" / "partner:3"; None when not understood."""
    kind, _sep, raw = (value or "").strip().partition(":")
    if kind in ("user", "partner") and raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63:
        return kind, int(raw)
    return None


def ledger_records(user, filters: LedgerFilters):
    """The service records the user may see, filtered; ordered for the ledger (by 居民区,
    date)."""
    qs = service_records_visible_to(user).filter(voided_at__isnull=True)
    if filters.year and filters.month:
        first, last = month_bounds(filters.year, filters.month)
        qs = qs.filter(delivered_on__gte=first, delivered_on__lte=last)
    if filters.service_type:
        qs = qs.filter(service_type=filters.service_type)
    provider = parse_provider(filters.provider)
    if provider is not None:
        kind, pk = provider
        qs = qs.filter(**{f"provider_{kind}_id": pk})
    if filters.district_id:
        qs = qs.filter(district_id=filters.district_id)
    if filters.subdistrict_id:
        qs = qs.filter(subdistrict_id=filters.subdistrict_id)
    if filters.community_id:
        qs = qs.filter(community_id=filters.community_id)
    if filters.case_id:
        qs = qs.filter(case_id=filters.case_id)
    return qs.select_related(
        "child", "case", "community", "provider_user", "provider_partner", "recorded_by"
    ).order_by("community__name", "delivered_on", "pk")


def service_ledger_exported(*, actor, area, year: int, month: int, rows: int, filters) -> None:
    """Every export of the 服务台账 is in the audit log: who, which area and month, how many
    rows, with which filters."""
    audit_record(
        actor=actor,
        action="ledger.export",
        obj=area,
        changes={
            "month": f"{year:04d}-{month:02d}",
            "rows": rows,
            "service_type": filters.service_type or None,
            "provider": filters.provider or None,
            "community": filters.community_id,
        },
    )


# --- a child who moved (an accepted transfer) -----------------------------------------------


@transaction.atomic
def service_records_move_area(*, actor, case: Case) -> dict:
    """Bring the case's service records (voided ones too) to the area the case moved to,
    after cases.case_move_area: they are the case's, seen through it, and the ledgers filter
    them by these columns (docs/domain.md §3.12). Called inside
    transfers.services.transfer_accept's transaction, which checks who may."""
    moved = area_columns_move(ServiceRecord.objects.filter(case=case), to=case)
    if moved:
        audit_record(actor=actor, action="service.move_area", obj=case, changes=moved)
    return moved


# --- the end of the retention period (children.hooks.child_anonymise_parts) -----------------


def service_records_anonymise_child(*, actor, child) -> dict[str, int]:
    """The child's file is anonymised (inside children.services.child_anonymise's
    transaction, which writes the audit row): the services' notes and void reasons are
    cleared; the date, type, provider, duration and whether it was voided stay, for the
    ledger's totals."""
    records = ServiceRecord.objects.filter(child=child)
    return {"service_records": records.update(notes="", void_reason="")}
