"""Scope (docs/domain.md §8.2 [team]): a 居民区's team is kept by its 儿童主任, the 街镇's
supervisor and station staff, and district staff; a 儿童主任 of another 居民区, a supervisor of
another 街镇 and anyone without an area get 404 on every page and endpoint — the same answer as
an id that does not exist. A child's name shows only to who may see the child."""

import pytest

from tests.conftest import api_client, web_client
from weibao.children.models import Child

NONEXISTENT = 987654321
OUT_OF_SCOPE = ("director_b", "director_elsewhere", "supervisor_elsewhere", "unassigned")
IN_SCOPE = ("director_a", "supervisor", "station_staff", "district_officer")


def _web_urls(t, pk=None) -> list[tuple[str, str]]:
    def n(obj):
        return pk if pk is not None else obj.pk

    team, finding, meeting = n(t.team), n(t.found), n(t.meeting)
    return [
        ("get", f"/inspections/{team}/"),
        ("get", f"/inspections/{team}/outcome/"),
        ("get", f"/inspections/{team}/members/new/"),
        ("post", f"/inspections/{team}/members/new/"),
        ("get", f"/inspections/{team}/patrols/new/"),
        ("post", f"/inspections/{team}/patrols/new/"),
        ("get", f"/inspections/{team}/findings/new/"),
        ("post", f"/inspections/{team}/findings/new/"),
        ("get", f"/inspections/{team}/meetings/new/"),
        ("post", f"/inspections/{team}/meetings/new/"),
        ("post", f"/inspections/members/{n(t.member)}/leave/"),
        ("get", f"/inspections/findings/{finding}/"),
        ("get", f"/inspections/findings/{finding}/photo/"),
        ("post", f"/inspections/findings/{finding}/agenda/"),
        ("post", f"/inspections/findings/{finding}/close/"),
        ("get", f"/inspections/meetings/{meeting}/"),
        ("get", f"/inspections/meetings/{meeting}/edit/"),
        ("post", f"/inspections/meetings/{meeting}/edit/"),
    ]


def _api_urls(t, pk=None) -> list[tuple[str, str]]:
    def n(obj):
        return pk if pk is not None else obj.pk

    base = "/api/v1/inspections"
    finding = n(t.found)
    return [
        ("get", f"{base}/teams/{n(t.team)}/"),
        ("get", f"{base}/members/{n(t.member)}/"),
        ("post", f"{base}/members/{n(t.member)}/leave/"),
        ("get", f"{base}/patrols/{n(t.patrol)}/"),
        ("get", f"{base}/findings/{finding}/"),
        *[("post", f"{base}/findings/{finding}/{step}/")
          for step in ("agenda", "unlist", "decide", "resolve", "close")],
        ("get", f"{base}/meetings/{n(t.meeting)}/"),
        ("patch", f"{base}/meetings/{n(t.meeting)}/"),
    ]  # fmt: skip


@pytest.mark.parametrize("who", OUT_OF_SCOPE)
def test_every_page_of_a_team_answers_404_out_of_scope_as_a_missing_id(
    teams, all_personas, supervisor_elsewhere, who
):
    user = supervisor_elsewhere if who == "supervisor_elsewhere" else all_personas[who]
    client = web_client(user)
    for (method, url), (_m, ghost_url) in zip(
        _web_urls(teams), _web_urls(teams, NONEXISTENT), strict=True
    ):
        response = getattr(client, method)(url)
        ghost = getattr(client, method)(ghost_url)
        assert response.status_code == ghost.status_code == 404, (who, method, url)


@pytest.mark.parametrize("who", OUT_OF_SCOPE)
def test_every_endpoint_answers_404_out_of_scope(teams, all_personas, supervisor_elsewhere, who):
    user = supervisor_elsewhere if who == "supervisor_elsewhere" else all_personas[who]
    client = api_client(user)
    for (method, url), (_m, ghost_url) in zip(
        _api_urls(teams), _api_urls(teams, NONEXISTENT), strict=True
    ):
        response = getattr(client, method)(url, {}, format="json")
        ghost = getattr(client, method)(ghost_url, {}, format="json")
        assert response.status_code == 404, (who, method, url)
        assert response.json() == ghost.json()


@pytest.mark.parametrize("who", IN_SCOPE)
def test_the_team_s_keepers_open_its_pages(teams, all_personas, who):
    client = web_client(all_personas[who])
    for url in (f"/inspections/{teams.team.pk}/", f"/inspections/findings/{teams.found.pk}/",
                f"/inspections/meetings/{teams.meeting.pk}/"):  # fmt: skip
        assert client.get(url).status_code == 200, (who, url)


def test_a_director_sees_only_their_community_s_team(teams, director_a, director_b):
    html = web_client(director_a).get("/inspections/").content.decode()
    assert teams.team.community.name in html
    assert teams.other_team.community.name not in html
    other = web_client(director_b).get("/inspections/").content.decode()
    assert teams.team.community.name not in other


def test_lists_and_the_api_hold_only_what_is_in_scope(teams, supervisor, supervisor_elsewhere):
    ours = api_client(supervisor).get("/api/v1/inspections/findings/").json()
    assert {f["team"] for f in ours["results"]} == {teams.team.pk}
    theirs = api_client(supervisor_elsewhere).get("/api/v1/inspections/findings/").json()
    assert {f["team"] for f in theirs["results"]} == {teams.other_team.pk}
    html = web_client(supervisor).get("/inspections/findings/").content.decode()
    assert "路灯不亮" in html and "仙霞" not in html


def test_someone_without_an_area_has_no_inspection_pages(teams, unassigned):
    assert web_client(unassigned).get("/inspections/").status_code == 404
    assert web_client(unassigned).get("/inspections/findings/").status_code == 404
    assert api_client(unassigned).post("/api/v1/inspections/teams/", {}).status_code == 404


def test_a_child_s_name_shows_only_to_who_may_see_the_child(teams, director_a, supervisor):
    child = teams.member.child
    assert (
        child.name in web_client(director_a).get(f"/inspections/{teams.team.pk}/").content.decode()
    )
    # The child moved to 居民区 B (same 街镇): 居民区 A's director no longer sees the child.
    Child.objects.filter(pk=child.pk).update(
        community=teams.team.community.parent.children.exclude(pk=teams.team.community_id).first()
    )
    html = web_client(director_a).get(f"/inspections/{teams.team.pk}/").content.decode()
    assert child.name not in html and f"成员 #{teams.member.pk}" in html
    # Nor the guardian's name, which would say whose child it is.
    guardian = teams.member.consent_by
    assert guardian and guardian not in html
    api = api_client(director_a).get(f"/api/v1/inspections/members/{teams.member.pk}/").json()
    assert api["child_name"] == "" and api["consent_by"] == ""
    assert (
        child.name in web_client(supervisor).get(f"/inspections/{teams.team.pk}/").content.decode()
    )
    assert (
        api_client(supervisor)
        .get(f"/api/v1/inspections/members/{teams.member.pk}/")
        .json()["child_name"]
        == child.name
    )
    assert guardian in web_client(supervisor).get(f"/inspections/{teams.team.pk}/").content.decode()


def test_the_menu_has_the_inspection_teams_for_who_sees_them(director_a, supervisor, unassigned):
    for user in (director_a, supervisor):
        assert 'href="/inspections/"' in web_client(user).get("/").content.decode()
    assert 'href="/inspections/"' not in web_client(unassigned).get("/").content.decode()
