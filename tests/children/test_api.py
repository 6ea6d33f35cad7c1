"""The children API: scope, filters, the file's representation, create/update/status/reveal and
hostile input. Every rule is checked through HTTP, the way a client meets it."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import api_client, child_data
from tests.helpers import index_only_plans
from weibao.audit.models import AccessLog, AuditEvent
from weibao.children import idnumber
from weibao.children.models import Child, Guardian, adult_cutoff
from weibao.children.services import GuardianInput

LIST_URL = "/api/v1/children/"


def detail_url(child_or_pk) -> str:
    return f"{LIST_URL}{getattr(child_or_pk, 'pk', child_or_pk)}/"


def payload(community, **overrides) -> dict:
    """child_data as JSON: the community by id and the birth date as text."""
    data = child_data(community, **overrides)
    data["community"] = data["community"].pk
    data["birth_date"] = data["birth_date"].isoformat()
    return data


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def valid_id(birth: dt.date = dt.date(2015, 6, 1), sex: str = "M", seq: int = 321) -> str:
    return idnumber.make("310105", birth, seq, sex)


# --- Authentication and scope ------------------------------------------------------------------

CHILD_ENDPOINTS = [
    ("get", "{detail}"),
    ("patch", "{detail}"),
    ("post", "{detail}status/"),
    ("post", "{detail}reveal/"),
]


@pytest.mark.parametrize(
    ("method", "url"), [("get", LIST_URL), ("post", LIST_URL), *CHILD_ENDPOINTS]
)
def test_anonymous_client_is_asked_to_authenticate_on_every_child_endpoint(child_a, method, url):
    response = getattr(api_client(None), method)(url.format(detail=detail_url(child_a)), {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Token")
    assert "张小明" not in response.content.decode()


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
@pytest.mark.parametrize(("method", "url"), CHILD_ENDPOINTS)
def test_child_outside_the_users_areas_answers_404_as_if_it_did_not_exist(
    request, child_a, persona, method, url
):
    user = request.getfixturevalue(persona)
    before = child_a.version
    body = {"version": before, "status": "moved_out", "date": "2024-01-01", "reason": "搬家"}
    body |= {"field": "id_number", "name": "改名"}
    if method == "get":
        body = None  # a GET takes no body (as a query it would be refused: unknown parameters)
    response = getattr(api_client(user), method)(
        url.format(detail=detail_url(child_a)), body, format="json"
    )
    assert response.status_code == 404
    assert "张小明" not in response.content.decode()
    child_a.refresh_from_db()
    assert (child_a.name, child_a.version) == ("张小明", before)
    assert not AccessLog.objects.filter(child=child_a).exists()


def test_director_with_reveal_permission_still_gets_404_for_another_residential_area(
    director_a, child_b
):
    response = api_client(director_a).post(
        f"{detail_url(child_b)}reveal/", {"field": "id_number", "reason": "核对"}, format="json"
    )
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("pk", [999999, 10**30])
def test_nonexistent_child_answers_404(district_officer, pk):
    assert api_client(district_officer).get(detail_url(pk)).status_code == 404


def test_director_sees_only_children_of_own_residential_area(director_a, child_a, child_b, child_c):
    response = api_client(director_a).get(LIST_URL)
    assert response.status_code == 200
    assert names(response) == {"张小明"}
    assert response.json()["count"] == 1


def test_supervisor_sees_both_residential_areas_of_the_subdistrict(
    supervisor, child_a, child_b, child_c
):
    assert names(api_client(supervisor).get(LIST_URL)) == {"张小明", "李小红"}


def test_district_officer_sees_every_child_in_the_district(
    district_officer, child_a, child_b, child_c
):
    assert names(api_client(district_officer).get(LIST_URL)) == {"张小明", "李小红", "王小华"}


def test_user_without_an_area_sees_no_children(unassigned, child_a, child_b, child_c):
    response = api_client(unassigned).get(LIST_URL)
    assert response.status_code == 200
    assert response.json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
        "capped": False,
    }


def test_a_districts_list_is_counted_to_a_cap_and_says_when_more_match(
    district_officer, child_a, child_b, child_c, monkeypatch
):
    """As the web's list is: a district's exact count read every child of it (58 ms at
    200,000 children, docs/performance.md, "The district's lists through the API"); the pages
    stop at the cap and the export has every row."""
    monkeypatch.setattr("weibao.core.pagination.CAP", 2)
    client = api_client(district_officer)
    first = client.get(LIST_URL, {"page_size": 1}).json()
    assert (first["count"], first["capped"]) == (2, True)
    second = client.get(first["next"]).json()
    assert second["next"] is None and second["capped"] is True
    past = client.get(LIST_URL, {"page_size": 1, "page": 3})
    assert (past.status_code, set(past.json())) == (400, {"page"})
    monkeypatch.setattr("weibao.core.pagination.CAP", 3)
    exact = client.get(LIST_URL).json()
    assert (exact["count"], exact["capped"], len(exact["results"])) == (3, False, 3)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", ["supervisor", "district_officer"])
@pytest.mark.parametrize(
    "query",
    ["", "?status=active", "?sex=F&category=left_behind", "?age_band=12-14", "?community=0"],
)
def test_a_lists_count_to_the_cap_is_read_from_an_index_alone(
    personas, child_a, child_b, child_c, areas, persona, query
):
    """A 街镇's or a district's count reads only what an index holds, with any filter: the
    街镇's indexes end with the district its scope names (a 督导员's count read 10,001
    children from the table, 39 ms at 2,500,000: docs/performance.md, "The API's lists from
    their indexes alone")."""
    query = query.replace("community=0", f"community={areas['community_a'].pk}")
    plans = index_only_plans(api_client(personas[persona]), LIST_URL + query, "children_child")
    count = next(plan for plan in plans if "Aggregate" in plan)
    assert "Index Only Scan" in count and "Seq Scan" not in count, count


def test_session_login_works_as_well_as_tokens(director_a, child_a):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(director_a)
    assert names(client.get(LIST_URL)) == {"张小明"}


def test_session_authenticated_write_needs_a_csrf_token(director_a, areas):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(director_a)
    response = client.post(LIST_URL, payload(areas["community_a"]), format="json")
    assert response.status_code == 403
    assert not Child.objects.exists()


# --- List: pagination, filters, search ------------------------------------------------------


def test_list_is_paginated_with_count_and_links(district_officer, child_a, child_b, child_c):
    client = api_client(district_officer)
    first = client.get(LIST_URL, {"page_size": 2}).json()
    assert set(first) == {"count", "next", "previous", "results", "capped"}
    assert first["count"] == 3 and first["capped"] is False
    assert len(first["results"]) == 2
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert {r["id"] for r in first["results"] + second["results"]} == {
        child_a.pk,
        child_b.pk,
        child_c.pk,
    }


def test_page_size_of_1000_is_accepted_and_larger_ones_are_capped(district_officer, areas):
    community = areas["community_a"]
    birth = dt.date(2015, 6, 1)
    Child.objects.bulk_create(
        [
            Child(
                name=f"批量{i}",
                sex="M",
                birth_date=birth,
                id_number=f"{i:018d}",
                id_number_hash=f"hash-{i}",
                id_number_masked="310105********0000",
                hukou_type="local",
                community=community,
                subdistrict_id=community.parent_id,
                district_id=community.parent.parent_id,
            )
            for i in range(1001)
        ]
    )
    client = api_client(district_officer)
    exact = client.get(LIST_URL, {"page_size": 1000}).json()
    assert exact["count"] == 1001
    assert len(exact["results"]) == 1000
    capped = client.get(LIST_URL, {"page_size": 100000}).json()
    assert len(capped["results"]) == 1000
    assert capped["next"] is not None


def test_list_query_count_does_not_grow_with_the_number_of_children(district_officer, make_child):
    client = api_client(district_officer)
    make_child(name="一")
    client.get(LIST_URL)  # warm up: token and content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST_URL).json()["count"] == 1
    for i in range(10):
        make_child(name=f"多{i}", categories=["orphan", "autism"])
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST_URL).json()["count"] == 11
    assert len(many.captured_queries) == len(few.captured_queries)


def test_list_does_not_write_access_log_rows(district_officer, child_a, child_b):
    assert api_client(district_officer).get(LIST_URL).status_code == 200
    assert not AccessLog.objects.exists()


def test_list_filters_by_community(district_officer, areas, child_a, child_b):
    response = api_client(district_officer).get(LIST_URL, {"community": areas["community_b"].pk})
    assert names(response) == {"李小红"}


def test_community_filter_for_an_area_outside_scope_returns_nothing(director_a, areas, child_b):
    response = api_client(director_a).get(LIST_URL, {"community": areas["community_b"].pk})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_list_filters_by_category_and_by_children_in_difficulty(district_officer, make_child):
    make_child(name="留守儿童", categories=["left_behind"])
    make_child(name="自闭症儿童", categories=["autism"])
    make_child(name="孤儿", categories=["orphan", "disability"])
    client = api_client(district_officer)
    assert names(client.get(LIST_URL, {"category": "orphan"})) == {"孤儿"}
    assert names(client.get(LIST_URL, {"category": "autism"})) == {"自闭症儿童"}
    # Autism alone is not one of Shanghai's 困境儿童 categories.
    assert names(client.get(LIST_URL, {"category": "in_difficulty"})) == {"留守儿童", "孤儿"}


def test_list_filters_by_sex(district_officer, child_a, child_b):
    assert names(api_client(district_officer).get(LIST_URL, {"sex": "F"})) == {"李小红"}


def test_list_filters_by_age_band(district_officer, make_child):
    today = timezone.localdate()
    make_child(name="幼儿", birth_date=today.replace(year=today.year - 1) - dt.timedelta(days=3))
    make_child(name="小学生", birth_date=today.replace(year=today.year - 8) - dt.timedelta(days=3))
    client = api_client(district_officer)
    assert names(client.get(LIST_URL, {"age_band": "0-2"})) == {"幼儿"}
    assert names(client.get(LIST_URL, {"age_band": "6-11"})) == {"小学生"}
    assert names(client.get(LIST_URL, {"age_band": "15-17"})) == set()


def test_list_filters_by_status_including_aged_out(district_officer, make_child, child_a):
    grown = make_child(name="已成年")
    Child.objects.filter(pk=grown.pk).update(birth_date=adult_cutoff() - dt.timedelta(days=1))
    moved = make_child(name="已迁出")
    Child.objects.filter(pk=moved.pk).update(status="moved_out", status_date=dt.date(2024, 1, 1))
    client = api_client(district_officer)
    assert names(client.get(LIST_URL, {"status": "active"})) == {"张小明"}
    assert names(client.get(LIST_URL, {"status": "aged_out"})) == {"已成年"}
    assert names(client.get(LIST_URL, {"status": "moved_out"})) == {"已迁出"}
    row = next(r for r in client.get(LIST_URL).json()["results"] if r["name"] == "已成年")
    assert (row["status"], row["effective_status"]) == ("active", "aged_out")


def test_search_finds_a_child_by_pinyin_initials(district_officer, child_a, child_b):
    assert names(api_client(district_officer).get(LIST_URL, {"q": "zxm"})) == {"张小明"}


def test_search_finds_a_child_by_chinese_name_fragment(district_officer, child_a, child_b):
    assert names(api_client(district_officer).get(LIST_URL, {"q": "小红"})) == {"李小红"}


def test_search_finds_a_child_by_full_id_number(district_officer, child_a, child_b):
    response = api_client(district_officer).get(LIST_URL, {"q": child_b.id_number})
    assert names(response) == {"李小红"}


def test_search_finds_a_child_by_guardian_phone(district_officer, make_child, child_a):
    make_child(
        name="另一个", guardians=[GuardianInput(name="父", relation="father", phone="13911112222")]
    )
    client = api_client(district_officer)
    assert names(client.get(LIST_URL, {"q": "13800000001"})) == {"张小明"}
    assert names(client.get(LIST_URL, {"q": "139-1111-2222"})) == {"另一个"}


def test_search_stays_inside_the_users_scope(director_a, child_a, child_b):
    assert names(api_client(director_a).get(LIST_URL, {"q": child_b.id_number})) == set()


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("age_band", "abc"),
        ("age_band", "3-99"),
        ("status", "nope"),
        ("category", "unknown"),
        ("sex", "X"),
        ("community", "abc"),
        ("community", str(10**30)),
        ("q", "x" * 1000),
        ("q", "张\x00"),
    ],
)
def test_malformed_list_filter_is_a_field_error(district_officer, child_a, param, value):
    response = api_client(district_officer).get(LIST_URL, {param: value})
    assert response.status_code == 400
    assert param in response.json()


# --- Representation and access log --------------------------------------------------------


def test_child_file_shows_sensitive_values_only_masked(director_a, make_child):
    child = make_child(
        name="张小明",
        categories=["orphan", "left_behind"],
        guardians=[GuardianInput(name="奶奶", relation="p_grandmother", phone="13812345678")],
        address="虹桥路1000弄88号1201室",
    )
    response = api_client(director_a).get(detail_url(child))
    assert response.status_code == 200
    body = response.json()
    text = response.content.decode()
    assert child.id_number not in text
    assert "13812345678" not in text
    assert "虹桥路1000弄88号1201室" not in text
    assert "id_number" not in body and "address" not in body
    assert body["id_number_masked"] == child.id_number_masked
    assert body["address_masked"].startswith("虹桥路") and "*" in body["address_masked"]
    assert body["categories"] == ["left_behind", "orphan"]
    guardian = body["guardians"][0]
    assert guardian["phone_masked"] == "138****5678"
    assert (guardian["name"], guardian["relation"]) == ("奶奶", "p_grandmother")
    assert "phone" not in guardian
    assert body["community"] == child.community_id
    assert body["community_name"] == "测试甲居民区"
    assert (body["subdistrict"], body["district"]) == (child.subdistrict_id, child.district_id)
    assert body["age"] == child.age()
    assert body["effective_status"] == "active"
    assert body["version"] == 1


def test_every_retrieve_writes_an_access_log_row_with_channel_api(director_a, child_a):
    client = api_client(director_a)
    client.get(detail_url(child_a))
    client.get(detail_url(child_a))
    rows = AccessLog.objects.filter(child=child_a)
    assert rows.count() == 2
    assert {(r.user_id, r.channel, r.kind) for r in rows} == {(director_a.pk, "api", "view")}


def test_child_responses_are_not_cached(director_a, child_a):
    response = api_client(director_a).get(detail_url(child_a))
    assert "no-store" in response.headers["Cache-Control"]


# --- Create ----------------------------------------------------------------------------------


def test_director_registers_a_child_in_own_residential_area(director_a, areas):
    data = payload(
        areas["community_a"],
        name="新同学",
        categories=["left_behind"],
        guardians=[{"name": "妈妈", "relation": "mother", "phone": "13900001111"}],
    )
    response = api_client(director_a).post(LIST_URL, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert data["id_number"] not in response.content.decode()
    assert body["id_number_masked"] == data["id_number"][:6] + "********" + data["id_number"][-4:]
    assert body["categories"] == ["left_behind"]
    assert body["guardians"][0]["phone_masked"] == "139****1111"
    child = Child.objects.get(pk=body["id"])
    assert child.id_number == data["id_number"]
    assert child.address == data["address"]
    assert child.created_by == director_a
    assert Guardian.objects.get(child=child).phone == "13900001111"
    event = AuditEvent.objects.get(child=child)
    assert (event.action, event.actor) == ("child.create", director_a)
    assert data["id_number"] not in json.dumps(event.changes)


def test_unknown_and_read_only_fields_are_refused_on_create(director_a, areas):
    data = payload(areas["community_a"], status="deceased", version=99, id_number_masked="x")
    data["favourite_colour"] = "blue"
    response = api_client(director_a).post(LIST_URL, data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "version", "id_number_masked", "favourite_colour"}
    assert not Child.objects.filter(name=data["name"]).exists()


def test_status_cannot_be_set_through_patch(director_a, child_a):
    response = api_client(director_a).patch(
        f"{LIST_URL}{child_a.pk}/", {"status": "deceased", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()
    child_a.refresh_from_db()
    assert child_a.status == "active"


def test_unknown_api_paths_answer_json_404(director_a):
    response = api_client(director_a).get(f"{LIST_URL}abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def _id_with_wrong_check_digit() -> str:
    number = valid_id()
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "31010520150601"}, "id_number"),  # too short
        ({"id_number": _id_with_wrong_check_digit()}, "id_number"),
        ({"id_number": "31010520150601ABCD"}, "id_number"),  # letters
        ({"id_number": "310105201502300012"}, "id_number"),  # 30 February
        ({"id_number": ""}, "id_number"),
        ({"id_number": valid_id(dt.date(2015, 6, 2))}, "birth_date"),  # disagrees with birth
        ({"id_number": valid_id(sex="F")}, "sex"),  # disagrees with sex
        ({"birth_date": "2099-01-01"}, "birth_date"),
        ({"birth_date": "2000-01-01", "id_number": valid_id(dt.date(2000, 1, 1))}, "birth_date"),
        ({"name": "   "}, "name"),
        ({"disability_level": "2", "disability_type": ""}, "disability_type"),
    ],
)
def test_invalid_child_data_is_a_field_error_on_the_field_to_fix(
    director_a, areas, overrides, field
):
    data = payload(areas["community_a"]) | overrides
    response = api_client(director_a).post(LIST_URL, data, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert response.json()[field]
    assert not Child.objects.exists()


def test_duplicate_id_number_of_a_visible_child_names_that_child(director_a, areas, child_a):
    data = payload(areas["community_a"], id_number=child_a.id_number, name="重复")
    response = api_client(director_a).post(LIST_URL, data, format="json")
    assert response.status_code == 400
    assert "张小明" in " ".join(response.json()["id_number"])
    assert Child.objects.count() == 1


def test_duplicate_id_number_of_a_child_elsewhere_does_not_reveal_that_child(
    director_elsewhere, areas, child_a
):
    data = payload(areas["community_c"], id_number=child_a.id_number, name="重复")
    response = api_client(director_elsewhere).post(LIST_URL, data, format="json")
    assert response.status_code == 400
    assert response.json()["id_number"]
    text = response.content.decode()
    assert "张小明" not in text
    assert "测试甲居民区" not in text
    assert "href" not in text
    assert f"/children/{child_a.pk}/" not in text


def test_community_outside_scope_is_the_same_field_error_as_a_missing_one(director_a, areas):
    client = api_client(director_a)
    outside = client.post(LIST_URL, payload(areas["community_b"]), format="json")
    missing = client.post(
        LIST_URL, payload(areas["community_a"]) | {"community": 999999}, format="json"
    )
    assert outside.status_code == missing.status_code == 400
    assert outside.json()["community"] == missing.json()["community"]
    assert "测试乙居民区" not in outside.content.decode()
    assert not Child.objects.exists()


def test_community_must_be_a_residential_area_not_a_subdistrict(supervisor, areas):
    data = payload(areas["community_a"]) | {"community": areas["tianshan"].pk}
    response = api_client(supervisor).post(LIST_URL, data, format="json")
    assert response.status_code == 400
    assert response.json()["community"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"categories": "left_behind"}, "categories"),
        ({"categories": ["left_behind", "made_up"]}, "categories"),
        ({"categories": [{"x": 1}]}, "categories"),
        ({"guardians": 5}, "guardians"),
        ({"guardians": ["妈妈"]}, "guardians"),
        ({"guardians": [{"name": "妈妈", "relation": "aunt"}]}, "guardians"),
        ({"guardians": [{"name": "", "relation": "mother"}]}, "guardians"),
        ({"guardians": [{"name": "妈妈", "relation": "mother", "phone": "call me"}]}, "guardians"),
        ({"guardians": [{"name": "妈妈", "relation": "mother", "id": "x"}]}, "guardians"),
        ({"community": "abc"}, "community"),
        ({"community": 10**30}, "community"),
        ({"community": None}, "community"),
        ({"community": [1]}, "community"),
        ({"birth_date": "2015-02-30"}, "birth_date"),
        ({"birth_date": 20150601}, "birth_date"),
        ({"sex": "X"}, "sex"),
        ({"ethnicity": "99"}, "ethnicity"),
        ({"boarding": "maybe"}, "boarding"),
        ({"grade": "p9"}, "grade"),
        ({"name": "张" * 100_000}, "name"),
        ({"notes": "长" * 100_000}, "notes"),
        ({"address": "路" * 10_000}, "address"),
        ({"id_number": "1" * 10_000}, "id_number"),
        ({"name": "张\x00三"}, "name"),
        ({"name": {"first": "张"}}, "name"),
        ({"hukou_type": None}, "hukou_type"),
    ],
)
def test_malformed_create_input_is_a_400_field_error_never_a_500(
    director_a, areas, overrides, field
):
    data = payload(areas["community_a"]) | overrides
    response = api_client(director_a).post(LIST_URL, data, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Child.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "",
        "null",
        "[1, 2]",
        '"a string"',
        "[" * 100_000,
        '{"name": NaN}',
        '{"name": "\\ud800"}',
    ],
)
def test_malformed_json_body_is_a_400_never_a_500(director_a, raw):
    response = api_client(director_a).post(LIST_URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert not Child.objects.exists()


def test_non_json_body_is_refused_without_error(director_a, areas):
    response = api_client(director_a).post(LIST_URL, {"name": "x"}, format="multipart")
    assert response.status_code == 415


# --- Update ----------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields_and_bumps_the_version(director_a, child_a):
    response = api_client(director_a).patch(
        detail_url(child_a), {"version": 1, "school": "新学校", "boarding": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["school"], body["boarding"], body["version"]) == ("新学校", True, 2)
    child_a.refresh_from_db()
    assert (child_a.school, child_a.name, child_a.version) == ("新学校", "张小明", 2)
    event = AuditEvent.objects.filter(child=child_a, action="child.update").get()
    assert event.changes["school"] == {"old": "测试小学", "new": "新学校"}


def test_patch_with_a_stale_version_is_a_conflict_and_changes_nothing(director_a, child_a):
    client = api_client(director_a)
    first = client.patch(detail_url(child_a), {"version": 1, "notes": "一"}, format="json")
    assert first.status_code == 200
    response = client.patch(detail_url(child_a), {"version": 1, "notes": "二"}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"]
    child_a.refresh_from_db()
    assert (child_a.notes, child_a.version) == ("一", 2)


@pytest.mark.parametrize("version", [None, "abc", -1, 10**30])
def test_patch_needs_a_valid_version(director_a, child_a, version):
    body = {"notes": "x"} if version is None else {"notes": "x", "version": version}
    response = api_client(director_a).patch(detail_url(child_a), body, format="json")
    assert response.status_code == 400
    assert "version" in response.json()
    child_a.refresh_from_db()
    assert child_a.notes == ""


def test_patch_with_empty_or_missing_id_number_keeps_it(director_a, child_a):
    client = api_client(director_a)
    number = child_a.id_number
    response = client.patch(
        detail_url(child_a), {"version": 1, "id_number": "", "notes": "a"}, format="json"
    )
    assert response.status_code == 200
    child_a.refresh_from_db()
    assert child_a.id_number == number


def test_patch_can_correct_the_id_number_together_with_birth_date(director_a, child_a):
    new_number = valid_id(dt.date(2016, 3, 4), seq=77)
    response = api_client(director_a).patch(
        detail_url(child_a),
        {"version": 1, "id_number": new_number, "birth_date": "2016-03-04"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert new_number not in response.content.decode()
    child_a.refresh_from_db()
    assert (child_a.id_number, child_a.birth_date) == (new_number, dt.date(2016, 3, 4))


def test_patch_id_number_inconsistent_with_birth_date_is_a_field_error(director_a, child_a):
    response = api_client(director_a).patch(
        detail_url(child_a), {"version": 1, "birth_date": "2016-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["birth_date"]


def test_patch_cannot_move_a_child_to_an_area_outside_scope(director_a, areas, child_a):
    response = api_client(director_a).patch(
        detail_url(child_a), {"version": 1, "community": areas["community_b"].pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["community"]
    child_a.refresh_from_db()
    assert child_a.community == areas["community_a"]


def test_supervisor_moves_a_child_between_own_residential_areas(supervisor, areas, child_a):
    response = api_client(supervisor).patch(
        detail_url(child_a), {"version": 1, "community": areas["community_b"].pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["community_name"] == "测试乙居民区"


def test_patch_replaces_categories(director_a, child_a):
    response = api_client(director_a).patch(
        detail_url(child_a), {"version": 1, "categories": ["orphan", "autism"]}, format="json"
    )
    assert response.json()["categories"] == ["autism", "orphan"]


def test_patch_without_guardians_key_leaves_guardians_alone(director_a, child_a):
    api_client(director_a).patch(detail_url(child_a), {"version": 1, "notes": "x"}, format="json")
    assert list(child_a.guardians.values_list("name", "phone")) == [("测试家长", "13800000001")]


def test_patch_guardians_updates_adds_and_removes(director_a, make_child):
    child = make_child(
        guardians=[
            GuardianInput(name="妈妈", relation="mother", phone="13800000001"),
            GuardianInput(name="爸爸", relation="father", phone="13800000002"),
        ]
    )
    mother, father = child.guardians.order_by("id")
    response = api_client(director_a).patch(
        detail_url(child),
        {
            "version": 1,
            "guardians": [
                # phone left out: the client only knows it masked, so it stays as it was
                {"id": mother.pk, "name": "妈妈", "relation": "mother", "work_location": "外地"},
                {"name": "奶奶", "relation": "p_grandmother", "phone": "13900000003"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    rows = list(child.guardians.order_by("id").values_list("pk", "name", "phone", "work_location"))
    assert rows[0] == (mother.pk, "妈妈", "13800000001", "外地")
    assert rows[1][1:] == ("奶奶", "13900000003", "")
    assert len(rows) == 2
    assert not Guardian.objects.filter(pk=father.pk).exists()


def test_patch_guardian_with_an_empty_phone_clears_it(director_a, child_a):
    guardian = child_a.guardians.get()
    entry = {"id": guardian.pk, "name": "测试家长", "relation": "mother", "phone": ""}
    response = api_client(director_a).patch(
        detail_url(child_a), {"version": 1, "guardians": [entry]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["guardians"][0]["phone_masked"] == ""
    guardian.refresh_from_db()
    assert (guardian.phone, guardian.phone_hash) == ("", "")


def test_patch_guardian_id_of_another_childs_guardian_adds_a_new_one(
    director_a, child_a, make_child
):
    other = make_child(name="别人")
    foreign = other.guardians.get()
    api_client(director_a).patch(
        detail_url(child_a),
        {"version": 1, "guardians": [{"id": foreign.pk, "name": "新", "relation": "other"}]},
        format="json",
    )
    foreign.refresh_from_db()
    assert (foreign.child_id, foreign.name, foreign.phone) == (other.pk, "测试家长", "13800000001")
    assert list(child_a.guardians.values_list("name", "phone")) == [("新", "")]


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1, "name": ""},
        {"version": 1, "name": None},
        {"version": 1, "birth_date": None},
        {"version": 1, "categories": "orphan"},
        {"version": 1, "guardians": {"name": "x"}},
        {"version": 1, "community": "abc"},
        {"version": 1, "sex": "F"},  # disagrees with the ID number
    ],
)
def test_malformed_patch_is_a_400_never_a_500(director_a, child_a, body):
    response = api_client(director_a).patch(detail_url(child_a), body, format="json")
    assert response.status_code == 400
    child_a.refresh_from_db()
    assert child_a.version == 1


@pytest.mark.parametrize("method", ["put", "delete"])
def test_put_and_delete_are_not_allowed(director_a, child_a, method):
    response = getattr(api_client(director_a), method)(
        detail_url(child_a), payload(child_a.community) | {"version": 1}, format="json"
    )
    assert response.status_code == 405
    assert Child.objects.filter(pk=child_a.pk, name="张小明").exists()


# --- Status ----------------------------------------------------------------------------------


def test_director_marks_a_child_moved_out(director_a, child_a):
    response = api_client(director_a).post(
        f"{detail_url(child_a)}status/",
        {"status": "moved_out", "date": "2024-05-01", "reason": "随父母迁往外省", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["status_date"], body["version"]) == ("moved_out", "2024-05-01", 2)
    assert body["effective_status"] == "moved_out"
    assert AuditEvent.objects.filter(child=child_a, action="child.status").exists()


def test_status_change_with_a_stale_version_is_a_conflict(director_a, child_a):
    response = api_client(director_a).post(
        f"{detail_url(child_a)}status/",
        {"status": "moved_out", "date": "2024-05-01", "reason": "搬家", "version": 7},
        format="json",
    )
    assert response.status_code == 409
    child_a.refresh_from_db()
    assert child_a.status == "active"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "moved_out", "date": "2024-05-01", "reason": ""}, "reason"),
        ({"status": "moved_out", "date": "2099-05-01", "reason": "x"}, "date"),
        ({"status": "moved_out", "reason": "x"}, "date"),
        ({"status": "gone", "date": "2024-05-01", "reason": "x"}, "status"),
        ({"status": "aged_out", "date": "2024-05-01", "reason": "x"}, "status"),
        ({"status": "moved_out", "date": "yesterday", "reason": "x"}, "date"),
        ({"status": "moved_out", "date": "2024-05-01", "reason": "x" * 201}, "reason"),
    ],
)
def test_invalid_status_change_is_a_field_error(director_a, child_a, body, field):
    response = api_client(director_a).post(
        f"{detail_url(child_a)}status/", body | {"version": 1}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    child_a.refresh_from_db()
    assert child_a.status == "active"


# --- Reveal ----------------------------------------------------------------------------------


def test_director_with_permission_reveals_the_id_number_and_it_is_logged(director_a, child_a):
    response = api_client(director_a).post(
        f"{detail_url(child_a)}reveal/",
        {"field": "id_number", "reason": "办理低保核对"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"value": child_a.id_number}
    assert "no-store" in response.headers["Cache-Control"]
    log = AccessLog.objects.get(child=child_a)
    assert (log.user, log.channel, log.kind, log.field, log.reason) == (
        director_a,
        "api",
        "reveal",
        "id_number",
        "办理低保核对",
    )


def test_reveal_of_address_and_guardian_phone(director_a, child_a):
    client = api_client(director_a)
    url = f"{detail_url(child_a)}reveal/"
    address = client.post(url, {"field": "address", "reason": "家访"}, format="json")
    assert address.json() == {"value": "测试路1号101室"}
    guardian = child_a.guardians.get()
    phone = client.post(
        url,
        {"field": "guardian_phone", "reason": "联系家长", "guardian": guardian.pk},
        format="json",
    )
    assert phone.json() == {"value": "13800000001"}
    assert AccessLog.objects.filter(child=child_a, kind="reveal").count() == 2


def test_director_without_reveal_permission_is_refused(director_b, child_b):
    response = api_client(director_b).post(
        f"{detail_url(child_b)}reveal/", {"field": "id_number", "reason": "核对"}, format="json"
    )
    assert response.status_code == 403
    assert child_b.id_number not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_director_without_reveal_permission_is_refused_even_with_a_bad_body(director_b, child_b):
    response = api_client(director_b).post(f"{detail_url(child_b)}reveal/", {}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"field": "id_number", "reason": ""}, "reason"),
        ({"field": "id_number", "reason": "   "}, "reason"),
        ({"field": "id_number"}, "reason"),
        ({"field": "name", "reason": "x"}, "field"),
        ({"field": "guardian_phone", "reason": "x"}, "guardian"),
        ({"field": "guardian_phone", "reason": "x", "guardian": 999999}, "guardian"),
        ({"field": "guardian_phone", "reason": "x", "guardian": "abc"}, "guardian"),
        ({"field": "id_number", "reason": "x" * 201}, "reason"),
    ],
)
def test_reveal_needs_a_reason_and_a_valid_target(director_a, child_a, body, field):
    response = api_client(director_a).post(f"{detail_url(child_a)}reveal/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert child_a.id_number not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_reveal_cannot_read_the_phone_of_another_childs_guardian(supervisor, child_a, child_b):
    foreign = child_b.guardians.get()
    response = api_client(supervisor).post(
        f"{detail_url(child_a)}reveal/",
        {"field": "guardian_phone", "reason": "x", "guardian": foreign.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["guardian"]
    assert not AccessLog.objects.exists()


def test_a_status_that_does_not_change_is_refused_and_writes_nothing(director_a, child_a):
    response = api_client(director_a).post(
        f"{detail_url(child_a)}status/",
        {"status": "active", "date": "2026-11-01", "reason": "", "version": 1},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status"}
    assert Child.objects.get(pk=child_a.pk).version == 1
    assert not AuditEvent.objects.filter(child=child_a, action="child.status").exists()


def test_more_than_ten_guardians_are_refused(director_a, areas):
    guardians = [
        {"name": f"家长{i}", "relation": "other", "phone": "13800000001"} for i in range(11)
    ]
    response = api_client(director_a).post(
        LIST_URL, {**payload(areas["community_a"]), "guardians": guardians}, format="json"
    )
    assert response.status_code == 400
    assert "guardians" in response.json()
    assert not Child.objects.exists()
