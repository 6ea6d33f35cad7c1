"""Activities fixtures: 天山路's operating station with a zone, a project of it, and an activity
of that project held today (so attendance may be taken)."""

import datetime as dt

import pytest

from tests.helpers import today
from tests.stations.conftest import make_station
from weibao.activities import services
from weibao.stations import services as station_services


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def station(supervisor, areas):
    return make_station(supervisor, areas["tianshan"])


@pytest.fixture
def zone(supervisor, station):
    return station_services.zone_add(
        actor=supervisor, station=station, data={"name": "活动区", "kind": "activity"}
    )


@pytest.fixture
def project(supervisor, station):
    return services.project_create(
        actor=supervisor,
        data={
            "station": station,
            "name": "艺润童心",
            "brand": "艺术护照",
            "starts_on": dt.date(2026, 1, 1),
            "categories": ["economic_hardship"],
            "age_bands": ["7-12"],
            "status": "running",
        },
    )


def an_activity(actor, project=None, *, held_on=None, capacity=10, **data):
    base = {
        "title": "绘画课",
        "held_on": held_on or today(),
        "place_text": "天山路街道社区文化活动中心",
        "capacity": capacity,
        "age_min": 0,
        "age_max": 17,
    }
    base.update(data)
    return services.activity_create(actor=actor, data=base, project=project)


@pytest.fixture
def activity(supervisor, project):
    return an_activity(supervisor, project)
