"""/api/v1/reports/: scoped list, read and create; the triage actions with their 400s, 403s,
404s and 409s; the reporter's identity only for the supervisor and the district; the schema."""

import pytest
from django.utils import timezone

from tests.conftest import api_client
from tests.helpers import REPORTER_NAME, REPORTER_PHONE, fresh_report, move_to
from weibao.cases.models import Case
from weibao.cases.services import case_open
from weibao.reports import services
from weibao.reports.choices import Situation
from weibao.reports.models import Report

pytestmark = pytest.mark.usefixtures("english")

URL = "/api/v1/reports/"
TRIAGERS = ("supervisor", "station_staff", "district_officer")
OUTSIDERS = ("director_b", "director_elsewhere", "unassigned")


@pytest.fixture
def linked_report(make_report, supervisor, child_a):
    report = make_report(situations=[Situation.MULTIPLE_INJURIES])
    services.report_link_child(actor=supervisor, report=report, child=child_a)
    return fresh_report(report)


def _action_bodies(report, child):
    v = report.version
    return {
        "acknowledge": {"version": v},
        "police": {"version": v, "told": "派出所", "notified_at": timezone.now().isoformat(),
                   "receipt_no": "R-9"},
        "link-child": {"version": v, "child": child.pk},
        "unidentified": {"version": v, "note": ""},
        "open-case": {"version": v},
        "close": {"version": v, "outcome_message": "Done."},
    }  # fmt: skip


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_every_endpoint_is_a_404_outside_the_scope(all_personas, linked_report, child_a, persona):
    client = api_client(all_personas[persona])
    assert client.get(f"{URL}{linked_report.pk}/").status_code == 404
    for name, body in _action_bodies(linked_report, child_a).items():
        response = client.post(f"{URL}{linked_report.pk}/{name}/", body, format="json")
        assert response.status_code == 404, (persona, name)
    listed = client.get(URL)
    assert listed.status_code in (200,)
    assert linked_report.reference not in listed.content.decode()
    assert fresh_report(linked_report).version == linked_report.version


def test_the_list_shows_exactly_the_reports_in_scope(all_personas, linked_report, make_report):
    other = make_report(subdistrict="xianxia")
    expected = {
        "supervisor": {linked_report.reference},
        "station_staff": {linked_report.reference},
        "district_officer": {linked_report.reference, other.reference},
        "director_a": {linked_report.reference},
        "director_b": set(),
        "director_elsewhere": set(),
        "unassigned": set(),
    }
    for persona, refs in expected.items():
        rows = api_client(all_personas[persona]).get(URL).json()["results"]
        assert {r["reference"] for r in rows} == refs, persona


def test_anonymous_clients_get_nothing(linked_report):
    assert api_client(None).get(URL).status_code == 401
    assert api_client(None).get(f"{URL}{linked_report.pk}/").status_code == 401


# --- reporter confidentiality -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("supervisor", True), ("district_officer", True), ("station_staff", False),
     ("director_a", False)],
)  # fmt: skip
def test_the_reporter_is_shown_only_to_the_supervisor_and_district(
    all_personas, linked_report, persona, sees
):
    client = api_client(all_personas[persona])
    for response in (client.get(f"{URL}{linked_report.pk}/"), client.get(URL)):
        assert response.status_code == 200
        text = response.content.decode()
        assert (REPORTER_NAME in text) is sees
        assert (REPORTER_PHONE in text) is sees
    data = client.get(f"{URL}{linked_report.pk}/").json()
    if sees:
        assert data["reporter"] == {
            "name": REPORTER_NAME,
            "phone": REPORTER_PHONE,
            "organisation": "测试小学",
        }
    else:
        assert data["reporter"] is None
    assert data["reporter_type"] == "school"


def test_the_childs_address_is_masked_for_a_director(director_a, supervisor, linked_report):
    masked = api_client(director_a).get(f"{URL}{linked_report.pk}/").json()["child_address"]
    full = api_client(supervisor).get(f"{URL}{linked_report.pk}/").json()["child_address"]
    assert full == "测试路88弄3号" and masked != full and "*" in masked


# --- actions ------------------------------------------------------------------------------------


def test_the_whole_flow_through_the_api(supervisor, linked_report, child_a):
    client = api_client(supervisor)
    base = f"{URL}{linked_report.pk}/"
    data = client.get(base).json()
    assert data["state"] == "received" and data["police_required"]
    assert [c["clock"] for c in data["clocks"]] == ["ack", "police", "outcome"]
    data = client.post(f"{base}acknowledge/", {"version": data["version"]}, format="json").json()
    assert data["state"] == "acknowledged" and data["acknowledged_at"]
    response = client.post(
        f"{base}close/", {"version": data["version"], "outcome_message": "x"}, format="json"
    )
    assert response.status_code == 400 and "state" in response.json()
    data = client.post(
        f"{base}police/",
        {"version": data["version"], "told": "天山路派出所",
         "notified_at": timezone.now().isoformat(), "receipt_no": "110-42"},
        format="json",
    ).json()  # fmt: skip
    assert data["police"]["receipt_no"] == "110-42"
    assert next(c for c in data["clocks"] if c["clock"] == "police")["state"] == "met"
    data = client.post(f"{base}open-case/", {"version": data["version"]}, format="json").json()
    assert data["state"] == "handling" and data["case_reference"]
    assert Case.objects.get(pk=data["case"]).child == child_a
    data = client.post(
        f"{base}close/", {"version": data["version"], "outcome_message": "Safe now."}, format="json"
    ).json()
    assert data["state"] == "closed" and data["outcome_message"] == "Safe now."


@pytest.mark.parametrize("persona", TRIAGERS)
def test_triage_users_may_acknowledge_through_the_api(all_personas, linked_report, persona):
    response = api_client(all_personas[persona]).post(
        f"{URL}{linked_report.pk}/acknowledge/", {"version": linked_report.version}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "acknowledged"


def test_a_director_who_sees_the_report_gets_403_on_every_action(
    director_a, linked_report, child_a
):
    client = api_client(director_a)
    for name, body in _action_bodies(linked_report, child_a).items():
        response = client.post(f"{URL}{linked_report.pk}/{name}/", body, format="json")
        assert response.status_code == 403, name
    assert fresh_report(linked_report).version == linked_report.version


def test_a_transition_from_the_wrong_state_is_a_field_level_400(supervisor, linked_report):
    report = move_to(linked_report, Report.State.ACKNOWLEDGED, supervisor)
    response = api_client(supervisor).post(
        f"{URL}{report.pk}/acknowledge/", {"version": report.version}, format="json"
    )
    assert response.status_code == 400
    assert "state" in response.json()


def test_a_stale_version_is_a_409(supervisor, district_officer, linked_report):
    services.report_acknowledge(actor=district_officer, report=linked_report)
    response = api_client(supervisor).post(
        f"{URL}{linked_report.pk}/close/",
        {"version": linked_report.version, "outcome_message": "x"},
        format="json",
    )
    assert response.status_code == 409
    assert fresh_report(linked_report).state == Report.State.ACKNOWLEDGED


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("acknowledge", {}, "version"),
        ("acknowledge", {"version": "one"}, "version"),
        ("acknowledge", {"version": 1, "state": "closed"}, "state"),
        ("police", {"version": 2, "told": "x", "notified_at": "yesterday", "receipt_no": "1"},
         "notified_at"),
        ("police", {"version": 2, "told": ["x"], "notified_at": "2026-01-01T00:00:00Z",
                    "receipt_no": "1"}, "told"),
        ("link-child", {"version": 2, "child": "abc"}, "child"),
        ("link-child", {"version": 2, "child": 10**30}, "child"),
        ("link-child", {"version": 2, "child": 1, "link_state": "unidentified"}, "link_state"),
        ("open-case", {"version": 2, "owner": "me"}, "owner"),
        ("close", {"version": 2, "outcome_message": "m" * 2001}, "outcome_message"),
        ("unidentified", {"version": 2, "note": 5}, "note"),
    ],
)  # fmt: skip
def test_bad_action_input_is_a_field_level_400(supervisor, linked_report, name, body, field):
    response = api_client(supervisor).post(f"{URL}{linked_report.pk}/{name}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_link_a_child_out_of_scope_is_refused_like_an_unknown_id(supervisor, make_report, child_c):
    report = make_report()
    response = api_client(supervisor).post(
        f"{URL}{report.pk}/link-child/", {"version": report.version, "child": child_c.pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "child" in response.json()
    assert fresh_report(report).child is None


def test_link_and_unidentified_through_the_api(supervisor, make_report, child_a):
    report = make_report()
    client = api_client(supervisor)
    data = client.post(
        f"{URL}{report.pk}/link-child/",
        {"version": report.version, "child": child_a.pk, "link_state": "registered"},
        format="json",
    ).json()
    assert data["child"] == child_a.pk and data["link_state"] == "registered"
    data = client.post(
        f"{URL}{report.pk}/unidentified/", {"version": data["version"], "note": "Moved away."},
        format="json",
    ).json()  # fmt: skip
    assert data["child"] is None and data["link_state"] == "unidentified"


def test_open_case_attaches_to_the_existing_open_case(
    supervisor, district_officer, linked_report, child_a
):
    existing = case_open(actor=district_officer, child=child_a)
    report = move_to(linked_report, Report.State.ACKNOWLEDGED, supervisor)
    data = (
        api_client(supervisor)
        .post(f"{URL}{report.pk}/open-case/", {"version": report.version}, format="json")
        .json()
    )
    assert data["case"] == existing.pk
    assert Case.objects.filter(child=child_a).count() == 1


def test_open_case_with_an_owner_id(supervisor, director_a, linked_report):
    report = move_to(linked_report, Report.State.ACKNOWLEDGED, supervisor)
    data = api_client(supervisor).post(
        f"{URL}{report.pk}/open-case/", {"version": report.version, "owner": director_a.pk},
        format="json",
    ).json()  # fmt: skip
    assert Case.objects.get(pk=data["case"]).owner == director_a


# --- list and create ------------------------------------------------------------------------------


def test_the_list_filters_by_state_and_the_queue_is_most_urgent_first(supervisor, make_report):
    import datetime as dt

    first = make_report()
    second = make_report()
    Report.objects.filter(pk=second.pk).update(ack_due_at=timezone.now() - dt.timedelta(minutes=1))
    closed = move_to(make_report(), Report.State.CLOSED, supervisor)
    client = api_client(supervisor)
    queue = [r["reference"] for r in client.get(f"{URL}?queue=true").json()["results"]]
    assert queue == [second.reference, first.reference]
    assert closed.reference not in queue
    rows = client.get(f"{URL}?state=closed").json()["results"]
    assert [r["reference"] for r in rows] == [closed.reference]
    late = next(c for c in client.get(f"{URL}{second.pk}/").json()["clocks"] if c["clock"] == "ack")
    assert late["late"] and late["state"] == "late"
    assert late["time_left"] == "overdue by 1 minute"  # the words the clocks page shows
    clocks = client.get(f"{URL}{first.pk}/").json()["clocks"]
    assert next(c for c in clocks if c["clock"] == "outcome")["time_left"] == "14 days left"
    assert client.get(f"{URL}?state=bogus").status_code == 400


def test_staff_create_a_report_and_get_the_code_once(director_a, areas):
    response = api_client(director_a).post(
        URL,
        {"situations": ["s9"], "description": "Seen at the bus stop at night.",
         "subdistrict": areas["tianshan"].pk, "reporter_type": "public"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["code"] and data["created_by"]["id"] == director_a.pk
    report = Report.objects.get(pk=data["id"])
    assert report.channel == "staff"
    assert services.report_status(report.reference, data["code"]) == report
    again = api_client(director_a).get(f"{URL}{report.pk}/").json()
    assert "code" not in again


def test_staff_create_refuses_unknown_fields(director_a, areas):
    response = api_client(director_a).post(
        URL,
        {"situations": ["s9"], "description": "x", "reporter_type": "public",
         "created_by": 1, "state": "closed"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert {"created_by", "state"} <= set(response.json())
    assert not Report.objects.exists()


def test_the_schema_documents_the_report_endpoints(db, tmp_path):
    import yaml
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    for path in [
        "/api/v1/public/reports/",
        "/api/v1/public/reports/status/",
        "/api/v1/public/areas/",
        "/api/v1/reports/",
        "/api/v1/reports/{id}/",
        "/api/v1/reports/{id}/acknowledge/",
        "/api/v1/reports/{id}/police/",
        "/api/v1/reports/{id}/link-child/",
        "/api/v1/reports/{id}/unidentified/",
        "/api/v1/reports/{id}/open-case/",
        "/api/v1/reports/{id}/close/",
    ]:
        assert path in paths, path
    assert set(paths["/api/v1/reports/{id}/"]) == {"get"}
