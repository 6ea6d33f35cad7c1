"""Reads of the workstations app. ONE scope function per object type: a station is seen by the
district staff of its district and by the supervisor and station staff of its 街镇; nobody
else (a 儿童主任 included) — for them it answers 404 as a station that does not exist. The
standard is seen by the same people; the coverage by the district."""

import datetime as dt

from django.db.models import Q, QuerySet

from weibao.accounts.models import Role
from weibao.accounts.selectors import user_role_assignments
from weibao.areas.models import Area
from weibao.core.scope import get_or_404
from weibao.stations import workflow
from weibao.stations.models import (
    CoverageSnapshot,
    EvidenceFile,
    ItemEvidence,
    Standard,
    StandardItem,
    StationPhoto,
    Workstation,
)

KEEPER_ROLES = {
    Role.DISTRICT_STAFF: workflow.DISTRICT,
    Role.SUPERVISOR: workflow.SUPERVISOR,
    Role.STATION_STAFF: workflow.STAFF,
}


def _areas(user) -> tuple[set[int], set[int]]:
    """(districts where the user is district staff, 街镇 where they are supervisor or staff)."""
    districts: set[int] = set()
    subdistricts: set[int] = set()
    if not user.is_authenticated or not user.is_active:
        return districts, subdistricts
    for ra in user_role_assignments(user):
        if ra.area_id is None:
            continue
        if ra.role == Role.DISTRICT_STAFF:
            districts.add(ra.area_id)
        elif ra.role in (Role.SUPERVISOR, Role.STATION_STAFF):
            subdistricts.add(ra.area_id)
    return districts, subdistricts


def stations_visible_to(user) -> QuerySet[Workstation]:
    districts, subdistricts = _areas(user)
    if not districts and not subdistricts:
        return Workstation.objects.none()
    return Workstation.objects.filter(
        Q(district_id__in=districts) | Q(subdistrict_id__in=subdistricts)
    )


def station_get_for_user(user, pk) -> Workstation:
    return get_or_404(stations_visible_to(user).select_related("subdistrict", "district"), pk)


def sees_stations(user) -> bool:
    """Has a role that sees workstations at all (the pages answer 404 to anyone else)."""
    districts, subdistricts = _areas(user)
    return bool(districts or subdistricts)


def station_roles(user, station: Workstation) -> set[str]:
    """The user's roles on this station, as the workflow table names them."""
    roles: set[str] = set()
    if not user.is_authenticated or not user.is_active:
        return roles
    for ra in user_role_assignments(user):
        if ra.role == Role.DISTRICT_STAFF and ra.area_id == station.district_id:
            roles.add(workflow.DISTRICT)
        elif ra.role in (Role.SUPERVISOR, Role.STATION_STAFF) and (
            ra.area_id == station.subdistrict_id
        ):
            roles.add(KEEPER_ROLES[ra.role])
    return roles


def can_keep(user, station: Workstation) -> bool:
    """Keeps the station's details, zones, photos, public page and evidence."""
    return bool(station_roles(user, station) & workflow.KEEPERS)


def can_review(user, station: Workstation) -> bool:
    """Reviews the station's evidence: the district's staff (never its own submitter, which the
    service checks item by item)."""
    return workflow.DISTRICT in station_roles(user, station)


def subdistricts_for_new_station(user) -> QuerySet[Area]:
    """Where the user may record a new station: every 街镇 of a district they staff, their own
    街镇 as its supervisor."""
    districts, _subdistricts = _areas(user)
    supervised = [
        ra.area_id
        for ra in user_role_assignments(user)
        if ra.role == Role.SUPERVISOR and ra.area_id is not None
    ]
    if not districts and not supervised:
        return Area.objects.none()
    return (
        Area.objects.open()  # a closed 街镇 gets no new station (docs/domain.md §1.16)
        .filter(level=Area.Level.SUBDISTRICT)
        .filter(Q(parent_id__in=districts) | Q(pk__in=supervised))
        .select_related("parent")
        .order_by("code", "name")
    )


# --- photos and evidence files ----------------------------------------------------------------


def photos_visible_to(user) -> QuerySet[StationPhoto]:
    return StationPhoto.objects.filter(station__in=stations_visible_to(user).values("pk"))


def evidence_files_visible_to(user) -> QuerySet[EvidenceFile]:
    return EvidenceFile.objects.filter(evidence__station__in=stations_visible_to(user).values("pk"))


def evidence_visible_to(user) -> QuerySet[ItemEvidence]:
    return ItemEvidence.objects.filter(station__in=stations_visible_to(user).values("pk"))


# --- the standard -----------------------------------------------------------------------------


def standard_districts(user) -> set[int]:
    """The districts whose standard the user reads: those they staff, and the district of the
    街镇 they keep a station in."""
    districts, subdistricts = _areas(user)
    if subdistricts:
        districts |= set(
            Area.objects.filter(pk__in=subdistricts).values_list("parent_id", flat=True)
        )
    return districts


def standards_visible_to(user) -> QuerySet[Standard]:
    districts = standard_districts(user)
    if not districts:
        return Standard.objects.none()
    return Standard.objects.filter(district_id__in=districts)


def standard_get_for_user(user, pk) -> Standard:
    return get_or_404(standards_visible_to(user).select_related("district"), pk)


def standard_items_visible_to(user) -> QuerySet[StandardItem]:
    return StandardItem.objects.filter(standard__in=standards_visible_to(user).values("pk"))


def can_edit_standard(user, district_id: int) -> bool:
    districts, _subdistricts = _areas(user)
    return district_id in districts


def standard_in_force(district_id: int, on: dt.date) -> Standard | None:
    """The version in force on `on`: the latest that started on or before it."""
    return (
        Standard.objects.filter(district_id=district_id, starts_on__lte=on)
        .order_by("-starts_on", "-id")
        .first()
    )


def is_in_force_or_past(standard: Standard, today: dt.date) -> bool:
    """A version that has started may no longer change (what stations were measured against
    stays as it was)."""
    return standard.starts_on <= today


# --- coverage ---------------------------------------------------------------------------------


def coverage_districts(user) -> list[Area]:
    """The districts the user staffs: they keep its standard, measure and export its
    coverage."""
    districts, _subdistricts = _areas(user)
    return list(Area.objects.filter(pk__in=districts).order_by("code", "name"))


def coverage_readable_districts(user) -> list[Area]:
    """The districts whose coverage the user reads: those they staff, and the district of the
    街镇 whose station they keep (read only)."""
    return list(Area.objects.filter(pk__in=standard_districts(user)).order_by("code", "name"))


def follows_coverage(user) -> bool:
    """Staffs a district (no query: the roles are cached on the user for the request)."""
    districts, _subdistricts = _areas(user)
    return bool(districts)


def coverage_district_get_for_user(user, pk) -> Area:
    """A district whose coverage the user reads, else 404."""
    return get_or_404(
        Area.objects.filter(pk__in=standard_districts(user), level=Area.Level.DISTRICT), pk
    )


def snapshots_of(district: Area) -> QuerySet[CoverageSnapshot]:
    return CoverageSnapshot.objects.filter(district=district).order_by("-month")


# --- the public page --------------------------------------------------------------------------


def published_stations() -> QuerySet[Workstation]:
    """The stations whose public page (the display wall) anyone may open."""
    return Workstation.objects.filter(published=True)


def wall_station_get(pk) -> Workstation:
    return get_or_404(published_stations().select_related("subdistrict", "district"), pk)
