"""/api/v1/service-records/ and /api/v1/cases/{id}/service-records/: the service ledger
through the API, scoped (404 out of scope), with field-level 400s and logged reads."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import api_client
from tests.helpers import record_service, today
from weibao.audit.models import AccessLog, AuditEvent
from weibao.cases.models import Case
from weibao.ledger.models import ServiceRecord

pytestmark = pytest.mark.usefixtures("english")

OUT_OF_SCOPE_FOR_CASE_A = ["director_b", "director_elsewhere", "unassigned"]
URL = "/api/v1/service-records/"


record = record_service


def body(case=None, **overrides) -> dict:
    data = {
        "delivered_on": today().isoformat(),
        "service_type": "psychological",
        "duration_minutes": 50,
        "notes": "Session one.",
    }
    if case is not None:
        data["case"] = case.pk
    data.update(overrides)
    return data


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_owner_records_a_service_through_the_api(director_a, case_a):
    response = api_client(director_a).post(
        URL, body(case_a, provider_user=director_a.pk), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["provider"] == f"user:{director_a.pk}"
    assert data["provider_user"] == {"id": director_a.pk, "name": "director_a"}
    assert data["provider_partner"] is None and data["child_name"] == "张小明"
    assert AuditEvent.objects.filter(action="service.record", case=case_a).exists()


def test_a_partner_provider_through_the_nested_route(supervisor, case_a, partner):
    response = api_client(supervisor).post(
        f"/api/v1/cases/{case_a.pk}/service-records/",
        body(provider_partner=partner.pk),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["provider_partner"] == {"id": partner.pk, "name": partner.name}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"delivered_on": "yesterday"}, "delivered_on"),
        ({"service_type": "massage"}, "service_type"),
        ({"provider_user": None}, "provider"),
        ({"provider_user": 99999}, "provider"),
        ({"provider_user": None, "provider_partner": 99999}, "provider"),
        ({"notes": "x" * 5001}, "notes"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_service_input_is_a_field_level_400(director_a, case_a, overrides, field):
    data = body(case_a, provider_user=director_a.pk)
    data.update(overrides)
    response = api_client(director_a).post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ServiceRecord.objects.exists()


def test_a_future_date_and_a_closed_case_are_clear_400s(director_a, case_a):
    client = api_client(director_a)
    future = (today() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        URL, body(case_a, provider_user=director_a.pk, delivered_on=future), format="json"
    )
    assert response.json() == {"delivered_on": ["The date cannot be in the future."]}
    Case.objects.filter(pk=case_a.pk).update(
        stage="closed", closed_at=timezone.now(), closed_by=director_a
    )
    response = client.post(URL, body(case_a, provider_user=director_a.pk), format="json")
    assert response.status_code == 400
    assert response.json() == {"state": ["Services can only be recorded on an open case."]}


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_FOR_CASE_A)
def test_every_service_record_endpoint_is_404_out_of_scope(request, persona, case_a, director_a):
    done = record(director_a, case_a)
    client = api_client(request.getfixturevalue(persona))
    assert done.pk not in ids(client.get(URL))
    assert client.get(f"{URL}{done.pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{case_a.pk}/service-records/").status_code == 404
    nested = client.post(
        f"/api/v1/cases/{case_a.pk}/service-records/",
        body(provider_user=director_a.pk),
        format="json",
    )
    assert nested.status_code == 404
    direct = client.post(URL, body(case_a, provider_user=director_a.pk), format="json")
    assert direct.status_code == 400 and direct.json()["case"] == ["No such case in your areas."]
    assert ServiceRecord.objects.count() == 1


def test_the_list_is_scoped_and_filtered(
    supervisor, director_a, director_b, case_a, case_b, partner, child_b
):
    a1 = record(director_a, case_a, service_type="education")
    a2 = record(director_a, case_a, provider_user=None, provider_partner=partner)
    b1 = record(director_b, case_b)
    client = api_client(supervisor)
    assert ids(client.get(URL)) == {a1.pk, a2.pk, b1.pk}
    assert ids(api_client(director_a).get(URL)) == {a1.pk, a2.pk}
    assert ids(client.get(URL, {"service_type": "education"})) == {a1.pk}
    assert ids(client.get(URL, {"provider": f"partner:{partner.pk}"})) == {a2.pk}
    assert ids(client.get(URL, {"provider": f"user:{director_b.pk}"})) == {b1.pk}
    assert ids(client.get(URL, {"community": child_b.community_id})) == {b1.pk}
    assert ids(client.get(URL, {"case": case_a.pk})) == {a1.pk, a2.pk}
    assert ids(client.get(URL, {"month": today().strftime("%Y-%m")})) == {a1.pk, a2.pk, b1.pk}
    assert ids(client.get(URL, {"month": "2001-01"})) == set()


@pytest.mark.parametrize(
    "params", [{"month": "2026-13"}, {"month": "May"}, {"provider": "bob"}, {"case": "x"}]
)
def test_bad_filters_are_a_field_level_400(supervisor, params):
    response = api_client(supervisor).get(URL, params)
    assert response.status_code == 400 and set(response.json()) == set(params)


def test_reading_a_record_or_a_cases_records_is_logged(supervisor, director_a, case_a, child_a):
    done = record(director_a, case_a)
    client = api_client(supervisor)
    response = client.get(f"{URL}{done.pk}/")
    assert response.status_code == 200 and response.json()["id"] == done.pk
    rows = client.get(f"/api/v1/cases/{case_a.pk}/service-records/").json()["results"]
    assert [r["id"] for r in rows] == [done.pk]
    logs = AccessLog.objects.filter(user=supervisor, child=child_a, channel="api")
    assert set(logs.values_list("field", flat=True)) == {"service_record", "service_records"}


def test_records_are_read_only_once_written(director_a, case_a):
    done = record(director_a, case_a)
    client = api_client(director_a)
    assert client.patch(f"{URL}{done.pk}/", {"notes": "x"}, format="json").status_code == 405
    assert client.delete(f"{URL}{done.pk}/").status_code == 405
