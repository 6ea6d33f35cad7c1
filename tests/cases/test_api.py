"""/api/v1/cases/: list, retrieve, open, the workflow steps, the plan and the timeline. Out of
scope 404, in scope but not allowed 403, stale version 409, field-level 400."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.helpers import (
    EXPECTED_TABLE,
    IN_SCOPE,
    a_plan,
    fresh,
    put_in_stage,
    ready_to_close,
)
from tests.conftest import api_client
from weibao.audit.models import AccessLog
from weibao.cases import services
from weibao.cases.choices import Stage
from weibao.cases.models import Case, PlanVersion

OUTSIDERS = ["director_a2", "director_b", "director_elsewhere", "unassigned"]
URL = "/api/v1/cases/"


pytestmark = pytest.mark.usefixtures("english")


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


# --- list, retrieve, create -------------------------------------------------------------------


def test_the_list_is_scoped_and_filtered(
    make_child, case_a, director_a, director_b, supervisor, district_officer
):
    other = services.case_open(
        actor=district_officer, child=make_child("community_c", name="王小华")
    )
    services.case_file(actor=director_a, case=case_a, summary="x")

    def ids(user, query=""):
        response = api_client(user).get(URL + query)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(director_a) == {case_a.pk}
    assert ids(director_b) == set()
    assert ids(supervisor) == {case_a.pk}
    assert ids(district_officer) == {case_a.pk, other.pk}
    assert ids(district_officer, "?stage=filed") == {case_a.pk}
    assert ids(district_officer, "?mine=true") == {other.pk}
    assert ids(district_officer, f"?community={other.community_id}") == {other.pk}
    assert api_client(district_officer).get(URL + "?stage=bogus").status_code == 400


def test_one_case_with_what_the_user_may_do(case_a, director_a, supervisor):
    response = api_client(supervisor).get(f"{URL}{case_a.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["reference"] == case_a.reference
    assert data["stage"] == "discovered"
    assert data["owner"] == {"id": director_a.pk, "name": "director_a"}
    assert data["available_actions"] == ["file", "assign", "restrict"]
    assert api_client(director_a).get(f"{URL}{case_a.pk}/").json()["available_actions"] == ["file"]
    assert AccessLog.objects.filter(user=supervisor, field="case", channel="api").exists()


def test_a_case_is_opened_through_the_api(child_a, supervisor, director_a):
    response = api_client(supervisor).post(
        URL, {"child": child_a.pk, "owner": director_a.pk, "summary": "Found"}, format="json"
    )
    assert response.status_code == 201, response.json()
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.owner, case.opened_by, case.summary) == (director_a, supervisor, "Found")
    # A second open case for the child is refused, field by field.
    again = api_client(supervisor).post(URL, {"child": child_a.pk}, format="json")
    assert again.status_code == 400
    assert "child" in again.json()


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"child": "abc"}, "child"),
        ({"child": 999999}, "child"),
        ({"child": "CHILD_C"}, "child"),
        ({"child": "CHILD_A", "owner": "DIRECTOR_B"}, "owner"),
        ({"child": "CHILD_A", "owner": 0}, "owner"),
        ({"child": "CHILD_A", "stage": "closed"}, "stage"),
        ({"child": "CHILD_A", "summary": "x" * 5001}, "summary"),
    ],
)
def test_bad_input_to_open_a_case_is_a_field_level_400(
    child_a, child_c, director_b, supervisor, payload, field
):
    swap = {"CHILD_A": child_a.pk, "CHILD_C": child_c.pk, "DIRECTOR_B": director_b.pk}
    payload = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    response = api_client(supervisor).post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.exists()


# --- the steps, by role -----------------------------------------------------------------------

STEP_CALLS = {
    "file": ("file/", {"summary": "Known"}),
    "assess": ("assess/", {"risk_level": "high", "reasons": "Alone"}),
    "intervene": ("advance/", {"transition": "intervene"}),
    "serve": ("advance/", {"transition": "serve"}),
    "track": ("advance/", {"transition": "track"}),
    "resume_services": ("advance/", {"transition": "resume_services"}),
    # From 评估 (the first stage it is offered in) closing is for no protection need.
    "request_close": ("request-close/", {"summary": "Safe", "no_need_reason": "no_harm_found"}),
    "approve_close": ("decide-close/", {"approve": True}),
    "reject_close": ("decide-close/", {"approve": False, "note": "Not yet"}),
    "reopen": ("reopen/", {"reason": "Hurt again"}),
}


@pytest.mark.parametrize("persona", list(IN_SCOPE) + OUTSIDERS)
@pytest.mark.parametrize("name", list(EXPECTED_TABLE))
def test_each_step_by_each_role_through_the_api(
    request, case_a, director_a, station_staff, name, persona
):
    actor = request.getfixturevalue(persona)
    sources, target, roles = EXPECTED_TABLE[name]
    a_plan(director_a, case_a)
    if name == "approve_close":
        ready_to_close(case_a)
    case = put_in_stage(case_a, sorted(sources)[0], requester=station_staff)
    path, payload = STEP_CALLS[name]
    response = api_client(actor).post(f"{URL}{case.pk}/{path}", payload, format="json")
    if persona in OUTSIDERS:
        expected = 404
    elif not IN_SCOPE[persona] & roles or (
        name in ("approve_close", "reject_close") and actor == station_staff
    ):
        expected = 403
    else:
        expected = 200
    assert response.status_code == expected, response.content
    if expected == 200:
        stage = Stage.SERVING if name == "reject_close" else target
        assert response.json()["stage"] == stage
    else:
        assert fresh(case).stage == sorted(sources)[0]


def test_a_step_from_the_wrong_stage_is_a_400_on_state(case_a, director_a):
    response = api_client(director_a).post(
        f"{URL}{case_a.pk}/advance/", {"transition": "serve"}, format="json"
    )
    assert response.status_code == 400
    assert "state" in response.json()


def test_intervening_without_a_plan_is_a_409_naming_the_missing_plan(case_a, director_a):
    case = put_in_stage(case_a, Stage.ASSESSED)
    response = api_client(director_a).post(
        f"{URL}{case.pk}/advance/", {"transition": "intervene"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "plan_required"
    assert "plan" in response.json()["detail"]


def test_approving_ones_own_closing_request_is_refused(case_a, supervisor):
    case = put_in_stage(case_a, Stage.CLOSING, requester=supervisor)
    response = api_client(supervisor).post(
        f"{URL}{case.pk}/decide-close/", {"approve": True}, format="json"
    )
    assert response.status_code == 400
    assert "state" in response.json()
    assert api_client(supervisor).get(f"{URL}{case.pk}/").json()["available_actions"] == [
        "assign",
        "restrict",
    ]


@pytest.mark.parametrize(
    "path,payload,field",
    [
        ("file/", {"summary": ""}, "summary"),
        ("file/", {"summary": "x", "colour": "red"}, "colour"),
        ("assess/", {"risk_level": "dire", "reasons": "x"}, "risk_level"),
        ("advance/", {"transition": "approve_close"}, "transition"),
        ("request-close/", {}, "summary"),
        ("decide-close/", {"approve": "maybe"}, "approve"),
        ("reopen/", {"reason": ["a"]}, "reason"),
        ("assign/", {"owner": "x"}, "owner"),
        ("file/", {"summary": "x", "version": -1}, "version"),
    ],
)
def test_bad_step_input_is_a_field_level_400(case_a, supervisor, path, payload, field):
    response = api_client(supervisor).post(f"{URL}{case_a.pk}/{path}", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_stale_version_is_a_409(case_a, director_a, supervisor):
    version = case_a.version
    services.case_file(actor=supervisor, case=case_a, summary="First")
    response = api_client(director_a).post(
        f"{URL}{case_a.pk}/assess/",
        {"risk_level": "low", "reasons": "x", "version": version},
        format="json",
    )
    assert response.status_code == 409
    current = fresh(case_a).version
    response = api_client(director_a).post(
        f"{URL}{case_a.pk}/assess/",
        {"risk_level": "low", "reasons": "x", "version": current},
        format="json",
    )
    assert response.status_code == 200


def test_the_supervisor_reassigns_through_the_api(case_a, supervisor, station_staff, director_b):
    client = api_client(supervisor)
    refused = client.post(f"{URL}{case_a.pk}/assign/", {"owner": director_b.pk}, format="json")
    assert refused.status_code == 400 and "owner" in refused.json()
    response = client.post(f"{URL}{case_a.pk}/assign/", {"owner": station_staff.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"]["id"] == station_staff.pk


def test_the_owner_may_not_reassign_through_the_api(case_a, director_a, station_staff):
    response = api_client(director_a).post(
        f"{URL}{case_a.pk}/assign/", {"owner": station_staff.pk}, format="json"
    )
    assert response.status_code == 403
    assert fresh(case_a).owner == director_a


# --- plan --------------------------------------------------------------------------------------


def plan_payload(user, **overrides):
    payload = {
        "goals": "Evening care\nBack to school",
        "review_on": days(30),
        "services": [
            {"service_type": "education", "responsible_user": user.pk, "due_on": days(10)}
        ],
        "change_note": "",
        "expected_number": 0,
    }
    payload.update(overrides)
    return payload


def test_the_plan_is_saved_and_read_back_with_its_versions(case_a, director_a, supervisor):
    client = api_client(director_a)
    empty = client.get(f"{URL}{case_a.pk}/plan/").json()
    assert empty == {"current": None, "versions": []}
    first = client.post(f"{URL}{case_a.pk}/plan/", plan_payload(director_a), format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["number"] == 1
    assert first.json()["goals"] == ["Evening care", "Back to school"]
    second = api_client(supervisor).post(
        f"{URL}{case_a.pk}/plan/",
        plan_payload(director_a, goals="Evening care", expected_number=1, change_note="Less"),
        format="json",
    )
    assert second.status_code == 201
    plan = client.get(f"{URL}{case_a.pk}/plan/").json()
    assert plan["current"]["number"] == 2
    assert [v["number"] for v in plan["versions"]] == [2, 1]
    old = client.get(f"{URL}{case_a.pk}/plan/versions/1/").json()
    assert old["goals"] == ["Evening care", "Back to school"]
    assert old["services"][0]["responsible_user"]["id"] == director_a.pk
    assert client.get(f"{URL}{case_a.pk}/plan/versions/9/").status_code == 404
    assert client.get(f"{URL}{case_a.pk}/").json()["plan_version"] == 2


def test_plan_messages_name_the_service_and_field(case_a, director_a):
    payload = plan_payload(
        director_a,
        review_on=days(-2),
        services=[
            {"service_type": "education", "responsible_user": director_a.pk, "due_on": days(3)},
            {"service_type": "education", "due_on": days(3)},
        ],
    )
    response = api_client(director_a).post(f"{URL}{case_a.pk}/plan/", payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"review_on", "services.1.responsible_user"}
    bad_types = api_client(director_a).post(
        f"{URL}{case_a.pk}/plan/",
        plan_payload(director_a, services=[{"service_type": "yoga", "due_on": "soon"}]),
        format="json",
    )
    assert bad_types.status_code == 400
    assert "services" in bad_types.json()
    assert not PlanVersion.objects.exists()


def test_a_stale_plan_is_a_409(case_a, director_a, supervisor):
    a_plan(supervisor, case_a)
    response = api_client(director_a).post(
        f"{URL}{case_a.pk}/plan/", plan_payload(director_a, expected_number=0), format="json"
    )
    assert response.status_code == 409
    assert PlanVersion.objects.count() == 1


# --- timeline ----------------------------------------------------------------------------------


def test_the_timeline_through_the_api(case_a, director_a, supervisor):
    services.case_file(actor=director_a, case=case_a, summary="Known")
    a_plan(supervisor, case_a)
    data = api_client(director_a).get(f"{URL}{case_a.pk}/timeline/").json()
    assert [e["action"] for e in data] == ["case.open", "case.file", "plan.save"]
    assert data[1]["actor"] == {"id": director_a.pk, "name": "director_a"}
    assert data[1]["label"] == "Case filed"
    assert data[1]["note"] == "Known"
    assert data[1]["changes"] == {"stage": {"old": "discovered", "new": "filed"}}


# --- 404 everywhere outside -----------------------------------------------------------------


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_every_endpoint_is_404_outside_the_case(request, case_a, director_a, persona):
    a_plan(director_a, case_a)
    client = api_client(request.getfixturevalue(persona))
    for path in ["", "plan/", "plan/versions/1/", "timeline/"]:
        assert client.get(f"{URL}{case_a.pk}/{path}").status_code == 404, path
    for path in [
        "file/",
        "assess/",
        "advance/",
        "request-close/",
        "decide-close/",
        "reopen/",
        "assign/",
        "plan/",
    ]:
        assert client.post(f"{URL}{case_a.pk}/{path}", {}, format="json").status_code == 404, path
    assert client.get(f"{URL}999999/").status_code == 404


def test_the_api_needs_a_token(case_a):
    assert api_client(None).get(URL).status_code in (401, 403)


def test_the_schema_documents_the_case_routes(db):
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = schema.json()["paths"]
    for path in [
        "/api/v1/cases/",
        "/api/v1/cases/{id}/",
        "/api/v1/cases/{id}/file/",
        "/api/v1/cases/{id}/assess/",
        "/api/v1/cases/{id}/advance/",
        "/api/v1/cases/{id}/request-close/",
        "/api/v1/cases/{id}/decide-close/",
        "/api/v1/cases/{id}/reopen/",
        "/api/v1/cases/{id}/assign/",
        "/api/v1/cases/{id}/plan/",
        "/api/v1/cases/{id}/plan/versions/{number}/",
        "/api/v1/cases/{id}/timeline/",
    ]:
        assert path in paths, path
    assert set(paths["/api/v1/cases/{id}/plan/"]) == {"get", "post"}
    assert set(paths["/api/v1/cases/{id}/"]) == {"get"}


def test_the_list_gives_each_cases_plan_version(case_a, director_a, supervisor):
    a_plan(director_a, case_a)
    a_plan(supervisor, case_a)
    [row] = api_client(supervisor).get(URL).json()["results"]
    assert row["plan_version"] == 2
    assert row["reference"] == case_a.reference


def test_the_api_offers_a_later_assessment_as_the_case_page_does(case_a, director_a):
    case = put_in_stage(case_a, Stage.SERVING)
    actions = api_client(director_a).get(f"{URL}{case.pk}/").json()["available_actions"]
    assert actions == ["assess", "track", "request_close"]
    response = api_client(director_a).post(
        f"{URL}{case.pk}/assess/",
        {"risk_level": "low", "reasons": "Better now.", "version": fresh(case).version},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["stage"] == "serving"
