"""/api/v1/referrals/ and /api/v1/cases/{id}/referrals/: scope (404), role (403), field-level 400s,
unknown fields, 409 on a stale version."""

import datetime as dt

import pytest

from tests.conftest import api_client
from tests.helpers import ids, today
from weibao.partners.models import Partner
from weibao.referrals import services as referral_services
from weibao.referrals.models import Referral

pytestmark = pytest.mark.usefixtures("english")

OUT_OF_SCOPE_FOR_CASE_A = ["director_b", "director_elsewhere", "unassigned"]


def referral_body(case, to, **overrides) -> dict:
    body = {
        "case": case.pk,
        "partner": to.pk,
        "service_type": "education",
        "reason": "Falling behind at school.",
        "accept_by": (today() + dt.timedelta(days=10)).isoformat(),
    }
    body.update(overrides)
    return body


def test_the_owner_refers_a_case_through_the_api(director_a, case_a, partner):
    response = api_client(director_a).post(
        "/api/v1/referrals/", referral_body(case_a, partner), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "pending" and body["partner_name"] == partner.name
    assert set(body["actions"]) == {"accept", "reject", "revoke"}
    assert body["child_name"] == "张小明" and body["overdue"] is False


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_FOR_CASE_A)
def test_a_case_out_of_scope_cannot_be_referred_and_is_not_revealed(
    request, persona, case_a, partner
):
    client = api_client(request.getfixturevalue(persona))
    response = client.post("/api/v1/referrals/", referral_body(case_a, partner), format="json")
    assert response.status_code == 400
    assert response.json()["case"] == ["No such case in your areas."]
    nested = client.post(
        f"/api/v1/cases/{case_a.pk}/referrals/", referral_body(case_a, partner), format="json"
    )
    assert nested.status_code == 404
    assert client.get(f"/api/v1/cases/{case_a.pk}/referrals/").status_code == 404
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": ""}, "reason", "Please give the reason for the referral."),
        ({"accept_by": "2020-01-01"}, "accept_by", "The deadline cannot be in the past."),
        ({"accept_by": "soon"}, "accept_by", None),
        ({"service_type": "massage"}, "service_type", None),
        ({"partner": "x"}, "partner", None),
        ({"urgent": True}, "urgent", "Unknown field."),
    ],
)
def test_bad_referral_input_is_a_field_level_400(
    director_a, case_a, partner, overrides, field, message
):
    response = api_client(director_a).post(
        "/api/v1/referrals/", referral_body(case_a, partner, **overrides), format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    if message:
        assert errors[field] == [message]


def test_a_second_live_referral_is_a_clear_400(director_a, case_a, partner, referral):
    response = api_client(director_a).post(
        "/api/v1/referrals/", referral_body(case_a, partner), format="json"
    )
    assert response.status_code == 400
    assert "already has a pending or accepted referral" in response.json()["partner"][0]


def test_the_referral_list_is_scoped_filtered_and_overdue_first(
    supervisor, director_b, case_a, partner, director_a, areas, referral
):
    late_partner = Partner.objects.create(
        name="天山路派出所", kind="police", area=areas["tianshan"]
    )
    late = referral_services.referral_create(
        actor=director_a, case=case_a, partner=late_partner, reason="x", accept_by=today()
    )
    Referral.objects.filter(pk=late.pk).update(accept_by=today() - dt.timedelta(days=1))
    rows = api_client(supervisor).get("/api/v1/referrals/").json()["results"]
    assert [r["id"] for r in rows] == [late.pk, referral.pk]
    assert rows[0]["overdue"] is True
    assert ids(api_client(supervisor).get("/api/v1/referrals/?overdue=true")) == {late.pk}
    assert ids(api_client(supervisor).get("/api/v1/referrals/?state=accepted")) == set()
    assert ids(api_client(director_b).get("/api/v1/referrals/")) == set()
    assert api_client(supervisor).get("/api/v1/referrals/?state=zzz").status_code == 400


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_FOR_CASE_A)
def test_every_referral_endpoint_is_404_out_of_scope(request, persona, referral):
    client = api_client(request.getfixturevalue(persona))
    assert client.get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    for name in ("accept", "reject", "complete", "revoke"):
        response = client.post(
            f"/api/v1/referrals/{referral.pk}/{name}/", {"note": "x", "version": 1}, format="json"
        )
        assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).state == "pending"


@pytest.mark.parametrize("persona", ["director_a", "supervisor", "district_officer"])
def test_each_case_role_answers_a_referral_through_the_api(request, persona, referral):
    client = api_client(request.getfixturevalue(persona))
    url = f"/api/v1/referrals/{referral.pk}"
    response = client.post(f"{url}/accept/", {"version": 1}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    assert response.json()["actions"] == ["complete", "revoke"]
    response = client.post(f"{url}/complete/", {"note": "Done.", "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["feedback"] == "Done."


def test_transition_errors_are_400_409_and_never_500(director_a, referral):
    client = api_client(director_a)
    url = f"/api/v1/referrals/{referral.pk}"
    wrong_state = client.post(f"{url}/complete/", {"note": "x", "version": 1}, format="json")
    assert wrong_state.status_code == 400 and "state" in wrong_state.json()
    no_reason = client.post(f"{url}/reject/", {"note": "", "version": 1}, format="json")
    assert no_reason.status_code == 400
    assert no_reason.json() == {"note": ["Please record the partner's reason for rejecting."]}
    stale = client.post(f"{url}/revoke/", {"note": "x", "version": 7}, format="json")
    assert stale.status_code == 409
    no_version = client.post(f"{url}/accept/", {}, format="json")
    assert no_version.status_code == 400 and "version" in no_version.json()
    unknown = client.post(f"{url}/accept/", {"version": 1, "state": "completed"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["state"] == ["Unknown field."]
    assert client.post(f"{url}/accept/", "[[[", content_type="application/json").status_code == 400
    assert Referral.objects.get(pk=referral.pk).state == "pending"


def test_a_cases_referrals_through_the_nested_route(supervisor, case_a, partner, referral, areas):
    client = api_client(supervisor)
    assert ids(client.get(f"/api/v1/cases/{case_a.pk}/referrals/")) == {referral.pk}
    other = Partner.objects.create(name="天山路派出所", kind="police", area=areas["tianshan"])
    body = referral_body(case_a, other)
    body.pop("case")
    response = client.post(f"/api/v1/cases/{case_a.pk}/referrals/", body, format="json")
    assert response.status_code == 201 and response.json()["case"] == case_a.pk
    assert client.get("/api/v1/cases/999999/referrals/").status_code == 404
