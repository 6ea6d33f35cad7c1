"""The counting behind the dashboards: for one district and one month, every indicator of
dashboards.indicators as facts `(area id, key, dim) -> value`.

Each query is one GROUP BY over the district's rows of one table, filtered on its indexed area
and date columns; facts land on the finest area the row knows (a 居民区, or a 街镇 for a report
with no 居民区) and `roll_up` adds each to the 街镇 and the district above it. Indicators that
do not add up (the number of distinct case workers) are counted at every level instead. This
runs in the scheduled refresh, never while a page waits (docs/domain.md §11.1)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone

from weibao.activities.models import MonthFigure
from weibao.areas.models import Area
from weibao.cases.models import Case, PlanVersion
from weibao.children.choices import Status
from weibao.children.models import CategoryTally, Child
from weibao.core.dates import add_months
from weibao.inspections.models import Finding
from weibao.ledger.models import ServiceRecord
from weibao.protection.models import ProtectionRecord
from weibao.referrals.models import Referral
from weibao.reports.models import Report, ReportSituation
from weibao.staff.selectors import district_team_gaps
from weibao.stations.models import CoverageSnapshot
from weibao.suggestions.choices import State as SuggestionState
from weibao.suggestions.models import Suggestion
from weibao.training.selectors import training_rate
from weibao.visits.models import Visit, VisitDue

Fact = tuple[int, str, str, int]  # (area id, key, dim, value)
Totals = dict[tuple[int, str, str], int]
# Day counts above this go into the last bucket of a histogram (medians beyond it read "≥ 90").
MAX_DAYS = 90
NEAR_LIMIT_DAYS = 30


class Month:
    """The month being counted: [start, end) as dates and as aware datetimes, and `today` for
    the figures that are a state at a moment (overdue now, open cases): the running month's
    day of counting, a past month's last day."""

    def __init__(self, first: dt.date, today: dt.date):
        self.start = first
        self.end = add_months(first, 1)
        self.today = min(today, self.end - dt.timedelta(days=1))
        tz = timezone.get_current_timezone()
        self.start_at = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        self.end_at = dt.datetime.combine(self.end, dt.time.min, tzinfo=tz)

    def dates(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def times(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start_at, f"{field}__lt": self.end_at})


def _grouped(
    qs: QuerySet,
    key: str,
    dim_field: str | None,
    area_field: str = "community_id",
    fallback: str = "subdistrict_id",
    value=None,
) -> Iterator[Fact]:
    fields = [area_field, fallback] + ([dim_field] if dim_field else [])
    for row in qs.values(*fields).annotate(n=value if value is not None else Count("pk")):
        area = row[area_field] or row[fallback]
        yield (area, key, str(row[dim_field] or "") if dim_field else "", int(row["n"] or 0))


def children_facts(district: Area, m: Month) -> Iterator[Fact]:
    tallies = CategoryTally.objects.filter(district=district)
    for community, key, n in tallies.values_list("community_id", "key", "n"):
        yield (community, "children.category", key, n)
    children = Child.objects.filter(district=district)
    yield from _grouped(children.filter(m.times("created_at")), "children.registered", None)
    exits = children.exclude(status=Status.ACTIVE).filter(m.dates("status_date"))
    yield from _grouped(exits, "children.exited", "status")


def visit_facts(district: Area, m: Month) -> Iterator[Fact]:
    dues = VisitDue.objects.filter(district=district).exclude(state=VisitDue.State.CANCELLED)
    in_month = dues.filter(m.dates("due_date"))
    yield from _grouped(in_month, "visits.due", None)
    yield from _grouped(in_month.filter(on_time=True), "visits.on_time", None)
    # Overdue at the month's day of counting: due before it and not done by then.
    overdue = dues.filter(due_date__lt=m.today).filter(
        Q(state=VisitDue.State.OPEN) | Q(done_on__gt=m.today)
    )
    yield from _grouped(overdue, "visits.overdue", None)
    done = Visit.objects.filter(district=district, state=Visit.State.COMPLETED)
    yield from _grouped(done.filter(m.dates("visit_date")), "visits.done", None)


def report_facts(district: Area, m: Month) -> Iterator[Fact]:
    received = Report.objects.filter(district=district).filter(m.times("received_at"))
    yield from _grouped(received, "reports.received", "channel")
    situations = ReportSituation.objects.filter(
        report__district=district,
        report__received_at__gte=m.start_at,
        report__received_at__lt=m.end_at,
    )
    yield from _grouped(
        situations,
        "reports.situation",
        "situation",
        area_field="report__community_id",
        fallback="report__subdistrict_id",
    )
    clocks = (
        ("ack", Q(), Q(acknowledged_at__lte=F("ack_due_at"))),
        ("police", Q(police_due_at__isnull=False), Q(police_notified_at__lte=F("police_due_at"))),
        ("outcome", Q(), Q(outcome_sent_at__lte=F("outcome_due_at"))),
    )
    for name, due, kept in clocks:
        yield from _grouped(received.filter(due), f"reports.{name}_due", None)
        yield from _grouped(received.filter(due & kept), f"reports.{name}_kept", None)
    no_case = Report.objects.filter(
        district=district, state=Report.State.CLOSED, case__isnull=True
    ).exclude(no_case_reason="")
    yield from _grouped(
        no_case.filter(m.times("outcome_sent_at")), "reports.no_case", "no_case_reason"
    )


def _days(later: dt.datetime | dt.date, earlier: dt.datetime | dt.date) -> int:
    if isinstance(later, dt.datetime):
        later = timezone.localdate(later)
    if isinstance(earlier, dt.datetime):
        earlier = timezone.localdate(earlier)
    return max(0, min(MAX_DAYS, (later - earlier).days))


def _histogram(rows: Iterable[tuple[int, int]], key: str) -> Iterator[Fact]:
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for area, days in rows:
        counts[(area, days)] += 1
    for (area, days), n in counts.items():
        yield (area, key, str(days), n)


def _open_at(m: Month) -> Q:
    """Open at the end of the month's day of counting: opened by then and not closed by then
    (a past month counted afresh gives each case its present stage and risk)."""
    tz = timezone.get_current_timezone()
    end_at = dt.datetime.combine(m.today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return Q(opened_at__lt=end_at) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end_at))


def case_facts(district: Area, m: Month) -> Iterator[Fact]:
    cases = Case.objects.filter(district=district)
    open_now = cases.filter(_open_at(m))
    yield from _grouped(open_now, "cases.stage", "stage")
    yield from _grouped(open_now.exclude(risk_level=""), "cases.risk", "risk_level")
    yield from _grouped(cases.filter(m.times("opened_at")), "cases.opened", None)
    first_report = (
        Report.objects.filter(
            case__district=district, case__opened_at__gte=m.start_at, case__opened_at__lt=m.end_at
        )
        .values("case_id", "case__community_id", "case__opened_at")
        .annotate(first=Min("received_at"))
    )
    yield from _histogram(
        ((r["case__community_id"], _days(r["case__opened_at"], r["first"])) for r in first_report),
        "cases.days_report_to_case",
    )
    first_plans = (
        PlanVersion.objects.filter(district=district)
        .values("case_id", "case__community_id", "case__opened_at")
        .annotate(first=Min("created_at"))
        .filter(first__gte=m.start_at, first__lt=m.end_at)
    )
    yield from _histogram(
        ((r["case__community_id"], _days(r["first"], r["case__opened_at"])) for r in first_plans),
        "cases.days_case_to_plan",
    )
    plan_start = dict(
        PlanVersion.objects.filter(district=district)
        .values("case_id")
        .annotate(first=Min("created_at"))
        .values_list("case_id", "first")
    )
    first_services = (
        ServiceRecord.objects.filter(district=district, voided_at__isnull=True)
        .values("case_id", "community_id")
        .annotate(first=Min("delivered_on"))
        .filter(first__gte=m.start, first__lt=m.end)
    )
    yield from _histogram(
        (
            (r["community_id"], _days(r["first"], plan_start[r["case_id"]]))
            for r in first_services
            if r["case_id"] in plan_start
        ),
        "cases.days_plan_to_service",
    )


def case_worker_facts(district: Area, m: Month) -> Iterator[Fact]:
    """Open cases and the distinct people owning them, counted at each level (a worker with
    cases in two 居民区 is one worker of the 街镇)."""
    open_now = Case.objects.filter(district=district).filter(_open_at(m))
    for field in ("community_id", "subdistrict_id", "district_id"):
        for row in open_now.values(field).annotate(n=Count("owner_id", distinct=True)):
            yield (row[field], "cases.workers", "", row["n"])


def referral_facts(district: Area, m: Month) -> Iterator[Fact]:
    sent = Referral.objects.filter(district=district).filter(m.times("created_at"))
    yield from _grouped(sent, "referrals.sent", "partner__kind")
    accepted = sent.filter(state__in=[Referral.State.ACCEPTED, Referral.State.COMPLETED])
    yield from _grouped(accepted, "referrals.accepted", "partner__kind")
    answered = sent.filter(responded_at__isnull=False)
    yield from _grouped(answered, "referrals.answered", "partner__kind")
    rows = answered.values_list(
        "community_id", "subdistrict_id", "partner__kind", "created_at", "responded_at"
    )
    hours: dict[tuple[int, str], int] = defaultdict(int)
    for community, subdistrict, kind, sent_at, answered_at in rows:
        hours[(community or subdistrict, kind)] += int(
            (answered_at - sent_at).total_seconds() // 3600
        )
    for (area, kind), total in hours.items():
        yield (area, "referrals.answer_hours", kind, total)
    active = ProtectionRecord.objects.filter(district=district, started_on__lte=m.today).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=m.today)
    )
    yield from _grouped(active, "protection.active", None)
    near = active.filter(limit_on__lte=m.today + dt.timedelta(days=NEAR_LIMIT_DAYS))
    yield from _grouped(near, "protection.near_limit", None)


def workstation_facts(district: Area, m: Month) -> Iterator[Fact]:
    snapshot = CoverageSnapshot.objects.filter(district=district, month=m.start).first()
    if snapshot is not None:
        yield (district.pk, "stations.subdistricts", "", snapshot.subdistricts)
        yield (district.pk, "stations.meeting", "", snapshot.meeting)
    # The training rate runs over the calendar year up to the month's end (docs/domain.md §8).
    rate = training_rate(
        area=district, start=m.start.replace(month=1, day=1), end=m.end - dt.timedelta(days=1)
    )
    for line in rate.by_subdistrict:
        if line.area is not None:
            yield (line.area.pk, "training.required", "", line.required)
            yield (line.area.pk, "training.trained", "", line.trained)
    for gaps in district_team_gaps(district=district, on=m.today):
        area = gaps.subdistrict.pk
        yield (area, "staff.without_director", "", gaps.without_director)
        yield (area, "staff.without_social_worker", "", gaps.without_social_worker)
        yield (area, "staff.no_supervisor", "", 0 if gaps.has_supervisor else 1)


def participation_facts(district: Area, m: Month) -> Iterator[Fact]:
    figures = MonthFigure.objects.filter(district=district, month=m.start)
    sums = figures.values("subdistrict_id").annotate(
        held=Sum("held"), attendances=Sum("attendances"), children=Sum("children")
    )
    for row in sums:
        area = row["subdistrict_id"] or district.pk
        for name in ("held", "attendances", "children"):
            yield (area, f"activities.{name}", "", row[name] or 0)
    answered = Suggestion.objects.filter(district=district, state=SuggestionState.ANSWERED).filter(
        m.times("answered_at")
    )
    yield from _grouped(answered, "suggestions.answered", None, "subdistrict_id", "district_id")
    on_time = answered.filter(Q(deadline__isnull=True) | Q(answered_at__date__lte=F("deadline")))
    yield from _grouped(on_time, "suggestions.on_time", None, "subdistrict_id", "district_id")
    found = Finding.objects.filter(district=district)
    yield from _grouped(found.filter(m.dates("resolved_on")), "inspections.resolved", None)


ADDITIVE = (
    children_facts,
    visit_facts,
    report_facts,
    case_facts,
    referral_facts,
    workstation_facts,
    participation_facts,
)
PER_LEVEL = (case_worker_facts,)


def roll_up(facts: Iterable[Fact], parents: dict[int, int | None]) -> Totals:
    """Each fact counted on its own area and on every area above it within the district."""
    totals: Totals = defaultdict(int)
    for area, key, dim, value in facts:
        while area is not None:
            totals[(area, key, dim)] += value
            area = parents.get(area)
    return totals


def district_figures(district: Area, first: dt.date, today: dt.date) -> Totals:
    m = Month(first, today)
    subdistricts = dict(Area.objects.filter(parent=district).values_list("pk", "parent_id"))
    communities = dict(Area.objects.filter(parent__parent=district).values_list("pk", "parent_id"))
    parents: dict[int, int | None] = {district.pk: None, **subdistricts, **communities}
    totals = roll_up((f for fn in ADDITIVE for f in fn(district, m)), parents)
    for area, key, dim, value in (f for fn in PER_LEVEL for f in fn(district, m)):
        totals[(area, key, dim)] = value
    return {k: v for k, v in totals.items() if v}
