"""Dynamic management (动态管理): the daily job that keeps every child's visit status current.

Set-based and batched so that it keeps up with a city (target: 50,000 children a second), and
idempotent: running it twice on the same day changes nothing the second time."""

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.db import connections, transaction
from django.db.models import Case, F, Max, Min, Q, QuerySet, When
from django.utils import timezone

from weibao.accounts.models import Role
from weibao.areas.models import Area
from weibao.audit.selectors import job_last_day
from weibao.audit.services import audit_job
from weibao.children.categories import Category
from weibao.children.choices import Status
from weibao.children.models import Child, ChildCategory, adult_cutoff
from weibao.children.services import id_number_registrations_catch_up
from weibao.children.tallies import tallies_daily
from weibao.core.dates import years_before
from weibao.notifications.models import Notification
from weibao.notifications.services import notify_area_staff
from weibao.visits.hooks import daily_checks
from weibao.visits.models import VisitDue
from weibao.visits.scheduling import Due, RuleSet, effective_last_visit, next_due

# Child ids per window of recompute_due_dates.
WINDOW = 10_000
# Dues per statement of mark_overdue.
BATCH = 5000
SUPERVISOR_AFTER_DAYS = 7
# The daily job's audit row (audit.services.audit_job; its object_id is the run's day).
DAILY_ACTION = "job.daily"
# How far back flag_left_behind_turning_16 looks for the last finished run: a month. Further
# back the job has been stopped long enough to review every child aged 16–17 once.
LAST_RUN_LOOKBACK_DAYS = 31


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
    # What the other apps' daily checks found (visits.hooks.daily_checks), and the ID-number
    # registry's catch-up (children.services.id_number_registrations_catch_up): not changes to
    # the visits, so neither compared nor counted in changed().
    checks: dict[str, int] = field(default_factory=dict, compare=False)

    def changed(self) -> int:
        """Changes written: aged_out is part of dues_cancelled and left_behind_16_flagged part of
        notifications_sent, so they are not counted twice."""
        counts = asdict(self)
        counts.pop("checks")
        return sum(counts.values()) - counts["aged_out"] - counts["left_behind_16_flagged"]


def recompute_due_dates(
    *,
    children: QuerySet[Child] | None = None,
    today: dt.date | None = None,
    report=None,
    not_before: dt.date | None = None,
) -> DailyReport:
    """Recompute the due visit of every child (or of `children`) from the rules, the
    categories and the last completed visit, writing only what changed: create, move, or
    cancel (no rule applies any more, or the child turned 18 or left the register)."""
    today = today or timezone.localdate()
    report = report or DailyReport()
    rules = RuleSet.load()
    cutoff = adult_cutoff(today)
    scope = Child.objects.all() if children is None else children
    bounds = scope.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return report
    schedules: dict = {}
    for lo in range(bounds["first"], bounds["last"] + 1, WINDOW):
        hi = lo + WINDOW
        if len(schedules) > 100_000:  # bounded memory, should a city ever be that varied
            schedules.clear()
        categories = ChildCategory.objects.filter(
            child_id__gte=lo, child_id__lt=hi, category__in=list(rules.intervals)
        )
        open_dues = VisitDue.objects.filter(
            child_id__gte=lo, child_id__lt=hi, state=VisitDue.State.OPEN
        )
        # Only children a rule can apply to, or who have a due to move or cancel, are read into
        # Python: in a city most registered children have no visit rule at all. The subqueries
        # are bounded by the window, so each costs one short index range.
        owed = Q(pk__in=categories.values("child_id"))
        if rules.follow_up_interval is not None:
            owed |= Q(returned_home_on__isnull=False)
        relevant = Q(owed, status=Status.ACTIVE, birth_date__gt=cutoff) | Q(
            pk__in=open_dues.values("child_id")
        )
        rows = Child.objects.filter(relevant, pk__gte=lo, pk__lt=hi)
        if children is not None:
            rows = rows.filter(pk__in=children.values("pk"))
        rows = rows.order_by().values_list(
            "pk", "status", "birth_date", "last_visited_on", "returned_home_on", "district_id",
            "subdistrict_id", "community_id",
        )  # fmt: skip
        _recompute_batch(
            rows, categories, open_dues, rules, today, cutoff, report, not_before, schedules
        )
    return report


def _fetch(rows: QuerySet) -> list[tuple]:
    """The rows of a values_list() query as the database driver returns them. Django's own
    per-value converters would add nothing here (the drivers already return dates, numbers and
    text) but cost a function call per value: a second or so at half a million children."""
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Columns of an open due as _recompute_batch reads them.
_DUE_COLUMNS = (
    "child_id", "pk", "due_date", "reason", "counts_from", "based_on", "community_id",
    "overdue_level",
)  # fmt: skip
_MOVED_FIELDS = [
    "due_date", "reason", "counts_from", "based_on", "district", "subdistrict", "community",
    "overdue_level",
]  # fmt: skip


@transaction.atomic
def _recompute_batch(
    rows: QuerySet,
    category_rows: QuerySet[ChildCategory],
    open_due_rows: QuerySet[VisitDue],
    rules: RuleSet,
    today: dt.date,
    cutoff: dt.date,
    report: DailyReport,
    not_before: dt.date | None = None,
    schedules: dict | None = None,
) -> None:
    """One window of children: `rows` as recompute_due_dates selects them, and the
    categories with a rule and the open dues of the same window. `schedules` remembers
    next_due's answers across windows: children with the same categories, last visit and
    return home are owed the same visit, and a city has far fewer such combinations than
    children."""
    listed: dict[int, list[str]] = defaultdict(list)
    for child_id, category in _fetch(category_rows.values_list("child_id", "category")):
        listed[child_id].append(category)
    categories = {child_id: tuple(codes) for child_id, codes in listed.items()}
    open_dues = {row[0]: row for row in _fetch(open_due_rows.values_list(*_DUE_COLUMNS))}
    rows = _fetch(rows)
    # The registration date counts only for a child never visited: read for those alone, it
    # spares parsing and converting a timestamp for every child.
    never_visited = [row[0] for row in rows if row[3] is None]
    registered = {}
    tz = timezone.get_current_timezone()
    for i in range(0, len(never_visited), 500):
        created = Child.objects.filter(pk__in=never_visited[i : i + 500])
        for pk, created_at in created.values_list("pk", "created_at"):
            registered[pk] = created_at.astimezone(tz).date()
    if schedules is None:
        schedules = {}
    create, move, cancel, aged_out = [], [], [], []
    active = Status.ACTIVE
    for (
        pk, status, birth_date, last_visit, returned_home_on, district, subdistrict, community,
    ) in rows:  # fmt: skip
        current = open_dues.get(pk)
        if status != active or birth_date <= cutoff:
            # Turned 18, moved out, transferred or died: owed no visit.
            if current is not None:
                (aged_out if birth_date <= cutoff else cancel).append(current[1])
            continue
        if current is not None:
            last_visit = effective_last_visit(last_visit, current[5], current[4])
        registered_on = registered[pk] if last_visit is None else None
        key = (categories.get(pk, ()), last_visit, returned_home_on, registered_on)
        try:
            due = schedules[key]
        except KeyError:
            due = schedules[key] = next_due(
                rules=rules,
                categories=key[0],
                registered_on=registered_on,
                last_visit=last_visit,
                returned_home_on=returned_home_on,
                today=today,
            )
        if due is not None and not_before is not None and due.date < not_before:
            # Only moves earlier than they were; a due that was already late stays late.
            floor = not_before if current is None else min(not_before, current[2])
            due = Due(max(due.date, floor), due.reason, due.counts_from, due.based_on)
        if due is None:
            if current is not None:
                cancel.append(current[1])
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
            current[2] != due.date or current[3] != due.reason
            or current[4] != due.counts_from or current[5] != due.based_on
            or current[6] != community
        ):  # fmt: skip
            move.append(
                VisitDue(
                    pk=current[1], due_date=due.date, reason=due.reason,
                    counts_from=due.counts_from, based_on=due.based_on,
                    district_id=district, subdistrict_id=subdistrict, community_id=community,
                    # A later date is a fresh deadline: its overdue reminders start again.
                    overdue_level=0 if due.date > current[2] else current[7],
                )
            )  # fmt: skip
    # Moves and cancellations touch only dues still open: one settled by a visit since it was
    # read stays as the visit left it (and is not counted).
    still_open = VisitDue.objects.filter(state=VisitDue.State.OPEN)
    VisitDue.objects.bulk_create(create, batch_size=1000)
    report.dues_created += len(create)
    report.dues_moved += still_open.bulk_update(move, _MOVED_FIELDS, batch_size=1000)
    aged_out_cancelled = _cancel(still_open, aged_out)
    report.aged_out += aged_out_cancelled
    report.dues_cancelled += aged_out_cancelled + _cancel(still_open, cancel)


def _cancel(dues: QuerySet[VisitDue], pks: list[int]) -> int:
    return sum(
        dues.filter(pk__in=pks[i : i + 1000]).update(state=VisitDue.State.CANCELLED)
        for i in range(0, len(pks), 1000)
    )


@transaction.atomic
def mark_overdue(today: dt.date, report: DailyReport) -> None:
    """Tell the director once when a visit becomes overdue, and the supervisor once when it is
    more than a week overdue. The dues to tell are read through VisitDue's partial index of
    the dues still to tell ("visit_due_to_tell": on most days there are few or none), BATCH
    at a time in the index's order; each batch's reminders and new levels are written
    set-based, a few statements per batch, so that a long backlog (the first day after a
    pause) costs about as much per due as an ordinary day."""
    week_ago = today - dt.timedelta(days=SUPERVISOR_AFTER_DAYS)
    # The index's condition said as it is (state, and a level under 2), so that both databases
    # see the partial index applies. The levels are 0, 1 and 2 only, so the dues not yet told
    # at a level they have reached are two ranges of it, read one after the other (with an OR,
    # SQLite walked the whole index instead).
    pending = VisitDue.objects.filter(state=VisitDue.State.OPEN, overdue_level__lt=2)
    for level, before in ((0, today), (1, week_ago)):
        to_tell = pending.filter(overdue_level=level, due_date__lt=before)
        after: tuple[dt.date, int] | None = None
        while True:
            batch = to_tell if after is None else to_tell.filter(_past(after))
            # A LIMIT, so that PostgreSQL walks the index itself rather than a bitmap of it:
            # an index scan marks the entries of dues told on earlier days (a level changed is
            # a new entry) as dead once no one can see them, and later days skip them, where
            # a bitmap scan would visit each of them in the table again every day until the
            # table is vacuumed (docs/performance.md, "The daily job at a city's scale").
            rows = list(batch.order_by("due_date", "pk").values_list("due_date", "pk")[:BATCH])
            if not rows:
                break
            # The batch's writes name it by its range of the index, (after, last row], not by
            # its ids: a list of 5,000 ids made each statement long to build and to parse
            # (docs/performance.md, "The first run's writes").
            _tell_overdue(batch.filter(_up_to(rows[-1])), rows, level, week_ago, report)
            if len(rows) < BATCH:
                break
            after = rows[-1]


def _past(key: tuple[dt.date, int]) -> Q:
    """The dues after `key` (due_date, pk) in the index's order (the `>=` bounds its range)."""
    due_date, pk = key
    return Q(due_date__gte=due_date) & (Q(due_date__gt=due_date) | Q(pk__gt=pk))


def _up_to(key: tuple[dt.date, int]) -> Q:
    """The dues up to `key` (due_date, pk), itself included, in the index's order."""
    due_date, pk = key
    return Q(due_date__lte=due_date) & (Q(due_date__lt=due_date) | Q(pk__lte=pk))


def _tell_overdue(
    batch: QuerySet[VisitDue],
    rows: list[tuple[dt.date, int]],
    level: int,
    week_ago: dt.date,
    report: DailyReport,
) -> None:
    """One batch of mark_overdue: `batch`, the dues at `level` to tell, read as `rows`
    (due_date, pk)."""
    new_count = len(rows) if level == 0 else 0
    late_count = sum(1 for due_date, _ in rows if due_date < week_ago)
    report.newly_overdue += new_count
    report.overdue_over_7_days += late_count
    if new_count:
        report.notifications_sent += _remind(
            batch, Role.DIRECTOR, "community_id", Notification.Kind.VISIT_OVERDUE
        )
    if late_count:
        report.notifications_sent += _remind(
            batch.filter(due_date__lt=week_ago),
            Role.SUPERVISOR,
            "subdistrict_id",
            Notification.Kind.VISIT_OVERDUE_7,
        )
    batch.update(overdue_level=Case(When(due_date__lt=week_ago, then=2), default=1))


def _remind(dues: QuerySet[VisitDue], role: str, area: str, kind: str) -> int:
    """Tell the holders of `role` in each due's `area` (its column) that it is overdue."""
    rows = dues.values(
        ref=F("pk"), to_child=F("child_id"), to_area=F(area), name=F("child__name"),
        day=F("due_date"),
    )  # fmt: skip
    return notify_area_staff(
        rows=rows, role=role, kind=kind, params={"child": "name", "date": "day"}
    )


def left_behind_16_notify(children: QuerySet[Child], today: dt.date) -> int:
    """Ask the 儿童主任 of each of `children` who is a left-behind child aged 16 or 17 and on the
    register to review the category (docs/domain.md §3.5: a left-behind child is under 16).
    `children` names the district(s): the category rows are read in the children's district
    (docs/scale.md). Once per director and child: the key is the child's, so a rerun, or the
    job after a service already asked, sends nothing twice. Returns how many were sent."""
    rows = children.filter(
        status=Status.ACTIVE,
        birth_date__lte=years_before(today, 16),
        birth_date__gt=adult_cutoff(today),
        category_rows__category=Category.LEFT_BEHIND,
        category_rows__district_id=F("district_id"),
    ).values(ref=F("pk"), to_child=F("pk"), to_area=F("community_id"), child_name=F("name"))
    return notify_area_staff(
        rows=rows,
        role=Role.DIRECTOR,
        kind=Notification.Kind.LEFT_BEHIND_16,
        params={"child": "child_name"},
    )


def flag_left_behind_turning_16(today: dt.date, report: DailyReport) -> None:
    """留守儿童 are under 16 by definition: ask the director to review the category of each
    left-behind child who turned 16 since the job's last finished run (born in (16 years
    before that run's day, 16 years before today]), district by district through the
    (district, status, birth_date) index. On an ordinary day that is one day of births, a few
    dozen children in a city, instead of every child aged 16–17 (docs/performance.md, "The
    daily job at a city's scale").

    The window starts from the last run that finished (its audit row is the run's last write),
    so a day the job did not run is covered by the next run, and a second run on the same day
    looks at no one. With no run in the last LAST_RUN_LOOKBACK_DAYS (the first run ever, or
    after a long stop) it looks at every child aged 16–17 once, as the job used to every day:
    the children who turned 16 before the job ever ran are asked about too, and a window
    longer than that is the same two years anyway.

    A child who is already 16 when they become a left-behind child (the category given, the
    birth date corrected, the file back on the register, a move to another 居民区) is asked
    about when that happens, by the children services' child_schedule_changed and
    children_created hooks (visits.services.left_behind_16_check), not by this window."""
    days = [today - dt.timedelta(days=n) for n in range(LAST_RUN_LOOKBACK_DAYS + 1)]
    last_run = job_last_day(DAILY_ACTION, days)
    since = adult_cutoff(today)
    if last_run is not None:
        since = max(since, years_before(last_run, 16))
    sixteen = years_before(today, 16)
    if since >= sixteen:
        return  # already run today: nobody turned 16 since
    sent = 0
    for district in Area.objects.filter(level=Area.Level.DISTRICT).values_list("pk", flat=True):
        sent += left_behind_16_notify(
            Child.objects.filter(district_id=district, birth_date__gt=since), today
        )
    report.left_behind_16_flagged += sent
    report.notifications_sent += sent


def run_daily(today: dt.date | None = None) -> DailyReport:
    today = today or timezone.localdate()
    report = recompute_due_dates(today=today)
    mark_overdue(today, report)
    flag_left_behind_turning_16(today, report)
    # Derived counts, not records: not part of the report's changes.
    tallies_daily(today=today)
    report.checks.update(id_number_registrations_catch_up(now=timezone.now()))
    for check in daily_checks:
        report.checks.update(check(today))
    audit_job(action=DAILY_ACTION, run=today.isoformat(), changes=asdict(report))
    return report
