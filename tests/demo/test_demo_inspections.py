"""The demo's inspection teams (weibao/demo/inspections.py), loaded by load_demo: a team in each
of 天山路's 18 居民区, visibly demo, members from the demo children of their 居民区, and findings
at every stage with exactly one overdue; made once."""

import datetime as dt

import pytest

from tests.demo.conftest import register
from tests.helpers import rows_kept_across_tests
from weibao.areas.models import Area
from weibao.core.models import SiteState
from weibao.demo.data import load_demo
from weibao.inspections.models import Finding, Member, Team

N = 60


@pytest.fixture(scope="module")
def teams_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """A small demo, then children of about 10 registered in three of 天山路's 居民区 and the
    teams made again (the first load found too few children for members); once for the
    module (tests/demo/conftest.py)."""
    with rows_kept_across_tests(django_db_blocker, MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        load_demo(children=N)
        SiteState.objects.filter(key="demo_inspections_loaded").delete()
        Finding.objects.all().delete()
        Team.objects.all().delete()
        for n in (1, 2, 3):
            community = Area.objects.get(name=f"天山路第{n:02d}居民区")
            for i in range(3):
                birth = dt.date.today() - dt.timedelta(days=365 * 10 + i)
                register(community, f"演示考察{n}{i}", birth)
        yield load_demo(children=N)


@pytest.fixture
def loaded(teams_demo, db):
    return teams_demo


def test_every_tianshan_community_has_a_demo_team(loaded):
    teams = Team.objects.filter(subdistrict__name="天山路街道")
    assert teams.count() == 18
    assert all(t.name.startswith("演示·") for t in teams)
    assert Member.objects.exists()
    for member in Member.objects.select_related("child"):
        assert member.child.community_id == member.community_id


def test_the_demo_findings_are_at_every_stage_with_one_overdue(loaded):
    states = set(Finding.objects.values_list("state", flat=True))
    assert states == {"found", "on_agenda", "in_progress", "resolved", "closed"}
    assert sum(f.is_overdue for f in Finding.objects.all()) == 1


def test_loading_again_changes_nothing(loaded):
    before = (Team.objects.count(), Finding.objects.count(), Member.objects.count())
    load_demo(children=N)
    assert (Team.objects.count(), Finding.objects.count(), Member.objects.count()) == before
