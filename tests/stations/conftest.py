"""Workstation fixtures: a station of 天山路 (the supervisor's 街镇) and one of 仙霞新村, made
through the services; a second district officer to review what the first submits."""

import datetime as dt

import pytest

from tests.conftest import _user
from tests.staff.helpers import add_member
from weibao.accounts.models import Role
from weibao.stations import services
from weibao.stations.hooks import meeting_place_facts
from weibao.stations.models import Workstation

STATION_DATA = {
    "name": "天山路街道未成年人保护工作站",
    "host_facility": "culture_centre",
    "address": "天山四村122号",
    "floor_area": "120",
    "opening_hours": "周一至周五 9:00–17:00",
    "phone": "021-62590000",
}


def make_station(actor, subdistrict, *, status="operating", **data) -> Workstation:
    station = services.station_create(
        actor=actor,
        subdistrict=subdistrict,
        data={**STATION_DATA, "planned_on": dt.date(2021, 1, 4), **data},
    )
    steps = {"planned": [], "building": ["build"], "operating": ["build", "open"]}
    steps["suspended"] = [*steps["operating"], "suspend"]
    day = dt.date(2021, 2, 1)
    for name in steps[status]:
        station = services.station_transition(actor=actor, station=station, name=name, on=day)
        day += dt.timedelta(days=30)
    return station


def _council_at_work(*, subdistrict_ids, today):
    return {pk: (True, "儿童议事会（测试）") for pk in subdistrict_ids}


@pytest.fixture(autouse=True)
def council_at_work(monkeypatch):
    """The meeting place's evidence comes from the children's council (stations.hooks.
    meeting_place_facts): here a stand-in council at work in every 街镇, so that these tests
    are about the stations' rules; the council's own rule is tests/council's."""
    monkeypatch.setattr(meeting_place_facts, "_entries", [(100, 0, _council_at_work)])


@pytest.fixture
def reviewer(areas):
    """A second district officer: reviews what district_officer submitted."""
    return _user("reviewer", Role.DISTRICT_STAFF, areas["district"])


@pytest.fixture
def station(supervisor, areas):
    """The operating station of 天山路, recorded and opened by its supervisor, who is on the
    街镇's staff roster (the team item's computed evidence: one active person)."""
    add_member(supervisor, areas["tianshan"], "supervisor", name="天山路督导员")
    return make_station(supervisor, areas["tianshan"])


@pytest.fixture
def station_elsewhere(supervisor_elsewhere, areas):
    """The operating station of 仙霞新村 (out of 天山路's scope)."""
    return make_station(supervisor_elsewhere, areas["xianxia"], name="仙霞新村工作站")


def submit(actor, station, code, *, note="材料齐全。", assessment="met"):
    return services.evidence_submit(
        actor=actor, station=station, code=code, note=note, self_assessment=assessment
    )


def review(actor, station, code, decision="passed", note=""):
    return services.evidence_review(
        actor=actor, station=station, code=code, decision=decision, note=note
    )


def pass_all(station, submitter, reviewer, *, codes=None):
    """Every item of the standard in force submitted by `submitter` and passed by `reviewer`."""
    standard = services.standard_ensure_default(district=station.district)
    for item in standard.items.all():
        if codes is not None and item.code not in codes:
            continue
        submit(submitter, station, item.code)
        review(reviewer, station, item.code)
