"""What a dashboard shows, built from an area's Figures: sections of tiles (one number with the
way it is computed) and charts (drawn by ECharts, and always also a table). The page, the
spreadsheet and the API all read this one structure, so they show the same numbers."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weibao.areas.models import Area
from weibao.cases.choices import RiskLevel, Stage
from weibao.children.categories import Category
from weibao.children.choices import Status
from weibao.dashboards.selectors import Figures, median_of
from weibao.partners.models import PartnerKind
from weibao.reports.choices import Channel, NoCaseReason, Situation

# No figures are kept before this (and twelve months back from it stay within the calendar).
EARLIEST_MONTH = dt.date(2000, 1, 1)


def chosen_month(value: str | None, today: dt.date) -> tuple[dt.date, str]:
    """The month asked for as "YYYY-MM" (this month when absent); an unreadable or future
    month falls back to this month with a message saying so."""
    this_month = today.replace(day=1)
    if not value:
        return this_month, ""
    try:
        month = dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return this_month, _("The month must be written as YYYY-MM, e.g. 2026-11.")
    if month > this_month:
        return this_month, _("Figures exist only up to this month.")
    if month < EARLIEST_MONTH:
        return this_month, _("Figures exist only from 2000 on.")
    return month, ""


def area_link(month: dt.date):
    def link(area: Area) -> str:
        return f"{reverse('dashboards:area', args=[area.pk])}?month={month:%Y-%m}"

    return link


@dataclass
class Tile:
    key: str
    label: str
    value: float | int | None
    unit: str
    help: str

    @property
    def shown(self) -> str:
        if self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return f"{self.value:,}"


@dataclass
class Chart:
    key: str
    title: str
    help: str
    kind: str  # "bar", "line" or "pie"
    unit: str
    categories: list[str]
    series: list[dict]  # {"name": str, "data": [number | None, ...]}
    links: list[str] = field(default_factory=list)  # per category, for drill-down

    def rows(self) -> list[list]:
        return [
            [category, *[s["data"][i] for s in self.series]]
            for i, category in enumerate(self.categories)
        ]

    def table_body(self) -> SafeString:
        """The table's rows as HTML: built here rather than by the template engine, which
        took most of a page's time at a few hundred cells."""
        rows = self.table()
        if not rows:
            return format_html(
                '<tr><td colspan="{}">{}</td></tr>', len(self.series) + 1, _("Nothing this month.")
            )
        return format_html_join("", "<tr><th scope=\"row\">{}</th>{}</tr>", (
            (format_html('<a href="{}">{}</a>', url, label) if url else label,
             format_html_join("", "<td>{}</td>", (("—" if v is None else v,) for v in values)))
            for label, url, values in rows
        ))  # fmt: skip

    def table(self) -> list[tuple[str, str, list]]:
        """(label, link to the area's dashboard or "", values) for each category."""
        return [
            (row[0], self.links[i] if self.links else "", row[1:])
            for i, row in enumerate(self.rows())
        ]


@dataclass
class Section:
    key: str
    title: str
    tiles: list[Tile]
    charts: list[Chart]


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _month_label(month: dt.date) -> str:
    return date_format(month, "Y-m")


PERCENT = gettext_lazy("%")
PEOPLE = gettext_lazy("children")
TIMES = gettext_lazy("times")
DAYS = gettext_lazy("days")
PIECES = gettext_lazy("items")


def _trend(f: Figures, key: str, title: str, help: str, lines: list[tuple[str, Callable]],
           unit: str, kind: str = "line") -> Chart:  # fmt: skip
    return Chart(
        key=key, title=title, help=help, kind=kind, unit=str(unit),
        categories=[_month_label(m) for m in f.months],
        series=[{"name": name, "data": [fn(m) for m in f.months]} for name, fn in lines],
    )  # fmt: skip


def _by_dim(key: str, title: str, help: str, counts: dict[str, int], labels, unit: str,
            kind: str = "bar") -> Chart:  # fmt: skip
    order = [v for v in labels.values if counts.get(v)] if labels else sorted(counts)
    return Chart(
        key=key, title=title, help=help, kind=kind, unit=str(unit),
        categories=[_label(labels, v) if labels else v for v in order],
        series=[{"name": title, "data": [counts[v] for v in order]}],
    )  # fmt: skip


def children_section(f: Figures, link: Callable[[Area], str]) -> Section:
    cats = {k: v for k, v in f.dims("children.category").items() if k in Category.values}
    tiles = [
        Tile("children.total", _("Children on the register"), f.get("children.category", "total"),
             str(PEOPLE), _("Minors on the register at the last count of the month.")),
        Tile("children.in_difficulty", _("Children in difficulty"),
             f.get("children.category", "in_difficulty"), str(PEOPLE),
             _("Minors in any category of children in difficulty (a child counted once).")),
        Tile("children.registered", _("Registered this month"), f.total("children.registered"),
             str(PEOPLE), _("Files created in the month.")),
        Tile("children.exited", _("Left the register this month"), f.total("children.exited"),
             str(PEOPLE), _("Files whose status became moved out, transferred or deceased, by "
                            "the status date.")),
    ]  # fmt: skip
    charts = [
        _by_dim("children.category", _("Children by category"),
                _("Minors on the register in each category; a child may be in several."),
                cats, Category, PEOPLE),
        _trend(f, "children.flow", _("Registrations and exits by month"),
               _("Files created, and files that left the register, in each month."),
               [(_("Registered"), lambda m: f.total("children.registered", m)),
                (_("Left the register"), lambda m: f.total("children.exited", m))], PEOPLE, "bar"),
    ]  # fmt: skip
    exits = f.dims("children.exited")
    if exits:
        charts.append(_by_dim("children.exits", _("Exits by reason"),
                              _("Files that left the register in the month, by status."),
                              exits, Status, PEOPLE))  # fmt: skip
    if f.below:
        charts.append(_below_chart(
            f, link, "children.below", _("Children on the register by area"),
            _("Minors on the register at the last count, in each area below."), PEOPLE,
            lambda a: f.below_get(a.pk, "children.category", "total"),
        ))  # fmt: skip
    return Section("children", _("Children"), tiles, charts)


def _below_chart(f: Figures, link, key: str, title: str, help: str, unit, value) -> Chart:
    return Chart(
        key=key, title=title, help=help, kind="bar", unit=str(unit),
        categories=[a.name for a in f.below],
        series=[{"name": title, "data": [value(a) for a in f.below]}],
        links=[link(a) for a in f.below],
    )  # fmt: skip


def visits_section(f: Figures, link) -> Section:
    due, on_time = f.total("visits.due"), f.total("visits.on_time")
    tiles = [
        Tile("visits.on_time_rate", _("Visits on time"), _rate(on_time, due), str(PERCENT),
             _("Visits due in the month that were made by their due date ÷ visits due in the "
               "month.")),
        Tile("visits.overdue", _("Overdue now"), f.total("visits.overdue"), str(TIMES),
             _("Visits due before the day of counting and not made by then.")),
        Tile("visits.done", _("Visits made"), f.total("visits.done"), str(TIMES),
             _("Completed visits dated in the month.")),
    ]  # fmt: skip
    charts = [
        _trend(f, "visits.on_time_rate", _("Visits on time by month"),
               _("Visits made by their due date ÷ visits due, in each month."),
               [(_("On time"), lambda m: _rate(f.total("visits.on_time", m),
                                               f.total("visits.due", m)))], PERCENT),
    ]  # fmt: skip
    if f.below:
        charts.append(_below_chart(
            f, link, "visits.overdue_below", _("Overdue visits by area"),
            _("Visits due and not made by the day of counting, in each area below."), TIMES,
            lambda a: f.below_total(a.pk, "visits.overdue"),
        ))  # fmt: skip
    return Section("visits", _("Home visits"), tiles, charts)


CLOCKS = (
    ("ack", gettext_lazy("Acknowledged within 1 hour")),
    ("police", gettext_lazy("Police told within 24 hours")),
    ("outcome", gettext_lazy("Outcome within 15 days")),
)


def reports_section(f: Figures, link) -> Section:
    tiles = [
        Tile("reports.received", _("Reports received"), f.total("reports.received"), str(PIECES),
             _("Mandatory reports received in the month, by every channel.")),
    ]  # fmt: skip
    for name, label in CLOCKS:
        due, kept = f.total(f"reports.{name}_due"), f.total(f"reports.{name}_kept")
        tiles.append(Tile(f"reports.{name}", str(label), _rate(kept, due), str(PERCENT),
                          _("Reports received in the month whose clock was kept ÷ reports "
                            "received in the month that had this clock.")))  # fmt: skip
    tiles.append(Tile("reports.no_case", _("Closed without a case"), f.total("reports.no_case"),
                      str(PIECES), _("Reports of harm closed in the month without a case, "
                                     "with the reason chosen.")))  # fmt: skip
    charts = [
        _by_dim("reports.channel", _("Reports by channel"),
                _("Reports received in the month, by the way they came in."),
                f.dims("reports.received"), Channel, PIECES, "pie"),
        _by_dim("reports.situation", _("Reports by situation"),
                _("Situations named in the reports received in the month; a report may name "
                  "several."), f.dims("reports.situation"), Situation, PIECES),
        _trend(f, "reports.clocks", _("Clocks kept by month"),
               _("For each legal clock: reports received in the month whose clock was kept ÷ "
                 "those that had it."),
               [(str(label), (lambda n: lambda m: _rate(f.total(f"reports.{n}_kept", m),
                                                        f.total(f"reports.{n}_due", m)))(name))
                for name, label in CLOCKS], PERCENT),
        _by_dim("reports.no_case", _("Closed without a case, by reason"),
                _("Reports of harm closed in the month without a case."),
                f.dims("reports.no_case"), NoCaseReason, PIECES),
    ]  # fmt: skip
    return Section("reports", _("Mandatory reports"), tiles, charts)


def cases_section(f: Figures, link) -> Section:
    open_cases = f.total("cases.stage")
    workers = f.get("cases.workers")
    medians = (
        ("cases.days_report_to_case", _("Days from report to case"),
         _("Median days from the first report about a child to the case, for cases opened in "
           "the month.")),
        ("cases.days_case_to_plan", _("Days from case to plan"),
         _("Median days from the case's opening to its first plan, for first plans made in the "
           "month.")),
        ("cases.days_plan_to_service", _("Days from plan to first service"),
         _("Median days from the first plan to the first service recorded, for first services "
           "in the month.")),
    )  # fmt: skip
    tiles = [
        Tile("cases.open", _("Open cases"), open_cases, str(PIECES),
             _("Cases open at the last count of the month.")),
        Tile("cases.opened", _("Cases opened"), f.total("cases.opened"), str(PIECES),
             _("Cases opened in the month.")),
        Tile("cases.per_worker", _("Open cases per worker"),
             round(open_cases / workers, 1) if workers else None, "",
             _("Open cases ÷ the people owning at least one of them.")),
    ]  # fmt: skip
    tiles += [Tile(k, str(label), median_of(f.dims(k)), str(DAYS), str(help))
              for k, label, help in medians]  # fmt: skip
    charts = [
        _by_dim("cases.stage", _("Open cases by stage"),
                _("Cases open at the last count of the month, by the stage they are in."),
                f.dims("cases.stage"), Stage, PIECES),
        _by_dim("cases.risk", _("Open cases by risk level"),
                _("Open cases with an assessment, by the risk level assessed."),
                f.dims("cases.risk"), RiskLevel, PIECES),
    ]  # fmt: skip
    if f.below:
        charts.append(_below_chart(
            f, link, "cases.below", _("Open cases by area"),
            _("Cases open at the last count, in each area below."), PIECES,
            lambda a: f.below_total(a.pk, "cases.stage"),
        ))  # fmt: skip
    return Section("cases", _("Cases"), tiles, charts)


def referrals_section(f: Figures, link) -> Section:
    sent, accepted = f.dims("referrals.sent"), f.dims("referrals.accepted")
    answered, hours = f.dims("referrals.answered"), f.dims("referrals.answer_hours")
    kinds = [k for k in PartnerKind.values if sent.get(k)]
    tiles = [
        Tile("referrals.acceptance", _("Referrals accepted"),
             _rate(sum(accepted.values()), sum(sent.values())), str(PERCENT),
             _("Referrals made in the month that the partner accepted ÷ referrals made.")),
        Tile("protection.active", _("Under temporary guardianship"), f.total("protection.active"),
             str(PEOPLE), _("Children under temporary guardianship at the last count.")),
        Tile("protection.near_limit", _("Guardianship near its one-year limit"),
             f.total("protection.near_limit"), str(PEOPLE),
             _("Temporary guardianship within 30 days of its one-year limit, or past it.")),
    ]  # fmt: skip
    charts = [
        Chart(
            key="referrals.by_kind", title=_("Referrals by partner type"),
            help=_("Referrals made in the month: acceptance rate (%) and the mean hours the "
                   "partner took to answer."), kind="bar", unit=str(PERCENT),
            categories=[_label(PartnerKind, k) for k in kinds],
            series=[
                {"name": _("Accepted (%)"),
                 "data": [_rate(accepted.get(k, 0), sent[k]) for k in kinds]},
                {"name": _("Hours to answer"),
                 "data": [round(hours.get(k, 0) / answered[k], 1) if answered.get(k) else None
                          for k in kinds]},
            ],
        )
    ]  # fmt: skip
    return Section("referrals", _("Referrals and protection"), tiles, charts)


def workstations_section(f: Figures, link) -> Section:
    subdistricts = f.get("stations.subdistricts")
    tiles = [
        Tile("stations.coverage", _("Workstation coverage"),
             _rate(f.get("stations.meeting"), subdistricts), str(PERCENT),
             _("街镇 whose workstation meets the district's standard ÷ all 街镇 (the month's "
               "coverage figure).")),
        Tile("training.rate", _("Training rate"),
             _rate(f.get("training.trained"), f.get("training.required")), str(PERCENT),
             _("People of the required roles with the required hours this year ÷ all people "
               "of those roles.")),
        Tile("staff.without_director", _("居民区 without a 儿童主任"),
             f.get("staff.without_director"), "",
             _("Open 居民区 with no 儿童主任 at work (the 1+1+X table).")),
        Tile("staff.without_social_worker", _("居民区 without a social worker"),
             f.get("staff.without_social_worker"), "",
             _("Open 居民区 with no social worker at work (the 1+1+X table).")),
    ]  # fmt: skip
    charts = []
    if subdistricts or any(f.get("stations.subdistricts", month=m) for m in f.months):
        charts.append(_trend(
            f, "stations.coverage", _("Coverage by month"),
            _("The coverage figure kept for each month."),
            [(_("Coverage"), lambda m: _rate(f.get("stations.meeting", month=m),
                                             f.get("stations.subdistricts", month=m)))],
            PERCENT,
        ))  # fmt: skip
    return Section("workstations", _("Workstations"), tiles, charts)


def participation_section(f: Figures, link) -> Section:
    answered = f.total("suggestions.answered")
    tiles = [
        Tile("activities.held", _("Activities held"), f.get("activities.held"), str(TIMES),
             _("Activities held in the month.")),
        Tile("activities.attendances", _("Attendances"), f.get("activities.attendances"),
             str(TIMES), _("Children present at the month's activities, each time counted.")),
        Tile("activities.children", _("Children served"), f.get("activities.children"),
             str(PEOPLE), _("Different children present, counted per project and 街镇.")),
        Tile("suggestions.answered", _("Suggestions answered"), answered, str(PIECES),
             _("Children's suggestions answered in the month.")),
        Tile("suggestions.on_time", _("Answered on time"),
             _rate(f.total("suggestions.on_time"), answered), str(PERCENT),
             _("Suggestions answered by their deadline ÷ suggestions answered in the month.")),
        Tile("inspections.resolved", _("Findings resolved"), f.total("inspections.resolved"),
             str(PIECES), _("Inspection teams' findings resolved in the month.")),
    ]  # fmt: skip
    charts = [
        _trend(f, "participation.trend", _("Participation by month"),
               _("Activities held and attendances in each month."),
               [(_("Activities held"), lambda m: f.get("activities.held", month=m)),
                (_("Attendances"), lambda m: f.get("activities.attendances", month=m))],
               TIMES, "bar"),
    ]  # fmt: skip
    return Section("participation", _("Participation"), tiles, charts)


SECTIONS = (
    children_section, visits_section, reports_section, cases_section, referrals_section,
    workstations_section, participation_section,
)  # fmt: skip


@dataclass
class BelowRow:
    area: Area
    link: str
    children: int
    on_time: float | None
    overdue: int
    open_cases: int
    reports: int


def board_sections(f: Figures, link: Callable[[Area], str]) -> list[Section]:
    return [build(f, link) for build in SECTIONS]


def below_rows(f: Figures, link: Callable[[Area], str]) -> list[BelowRow]:
    return [
        BelowRow(
            area=a, link=link(a), children=f.below_get(a.pk, "children.category", "total"),
            on_time=_rate(f.below_total(a.pk, "visits.on_time"), f.below_total(a.pk, "visits.due")),
            overdue=f.below_total(a.pk, "visits.overdue"),
            open_cases=f.below_total(a.pk, "cases.stage"),
            reports=f.below_total(a.pk, "reports.received"),
        )
        for a in f.below
    ]  # fmt: skip


def board_json(sections: list[Section]) -> dict:
    """The charts for the page's script and the figures for the API, by section."""
    return {
        s.key: {
            "title": s.title,
            "tiles": [
                {"key": t.key, "label": t.label, "value": t.value, "unit": t.unit, "help": t.help}
                for t in s.tiles
            ],
            "charts": [
                {"key": c.key, "title": c.title, "help": c.help, "kind": c.kind, "unit": c.unit,
                 "categories": c.categories, "series": c.series, "links": c.links}
                for c in s.charts
            ],
        }
        for s in sections
    }  # fmt: skip
