"""Reads for visits, due visits (the worklist), completion tables and concerns. Each object type
has one scope function; everything else starts from it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from weibao.accounts.selectors import (
    area_scope_q,
    communities_visible_to,
    same_district_as_child,
    user_district_ids,
)
from weibao.areas.models import Area
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core.cached import cached_read
from weibao.core.dates import month_bounds
from weibao.core.paging import CAP, counts_to_cap
from weibao.core.scope import get_or_404
from weibao.visits.models import Concern, Visit, VisitDue, VisitRule

# The visit rules as the worklist and a child's file show them (services.visit_rule_update
# forgets them when a rule changes).
VISIT_RULES_KEY = "visits:rules"


def visits_visible_to(user) -> QuerySet[Visit]:
    """Completed visits of the children the user may see, plus the user's own drafts.

    Read on the visit's own area columns, as children_visible_to reads the child's: they are
    always the child's. A child with a visit changes 居民区 only by a transfer
    (transfers.blockers refuses an edit of the 居民区, children.hooks.community_change_guards),
    and the transfer brings the visits along (services.visits_move_area), so a child's history
    follows them. Through the child (`child IN (the children I see)`), district staff's list
    joined every visit of the district to its child: 5 s at 200,000 children
    (docs/performance.md, "The district's lists through the API")."""
    q = area_scope_q(user)
    if q is None:
        return Visit.objects.none()
    return Visit.objects.filter(q).filter(Q(state=Visit.State.COMPLETED) | Q(author=user))


def visit_get_for_user(user, pk) -> Visit:
    return get_or_404(visits_visible_to(user).select_related("child", "author", "community"), pk)


def dues_visible_to(user) -> QuerySet[VisitDue]:
    """Due visits in the user's areas (the columns are kept equal to the child's)."""
    q = area_scope_q(user)
    return VisitDue.objects.none() if q is None else VisitDue.objects.filter(q)


def concerns_visible_to(user) -> QuerySet[Concern]:
    children = children_visible_to(user)
    return Concern.objects.filter(
        district_id__in=user_district_ids(user), child__in=children.values("pk")
    )


def concern_get_for_user(user, pk) -> Concern:
    return get_or_404(concerns_visible_to(user).select_related("child", "visit", "raised_by"), pk)


@dataclass(frozen=True)
class Horizon:
    today: dt.date
    week_end: dt.date
    month_end: dt.date

    @classmethod
    def of(cls, today: dt.date) -> "Horizon":
        week_end = today + dt.timedelta(days=6 - today.weekday())
        month_end = month_bounds(today.year, today.month)[1]
        return cls(today, week_end, max(week_end, month_end))

    def bucket(self, due_date: dt.date) -> str:
        if due_date < self.today:
            return "overdue"
        if due_date <= self.week_end:
            return "week"
        if due_date <= self.month_end:
            return "month"
        # Not on the worklist yet (a child's next visit read on its own, e.g. by the API).
        return "later"


BUCKETS = ("overdue", "week", "month")


def worklist(user, today: dt.date | None = None, bucket: str = "") -> QuerySet[VisitDue]:
    """Visits overdue, due this week and due this month in the user's areas, most urgent first:
    one range over the (area, state, due_date) index."""
    horizon = Horizon.of(today or timezone.localdate())
    qs = dues_visible_to(user).filter(state=VisitDue.State.OPEN)
    if bucket == "overdue":
        qs = qs.filter(due_date__lt=horizon.today)
    elif bucket == "week":
        qs = qs.filter(due_date__gte=horizon.today, due_date__lte=horizon.week_end)
    elif bucket == "month":
        qs = qs.filter(due_date__gt=horizon.week_end, due_date__lte=horizon.month_end)
    else:
        qs = qs.filter(due_date__lte=horizon.month_end)
    return (
        qs.filter(same_district_as_child())
        .select_related("child", "community")
        .order_by("due_date", "pk")
    )


@dataclass(frozen=True)
class WorklistCounts:
    """How many open dues lie in each bucket of the worklist, each counted to core.paging.CAP:
    counting a district's every open due grew with the district (92 ms for its 2,500,000;
    docs/performance.md, "The API's lists from their indexes alone"). `capped` names the
    buckets that stopped at the cap, where more match."""

    overdue: int
    week: int
    month: int
    capped: tuple[str, ...] = ()

    def of(self, bucket: str = "") -> int:
        """The count of one bucket, or of the whole worklist for ""."""
        return getattr(self, bucket) if bucket else self.overdue + self.week + self.month

    def is_capped(self, bucket: str = "") -> bool:
        return bucket in self.capped if bucket else bool(self.capped)


def worklist_counts(user, today: dt.date | None = None) -> WorklistCounts:
    horizon = Horizon.of(today or timezone.localdate())
    open_dues = dues_visible_to(user).filter(state=VisitDue.State.OPEN)
    ranges = {
        "overdue": Q(due_date__lt=horizon.today),
        "week": Q(due_date__gte=horizon.today, due_date__lte=horizon.week_end),
        "month": Q(due_date__gt=horizon.week_end, due_date__lte=horizon.month_end),
    }
    # One range of the (area, state, due_date, …) indexes each, read from the index alone:
    # only the due date is selected, so no row is fetched (docs/performance.md, "Load test":
    # with the id, PostgreSQL fetched every row). One statement for the three.
    counted = counts_to_cap(
        {bucket: open_dues.filter(q).values_list("due_date") for bucket, q in ranges.items()},
        CAP,
    )
    return WorklistCounts(
        **{bucket: min(n, CAP) for bucket, n in counted.items()},
        capped=tuple(bucket for bucket, n in counted.items() if n > CAP),
    )


@dataclass(frozen=True)
class CompletionRow:
    community: Area
    due: int
    on_time: int
    late: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


def completion_table(
    user, *, subdistrict: Area, year: int, month: int, today: dt.date | None = None
) -> list[CompletionRow]:
    """For each 居民区 of a 街镇: visits due in the month, done on time, done late, and still
    overdue. One grouped query, read from the (subdistrict, due_date, …) index alone. A closed
    居民区 has a row only in a month it owed visits."""
    today = today or timezone.localdate()
    first, last = month_bounds(year, month)
    communities = {
        a.pk: a for a in communities_visible_to(user).filter(parent=subdistrict).order_by("name")
    }
    rows = (
        dues_visible_to(user)
        .filter(subdistrict=subdistrict, due_date__gte=first, due_date__lte=last)
        .exclude(state=VisitDue.State.CANCELLED)
        .values("community_id")
        .annotate(
            # n_ prefixes: "on_time" is also a column, and the names must not shadow it.
            # COUNT(due_date) (never null), not COUNT(id): every column read is then in the
            # (subdistrict, due_date, district, community, state, on_time) index, so the 街镇's
            # month is counted from the index alone (docs/performance.md, "Load test").
            n_due=Count("due_date"),
            n_on_time=Count("due_date", filter=Q(state="done", on_time=True)),
            n_late=Count("due_date", filter=Q(state="done", on_time=False)),
            n_overdue=Count("due_date", filter=Q(state="open", due_date__lt=today)),
        )
    )
    by_community = {r["community_id"]: r for r in rows}
    return [
        CompletionRow(
            community=area,
            due=by_community.get(pk, {}).get("n_due", 0),
            on_time=by_community.get(pk, {}).get("n_on_time", 0),
            late=by_community.get(pk, {}).get("n_late", 0),
            overdue=by_community.get(pk, {}).get("n_overdue", 0),
        )
        for pk, area in communities.items()
        # A merged or closed 居民区 shows only in the months it owed visits (docs/domain.md
        # §1.10).
        if area.closed_at is None or pk in by_community
    ]


def ledger(user, *, subdistrict: Area, year: int, month: int) -> QuerySet[Visit]:
    """The month's completed visits in a 街镇 (走访台账), for the export."""
    first, last = month_bounds(year, month)
    return (
        visits_visible_to(user)
        .filter(
            subdistrict=subdistrict,
            state=Visit.State.COMPLETED,
            visit_date__gte=first,
            visit_date__lte=last,
        )
        .select_related("child", "community", "author")
        .order_by("community__name", "visit_date", "pk")
    )


def visit_rules() -> dict[str, VisitRule]:
    """The visit rules by key: a few rows that the worklist and every child's file read, kept
    five minutes in the cache."""
    return cached_read(
        VISIT_RULES_KEY, 300, lambda: {rule.key: rule for rule in VisitRule.objects.all()}
    )


def child_visits(user, child: Child) -> QuerySet[Visit]:
    return (
        visits_visible_to(user)
        .filter(child=child, district_id=child.district_id)
        .select_related("author")
    )


def child_open_due(child: Child) -> VisitDue | None:
    # The open due follows the child's area (services.visit_schedule_child copies it): naming
    # the district reads one partition, one Citus shard (docs/scale.md).
    return VisitDue.objects.filter(
        child=child, district_id=child.district_id, state=VisitDue.State.OPEN
    ).first()


def completed_home_visits_since(child: Child, moment: dt.datetime) -> int:
    """How many home visits of the child were made and recorded since `moment` (the follow-up
    a case needs before it closes: cases.blockers.require_follow_up): completed after it, with
    a visit date not before its day — a visit made earlier that day, or entered late for an
    earlier day, is not a follow-up. A rule's read, not a user's: it counts every author's
    visits."""
    return Visit.objects.filter(
        child=child,
        state=Visit.State.COMPLETED,
        kind=Visit.Kind.HOME,
        completed_at__gt=moment,
        visit_date__gte=timezone.localdate(moment),
    ).count()


@dataclass(frozen=True)
class VisitListFilters:
    """The filters of the list of completed visits (its export, web and API)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    community: int | None = None


def visit_list(user, filters: VisitListFilters) -> QuerySet[Visit]:
    """Completed visits the user may see (visits_visible_to), newest first, with the names the
    list shows joined in."""
    qs = visits_visible_to(user).filter(state=Visit.State.COMPLETED)
    if filters.date_from:
        qs = qs.filter(visit_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(visit_date__lte=filters.date_to)
    if filters.community:
        qs = qs.filter(community_id=filters.community)
    return qs.select_related("child", "author", "community", "subdistrict").order_by(
        "-visit_date", "-id"
    )
