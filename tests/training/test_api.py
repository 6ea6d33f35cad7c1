"""/api/v1/training/: sessions (list, create, retrieve, partial_update), the roll (GET, PUT),
topics, the rate (test_rate.py); scope (404), role (403), field-level 400s, audit rows and
flat query counts of the lists."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import api_client
from tests.helpers import ids
from tests.training.helpers import a_session, topic_of
from weibao.audit.models import AuditEvent
from weibao.training.models import Attendance, TrainingSession
from weibao.training.services import topic_create

pytestmark = pytest.mark.usefixtures("english")
DAY = dt.date(2024, 3, 1)


def _body(areas, **overrides) -> dict:
    body = {
        "organiser": areas["tianshan"].pk,
        "topic": topic_of(areas["district"]).pk,
        "held_on": "2024-03-01",
        "mode": "online",
        "trainer": "讲师",
        "hours": "2.0",
    }
    body.update(overrides)
    return body


def test_sessions_are_listed_within_scope(areas, supervisor, district_officer, director_a,
                                          supervisor_elsewhere):  # fmt: skip
    own = a_session(supervisor, areas["tianshan"], held_on=DAY)
    district = a_session(district_officer, areas["district"], held_on=DAY)
    other = a_session(supervisor_elsewhere, areas["xianxia"], held_on=DAY)
    assert ids(api_client(supervisor).get("/api/v1/training/sessions/")) == {own.pk, district.pk}
    assert ids(api_client(district_officer).get("/api/v1/training/sessions/")) == {
        own.pk, district.pk, other.pk,
    }  # fmt: skip
    assert ids(api_client(director_a).get("/api/v1/training/sessions/")) == set()
    filtered = api_client(district_officer).get(
        f"/api/v1/training/sessions/?organiser={areas['district'].pk}"
    )
    assert ids(filtered) == {district.pk}


def test_a_supervisor_records_a_session_and_takes_the_roll(people, areas, supervisor):
    client = api_client(supervisor)
    response = client.post("/api/v1/training/sessions/", _body(areas), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organiser_name"] == "天山路街道" and body["present"] == 0
    roll = client.get(f"/api/v1/training/sessions/{body['id']}/attendance/").json()
    assert {row["name"] for row in roll["rows"]} == {"甲主任", "乙主任", "天山督导员", "天山专职"}
    put = client.put(
        f"/api/v1/training/sessions/{body['id']}/attendance/",
        {"attendance": [{"member": people["a"].pk, "status": "present"},
                        {"member": people["b"].pk, "status": "excused"}]},
        format="json",
    )  # fmt: skip
    assert put.status_code == 200
    marks = {row["name"]: row["status"] for row in put.json()["rows"]}
    assert marks["甲主任"] == "present" and marks["乙主任"] == "excused" and marks["天山专职"] == ""
    assert client.get(f"/api/v1/training/sessions/{body['id']}/").json()["present"] == 1
    # PUT replaces the roll: anyone not listed is taken off.
    client.put(
        f"/api/v1/training/sessions/{body['id']}/attendance/",
        {"attendance": [{"member": people["a"].pk, "status": "absent"}]},
        format="json",
    )
    assert dict(Attendance.objects.values_list("member__name", "status")) == {"甲主任": "absent"}
    assert AuditEvent.objects.filter(action="training.roll").count() == 2


@pytest.mark.parametrize(
    "attendance",
    [
        [{"member": 1, "status": "asleep"}],
        [{"member": "x", "status": "present"}],
        "everyone",
    ],
)
def test_a_bad_roll_is_a_field_level_400(people, areas, supervisor, attendance):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    response = api_client(supervisor).put(
        f"/api/v1/training/sessions/{session.pk}/attendance/",
        {"attendance": attendance},
        format="json",
    )
    assert response.status_code == 400 and "attendance" in response.json()


def test_a_person_of_another_subdistrict_on_the_roll_is_refused(people, areas, supervisor):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    response = api_client(supervisor).put(
        f"/api/v1/training/sessions/{session.pk}/attendance/",
        {"attendance": [{"member": people["c"].pk, "status": "present"},
                        {"member": people["c"].pk, "status": "present"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    response = api_client(supervisor).put(
        f"/api/v1/training/sessions/{session.pk}/attendance/",
        {"attendance": [{"member": people["c"].pk, "status": "present"}]},
        format="json",
    )
    assert response.status_code == 400 and "attendance" in response.json()
    assert not Attendance.objects.exists()


def test_out_of_scope_is_404_and_a_district_session_is_403_to_change(
    areas, supervisor, supervisor_elsewhere, district_officer, director_a
):
    own = a_session(supervisor, areas["tianshan"], held_on=DAY)
    district = a_session(district_officer, areas["district"], held_on=DAY)
    for user in (supervisor_elsewhere, director_a):
        client = api_client(user)
        assert client.get(f"/api/v1/training/sessions/{own.pk}/").status_code == 404
        assert client.get(f"/api/v1/training/sessions/{own.pk}/attendance/").status_code == 404
        assert (
            client.patch(
                f"/api/v1/training/sessions/{own.pk}/", {"version": 1}, format="json"
            ).status_code
            == 404
        )
    client = api_client(supervisor)
    assert client.get(f"/api/v1/training/sessions/{district.pk}/").status_code == 200
    assert (
        client.patch(
            f"/api/v1/training/sessions/{district.pk}/",
            {"trainer": "x", "version": 1},
            format="json",
        ).status_code
        == 403
    )
    assert (
        client.put(
            f"/api/v1/training/sessions/{district.pk}/attendance/",
            {"attendance": []},
            format="json",
        ).status_code
        == 403
    )
    assert (
        api_client(director_a)
        .post("/api/v1/training/sessions/", _body(areas), format="json")
        .status_code
        == 404
    )


def test_a_session_is_changed_with_its_version(areas, supervisor):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    client = api_client(supervisor)
    response = client.patch(
        f"/api/v1/training/sessions/{session.pk}/", {"hours": "3.5", "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["hours"] == "3.5"
    stale = client.patch(
        f"/api/v1/training/sessions/{session.pk}/", {"hours": "1", "version": 1}, format="json"
    )
    assert stale.status_code == 409


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"organiser": 987654321}, "organiser"),
        ({"topic": 987654321}, "topic"),
        ({"hours": "0"}, "hours"),
        ({"mode": "pigeon"}, "mode"),
        ({"mode": "offline"}, "place"),  # the service's rule
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_sessions_are_field_level_400s(areas, supervisor, overrides, field):
    response = api_client(supervisor).post(
        "/api/v1/training/sessions/", _body(areas, **overrides), format="json"
    )
    assert response.status_code == 400 and field in response.json(), response.content
    assert not TrainingSession.objects.exists()


def test_an_organiser_out_of_scope_is_refused_like_an_unknown_one(areas, supervisor):
    out = api_client(supervisor).post(
        "/api/v1/training/sessions/", _body(areas, organiser=areas["xianxia"].pk), format="json"
    )
    unknown = api_client(supervisor).post(
        "/api/v1/training/sessions/", _body(areas, organiser=987654321), format="json"
    )
    assert out.status_code == unknown.status_code == 400
    assert out.json() == unknown.json()


def test_topics_are_listed_added_and_retired_by_district_staff(
    areas, district_officer, supervisor, director_a
):
    topic_of(areas["district"])
    listed = api_client(supervisor).get("/api/v1/training/topics/").json()
    assert "民法典" in {t["name"] for t in listed["results"]}
    assert api_client(director_a).get("/api/v1/training/topics/").json()["count"] == 0
    assert (
        api_client(supervisor)
        .post("/api/v1/training/topics/", {"name": "x"}, format="json")
        .status_code
        == 403
    )
    client = api_client(district_officer)
    made = client.post("/api/v1/training/topics/", {"name": "心理危机干预"}, format="json")
    assert made.status_code == 201
    topic = made.json()["id"]
    retired = client.patch(f"/api/v1/training/topics/{topic}/", {"active": False}, format="json")
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert (
        api_client(supervisor)
        .patch(f"/api/v1/training/topics/{topic}/", {"active": True}, format="json")
        .status_code
        == 403
    )
    active = client.get("/api/v1/training/topics/?active=false").json()
    assert [t["name"] for t in active["results"]] == ["心理危机干预"]
    duplicate = client.post("/api/v1/training/topics/", {"name": "民法典"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()


def _count(client, url) -> tuple[int, int]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def test_the_session_and_topic_lists_run_flat_queries(people, areas, district_officer):
    client = api_client(district_officer)
    for i in range(3):
        a_session(district_officer, areas[("district", "tianshan", "xianxia")[i]], held_on=DAY)
    few, n = _count(client, "/api/v1/training/sessions/")
    topics_few, _n = _count(client, "/api/v1/training/topics/")
    assert n == 3
    for i in range(17):
        organiser = areas[("district", "tianshan", "xianxia")[i % 3]]
        present = [people["c"]] if i % 3 == 2 else []
        a_session(district_officer, organiser, held_on=DAY + dt.timedelta(i), present=present)
    many, n = _count(client, "/api/v1/training/sessions/")
    assert n == 20 and few == many
    for i in range(5):
        topic_create(actor=district_officer, district=areas["district"], name=f"主题{i}")
    assert _count(client, "/api/v1/training/topics/")[0] == topics_few


def test_the_roll_of_a_district_session_shows_a_supervisor_their_own_people_only(
    people, areas, supervisor, district_officer
):
    session = a_session(district_officer, areas["district"], held_on=DAY,
                        present=[people["a"], people["c"]])  # fmt: skip
    rows = api_client(supervisor).get(f"/api/v1/training/sessions/{session.pk}/attendance/")
    assert "丙主任" not in {row["name"] for row in rows.json()["rows"]}
    assert "甲主任" in {row["name"] for row in rows.json()["rows"]}
