"""/api/v1/ of the workstations: stations (and zones), the standard (and items), a station's
evidence and reviews, coverage — the same rules as the pages, bad input answered field by
field (never a 500), the four-eyes refusal a 400 on `decision`."""

import datetime as dt

import pytest

from tests.conftest import api_client
from tests.helpers import today
from weibao.stations.models import StationZone, Workstation

pytestmark = pytest.mark.usefixtures("english")


def test_a_supervisor_records_and_opens_a_station(supervisor, areas):
    client = api_client(supervisor)
    response = client.post(
        "/api/v1/stations/",
        {"subdistrict": areas["tianshan"].pk, "name": "新站", "host_facility": "civic_centre",
         "floor_area": "85.5", "planned_on": "2024-01-02"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["floor_area"], data["planned_on"]) == (
        "planned", "85.5", "2024-01-02"
    )  # fmt: skip
    for name in ("build", "open"):
        response = client.post(
            f"/api/v1/stations/{data['id']}/transition/",
            {"transition": name, "version": response.json()["version"]},
            format="json",
        )
        assert response.status_code == 200, response.content
    assert response.json()["status"] == "operating"


def test_bad_input_is_answered_field_by_field(supervisor, areas, station):
    client = api_client(supervisor)
    response = client.post(
        "/api/v1/stations/",
        {"subdistrict": areas["xianxia"].pk, "name": "", "host_facility": "castle",
         "floor_area": "-1"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert {"subdistrict", "name", "host_facility", "floor_area"} <= set(response.json())
    response = client.post("/api/v1/stations/", {"colour": "red"}, format="json")
    assert response.status_code == 400 and response.json()["colour"] == ["Unknown field."]
    response = client.patch(
        f"/api/v1/stations/{station.pk}/", {"phone": "call me", "version": 99}, format="json"
    )
    assert response.status_code in (400, 409)


def test_a_stale_version_is_409(supervisor, station):
    response = api_client(supervisor).patch(
        f"/api/v1/stations/{station.pk}/", {"name": "改名", "version": 0}, format="json"
    )
    assert response.status_code == 409


def test_station_staff_may_not_move_a_station(station_staff, station):
    response = api_client(station_staff).post(
        f"/api/v1/stations/{station.pk}/transition/",
        {"transition": "suspend", "version": station.version},
        format="json",
    )
    assert response.status_code == 403


def test_zones_through_the_api(station_staff, station):
    client = api_client(station_staff)
    response = client.post(
        f"/api/v1/stations/{station.pk}/zones/",
        {"name": "心理辅导区", "kind": "counselling", "area": "20"},
        format="json",
    )
    assert response.status_code == 201, response.content
    zone = StationZone.objects.get()
    assert (
        client.patch(
            f"/api/v1/station-zones/{zone.pk}/", {"purpose": "一对一"}, format="json"
        ).json()["purpose"]
        == "一对一"
    )
    assert client.get(f"/api/v1/stations/{station.pk}/zones/").json()[0]["name"] == "心理辅导区"
    assert client.delete(f"/api/v1/station-zones/{zone.pk}/").status_code == 204
    assert not StationZone.objects.exists()


def test_evidence_and_review_through_the_api(supervisor, district_officer, reviewer, station):
    submit = api_client(district_officer).post(
        f"/api/v1/stations/{station.pk}/evidence/",
        {"code": "window", "self_assessment": "met", "note": "窗口已设。"},
        format="json",
    )
    assert submit.status_code == 200, submit.content
    row = submit.json()
    assert (row["state"], row["state_display"]) == ("submitted", "Submitted, awaiting review")
    # Four eyes: the submitter's review is refused on `decision`.
    own = api_client(district_officer).post(
        f"/api/v1/stations/{station.pk}/reviews/",
        {"code": "window", "decision": "passed", "version": row["version"]},
        format="json",
    )
    assert own.status_code == 400 and "decision" in own.json()
    other = api_client(reviewer).post(
        f"/api/v1/stations/{station.pk}/reviews/",
        {"code": "window", "decision": "passed", "version": row["version"]},
        format="json",
    )
    assert other.status_code == 201, other.content
    rows = api_client(supervisor).get(f"/api/v1/stations/{station.pk}/evidence/").json()
    assert len(rows) == 8
    window = next(r for r in rows if r["code"] == "window")
    assert (window["state"], window["colour"]) == ("passed", "green")
    ledger = next(r for r in rows if r["code"] == "ledger")
    assert ledger["computed"]["available"] is True and ledger["state"] == "missing"
    history = api_client(supervisor).get(f"/api/v1/stations/{station.pk}/reviews/").json()
    assert history["count"] == 1 and history["results"][0]["decision"] == "passed"


def test_a_supervisor_may_not_review(supervisor, station):
    response = api_client(supervisor).post(
        f"/api/v1/stations/{station.pk}/reviews/",
        {"code": "window", "decision": "passed", "version": 1},
        format="json",
    )
    assert response.status_code == 403


def test_the_standard_through_the_api(district_officer, supervisor):
    client = api_client(district_officer)
    versions = client.get("/api/v1/standards/").json()
    assert versions["count"] == 1 and len(versions["results"][0]["items"]) == 8
    start = (today() + dt.timedelta(days=5)).isoformat()
    response = client.post(
        "/api/v1/standards/",
        {"name": "八个一", "version_name": "2026", "starts_on": start},
        format="json",
    )
    assert response.status_code == 201, response.content
    new = response.json()
    response = client.post(
        f"/api/v1/standards/{new['id']}/items/",
        {"code": "sh2025_team", "wording": "不少于5人", "computed": "team_core", "threshold": 5},
        format="json",
    )
    assert response.status_code == 201, response.content
    item = response.json()
    assert (
        client.patch(
            f"/api/v1/standard-items/{item['id']}/", {"threshold": 6}, format="json"
        ).json()["threshold"]
        == 6
    )
    assert client.delete(f"/api/v1/standard-items/{item['id']}/").status_code == 204
    # The version in force does not change; a supervisor reads but does not write.
    old = versions["results"][0]
    response = client.patch(f"/api/v1/standards/{old['id']}/", {"version_name": "x"}, format="json")
    assert response.status_code == 400 and "starts_on" in response.json()
    assert api_client(supervisor).get(f"/api/v1/standards/{old['id']}/").status_code == 200
    response = api_client(supervisor).post(
        "/api/v1/standards/", {"name": "x", "version_name": "y", "starts_on": start},
        format="json",
    )  # fmt: skip
    assert response.status_code == 403


def test_a_query_parameter_the_api_does_not_take_is_refused(district_officer):
    response = api_client(district_officer).get("/api/v1/stations/?colour=red")
    assert response.status_code == 400


def test_published_through_the_api(supervisor, station):
    response = api_client(supervisor).patch(
        f"/api/v1/stations/{station.pk}/",
        {"published": True, "version": station.version},
        format="json",
    )
    assert response.status_code == 200 and Workstation.objects.get().published
