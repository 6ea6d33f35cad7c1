"""一人一策: the case plan. Each save writes a new PlanVersion with its PlannedService rows;
earlier versions stay as they were, so the plan's history can always be read back. The current
plan is the highest-numbered version (selectors.current_plan).

A planned service's status (and the reason it was cancelled) is its progress, not part of the
plan's wording: a service record delivering it moves it on in place, on the current version
(planned_service_progress), and a new version carries it forward unless the user changed it.
An earlier version therefore shows its services as they stood when it was replaced."""

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.areas.models import lock_where_read
from weibao.cases import workflow
from weibao.cases.choices import PlannedServiceStatus
from weibao.cases.models import Case, PlannedService, PlanVersion
from weibao.cases.selectors import (
    UNSETTLED,
    case_roles,
    case_rows_to_lock,
    current_plan,
    eligible_owners,
    kept_off_restricted_case,
    plan_services,
)
from weibao.cases.services import case_audit, team_add_plan_people
from weibao.core.exceptions import ConflictError
from weibao.notifications.models import Notification
from weibao.notifications.services import notify
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner
from weibao.partners.selectors import partners_visible_to

GOALS_LIMIT = 5000
NOTE_LIMIT = PlanVersion._meta.get_field("change_note").max_length
DESCRIPTION_LIMIT = PlannedService._meta.get_field("description").max_length
CANCEL_REASON_LIMIT = PlannedService._meta.get_field("cancel_reason").max_length
MAX_SERVICES = 30
# A review date further away than this is almost certainly a typing error (2062 for 2026).
REVIEW_HORIZON = dt.timedelta(days=3 * 366)
DUE_HORIZON = dt.timedelta(days=5 * 366)


@dataclass
class PlannedServiceInput:
    """One planned service as the user typed it. `responsible_user` and `responsible_partner`
    may be given as objects or as ids; at least one of them is needed. `id` is the planned
    service of the current version this one continues: left empty, `status` (and
    `cancel_reason`) keep that service's progress; a new service starts as planned."""

    service_type: str = ""
    due_on: dt.date | str | None = None
    responsible_user: User | int | None = None
    responsible_partner: Partner | int | None = None
    description: str = ""
    status: str = ""
    cancel_reason: str = ""
    id: int | None = None


_INPUT_FIELDS = {f.name for f in fields(PlannedServiceInput)}


def _as_input(item: Any) -> PlannedServiceInput:
    if isinstance(item, PlannedServiceInput):
        return item
    if isinstance(item, dict):
        return PlannedServiceInput(**{k: v for k, v in item.items() if k in _INPUT_FIELDS})
    return PlannedServiceInput(**{k: getattr(item, k) for k in _INPUT_FIELDS if hasattr(item, k)})


def goals_text(goals: str | list[str] | None) -> str:
    """Goals are one per line; a list is joined that way."""
    if isinstance(goals, (list, tuple)):
        goals = "\n".join(str(g) for g in goals)
    lines = [line.strip() for line in (goals or "").splitlines()]
    return "\n".join(line for line in lines if line)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _pk(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, bool):
        return -1
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class _Checker:
    """Collects field-level messages: "services.<n>.<field>" for the n-th planned service (from
    0), so a form or an API client can put each message next to its field."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)


def _check_review(check: _Checker, review_on: Any, previous: PlanVersion | None, today) -> Any:
    day = _as_date(review_on)
    if review_on in (None, ""):
        check.add("review_on", _("Please give a review date."))
    elif day is None:
        check.add("review_on", _("Enter a valid date."))
    elif day < today and not (previous is not None and day == previous.review_on):
        # A plan may keep the review date it already had; a new date must lie ahead.
        check.add("review_on", _("The review date cannot be in the past."))
    elif day > today + REVIEW_HORIZON:
        check.add("review_on", _("The review date is too far away; please check the year."))
    return day


def _check_progress(
    check: _Checker, prefix: str, item: PlannedServiceInput, kept: dict[int, PlannedService]
) -> tuple[str, str]:
    """The status and cancel reason of the new row: as given, or carried forward from the
    service of the current version it continues."""
    continued = None
    if item.id not in (None, ""):
        continued = kept.get(_pk(item.id))
        if continued is None:
            check.add(
                prefix + "id",
                _("This planned service is not in the current plan; reload the plan."),
            )
    status = item.status or (continued.status if continued else PlannedServiceStatus.PLANNED)
    reason = (item.cancel_reason or "").strip()
    if not item.status and continued is not None and not reason:
        reason = continued.cancel_reason
    if status not in PlannedServiceStatus.values:
        check.add(prefix + "status", _("Please choose a status."))
    elif status != PlannedServiceStatus.CANCELLED:
        reason = ""  # only a cancelled service has a reason to keep
    elif not reason:
        check.add(prefix + "cancel_reason", _("Please say why this service is cancelled."))
    elif len(reason) > CANCEL_REASON_LIMIT:
        check.add(
            prefix + "cancel_reason",
            _("Please keep this under %(n)d characters.") % {"n": CANCEL_REASON_LIMIT},
        )
    return status, reason


def _check_service(
    check: _Checker,
    n: int,
    item: PlannedServiceInput,
    *,
    users: dict[int, User],
    partners: dict[int, Partner],
    kept: dict[int, PlannedService],
    today: dt.date,
) -> PlannedService:
    prefix = f"services.{n}."
    if item.service_type not in ServiceType.values:
        check.add(prefix + "service_type", _("Please choose a service."))
    status, cancel_reason = _check_progress(check, prefix, item, kept)
    description = (item.description or "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        check.add(
            prefix + "description",
            _("Please keep this under %(n)d characters.") % {"n": DESCRIPTION_LIMIT},
        )
    due_on = _as_date(item.due_on)
    if item.due_on in (None, ""):
        check.add(prefix + "due_on", _("Please give a due date."))
    elif due_on is None:
        check.add(prefix + "due_on", _("Enter a valid date."))
    elif abs(due_on - today) > DUE_HORIZON:
        check.add(prefix + "due_on", _("The due date is too far away; please check the year."))
    user_id, partner_id = _pk(item.responsible_user), _pk(item.responsible_partner)
    user = users.get(user_id) if user_id is not None else None
    partner = partners.get(partner_id) if partner_id is not None else None
    if user_id is None and partner_id is None:
        check.add(
            prefix + "responsible_user", _("Please choose who is responsible for this service.")
        )
    if user_id is not None and user is None:
        check.add(
            prefix + "responsible_user",
            _("The responsible person must work in the child's residential area."),
        )
    if partner_id is not None and partner is None:
        check.add(prefix + "responsible_partner", _("No such partner in your areas."))
    return PlannedService(
        service_type=item.service_type,
        responsible_user=user,
        responsible_partner=partner,
        description=description,
        due_on=due_on,
        status=status,
        cancel_reason=cancel_reason,
    )


def _check_restriction(check: _Checker, case: Case, rows: list[PlannedService]) -> None:
    """A restricted case keeps the 居民区's directors off its team: the plan cannot bring one
    back (only the supervisor lifts the restriction)."""
    if not case.restricted:
        return
    kept_off = set(kept_off_restricted_case(case))
    for n, row in enumerate(rows):
        if row.responsible_user_id in kept_off:
            check.add(
                f"services.{n}.responsible_user",
                _("This case is restricted: this person may not be named in its plan."),
            )


def _tell_the_responsible(actor, case: Case, plan: PlanVersion, rows, kept) -> None:
    """Everyone named in the plan joins the case team; each person given an item they did not
    hold in the previous version is told, once per version."""
    people = {row.responsible_user_id for row in rows} - {None}
    team_add_plan_people(case=case, user_ids=people)
    held = {(s.service_type, s.responsible_user_id) for s in kept}
    new_items: dict[int, int] = {}
    for row in rows:
        if row.responsible_user_id and (row.service_type, row.responsible_user_id) not in held:
            new_items[row.responsible_user_id] = new_items.get(row.responsible_user_id, 0) + 1
    for user_id, n in new_items.items():
        if user_id == actor.pk:
            continue
        notify(
            recipient_id=user_id,
            kind=Notification.Kind.PLAN_ITEM_ASSIGNED,
            key=f"plan_item_assigned:{case.pk}:{plan.number}:{user_id}",
            child=case.child,
            params={"child": case.child.name, "case": case.reference, "n": n},
            url=f"/cases/{case.pk}/",
        )


@transaction.atomic
def plan_save(
    *,
    actor,
    case: Case,
    goals: str | list[str],
    review_on: dt.date | str | None,
    services: list,
    change_note: str = "",
    expected_number: int | None = None,
) -> PlanVersion:
    """Save the case plan as a new version (1 for the first plan). `expected_number` is the
    number of the version the user started from (0 when there was none): if someone saved a
    newer one meanwhile, ConflictError. The people and partners in charge: a person working in
    the child's area, or a partner serving the user's areas (those already in the plan may
    stay even if they no longer would qualify)."""
    current_case = lock_where_read(case_rows_to_lock(), case)
    if not case_roles(actor, current_case) & workflow.WORKERS:
        raise PermissionDenied
    if not current_case.is_open:
        raise ValidationError(
            {"state": [_("The plan of a closed case cannot be changed; reopen the case first.")]},
            code="closed",
        )
    previous = current_plan(current_case)
    previous_number = previous.number if previous is not None else 0
    if expected_number is not None and expected_number != previous_number:
        raise ConflictError

    today = timezone.localdate()
    check = _Checker()
    goals_clean = goals_text(goals)
    if not goals_clean:
        check.add("goals", _("Please write at least one goal."))
    elif len(goals_clean) > GOALS_LIMIT:
        check.add("goals", _("Please keep this under %(n)d characters.") % {"n": GOALS_LIMIT})
    review_day = _check_review(check, review_on, previous, today)
    note = (change_note or "").strip()
    if len(note) > NOTE_LIMIT:
        check.add("change_note", _("Please keep this under %(n)d characters.") % {"n": NOTE_LIMIT})

    items = [_as_input(item) for item in (services or [])]
    if len(items) > MAX_SERVICES:
        check.add("services", _("A plan can list at most %(n)d services.") % {"n": MAX_SERVICES})
        items = items[:MAX_SERVICES]
    kept = plan_services(previous)
    user_ids = {_pk(i.responsible_user) for i in items} - {None, -1}
    partner_ids = {_pk(i.responsible_partner) for i in items} - {None, -1}
    users = eligible_owners(current_case.child).in_bulk(user_ids)
    users |= {s.responsible_user_id: s.responsible_user for s in kept if s.responsible_user_id}
    partners = partners_visible_to(actor).filter(active=True).in_bulk(partner_ids)
    partners |= {
        s.responsible_partner_id: s.responsible_partner for s in kept if s.responsible_partner_id
    }
    kept_by_id = {s.pk: s for s in kept}
    rows = [
        _check_service(check, n, item, users=users, partners=partners, kept=kept_by_id, today=today)
        for n, item in enumerate(items)
    ]
    _check_restriction(check, current_case, rows)
    if check.errors:
        raise ValidationError(check.errors)

    try:
        with transaction.atomic():
            plan = PlanVersion.objects.create(
                district_id=current_case.district_id,  # the key its reads name (models)
                case=current_case,
                number=previous_number + 1,
                goals=goals_clean,
                review_on=review_day,
                change_note=note,
                created_by=actor,
            )
    except IntegrityError as exc:  # pragma: no cover - the case row lock serialises saves
        raise ConflictError from exc
    for row in rows:
        row.plan = plan
    PlannedService.objects.bulk_create(rows)
    _tell_the_responsible(actor, current_case, plan, rows, kept)
    case_audit(
        actor=actor,
        case=current_case,
        action="plan.save",
        changes={
            "version": {"old": previous_number or None, "new": plan.number},
            "review_on": {
                "old": previous.review_on.isoformat() if previous is not None else None,
                "new": review_day.isoformat(),
            },
            "services": [row.service_type for row in rows],
        },
        note=note,
    )
    return plan


# --- progress of a planned service (a service record delivered it) -------------------------


@transaction.atomic
def planned_service_progress(
    *, actor, case: Case, item: PlannedService, done: bool
) -> PlannedService:
    """A service record delivered `item` (ledger.services.service_record_create calls this in
    its transaction, the case row locked): the item is now in progress, or done when the record
    completes it. Written in place on the current version — progress, not a change of plan —
    with the case's audit row. Never backwards: an item already in progress stays so when a
    later record does not complete it."""
    roles = case_roles(actor, case)
    if not roles & workflow.TEAM:
        raise PermissionDenied
    current = PlannedService.objects.select_for_update().filter(pk=item.pk).first()
    # A member who is not a worker on the case moves only the items they are responsible for.
    if (
        not roles & workflow.WORKERS
        and current is not None
        and current.responsible_user_id != actor.pk
    ):
        raise ValidationError(
            {
                "planned_service": [
                    _("You can only record progress on the items you are responsible for.")
                ]
            }
        )
    plan = current_plan(case)
    if current is None or plan is None or current.plan_id != plan.pk:
        raise ValidationError(
            {"planned_service": [_("This planned service is not in the case's current plan.")]}
        )
    if current.status not in UNSETTLED:
        raise ValidationError(
            {"planned_service": [_("This planned service is already done or cancelled.")]}
        )
    status = PlannedServiceStatus.DONE if done else PlannedServiceStatus.IN_PROGRESS
    if current.status == status:
        return current
    old = current.status
    current.status = status
    current.save(update_fields=["status"])
    case_audit(
        actor=actor,
        case=case,
        action="plan.item_progress",
        changes={
            "planned_service": {"new": current.pk},
            "service_type": current.service_type,
            "status": {"old": old, "new": status},
            "version": plan.number,
        },
        note=current.description,
    )
    return current
