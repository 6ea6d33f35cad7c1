"""/api/v1/areas/ for district staff: create, rename, close (moving the children) and merge,
through the same services as the pages; an area the user cannot see answers 404, one they see
but may not change 403; the list leaves out closed areas unless asked."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import api_client
from weibao.areas.models import Area
from weibao.areas.services import area_close
from weibao.audit.models import AuditEvent
from weibao.children.models import Child

URL = "/api/v1/areas/"


def _names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def test_the_list_leaves_out_closed_areas_unless_asked(district_officer, areas):
    area_close(actor=district_officer, area=areas["community_b"])
    client = api_client(district_officer)
    assert "测试乙居民区" not in _names(client.get(URL))
    closed = client.get(URL, {"closed": "true"})
    assert "测试乙居民区" in _names(closed)
    row = next(r for r in closed.json()["results"] if r["name"] == "测试乙居民区")
    assert row["closed_at"] and row["merged_into"] is None
    # A closed area's record is still read: the records of the past name it.
    assert client.get(f"{URL}{areas['community_b'].pk}/").status_code == 200


@pytest.mark.parametrize("n", [3, 20])
def test_the_list_costs_the_same_queries_however_many_areas(
    n, district_officer, areas, django_assert_max_num_queries
):
    for i in range(n):
        Area.objects.create(name=f"加{i}居民区", level="community", parent=areas["tianshan"])
    client = api_client(district_officer)
    client.get(URL)
    with django_assert_max_num_queries(8):
        assert client.get(URL, {"page_size": 50}).status_code == 200


def test_district_staff_create_a_community(district_officer, areas):
    response = api_client(district_officer).post(
        URL, {"parent": areas["tianshan"].pk, "name": "新华居民区"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["level"], body["parent"]) == (
        "新华居民区",
        "community",
        areas["tianshan"].pk,
    )
    assert AuditEvent.objects.filter(action="area.create", object_id=str(body["id"])).exists()


def test_bad_input_is_refused_field_by_field(district_officer, areas):
    client = api_client(district_officer)
    response = client.post(
        URL, {"parent": areas["district"].pk, "name": "新街道", "code": "1"}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"code"}
    unknown = client.post(
        URL, {"parent": areas["tianshan"].pk, "name": "x", "level": "district"}, format="json"
    )
    assert unknown.status_code == 400 and set(unknown.json()) == {"level"}
    missing = client.post(URL, {"parent": 999999, "name": "x"}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"parent"}


@pytest.mark.parametrize("persona", ["supervisor", "station_staff", "director_a"])
def test_people_who_see_an_area_but_do_not_manage_it_get_403(request, persona, areas):
    client = api_client(request.getfixturevalue(persona))
    area = areas["community_a"]
    assert client.patch(f"{URL}{area.pk}/", {"name": "越权"}, format="json").status_code == 403
    assert client.post(f"{URL}{area.pk}/close/", {}, format="json").status_code == 403
    assert (
        client.post(
            f"{URL}{area.pk}/merge/", {"into": areas["community_b"].pk}, format="json"
        ).status_code
        == 403
    )
    created = client.post(URL, {"parent": areas["tianshan"].pk, "name": "越权"}, format="json")
    assert created.status_code == 403
    assert Area.objects.get(pk=area.pk).name == "测试甲居民区"


def test_an_area_out_of_sight_answers_404(director_elsewhere, unassigned, areas):
    area = areas["community_a"]
    client = api_client(director_elsewhere)
    assert client.patch(f"{URL}{area.pk}/", {"name": "越权"}, format="json").status_code == 404
    assert client.post(f"{URL}{area.pk}/close/", {}, format="json").status_code == 404
    nobody = api_client(unassigned)
    assert nobody.post(URL, {"parent": areas["tianshan"].pk, "name": "x"}).status_code == 404


def test_anonymous_clients_get_401(areas):
    client = APIClient()
    assert client.post(URL, {"parent": areas["tianshan"].pk, "name": "x"}).status_code == 401
    assert client.post(f"{URL}{areas['community_b'].pk}/close/").status_code == 401


def test_renaming(district_officer, areas):
    response = api_client(district_officer).patch(
        f"{URL}{areas['community_b'].pk}/", {"name": "乙新村"}, format="json"
    )
    assert response.status_code == 200 and response.json()["name"] == "乙新村"


def test_closing_moves_the_children_and_a_blocked_closing_answers_409(
    district_officer, child_a, areas
):
    client = api_client(district_officer)
    a = areas["community_a"]
    asks = client.post(f"{URL}{a.pk}/close/", {}, format="json")
    assert asks.status_code == 400 and set(asks.json()) == {"move_to"}
    done = client.post(f"{URL}{a.pk}/close/", {"move_to": areas["community_b"].pk}, format="json")
    assert done.status_code == 200 and done.json()["closed_at"]
    assert Child.objects.get(pk=child_a.pk).community == areas["community_b"]
    again = client.post(f"{URL}{a.pk}/close/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "closed"
    sub = client.post(f"{URL}{areas['tianshan'].pk}/close/", {}, format="json")
    assert sub.status_code == 409 and sub.json()["code"] == "communities"


def test_merging(district_officer, child_a, areas):
    response = api_client(district_officer).post(
        f"{URL}{areas['community_a'].pk}/merge/", {"into": areas["community_b"].pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["merged_into"] == areas["community_b"].pk
    assert Child.objects.get(pk=child_a.pk).community == areas["community_b"]
    elsewhere = api_client(district_officer).post(
        f"{URL}{areas['community_b'].pk}/merge/", {"into": areas["community_c"].pk}, format="json"
    )
    assert elsewhere.status_code == 400 and set(elsewhere.json()) == {"into"}


def test_the_district_itself_is_neither_closed_nor_renamed_here(district_officer, areas):
    client = api_client(district_officer)
    district = areas["district"]
    assert client.post(f"{URL}{district.pk}/close/", {}, format="json").status_code == 403
    assert client.patch(f"{URL}{district.pk}/", {"name": "新区"}, format="json").status_code == 403
