"""/api/v1/partners/: scope (404),
role (403), field-level 400s, unknown fields, 409 on a stale version, and the schema."""

import pytest
import yaml
from django.core.management import call_command

from tests.conftest import api_client
from tests.helpers import ids
from weibao.audit.models import AuditEvent
from weibao.partners.models import Partner

pytestmark = pytest.mark.usefixtures("english")


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
