"""Every list runs the same number of queries for 3 rows and for 20 (docs/architecture.md)."""

import pytest

from tests.conftest import api_client, web_client
from tests.helpers import page_queries
from tests.inspections.helpers import a_finding, a_meeting, a_member, a_patrol, a_team
from weibao.inspections.models import Team

PAGES = ("/inspections/", "/inspections/findings/", "/inspections/findings/?state=found")
ENDPOINTS = ("teams", "members", "patrols", "findings", "meetings")


def _grow(supervisor, areas, make_child, n: int) -> None:
    """n more of everything: members, patrols, findings, meetings, and teams of 居民区 B."""
    team_a = Team.objects.get(community=areas["community_a"])
    team_b = Team.objects.filter(community=areas["community_b"]).first() or a_team(
        supervisor, areas["community_b"]
    )
    for i in range(n):
        team = (team_a, team_b)[i % 2]
        child = make_child((team.community_id == areas["community_a"].pk and "community_a")
                           or "community_b", name=f"测试{i}号")  # fmt: skip
        member = a_member(supervisor, team, child)
        patrol = a_patrol(supervisor, team, [member])
        finding = a_finding(supervisor, patrol, f"问题{i}")
        a_meeting(supervisor, team, [finding])


@pytest.mark.parametrize("url", PAGES)
def test_the_pages_lists_run_flat_queries(teams, supervisor, areas, make_child, url):
    client = web_client(supervisor)
    few = page_queries(client, url, warm=True)
    _grow(supervisor, areas, make_child, 17)
    assert page_queries(client, url, warm=True) == few


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_the_api_lists_run_flat_queries(teams, supervisor, areas, make_child, kind):
    client = api_client(supervisor)
    url = f"/api/v1/inspections/{kind}/"
    few = page_queries(client, url, warm=True)
    _grow(supervisor, areas, make_child, 17)
    assert page_queries(client, url, warm=True) == few
    assert client.get(url).json()["count"] >= 2


def test_a_team_s_page_and_its_outcome_page_run_flat_queries(teams, supervisor, areas, make_child):
    client = web_client(supervisor)
    pages = (f"/inspections/{teams.team.pk}/", f"/inspections/{teams.team.pk}/outcome/")
    few = [page_queries(client, url, warm=True) for url in pages]
    _grow(supervisor, areas, make_child, 17)
    assert [page_queries(client, url, warm=True) for url in pages] == few
