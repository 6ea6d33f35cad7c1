"""/api/v1/protections/: scoped (404 outside), 403 for those who see but may not act,
field-level 400, 409 on a stale version, and return home starting the follow-up visits."""

import datetime as dt

import pytest

from tests.conftest import api_client
from tests.helpers import SECRET_PLACE, opened_on, today
from weibao.audit.models import AccessLog
from weibao.cases.services import case_open
from weibao.core.dates import add_months
from weibao.protection import services as protection
from weibao.protection.models import ProtectionRecord
from weibao.visits.models import RETURNED_HOME, VisitDue

pytestmark = pytest.mark.usefixtures("english")

URL = "/api/v1/protections/"
OUTSIDERS = ["director_b", "director_elsewhere", "unassigned"]


def client_for(user):
    client = api_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def case_a(uncategorised_case_a):
    return uncategorised_case_a


@pytest.fixture
def record(guardianship_of_case_a):
    return guardianship_of_case_a


def create_body(for_case, **overrides) -> dict:
    body = {
        "case": for_case.pk,
        "ground": "guardian_missing",
        "placement": "relatives",
        "placement_detail": SECRET_PLACE,
        "started_on": (today() - dt.timedelta(days=2)).isoformat(),
    }
    body.update(overrides)
    return body


def assess_body(**overrides) -> dict:
    body = {
        "assessed_on": today().isoformat(),
        "result": "capable",
        "notes": "Stable home; parenting course completed.",
        "version": 1,
    }
    body.update(overrides)
    return body


# --- scope ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_every_protection_endpoint_is_404_outside_the_case(personas, case_a, record, who):
    client = client_for(personas[who])
    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}{record.pk}/").status_code == 404
    assert client.post(URL, create_body(case_a), format="json").status_code == 404
    assert client.post(f"{URL}{record.pk}/assess/", assess_body(), format="json").status_code == 404
    ended = client.post(
        f"{URL}{record.pk}/end/",
        {"ended_on": today().isoformat(), "end_reason": "other", "note": "x", "version": 1},
        format="json",
    )
    assert ended.status_code == 404
    assert ProtectionRecord.objects.get().capacity_assessed_on is None
    assert ProtectionRecord.objects.get().is_active


def test_anonymous_requests_are_refused(record):
    assert client_for(None).get(URL).status_code in (401, 403)
    assert client_for(None).get(f"{URL}{record.pk}/").status_code in (401, 403)


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999"])
def test_an_unknown_record_is_404(supervisor, pk):
    assert client_for(supervisor).get(f"{URL}{pk}/").status_code == 404


def test_the_owner_sees_but_may_not_record(director_a, supervisor, case_a, record):
    client = client_for(director_a)
    assert [r["id"] for r in client.get(URL).json()["results"]] == [record.pk]
    assert client.get(f"{URL}{record.pk}/").status_code == 200
    assert client.post(f"{URL}{record.pk}/assess/", assess_body(), format="json").status_code == 403
    end = {"ended_on": today().isoformat(), "end_reason": "other", "note": "x", "version": 1}
    assert client.post(f"{URL}{record.pk}/end/", end, format="json").status_code == 403
    protection.protection_end(
        actor=supervisor,
        record=record,
        ended_on=today(),
        end_reason="other",
        note="Moved in with an aunt by court order.",
    )
    assert client.post(URL, create_body(case_a), format="json").status_code == 403


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "district_officer"])
def test_the_supervisor_or_district_records_temporary_guardianship(personas, case_a, who):
    response = client_for(personas[who]).post(URL, create_body(case_a), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    started = today() - dt.timedelta(days=2)
    assert body["case"] == case_a.pk and body["child"] == case_a.child_id
    assert body["limit_on"] == protection.one_year_after(started).isoformat()
    assert body["placement_detail"] == SECRET_PLACE
    assert (body["is_active"], body["limit_state"], body["version"]) == (True, "", 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ground": "because"}, "ground"),
        ({"placement": 3}, "placement"),
        ({"started_on": "yesterday"}, "started_on"),
        ({"started_on": "2999-01-01"}, "started_on"),
        ({"placement_detail": "x" * 1001}, "placement_detail"),
        ({"case": "one"}, "case"),
        ({"ended_on": "2026-01-01"}, "ended_on"),  # unknown field
    ],
)
def test_bad_input_gets_field_level_400(supervisor, case_a, overrides, field):
    response = client_for(supervisor).post(URL, create_body(case_a, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ProtectionRecord.objects.exists()


def test_a_second_active_record_for_the_child_is_a_400_with_a_clear_message(
    supervisor, case_a, record
):
    response = client_for(supervisor).post(URL, create_body(case_a), format="json")
    assert response.status_code == 400
    assert "already under temporary guardianship" in response.json()["case"][0]


def test_the_limit_of_a_start_on_29_february_is_28_february(supervisor, case_a):
    opened_on(case_a, dt.date(2024, 2, 29))
    body = create_body(case_a, started_on="2024-02-29")
    response = client_for(supervisor).post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["limit_on"] == "2025-02-28"
    assert response.json()["limit_state"] == "past"


# --- list and retrieve ----------------------------------------------------------------------


def test_the_list_never_carries_placement_details_but_the_record_does_and_is_logged(
    supervisor, record
):
    client = client_for(supervisor)
    listing = client.get(URL)
    assert listing.status_code == 200
    assert SECRET_PLACE not in listing.content.decode()
    assert "placement_detail" not in listing.json()["results"][0]
    detail = client.get(f"{URL}{record.pk}/").json()
    assert detail["placement_detail"] == SECRET_PLACE
    assert AccessLog.objects.filter(
        user=supervisor, child=record.child, field="protection", channel="api"
    ).exists()


def test_the_list_filters_active_and_ended(supervisor, district_officer, record, make_child):
    child = make_child("community_b", name="李小红", sex="F", categories=())
    case = case_open(actor=district_officer, child=child)
    other = protection.protection_start(
        actor=supervisor,
        case=case,
        ground="wandering",
        placement="rescue_institution",
        started_on=today() - dt.timedelta(days=5),
    )
    protection.protection_end(
        actor=supervisor, record=other, ended_on=today(), end_reason="other", note="Family found."
    )
    client = client_for(supervisor)
    assert [r["id"] for r in client.get(URL).json()["results"]] == [record.pk, other.pk]
    assert [r["id"] for r in client.get(URL, {"active": "true"}).json()["results"]] == [record.pk]
    assert [r["id"] for r in client.get(URL, {"active": "false"}).json()["results"]] == [other.pk]
    assert client.get(URL, {"active": "perhaps"}).status_code == 400


# --- assess and end -------------------------------------------------------------------------


def test_return_home_is_refused_without_an_assessment_and_starts_follow_up_after_one(
    supervisor, record
):
    client = client_for(supervisor)
    end = {"ended_on": today().isoformat(), "end_reason": "returned_home", "version": 1}
    refused = client.post(f"{URL}{record.pk}/end/", end, format="json")
    assert refused.status_code == 400
    assert "guardianship-capacity assessment" in refused.json()["end_reason"][0]

    assessed = client.post(f"{URL}{record.pk}/assess/", assess_body(), format="json")
    assert assessed.status_code == 200
    assert (assessed.json()["capacity_result"], assessed.json()["version"]) == ("capable", 2)

    ended = client.post(f"{URL}{record.pk}/end/", {**end, "version": 2}, format="json")
    assert ended.status_code == 200, ended.json()
    assert (ended.json()["end_reason"], ended.json()["is_active"]) == ("returned_home", False)
    due = VisitDue.objects.get(child=record.child, state="open")
    assert (due.reason, due.due_date) == (RETURNED_HOME, add_months(today(), 1))


def test_a_stale_version_is_a_409(supervisor, record):
    client = client_for(supervisor)
    assert client.post(f"{URL}{record.pk}/assess/", assess_body(), format="json").status_code == 200
    stale = client.post(
        f"{URL}{record.pk}/assess/", assess_body(result="not_capable"), format="json"
    )
    assert stale.status_code == 409
    assert ProtectionRecord.objects.get(pk=record.pk).capacity_result == "capable"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notes": ""}, "notes"),
        ({"result": "unknown"}, "result"),
        ({"assessed_on": "2999-01-01"}, "assessed_on"),
        ({"version": "x"}, "version"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_assessment_input_is_a_field_level_400(supervisor, record, body, field):
    response = client_for(supervisor).post(
        f"{URL}{record.pk}/assess/", assess_body(**body), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_a_long_term_ending_needs_a_note(supervisor, record):
    end = {"ended_on": today().isoformat(), "end_reason": "long_term", "version": 1}
    response = client_for(supervisor).post(f"{URL}{record.pk}/end/", end, format="json")
    assert response.status_code == 400
    assert "note" in response.json()
