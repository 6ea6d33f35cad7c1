"""/api/v1/partners/, /api/v1/referrals/ and /api/v1/cases/{id}/referrals/: scope (404),
role (403), field-level 400s, unknown fields, 409 on a stale version, and the schema."""

import datetime as dt

import pytest
import yaml
from django.core.management import call_command

from tests.conftest import api_client
from tests.helpers import today
from weibao.audit.models import AuditEvent
from weibao.partners.models import Partner
from weibao.referrals import services as referral_services
from weibao.referrals.models import Referral

pytestmark = pytest.mark.usefixtures("english")

OUT_OF_SCOPE_FOR_CASE_A = ["director_b", "director_elsewhere", "unassigned"]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- partners -------------------------------------------------------------------------------


def test_partners_are_listed_within_the_users_areas(director_a, supervisor, partner, partner_c):
    assert ids(api_client(director_a).get("/api/v1/partners/")) == {partner.pk}
    assert ids(api_client(supervisor).get("/api/v1/partners/?kind=police")) == set()
    assert ids(api_client(supervisor).get("/api/v1/partners/?q=服务")) == {partner.pk}
    response = api_client(supervisor).get("/api/v1/partners/?kind=zoo")
    assert response.status_code == 400 and "kind" in response.json()


@pytest.mark.parametrize("persona", ["director_a", "supervisor", "unassigned"])
def test_another_subdistricts_partner_is_404(request, persona, partner_c):
    client = api_client(request.getfixturevalue(persona))
    assert client.get(f"/api/v1/partners/{partner_c.pk}/").status_code == 404
    response = client.patch(
        f"/api/v1/partners/{partner_c.pk}/", {"notes": "x", "version": 1}, format="json"
    )
    assert response.status_code == 404


def test_the_unassigned_see_no_partner(unassigned, partner):
    assert ids(api_client(unassigned).get("/api/v1/partners/")) == set()
    assert api_client(unassigned).get(f"/api/v1/partners/{partner.pk}/").status_code == 404
    response = api_client(unassigned).post("/api/v1/partners/", {"name": "x"}, format="json")
    assert response.status_code == 404


def test_a_supervisor_registers_a_partner(supervisor, areas):
    response = api_client(supervisor).post(
        "/api/v1/partners/",
        {"name": "测试甲儿童之家", "kind": "childrens_home", "area": areas["community_a"].pk,
         "contact_phone": "13800000000"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["area_name"] == "测试甲居民区" and body["active"] and body["version"] == 1
    assert AuditEvent.objects.filter(action="partner.create").exists()


def test_a_director_cannot_register_a_partner(director_a, areas):
    response = api_client(director_a).post(
        "/api/v1/partners/",
        {"name": "X", "kind": "police", "area": areas["community_a"].pk},
        format="json",
    )
    assert response.status_code == 403
    assert not Partner.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "kind": "police"}, "name"),
        ({"name": "X", "kind": "zoo"}, "kind"),
        ({"name": "X", "kind": "police", "area": "abc"}, "area"),
        ({"name": "X", "kind": "police", "colour": "red"}, "colour"),
    ],
)
def test_bad_partner_input_is_a_field_level_400(supervisor, areas, body, field):
    body.setdefault("area", areas["tianshan"].pk)
    response = api_client(supervisor).post("/api/v1/partners/", body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_an_area_out_of_scope_is_refused_like_an_unknown_one(supervisor, areas):
    body = {"name": "X", "kind": "police"}
    hidden = api_client(supervisor).post(
        "/api/v1/partners/", {**body, "area": areas["community_c"].pk}, format="json"
    )
    unknown = api_client(supervisor).post(
        "/api/v1/partners/", {**body, "area": 99999}, format="json"
    )
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json()["area"] == unknown.json()["area"] == ["No such area in your areas."]
    above = api_client(supervisor).post(
        "/api/v1/partners/", {**body, "area": areas["district"].pk}, format="json"
    )
    assert above.json() == {"area": ["You cannot register partners in this area."]}


def test_a_duplicate_name_is_a_clear_400(supervisor, partner, areas):
    response = api_client(supervisor).post(
        "/api/v1/partners/",
        {"name": partner.name, "kind": "police", "area": areas["tianshan"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": ["A partner named “天山路儿童服务中心” is already registered in 天山路街道."]
    }


def test_updating_and_deactivating_a_partner_with_versions(supervisor, partner):
    client = api_client(supervisor)
    url = f"/api/v1/partners/{partner.pk}/"
    response = client.patch(url, {"contact_name": "李老师", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = client.patch(url, {"contact_name": "赵老师", "version": 1}, format="json")
    assert stale.status_code == 409
    response = client.patch(url, {"active": False, "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["active"] is False
    assert client.patch(url, {"notes": "x"}, format="json").status_code == 400  # no version
    assert client.delete(url).status_code == 405
    assert client.put(url, {"name": "x", "version": 3}, format="json").status_code == 405


@pytest.mark.parametrize("persona", ["director_a", "director_b"])
def test_a_director_may_not_edit_a_partner_they_see(request, persona, partner):
    response = api_client(request.getfixturevalue(persona)).patch(
        f"/api/v1/partners/{partner.pk}/", {"notes": "x", "version": 1}, format="json"
    )
    assert response.status_code == 403


# --- referrals ------------------------------------------------------------------------------


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


def test_the_api_needs_authentication(partner):
    from rest_framework.test import APIClient

    for url in ("/api/v1/partners/", "/api/v1/referrals/", "/api/v1/service-records/"):
        assert APIClient().get(url).status_code == 401


def test_the_openapi_schema_documents_these_routes(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    for path in (
        "/api/v1/partners/",
        "/api/v1/partners/{id}/",
        "/api/v1/referrals/",
        "/api/v1/referrals/{id}/",
        "/api/v1/referrals/{id}/accept/",
        "/api/v1/referrals/{id}/reject/",
        "/api/v1/referrals/{id}/complete/",
        "/api/v1/referrals/{id}/revoke/",
        "/api/v1/service-records/",
        "/api/v1/service-records/{id}/",
        "/api/v1/cases/{id}/service-records/",
        "/api/v1/cases/{id}/referrals/",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/partners/{id}/"]) == {"get", "patch"}
