"""The demo with its stories — cases, stations, projects, councils, suggestion boards — loaded
once for this package's modules, which only read it (tests/demo/conftest.py)."""

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.demo.conftest import N, register
from tests.helpers import rows_kept_across_tests
from weibao.areas.models import Area
from weibao.demo import cases as demo_cases
from weibao.demo.data import DemoResult, load_demo
from weibao.stations.models import Workstation


@pytest.fixture(scope="package")
def story_demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[DemoResult]:
    """A small demo, children enough for the case stories in 天山路第01居民区, and the demo
    loaded again: its cases, then its stations, are made then."""
    with rows_kept_across_tests(django_db_blocker, MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        load_demo(children=N)
        assert not Workstation.objects.exists()  # too small for the stories: no stations either
        community = Area.objects.get(name="天山路第01居民区")
        for i in range(len(demo_cases.STORIES) + 1):
            register(community, f"演示儿童{i:02d}", dt.date(2012, 1, 1) + dt.timedelta(days=40 * i))
        yield load_demo(children=N)


@pytest.fixture
def loaded(story_demo, db) -> DemoResult:
    return story_demo
