"""The workstations' part of the daily job (visits.hooks.daily_checks): each district's
coverage is measured and kept as its current month's figure, and a station whose computed
evidence has lapsed since yesterday is marked lapsed and its supervisor told — once per lapse
(the mark holds until the evidence holds again)."""

import datetime as dt

from django.db import transaction
from django.urls import reverse

from weibao.accounts.models import Role
from weibao.accounts.selectors import users_with_role_in_areas
from weibao.areas.models import Area
from weibao.audit.services import audit_record
from weibao.notifications.models import Notification
from weibao.notifications.services import notify
from weibao.stations.evidence import Standing, district_coverage
from weibao.stations.models import Workstation
from weibao.stations.selectors import standard_in_force
from weibao.stations.services import coverage_snapshot_take, standard_ensure_default


def lapse_key(station: Workstation, since: dt.date) -> str:
    return f"station_lapsed:{station.pk}:{since.isoformat()}"


def _tell_lapse(standing: Standing, today: dt.date) -> int:
    station = standing.station
    told = 0
    params = {
        "station": station.name,
        "items": [item.wording for item in standing.lapsed_items if item.required],
    }
    for user_id in users_with_role_in_areas(
        roles=[Role.SUPERVISOR], area_ids=[station.subdistrict_id]
    ):
        told += notify(
            recipient_id=user_id,
            kind=Notification.Kind.STATION_LAPSED,
            key=lapse_key(station, today),
            params=params,
            url=reverse("stations:detail", args=[station.pk]),
        )
    return told


@transaction.atomic
def stations_lapse_check(standings: list[Standing], today: dt.date) -> tuple[int, int]:
    """Mark the stations whose evidence lapsed (telling their supervisor) and unmark those
    whose evidence holds again. Returns (newly lapsed, people told)."""
    lapsed = told = 0
    for standing in standings:
        station = standing.station
        if standing.lapsed and station.lapsed_since is None:
            Workstation.objects.filter(pk=station.pk).update(lapsed_since=today)
            audit_record(
                actor=None,
                action="station.lapsed",
                obj=station,
                changes={"items": {"new": [i.code for i in standing.lapsed_items]}},
            )
            lapsed += 1
            told += _tell_lapse(standing, today)
        elif not standing.lapsed and station.lapsed_since is not None:
            Workstation.objects.filter(pk=station.pk).update(lapsed_since=None)
            audit_record(
                actor=None,
                action="station.lapse_ended",
                obj=station,
                changes={"lapsed_since": {"old": station.lapsed_since.isoformat()}},
            )
    return lapsed, told


def stations_daily(today: dt.date) -> dict[str, int]:
    snapshots = lapsed = told = 0
    for district in Area.objects.filter(level=Area.Level.DISTRICT).order_by("pk"):
        standard_ensure_default(district=district)
        coverage = district_coverage(district, standard_in_force(district.pk, today), today)
        if coverage_snapshot_take(actor=None, district=district, coverage=coverage) is not None:
            snapshots += 1
        found = [row.standing for row in coverage.rows if row.standing is not None]
        newly, people = stations_lapse_check(found, today)
        lapsed += newly
        told += people
    return {
        "coverage_snapshots": snapshots,
        "stations_lapsed": lapsed,
        "station_lapse_notifications": told,
    }
