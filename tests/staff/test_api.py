"""/api/v1/staff/: scope (404), role (403), field-level 400s, unknown fields, 409 on a stale
version, the phone masked, audit rows, and a flat query count for the list."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import api_client
from tests.helpers import ids
from tests.staff.helpers import add_member
from weibao.audit.models import AuditEvent
from weibao.staff.models import StaffMember
from weibao.staff.services import honour_add

pytestmark = pytest.mark.usefixtures("english")
PHONE = "13912345678"


def test_the_roster_is_listed_within_the_users_areas(
    member_a, member_c, director_a, supervisor, unassigned, district_officer
):
    assert ids(api_client(director_a).get("/api/v1/staff/")) == {member_a.pk}
    assert ids(api_client(supervisor).get("/api/v1/staff/")) == {member_a.pk}
    assert ids(api_client(district_officer).get("/api/v1/staff/")) == {member_a.pk, member_c.pk}
    assert ids(api_client(unassigned).get("/api/v1/staff/")) == set()
    assert ids(api_client(district_officer).get("/api/v1/staff/?role=volunteer")) == set()
    assert ids(api_client(district_officer).get("/api/v1/staff/?q=丙")) == {member_c.pk}
    response = api_client(supervisor).get("/api/v1/staff/?role=zoo")
    assert response.status_code == 400 and "role" in response.json()
    assert api_client(supervisor).get("/api/v1/staff/?colour=red").status_code == 400


@pytest.mark.parametrize("persona", ["director_b", "supervisor_elsewhere", "unassigned"])
def test_a_person_out_of_scope_is_404(request, persona, member_a):
    client = api_client(request.getfixturevalue(persona))
    assert client.get(f"/api/v1/staff/{member_a.pk}/").status_code == 404
    response = client.patch(
        f"/api/v1/staff/{member_a.pk}/", {"name": "x", "version": 1}, format="json"
    )
    assert response.status_code == 404
    assert client.get("/api/v1/staff/987654321/").status_code == 404


def test_signed_out_is_401(db):
    assert api_client(None).get("/api/v1/staff/").status_code == 401


def test_the_phone_is_answered_masked(areas, supervisor):
    member = add_member(supervisor, areas["community_a"], phone=PHONE)
    body = api_client(supervisor).get(f"/api/v1/staff/{member.pk}/").json()
    assert body["phone_masked"] == "139****5678" and PHONE not in str(body)
    assert body["active"] is True and body["community_name"] == "测试甲居民区"


def test_a_supervisor_adds_and_changes_a_person(areas, supervisor):
    client = api_client(supervisor)
    response = client.post(
        "/api/v1/staff/",
        {"name": "赵社工", "role": "social_worker", "area": areas["community_a"].pk,
         "phone": PHONE, "start_date": "2021-03-01", "qualifications": ["counsellor"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "social_worker" and body["qualifications"] == ["counsellor"]
    assert AuditEvent.objects.filter(action="staff.create", object_id=str(body["id"])).exists()
    patched = client.patch(
        f"/api/v1/staff/{body['id']}/",
        {"end_date": "2024-05-01", "version": body["version"]},
        format="json",
    )
    assert patched.status_code == 200 and patched.json()["active"] is False
    stale = client.patch(
        f"/api/v1/staff/{body['id']}/", {"name": "y", "version": body["version"]}, format="json"
    )
    assert stale.status_code == 409


def test_a_director_cannot_change_the_roster(member_a, director_a, areas):
    client = api_client(director_a)
    response = client.patch(
        f"/api/v1/staff/{member_a.pk}/", {"name": "x", "version": member_a.version}, format="json"
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/staff/",
        {"name": "X", "role": "director", "area": areas["community_a"].pk,
         "start_date": "2021-01-01"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 403


def test_someone_with_no_area_gets_404_on_create(unassigned, areas):
    response = api_client(unassigned).post("/api/v1/staff/", {"name": "x"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"role": "zoo"}, "role"),
        ({"area": "abc"}, "area"),
        ({"start_date": "soon"}, "start_date"),
        ({"colour": "red"}, "colour"),
        ({"qualifications": ["astronaut"]}, "qualifications"),
        ({"role": "director", "area": "tianshan"}, "area"),  # the service's rule
        ({"area": "community_c"}, "area"),  # out of scope: like an unknown id
    ],
)
def test_bad_input_is_a_field_level_400(supervisor, areas, body, field):
    data = {"name": "X", "role": "director", "area": areas["community_a"].pk,
            "start_date": "2021-01-01"}  # fmt: skip
    for key, value in body.items():
        data[key] = areas[value].pk if key == "area" and value in areas else value
    response = api_client(supervisor).post("/api/v1/staff/", data, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not StaffMember.objects.exists()


def _count(client, url) -> tuple[int, int]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def test_the_list_runs_the_same_queries_for_3_people_as_for_20(areas, district_officer):
    places = itertools.cycle(["community_a", "tianshan", "community_c"])
    roles = itertools.cycle(["social_worker", "volunteer", "expert"])
    client = api_client(district_officer)
    for _ in range(3):
        add_member(district_officer, areas[next(places)], next(roles))
    few, n = _count(client, "/api/v1/staff/")
    assert n == 3
    for i in range(17):
        member = add_member(district_officer, areas[next(places)], next(roles))
        if i % 3 == 0:
            honour_add(
                actor=district_officer,
                member=member,
                data={"title": "t", "level": "district", "awarded_on": dt.date(2021, 1, 1)},
            )
    many, n = _count(client, "/api/v1/staff/")
    assert n == 20 and few == many
