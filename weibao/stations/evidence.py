"""Computed evidence and where each station stands against the standard (docs/domain.md §1.13).

Where the system itself holds the evidence for an item it is computed here and shown, never
typed: the team (the staff roster's active people by role), the service ledger (service records
of the 街镇 in the last 3 months), the archive (the share of the 街镇's children whose file is
complete), the venue (floor area and a private counselling room), the meeting place (the
children's council) and the display wall (the public page is published).

Everything is read for many 街镇 at once — one grouped, indexed query per kind — so the district's
coverage grid runs the same number of queries for 10 街镇 as for 200.

A station meets the standard when it is operating and every required item of the version in
force has passed review and, where the item has computed evidence that is available, that
evidence still holds. Evidence that is not available yet (the children's council) is shown as
such and neither holds nor lapses: it is never faked."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from weibao.areas.models import Area
from weibao.children.choices import Status
from weibao.children.models import Child, Guardian, adult_cutoff
from weibao.core.dates import add_months
from weibao.ledger.models import ServiceRecord
from weibao.staff.selectors import (
    active_staff_role_counts,
    active_staff_role_counts_many,
    display_wall_people,
)
from weibao.stations.choices import (
    ITEM_COLOUR,
    ComputedKind,
    ItemState,
    ReviewDecision,
    StationStatus,
    ZoneKind,
)
from weibao.stations.hooks import meeting_place_facts
from weibao.stations.models import ItemEvidence, Standard, StandardItem, StationZone, Workstation
from weibao.visits.models import Visit

# The service ledger counts the services of the last LEDGER_MONTHS months.
LEDGER_MONTHS = 3
# A child's file is complete when its home address and at least one guardian are recorded and
# the child was visited in the last ARCHIVE_VISIT_DAYS days (the longest visit interval a rule
# can set is 12 months: visits.VisitRule).
ARCHIVE_VISIT_DAYS = 365
# A kind's threshold when its item sets none.
DEFAULT_THRESHOLD = {
    ComputedKind.TEAM: 1,
    ComputedKind.TEAM_CORE: 5,
    ComputedKind.VENUE: 30,
    ComputedKind.LEDGER: 1,
}

# The staff roster's role codes (weibao.staff.choices.StaffRole) and their words.
ROLE_LABELS = {
    "station_head": gettext_lazy("Station head"),
    "legal_deputy": gettext_lazy("Legal deputy head"),
    "supervisor": gettext_lazy("Child supervisor"),
    "director": gettext_lazy("Child director"),
    "full_time": gettext_lazy("Full-time staff"),
    "social_worker": gettext_lazy("Social worker"),
    "volunteer": gettext_lazy("Volunteer"),
    "expert": gettext_lazy("Expert"),
    "lawyer": gettext_lazy("Lawyer"),
}
PROFESSIONAL_ROLES = ("social_worker", "expert")


# --- the staff roster's figures (weibao.staff.selectors) ----------------------------------------


def _team_counts(subdistrict: Area) -> dict[str, int] | None:
    """The active staff of the 街镇 by role code (weibao.staff.selectors.
    active_staff_role_counts); None would show the team's evidence as not available yet."""
    return active_staff_role_counts(subdistrict=subdistrict)


@dataclass(frozen=True)
class WallPerson:
    name: str
    role: str  # the role's words
    community: str  # the 居民区's name ("" for the 街镇's own people)
    phone: str  # the work phone they agreed to publish


def _wall_people(subdistrict: Area) -> list[WallPerson] | None:
    """The people the 街镇's display wall names (weibao.staff.selectors.display_wall_people):
    name, role label, 居民区 name and work phone of the 督导员 and 儿童主任 who agreed to publish,
    nothing else."""
    return [
        WallPerson(
            name=person.name,
            role=person.role_label,
            community=person.community_name,
            phone=person.work_phone,
        )
        for person in display_wall_people(subdistrict=subdistrict)
    ]


def team_counts_many(subdistricts: Iterable[Area]) -> dict[int, dict[str, int] | None]:
    """_team_counts for several 街镇, in one query (active_staff_role_counts_many)."""
    return dict(active_staff_role_counts_many(subdistricts=subdistricts))


def wall_people(subdistrict: Area) -> list[WallPerson] | None:
    return _wall_people(subdistrict)


# --- the facts, read for many 街镇 at once ----------------------------------------------------


@dataclass
class Facts:
    today: dt.date
    team: dict[int, dict[str, int] | None] = field(default_factory=dict)
    ledger: dict[int, int] = field(default_factory=dict)  # 街镇 → service records
    archive: dict[int, tuple[int, int]] = field(default_factory=dict)  # 街镇 → (files, complete)
    counselling: set[int] = field(default_factory=set)  # stations with a counselling room
    # 街镇 → (holds, words) from the children's council (stations.hooks.meeting_place_facts);
    # None while no app answers for the meeting place.
    meeting: dict[int, tuple[bool, str]] | None = None


def ledger_since(today: dt.date) -> dt.date:
    return add_months(today, -LEDGER_MONTHS)


def ledger_counts(subdistrict_ids: list[int], today: dt.date) -> dict[int, int]:
    """Valid service records per 街镇 delivered in the last 3 months (the (subdistrict,
    delivered_on) index)."""
    if not subdistrict_ids:
        return {}
    rows = (
        ServiceRecord.objects.filter(
            subdistrict_id__in=subdistrict_ids,
            delivered_on__gte=ledger_since(today),
            delivered_on__lte=today,
            voided_at__isnull=True,
        )
        .values_list("subdistrict_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def _has_guardian() -> Exists:
    """The outer child has a guardian, read with its district as every read of a child's
    guardians is (docs/scale.md)."""
    rows = Guardian.objects.filter(district_id=OuterRef("district_id"), child=OuterRef("pk"))
    return Exists(rows)


def complete_file_q(today: dt.date) -> Q:
    """A child's file is complete (docs/domain.md §1.13): the home address and at least one
    guardian recorded, and a visit in the last ARCHIVE_VISIT_DAYS days. The other fields the
    screening collects (name, sex, birth date, ID number, 户籍) are required at registration."""
    return (
        ~Q(address="")
        & Q(_has_guardian())
        & Q(last_visited_on__gte=today - dt.timedelta(days=ARCHIVE_VISIT_DAYS))
    )


def archive_counts(subdistrict_ids: list[int], today: dt.date) -> dict[int, tuple[int, int]]:
    """(minors on the register, of whom with a complete file) per 街镇, in one grouped query
    over the (subdistrict, status, birth_date) index."""
    if not subdistrict_ids:
        return {}
    rows = (
        Child.objects.filter(
            subdistrict_id__in=subdistrict_ids,
            status=Status.ACTIVE,
            birth_date__gt=adult_cutoff(today),
        )
        .values_list("subdistrict_id")
        .annotate(total=Count("pk"), complete=Count("pk", filter=complete_file_q(today)))
        .order_by()
    )
    return {sub: (total, complete) for sub, total, complete in rows}


def gather_facts(
    subdistricts: list[Area], stations: list[Workstation], today: dt.date, kinds: set[str]
) -> Facts:
    """What the computed evidence of `kinds` needs, for all these 街镇 and stations."""
    ids = [area.pk for area in subdistricts]
    facts = Facts(today=today)
    if kinds & {ComputedKind.TEAM, ComputedKind.TEAM_CORE}:
        facts.team = team_counts_many(subdistricts)
    if ComputedKind.LEDGER in kinds:
        facts.ledger = ledger_counts(ids, today)
    if ComputedKind.ARCHIVE in kinds:
        facts.archive = archive_counts(ids, today)
    if ComputedKind.VENUE in kinds and stations:
        facts.counselling = set(
            StationZone.objects.filter(
                station_id__in=[s.pk for s in stations], kind=ZoneKind.COUNSELLING
            ).values_list("station_id", flat=True)
        )
    if ComputedKind.MEETING in kinds and len(meeting_place_facts):
        facts.meeting = {}
        for answer in meeting_place_facts.call(subdistrict_ids=ids, today=today):
            facts.meeting.update(answer)
    return facts


# --- computed evidence of one item for one station -------------------------------------------


@dataclass(frozen=True)
class Computed:
    """The computed evidence of an item: `available` False when the system does not hold it
    yet; `holds` None when there is nothing to hold to (no threshold), else whether it holds."""

    kind: str
    available: bool
    holds: bool | None
    text: str


def _threshold(item: StandardItem) -> int | None:
    if item.threshold is not None:
        return item.threshold
    return DEFAULT_THRESHOLD.get(item.computed)


def _team_text(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    parts = [f"{ROLE_LABELS.get(code, code)} {n}" for code, n in sorted(counts.items()) if n]
    text = _("%(n)d active staff") % {"n": total}
    return f"{text}（{'、'.join(parts)}）" if parts else text


def computed_for(item: StandardItem, station: Workstation, facts: Facts) -> Computed | None:
    kind = item.computed
    if not kind:
        return None
    threshold = _threshold(item)
    sub = station.subdistrict_id
    if kind in (ComputedKind.TEAM, ComputedKind.TEAM_CORE):
        counts = facts.team.get(sub)
        if counts is None:
            return Computed(kind, False, None, _("Not available yet: the staff roster."))
        total = sum(counts.values())
        holds = total >= (threshold or 0)
        if kind == ComputedKind.TEAM_CORE:
            holds = (
                holds
                and counts.get("station_head", 0) > 0
                and counts.get("legal_deputy", 0) > 0
                and sum(counts.get(code, 0) for code in PROFESSIONAL_ROLES) > 0
            )
        return Computed(kind, True, holds, _team_text(counts))
    if kind == ComputedKind.LEDGER:
        n = facts.ledger.get(sub, 0)
        text = ngettext(
            "%(n)d service record since %(date)s", "%(n)d service records since %(date)s", n
        ) % {
            "n": n,
            "date": ledger_since(facts.today).isoformat(),
        }
        return Computed(kind, True, n >= (threshold or 0), text)
    if kind == ComputedKind.ARCHIVE:
        total, complete = facts.archive.get(sub, (0, 0))
        if not total:
            return Computed(kind, True, None, _("No children's files in this 街镇 yet."))
        percent = 100 * complete / total
        text = _("%(complete)d of %(total)d files complete (%(percent)d%%)") % {
            "complete": complete,
            "total": total,
            "percent": int(percent),
        }
        return Computed(kind, True, None if threshold is None else percent >= threshold, text)
    if kind == ComputedKind.VENUE:
        area = station.floor_area or Decimal(0)
        has_room = station.pk in facts.counselling
        text = _("%(area)s m²; %(room)s") % {
            "area": station.floor_area if station.floor_area is not None else "—",
            "room": _("a private counselling room") if has_room else _("no counselling room"),
        }
        return Computed(kind, True, area >= (threshold or 0) and has_room, text)
    if kind == ComputedKind.MEETING:
        if facts.meeting is None:
            return Computed(kind, False, None, _("Not available yet: the children's council."))
        holds, text = facts.meeting.get(sub, (False, _("No children's council yet.")))
        return Computed(kind, True, holds, text)
    if kind == ComputedKind.WALL:
        if station.published:
            return Computed(kind, True, True, _("The public page is published."))
        return Computed(kind, True, False, _("The public page is not published."))
    return None


# --- where a station stands -------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    item: StandardItem
    state: str
    evidence: ItemEvidence | None
    computed: Computed | None

    @property
    def colour(self) -> str:
        return ITEM_COLOUR[self.state]

    @property
    def label(self) -> str:
        return str(ItemState(self.state).label)


def item_state(evidence: ItemEvidence | None, computed: Computed | None) -> str:
    """The latest event wins: a review after the last submission decides; evidence changed
    after a review awaits a new one. A pass whose computed evidence no longer holds is lapsed."""
    if evidence is None or evidence.submitted_at is None:
        return ItemState.MISSING
    if evidence.reviewed_at is None or evidence.reviewed_at < evidence.submitted_at:
        return ItemState.SUBMITTED
    if evidence.review_decision != ReviewDecision.PASSED:
        return ItemState.NEEDS_WORK
    if computed is not None and computed.holds is False:
        return ItemState.LAPSED
    return ItemState.PASSED


@dataclass(frozen=True)
class Standing:
    station: Workstation
    standard: Standard | None
    cells: list[Cell]

    @property
    def operating(self) -> bool:
        return self.station.status == StationStatus.OPERATING

    @property
    def meets(self) -> bool:
        if self.standard is None or not self.operating:
            return False
        return all(cell.state == ItemState.PASSED for cell in self.cells if cell.item.required)

    @property
    def lapsed_items(self) -> list[StandardItem]:
        return [cell.item for cell in self.cells if cell.state == ItemState.LAPSED]

    @property
    def lapsed(self) -> bool:
        """Operating, and a required item passed review but its computed evidence no longer
        holds."""
        return self.operating and any(
            cell.state == ItemState.LAPSED and cell.item.required for cell in self.cells
        )

    @property
    def passed(self) -> int:
        return sum(cell.state == ItemState.PASSED for cell in self.cells)


def standings(
    stations: list[Workstation],
    standard: Standard | None,
    items: list[StandardItem],
    today: dt.date,
    subdistricts: list[Area] | None = None,
) -> dict[int, Standing]:
    """Each station's standing against `standard` (its `items`), with a constant number of
    queries: the stations' evidence, then one per kind of computed evidence."""
    if not stations:
        return {}
    if subdistricts is None:
        subdistricts = [station.subdistrict for station in stations]
    evidence: dict[tuple[int, str], ItemEvidence] = {
        (ev.station_id, ev.code): ev
        for ev in ItemEvidence.objects.filter(station_id__in=[s.pk for s in stations])
    }
    facts = gather_facts(subdistricts, stations, today, {item.computed for item in items})
    result = {}
    for station in stations:
        cells = []
        for item in items:
            ev = evidence.get((station.pk, item.code))
            computed = computed_for(item, station, facts)
            cells.append(Cell(item, item_state(ev, computed), ev, computed))
        result[station.pk] = Standing(station, standard, cells)
    return result


# --- coverage of a district -------------------------------------------------------------------

# Which of a 街镇's stations stands for it: the operating one, else the suspended, the one
# being built, the planned; the newest first.
_STATUS_RANK = {
    StationStatus.OPERATING: 0,
    StationStatus.SUSPENDED: 1,
    StationStatus.BUILDING: 2,
    StationStatus.PLANNED: 3,
}


@dataclass(frozen=True)
class CoverageRow:
    subdistrict: Area
    station: Workstation | None
    standing: Standing | None

    @property
    def meets(self) -> bool:
        return self.standing is not None and self.standing.meets

    @property
    def cells(self) -> list[Cell]:
        return self.standing.cells if self.standing is not None else []


@dataclass(frozen=True)
class Coverage:
    district: Area
    on: dt.date
    standard: Standard | None
    items: list[StandardItem]
    rows: list[CoverageRow]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def meeting(self) -> int:
        return sum(row.meets for row in self.rows)

    @property
    def percent(self) -> int | None:
        return round(100 * self.meeting / self.total) if self.total else None


def standard_items(standard: Standard | None) -> list[StandardItem]:
    return list(standard.items.order_by("order", "id")) if standard is not None else []


def district_coverage(district: Area, standard: Standard | None, today: dt.date) -> Coverage:
    """Each 街镇 of the district with its station and where it stands: the same few queries
    however many 街镇 there are."""
    # A closed (or merged) 街镇 leaves the grid and the figure: it has no station operating
    # (stations.services.area_station_guard), and counting it would lower today's coverage.
    subdistricts = list(
        Area.objects.open()
        .filter(parent=district, level=Area.Level.SUBDISTRICT)
        .order_by("code", "name")
    )
    stations = list(
        Workstation.objects.filter(
            district=district, subdistrict__closed_at__isnull=True
        ).select_related("subdistrict", "district")
    )
    chosen: dict[int, Workstation] = {}
    for station in sorted(stations, key=lambda s: (_STATUS_RANK[s.status], -s.pk)):
        chosen.setdefault(station.subdistrict_id, station)
    items = standard_items(standard)
    by_station = standings(list(chosen.values()), standard, items, today, subdistricts)
    rows = []
    for sub in subdistricts:
        station = chosen.get(sub.pk)
        rows.append(CoverageRow(sub, station, by_station.get(station.pk) if station else None))
    return Coverage(district, today, standard, items, rows)


# --- the display wall's figures ---------------------------------------------------------------

# A count under this is shown as "<5": a small number on a public page could point at a child.
SMALL_COUNT = 5


def shown_count(n: int) -> str:
    return f"<{SMALL_COUNT}" if n < SMALL_COUNT else str(n)


@dataclass(frozen=True)
class WallFigures:
    year: int
    children_served: str
    visits: str


def wall_figures(station: Workstation, today: dt.date) -> WallFigures:
    """This year's figures of the station's 街镇 for its public page: the children who received
    a service, and the home visits made — aggregates only, small ones hidden."""
    start = dt.date(today.year, 1, 1)
    served = (
        ServiceRecord.objects.filter(
            subdistrict_id=station.subdistrict_id,
            delivered_on__gte=start,
            delivered_on__lte=today,
            voided_at__isnull=True,
        )
        .values("child_id")
        .distinct()
        .count()
    )
    visits = Visit.objects.filter(
        subdistrict_id=station.subdistrict_id,
        state=Visit.State.COMPLETED,
        visit_date__gte=start,
        visit_date__lte=today,
    ).count()
    return WallFigures(today.year, shown_count(served), shown_count(visits))
