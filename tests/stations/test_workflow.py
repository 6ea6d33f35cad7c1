"""A workstation's states (workflow.STATION): planned → building → operating ⇄ suspended, moved
by the 街镇's supervisor and the district on a day that is neither in the future nor before the
current status began; at most one operating station per 街镇 (a database constraint too)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tests.helpers import error_dict, today
from tests.stations.conftest import STATION_DATA, make_station
from weibao.audit.models import AuditEvent
from weibao.stations import services, workflow
from weibao.stations.choices import StationStatus
from weibao.stations.models import Workstation

pytestmark = pytest.mark.usefixtures("english")


def test_a_new_station_is_planned_on_the_day_given_and_audited(supervisor, areas):
    station = services.station_create(
        actor=supervisor,
        subdistrict=areas["tianshan"],
        data={**STATION_DATA, "planned_on": dt.date(2021, 1, 4)},
    )
    assert station.status == StationStatus.PLANNED
    assert (station.planned_on, station.status_since) == (dt.date(2021, 1, 4),) * 2
    assert station.district == areas["district"]
    assert AuditEvent.objects.filter(action="station.create", object_id=str(station.pk)).exists()


@pytest.mark.parametrize(
    ("state", "name", "target"),
    [
        ("planned", "build", "building"),
        ("building", "open", "operating"),
        ("operating", "suspend", "suspended"),
        ("suspended", "resume", "operating"),
    ],
)
def test_each_step_moves_the_station_and_keeps_its_date(supervisor, areas, state, name, target):
    station = make_station(supervisor, areas["tianshan"], status=state)
    moved = services.station_transition(actor=supervisor, station=station, name=name, on=today())
    assert (moved.status, moved.status_since) == (target, today())
    assert AuditEvent.objects.filter(action=f"station.{name}", object_id=str(station.pk)).exists()


def test_the_first_opening_day_is_kept_when_a_station_reopens(supervisor, areas):
    station = make_station(supervisor, areas["tianshan"], status="suspended")
    opened = station.opened_on
    station = services.station_transition(actor=supervisor, station=station, name="resume")
    assert station.opened_on == opened and station.status_since == today()


@pytest.mark.parametrize(
    ("state", "name"),
    [(s, n) for s in StationStatus.values for n in workflow.STATION.transitions
     if s not in workflow.STATION.get(n).sources],
)  # fmt: skip
def test_a_step_out_of_turn_is_refused_on_the_state(supervisor, areas, state, name):
    station = make_station(supervisor, areas["tianshan"], status=state)
    with pytest.raises(ValidationError) as exc:
        services.station_transition(actor=supervisor, station=station, name=name)
    assert "state" in error_dict(exc)


def test_station_staff_keep_a_station_but_do_not_move_it(station_staff, station):
    with pytest.raises(PermissionDenied):
        services.station_transition(actor=station_staff, station=station, name="suspend")
    services.station_update(actor=station_staff, station=station, data={"opening_hours": "全天"})


def test_the_district_moves_any_station_of_its_district(district_officer, station):
    moved = services.station_transition(actor=district_officer, station=station, name="suspend")
    assert moved.status == StationStatus.SUSPENDED


def test_a_director_and_another_subdistricts_supervisor_may_not(
    director_a, supervisor_elsewhere, station
):
    for actor in (director_a, supervisor_elsewhere):
        with pytest.raises(PermissionDenied):
            services.station_transition(actor=actor, station=station, name="suspend")
        with pytest.raises(PermissionDenied):
            services.station_update(actor=actor, station=station, data={"name": "x"})


@pytest.mark.parametrize("day", ["tomorrow", dt.date(2021, 1, 31)])
def test_the_day_is_neither_in_the_future_nor_before_the_current_status(supervisor, areas, day):
    day = today() + dt.timedelta(days=1) if day == "tomorrow" else day  # at run time
    station = make_station(supervisor, areas["tianshan"], status="building")  # since 2021-02-01
    with pytest.raises(ValidationError) as exc:
        services.station_transition(actor=supervisor, station=station, name="open", on=day)
    assert "on" in error_dict(exc)


def test_a_subdistrict_never_has_two_operating_stations(supervisor, areas, station):
    second = make_station(supervisor, areas["tianshan"], status="building", name="新站")
    with pytest.raises(ValidationError) as exc:
        services.station_transition(actor=supervisor, station=second, name="open")
    assert "already operating" in error_dict(exc)["transition"][0]
    # Suspending the first lets the second open.
    services.station_transition(actor=supervisor, station=station, name="suspend")
    services.station_transition(actor=supervisor, station=second, name="open")
    # And the database holds to it whatever the services do.
    with pytest.raises(IntegrityError), transaction.atomic():
        Workstation.objects.filter(pk=station.pk).update(status="operating")


def test_only_the_districts_staff_and_the_subdistricts_supervisor_record_a_station(
    station_staff, director_a, supervisor_elsewhere, district_officer, areas
):
    for actor in (station_staff, director_a, supervisor_elsewhere):
        with pytest.raises(PermissionDenied):
            services.station_create(actor=actor, subdistrict=areas["tianshan"], data=STATION_DATA)
    station = services.station_create(
        actor=district_officer, subdistrict=areas["tianshan"], data=STATION_DATA
    )
    assert station.planned_on == today()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("host_facility", "castle"),
        ("floor_area", "-3"),
        ("floor_area", "lots"),
        ("floor_area", "NaN"),
        ("phone", "call me"),
        ("address", "x" * 201),
    ],
)
def test_bad_details_are_refused_field_by_field(supervisor, areas, field, value):
    with pytest.raises(ValidationError) as exc:
        services.station_create(
            actor=supervisor, subdistrict=areas["tianshan"], data={**STATION_DATA, field: value}
        )
    assert field in error_dict(exc)


def test_another_facility_must_be_named(supervisor, areas):
    with pytest.raises(ValidationError) as exc:
        services.station_create(
            actor=supervisor,
            subdistrict=areas["tianshan"],
            data={**STATION_DATA, "host_facility": "other"},
        )
    assert "host_facility_other" in error_dict(exc)
    station = services.station_create(
        actor=supervisor,
        subdistrict=areas["tianshan"],
        data={**STATION_DATA, "host_facility": "other", "host_facility_other": "图书馆"},
    )
    assert station.host_label() == "图书馆"


def test_a_stale_version_is_a_conflict(supervisor, station):
    from weibao.core.exceptions import ConflictError

    with pytest.raises(ConflictError):
        services.station_update(
            actor=supervisor, station=station, data={"name": "新名"}, expected_version=0
        )
