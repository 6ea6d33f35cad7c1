"""Reads of the dashboards. `dashboard_areas_visible_to` is the one answer to "whose figures may
this user see"; every page, download and API call starts from it. The figures themselves are
read from dashboards.models.Figure only: one query for an area's months, one for the areas
below it (docs/domain.md §11.1)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404

from weibao.accounts.selectors import user_scope_areas
from weibao.areas.models import Area
from weibao.core.dates import add_months
from weibao.dashboards.models import Figure, FigureMonth, MonthlyReport

TREND_MONTHS = 12


def dashboard_areas_visible_to(user) -> QuerySet[Area]:
    """The areas whose dashboard `user` may open: each area a role is held on and everything
    below it — the district's staff their district, a 街镇's supervisor and station staff the
    街镇, a director their 居民区 — never an area above or beside."""
    q = Q()
    for area in user_scope_areas(user):
        q |= Q(pk=area.pk) | Q(parent_id=area.pk) | Q(parent__parent_id=area.pk)
    if not q:
        return Area.objects.none()
    return Area.objects.filter(q).select_related("parent__parent")


def dashboard_area_get_for_user(user, pk) -> Area:
    area = dashboard_areas_visible_to(user).filter(pk=pk).first()
    if area is None:
        raise Http404
    return area


def home_dashboard_area(user) -> Area | None:
    """The highest area the user holds a role on: where their dashboard opens."""
    order = {Area.Level.DISTRICT: 0, Area.Level.SUBDISTRICT: 1, Area.Level.COMMUNITY: 2}
    areas = sorted(user_scope_areas(user), key=lambda a: (order[a.level], a.pk))
    return areas[0] if areas else None


def district_of(area: Area) -> Area:
    while area.parent_id is not None and area.level != Area.Level.DISTRICT:
        area = area.parent
    return area


@dataclass
class Figures:
    """An area's figures over its trend months: `get(month, key, dim)` and the sums over dims,
    plus the same for each area below it in the chosen month."""

    area: Area
    month: dt.date
    months: list[dt.date]
    values: dict[tuple[dt.date, str, str], int]
    below: list[Area] = field(default_factory=list)
    below_values: dict[tuple[int, str, str], int] = field(default_factory=dict)
    computed_at: dt.datetime | None = None
    frozen: bool = False

    def __post_init__(self) -> None:
        # Indexed once by (month, key) and (area, key): a page asks for a few hundred of these.
        self._by_key: dict[tuple[dt.date, str], dict[str, int]] = defaultdict(dict)
        for (m, key, dim), v in self.values.items():
            self._by_key[(m, key)][dim] = v
        self._below: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
        for (a, key, dim), v in self.below_values.items():
            self._below[(a, key)][dim] = v

    def get(self, key: str, dim: str = "", month: dt.date | None = None) -> int:
        return self._by_key.get((month or self.month, key), {}).get(dim, 0)

    def dims(self, key: str, month: dt.date | None = None) -> dict[str, int]:
        return dict(self._by_key.get((month or self.month, key), {}))

    def total(self, key: str, month: dt.date | None = None) -> int:
        return sum(self._by_key.get((month or self.month, key), {}).values())

    def below_total(self, area_id: int, key: str) -> int:
        return sum(self._below.get((area_id, key), {}).values())

    def below_get(self, area_id: int, key: str, dim: str = "") -> int:
        return self._below.get((area_id, key), {}).get(dim, 0)


def trend_months(month: dt.date, n: int = TREND_MONTHS) -> list[dt.date]:
    return [add_months(month, -back) for back in range(n - 1, -1, -1)]


# The figures of the areas below that the sub-area table and the drill-down charts show.
BELOW_KEYS = (
    "children.category", "visits.due", "visits.on_time", "visits.overdue", "cases.stage",
    "reports.received",
)  # fmt: skip


def figures_for(area: Area, month: dt.date) -> Figures:
    """Three queries whatever the size of the area: its figures over the trend, the areas
    below it, and their figures in `month`."""
    months = trend_months(month)
    values: dict[tuple[dt.date, str, str], int] = defaultdict(int)
    rows = Figure.objects.filter(area=area, month__gte=months[0], month__lte=month)
    for m, key, dim, value in rows.values_list("month", "key", "dim", "value"):
        values[(m, key, dim)] = value
    below = list(Area.objects.filter(parent=area).order_by("name", "pk"))
    below_values: dict[tuple[int, str, str], int] = {}
    if below:
        rows = Figure.objects.filter(area__parent=area, month=month, key__in=BELOW_KEYS)
        for a, key, dim, value in rows.values_list("area_id", "key", "dim", "value"):
            below_values[(a, key, dim)] = value
    state = (
        FigureMonth.objects.filter(district_id=district_of(area).pk, month=month)
        .values_list("computed_at", "frozen")
        .first()
    )
    return Figures(
        area=area, month=month, months=months, values=dict(values), below=below,
        below_values=below_values, computed_at=state[0] if state else None,
        frozen=bool(state and state[1]),
    )  # fmt: skip


@dataclass(frozen=True)
class FigureState:
    """When an area's month was last counted, and whether it is frozen: what a cached page of
    its figures is keyed on (a new count makes a new key)."""

    computed_at: dt.datetime | None
    frozen: bool

    @property
    def stamp(self) -> str:
        return self.computed_at.isoformat() if self.computed_at else "never"


def figure_state(area: Area, month: dt.date) -> FigureState:
    row = (
        FigureMonth.objects.filter(district_id=district_of(area).pk, month=month)
        .values_list("computed_at", "frozen")
        .first()
    )
    return FigureState(computed_at=row[0], frozen=row[1]) if row else FigureState(None, False)


def median_of(histogram: dict[str, int]) -> int | None:
    """The median of day counts kept as {days: how many} (docs/domain.md §11.1)."""
    counts = sorted((int(days), n) for days, n in histogram.items() if n)
    total = sum(n for _d, n in counts)
    if not total:
        return None
    seen = 0
    for days, n in counts:
        seen += n
        if seen * 2 >= total:
            return days
    return counts[-1][0]


def report_areas_for(user) -> list[Area]:
    """The district and 街镇 whose monthly report `user` may read and make."""
    areas = dashboard_areas_visible_to(user).exclude(level=Area.Level.COMMUNITY)
    return list(areas.order_by("level", "name", "pk"))


def monthly_reports_visible_to(user) -> QuerySet[MonthlyReport]:
    """The one answer to "which monthly reports may this user read": those of the areas whose
    dashboard they see."""
    return MonthlyReport.objects.filter(area__in=dashboard_areas_visible_to(user)).select_related(
        "area", "made_by"
    )


def monthly_report_get_for_user(user, pk) -> MonthlyReport:
    report = monthly_reports_visible_to(user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report
