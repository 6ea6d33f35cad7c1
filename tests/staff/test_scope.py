"""Who sees whom on the roster (weibao/staff/selectors.py): district staff the district, a
街镇's supervisor and staff their 街镇, a 儿童主任 their own 居民区 read-only; out of scope is a
404 exactly as an id that does not exist, on every page; signed out, the sign-in page."""

import pytest

from tests.conftest import web_client
from tests.staff.helpers import add_member
from weibao.staff.models import Honour
from weibao.staff.selectors import staff_visible_to
from weibao.staff.services import honour_add

MISSING = 987654321


@pytest.fixture
def roster(areas, district_officer):
    return {
        "station": add_member(district_officer, areas["tianshan"], "supervisor", name="督导员甲"),
        "a": add_member(district_officer, areas["community_a"], name="主任甲"),
        "b": add_member(district_officer, areas["community_b"], name="主任乙"),
        "c": add_member(district_officer, areas["community_c"], name="主任丙"),
    }


def _names(user) -> set[str]:
    return set(staff_visible_to(user).values_list("name", flat=True))


def test_each_role_sees_the_roster_of_its_areas(
    roster, district_officer, supervisor, station_staff, director_a, director_elsewhere, unassigned
):
    assert _names(district_officer) == {"督导员甲", "主任甲", "主任乙", "主任丙"}
    assert _names(supervisor) == _names(station_staff) == {"督导员甲", "主任甲", "主任乙"}
    assert _names(director_a) == {"主任甲"}
    assert _names(director_elsewhere) == {"主任丙"}
    assert _names(unassigned) == set()


def _pages(member, honour) -> list[tuple[str, str]]:
    pk = member.pk
    return [
        ("get", f"/staff/{pk}/"),
        ("get", f"/staff/{pk}/edit/"),
        ("post", f"/staff/{pk}/edit/"),
        ("post", f"/staff/{pk}/end/"),
        ("post", f"/staff/{pk}/reveal/"),
        ("post", f"/staff/{pk}/account/"),
        ("post", f"/staff/{pk}/link/"),
        ("post", f"/staff/{pk}/honours/"),
        ("post", f"/staff/honours/{honour.pk}/remove/"),
    ]


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "supervisor_elsewhere"])
def test_a_person_out_of_scope_is_a_404_like_one_that_does_not_exist(
    request, persona, roster, district_officer
):
    honour = honour_add(
        actor=district_officer,
        member=roster["a"],
        data={"title": "先进", "level": "district", "awarded_on": roster["a"].start_date},
    )
    client = web_client(request.getfixturevalue(persona))
    for method, url in _pages(roster["a"], honour):
        response = getattr(client, method)(url, {"reason": "x", "username": "x"})
        missing = getattr(client, method)(
            url.replace(str(roster["a"].pk), str(MISSING)).replace(str(honour.pk), str(MISSING)),
            {"reason": "x", "username": "x"},
        )
        assert response.status_code == missing.status_code == 404, (url, response.status_code)
    assert Honour.objects.filter(pk=honour.pk).exists()


def test_the_unassigned_get_404_on_every_roster_page(unassigned, roster):
    client = web_client(unassigned)
    for url in ("/staff/", "/staff/new/", "/staff/team/", f"/staff/{roster['a'].pk}/"):
        assert client.get(url).status_code == 404, url


def test_signed_out_every_roster_page_sends_to_the_sign_in_page(db, roster):
    for url in ("/staff/", "/staff/team/", f"/staff/{roster['a'].pk}/", "/staff/new/"):
        response = web_client(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_director_reads_their_own_residential_areas_people_but_changes_nothing(
    roster, director_a
):
    client = web_client(director_a)
    page = client.get(f"/staff/{roster['a'].pk}/")
    assert page.status_code == 200 and "主任甲" in page.content.decode()
    assert "/edit/" not in page.content.decode()
    for url in (f"/staff/{roster['a'].pk}/edit/",):
        assert client.get(url).status_code == 403
    for url in ("end", "reveal", "honours", "account", "link"):
        assert client.post(f"/staff/{roster['a'].pk}/{url}/", {"reason": "x"}).status_code == 403
    assert client.get("/staff/new/").status_code == 403
    listed = client.get("/staff/").content.decode()
    assert "主任甲" in listed and "主任乙" not in listed and "督导员甲" not in listed


def test_a_director_does_not_see_the_station_team_page(roster, director_a, areas):
    assert web_client(director_a).get(f"/staff/team/{areas['tianshan'].pk}/").status_code == 404


def test_a_supervisor_cannot_open_another_subdistricts_team(supervisor, areas):
    client = web_client(supervisor)
    assert client.get(f"/staff/team/{areas['xianxia'].pk}/").status_code == 404
    assert client.get(f"/staff/team/{areas['tianshan'].pk}/").status_code == 200
