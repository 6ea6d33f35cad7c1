"""Dynamic management (动态管理): the daily job that keeps every child's visit status current.

Set-based and batched so that it keeps up with a city (target: 50,000 children a second), and
idempotent: running it twice on the same day changes nothing the second time."""

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from weibao.accounts.models import Role, RoleAssignment
from weibao.audit.models import AuditEvent
from weibao.children.categories import Category
from weibao.children.choices import Status
from weibao.children.models import Child, ChildCategory, adult_cutoff
from weibao.notifications.models import Notification
from weibao.notifications.services import notify_many
from weibao.visits.models import Visit, VisitDue
from weibao.visits.scheduling import Due, RuleSet, effective_last_visit, next_due

BATCH = 5000
SUPERVISOR_AFTER_DAYS = 7


@dataclass
class DailyReport:
    dues_created: int = 0
    dues_moved: int = 0
    dues_cancelled: int = 0
    newly_overdue: int = 0
    overdue_over_7_days: int = 0
    aged_out: int = 0
    left_behind_16_flagged: int = 0
    notifications_sent: int = 0

    def changed(self) -> int:
        """Changes written: aged_out is part of dues_cancelled and left_behind_16_flagged part of
        notifications_sent, so they are not counted twice."""
        counts = asdict(self)
        return sum(counts.values()) - counts["aged_out"] - counts["left_behind_16_flagged"]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def recompute_due_dates(
    *,
    children: QuerySet[Child] | None = None,
    today: dt.date | None = None,
    report=None,
    not_before: dt.date | None = None,
) -> DailyReport:
    """Recompute the due visit of every child (or of `children`) from the rules, the
    categories and the last completed visit, writing only what changed."""
    today = today or timezone.localdate()
    report = report or DailyReport()
    rules = RuleSet.load()
    eligible = Child.objects.filter(status=Status.ACTIVE, birth_date__gt=adult_cutoff(today))
    # Only children a rule can apply to, or who have a due to move or cancel, are read into
    # Python: in a city most registered children have no visit rule at all.
    relevant = Q(
        Exists(
            ChildCategory.objects.filter(child=OuterRef("pk"), category__in=list(rules.intervals))
        )
    ) | Q(Exists(VisitDue.objects.filter(child=OuterRef("pk"), state=VisitDue.State.OPEN)))
    if rules.follow_up_interval is not None:
        relevant |= Q(returned_home_on__isnull=False)
    eligible = eligible.filter(relevant)
    if children is not None:
        eligible = eligible.filter(pk__in=children.values("pk"))
    last_pk = 0
    while True:
        rows = list(
            eligible.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list(
                "pk", "created_at", "returned_home_on", "district_id", "subdistrict_id",
                "community_id",
            )[:BATCH]
        )  # fmt: skip
        if not rows:
            break
        last_pk = rows[-1][0]
        _recompute_batch(rows, rules, today, report, not_before)
    _cancel_ineligible(children, today, report)
    return report


@transaction.atomic
def _recompute_batch(
    rows, rules: RuleSet, today: dt.date, report: DailyReport, not_before: dt.date | None = None
) -> None:
    lo, hi = rows[0][0], rows[-1][0]
    categories: dict[int, set[str]] = defaultdict(set)
    for child_id, category in ChildCategory.objects.filter(
        child_id__gte=lo, child_id__lte=hi
    ).values_list("child_id", "category"):
        categories[child_id].add(category)
    last_visits = dict(
        Visit.objects.filter(child_id__gte=lo, child_id__lte=hi, state=Visit.State.COMPLETED)
        .values("child_id")
        .annotate(last=Max("visit_date"))
        .values_list("child_id", "last")
    )
    open_dues = {
        d.child_id: d
        for d in VisitDue.objects.filter(child_id__gte=lo, child_id__lte=hi, state="open")
    }
    create, move, cancel = [], [], []
    tz = timezone.get_current_timezone()
    for pk, created_at, returned_home_on, district, subdistrict, community in rows:
        due = next_due(
            rules=rules,
            categories=categories.get(pk, ()),
            registered_on=created_at.astimezone(tz).date(),
            last_visit=effective_last_visit(
                last_visits.get(pk),
                open_dues[pk].based_on if pk in open_dues else None,
                open_dues[pk].counts_from if pk in open_dues else None,
            ),
            returned_home_on=returned_home_on,
            today=today,
        )
        current = open_dues.get(pk)
        if due is not None and not_before is not None and due.date < not_before:
            # Only moves earlier than they were; a due that was already late stays late.
            floor = not_before if current is None else min(not_before, current.due_date)
            due = Due(max(due.date, floor), due.reason, due.counts_from, due.based_on)
        if due is None:
            if current is not None:
                current.state = VisitDue.State.CANCELLED
                cancel.append(current)
            continue
        if current is None:
            create.append(
                VisitDue(
                    child_id=pk, due_date=due.date, reason=due.reason, state="open",
                    counts_from=due.counts_from, based_on=due.based_on,
                    district_id=district, subdistrict_id=subdistrict, community_id=community,
                )
            )  # fmt: skip
        elif (
            current.due_date, current.reason, current.counts_from, current.based_on,
            current.community_id,
        ) != (due.date, due.reason, due.counts_from, due.based_on, community):  # fmt: skip
            if due.date > current.due_date:
                current.overdue_level = 0
            current.due_date, current.reason = due.date, due.reason
            current.counts_from, current.based_on = due.counts_from, due.based_on
            current.district_id, current.subdistrict_id = district, subdistrict
            current.community_id = community
            move.append(current)
    VisitDue.objects.bulk_create(create, batch_size=1000)
    fields = [
        "due_date", "reason", "counts_from", "based_on", "district", "subdistrict", "community",
        "overdue_level",
    ]  # fmt: skip
    VisitDue.objects.bulk_update(move, fields, batch_size=1000)
    VisitDue.objects.bulk_update(cancel, ["state"], batch_size=1000)
    report.dues_created += len(create)
    report.dues_moved += len(move)
    report.dues_cancelled += len(cancel)


def _cancel_ineligible(children, today: dt.date, report: DailyReport) -> None:
    """Children who turned 18, moved out, were transferred or died are owed no visit."""
    stale = VisitDue.objects.filter(state="open").filter(
        Q(child__birth_date__lte=adult_cutoff(today)) | ~Q(child__status=Status.ACTIVE)
    )
    if children is not None:
        stale = stale.filter(child__in=children.values("pk"))
    report.aged_out += VisitDue.objects.filter(
        pk__in=stale.filter(child__birth_date__lte=adult_cutoff(today)).values("pk")
    ).count()
    report.dues_cancelled += stale.update(state=VisitDue.State.CANCELLED)


def _staff_by_area(role: str) -> dict[int, list[int]]:
    staff: dict[int, list[int]] = defaultdict(list)
    for user_id, area_id in RoleAssignment.objects.filter(role=role).values_list(
        "user_id", "area_id"
    ):
        staff[area_id].append(user_id)
    return staff


def mark_overdue(today: dt.date, report: DailyReport) -> None:
    """Tell the director once when a visit becomes overdue, and the supervisor once when it is
    more than a week overdue."""
    for level, threshold, role, area_field, kind in (
        (1, today, Role.DIRECTOR, "community_id", Notification.Kind.VISIT_OVERDUE),
        (
            2,
            today - dt.timedelta(days=SUPERVISOR_AFTER_DAYS),
            Role.SUPERVISOR,
            "subdistrict_id",
            Notification.Kind.VISIT_OVERDUE_7,
        ),
    ):
        staff = _staff_by_area(role)
        pending = VisitDue.objects.filter(
            state="open", due_date__lt=threshold, overdue_level__lt=level
        )
        last_pk = 0  # keyset paging: each batch starts where the last ended, not from the top
        while True:
            batch = list(
                pending.filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", "child_id", "child__name", "due_date", area_field)[:BATCH]
            )
            if not batch:
                break
            last_pk = batch[-1][0]
            notes = [
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    key=f"{kind}:{due_pk}",
                    child_id=child_id,
                    params={"child": name, "date": due_date.isoformat()},
                    url=f"/children/{child_id}/",
                )
                for due_pk, child_id, name, due_date, area_id in batch
                for user_id in staff.get(area_id, [])
            ]
            with transaction.atomic():
                report.notifications_sent += notify_many(notes)
                VisitDue.objects.filter(pk__in=[row[0] for row in batch]).update(
                    overdue_level=level
                )
            if level == 1:
                report.newly_overdue += len(batch)
            else:
                report.overdue_over_7_days += len(batch)


def flag_left_behind_turning_16(today: dt.date, report: DailyReport) -> None:
    """留守儿童 are under 16 by definition: ask the director to review the category."""
    sixteen = _years_before(today, 16)
    children = Child.objects.filter(
        status=Status.ACTIVE,
        birth_date__lte=sixteen,
        birth_date__gt=adult_cutoff(today),
        category_rows__category=Category.LEFT_BEHIND,
    ).values_list("pk", "name", "community_id")
    directors = _staff_by_area(Role.DIRECTOR)
    notes = [
        Notification(
            recipient_id=user_id,
            kind=Notification.Kind.LEFT_BEHIND_16,
            key=f"left_behind_16:{pk}",
            child_id=pk,
            params={"child": name},
            url=f"/children/{pk}/",
        )
        for pk, name, community_id in children
        for user_id in directors.get(community_id, [])
    ]
    sent = notify_many(notes)
    report.left_behind_16_flagged += sent
    report.notifications_sent += sent


def run_daily(today: dt.date | None = None) -> DailyReport:
    today = today or timezone.localdate()
    report = recompute_due_dates(today=today)
    mark_overdue(today, report)
    flag_left_behind_turning_16(today, report)
    AuditEvent.objects.create(
        actor=None,
        action="job.daily",
        object_type="job",
        object_id=today.isoformat(),
        changes=asdict(report),
    )
    return report
