"""The rest of /api/v1/ (token, me, areas) and the OpenAPI schema and its Swagger UI."""

import re

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, api_client
from weibao.security.models import ApiToken
from weibao.security.tokens import key_hash

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"
AREAS_URL = "/api/v1/areas/"


def area_names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


# --- Token -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_username_and_password_give_a_token_that_authenticates(director_a, fmt):
    response = APIClient().post(
        TOKEN_URL, {"username": "director_a", "password": PASSWORD}, format=fmt
    )
    assert response.status_code == 200
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=director_a)
    assert stored.key_hash == key_hash(token)
    assert response.json()["expires_at"]
    me = APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["username"] == "director_a"


def test_asking_twice_gives_two_tokens_that_both_work(director_a):
    # Only a hash of each key is kept, so an earlier key cannot be given out again.
    credentials = {"username": "director_a", "password": PASSWORD}
    first = APIClient().post(TOKEN_URL, credentials, format="json").json()["token"]
    second = APIClient().post(TOKEN_URL, credentials, format="json").json()["token"]
    assert first != second
    for key in (first, second):
        assert APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": "director_a", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "director_a"},
        {},
    ],
)
def test_wrong_credentials_give_no_token(director_a, body):
    response = APIClient().post(TOKEN_URL, body, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(director_a):
    director_a.is_active = False
    director_a.save()
    response = APIClient().post(
        TOKEN_URL, {"username": "director_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("raw", ["{bad", "[" * 100_000, "[]"])
def test_malformed_token_request_is_a_400(db, raw):
    response = APIClient().post(TOKEN_URL, raw, content_type="application/json")
    assert response.status_code == 400


def test_unknown_token_is_refused(db):
    response = APIClient().get(ME_URL, HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert response.status_code == 401


# --- Me --------------------------------------------------------------------------------------


def test_anonymous_me_asks_for_authentication(db):
    response = APIClient().get(ME_URL)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Token")


def test_me_shows_the_directors_role_area_and_reveal_permission(director_a, areas):
    body = api_client(director_a).get(ME_URL).json()
    assert body["id"] == director_a.pk
    assert (body["username"], body["full_name"]) == ("director_a", "director_a")
    assert body["can_reveal_sensitive"] is True
    assert len(body["roles"]) == 1
    role = body["roles"][0]
    assert role["role"] == "director"
    assert role["role_display"]
    assert (role["area"], role["area_name"], role["area_level"]) == (
        areas["community_a"].pk,
        "测试甲居民区",
        "community",
    )


def test_me_shows_that_a_director_without_permission_cannot_reveal(director_b):
    assert api_client(director_b).get(ME_URL).json()["can_reveal_sensitive"] is False


def test_me_for_a_user_without_roles(unassigned):
    body = api_client(unassigned).get(ME_URL).json()
    assert (body["roles"], body["can_reveal_sensitive"]) == ([], False)


def test_me_for_a_sysadmin_shows_a_role_without_area(db):
    from weibao.accounts.models import Role, RoleAssignment, User

    admin = User.objects.create_user(username="admin1", password=PASSWORD)
    RoleAssignment.objects.create(user=admin, role=Role.SYSADMIN, area=None)
    role = api_client(admin).get(ME_URL).json()["roles"][0]
    assert (role["role"], role["area"], role["area_name"], role["area_level"]) == (
        "sysadmin",
        None,
        None,
        None,
    )


def test_me_works_with_a_session_login(supervisor):
    client = APIClient()
    client.force_login(supervisor)
    assert client.get(ME_URL).json()["roles"][0]["role"] == "supervisor"


# --- Areas -----------------------------------------------------------------------------------


def test_director_sees_own_residential_area_and_its_ancestors_only(director_a):
    response = api_client(director_a).get(AREAS_URL)
    assert response.status_code == 200
    assert area_names(response) == {"长宁区", "天山路街道", "测试甲居民区"}


def test_supervisor_sees_the_subdistrict_with_its_residential_areas(supervisor):
    assert area_names(api_client(supervisor).get(AREAS_URL)) == {
        "长宁区",
        "天山路街道",
        "测试甲居民区",
        "测试乙居民区",
    }


def test_district_officer_sees_the_whole_district(district_officer):
    assert area_names(api_client(district_officer).get(AREAS_URL)) == {
        "长宁区",
        "天山路街道",
        "仙霞新村街道",
        "测试甲居民区",
        "测试乙居民区",
        "测试丙居民区",
    }


def test_user_without_an_area_sees_no_areas(unassigned, areas):
    assert api_client(unassigned).get(AREAS_URL).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_area_list_is_paginated(district_officer):
    body = api_client(district_officer).get(AREAS_URL, {"page_size": 4}).json()
    assert body["count"] == 6
    assert len(body["results"]) == 4
    assert body["next"]


def test_area_shows_id_name_code_level_and_parent(director_a, areas):
    area = areas["tianshan"]
    response = api_client(director_a).get(f"{AREAS_URL}{area.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("id", "name", "code", "level", "parent")} == {
        "id": area.pk,
        "name": "天山路街道",
        "code": "310105006",
        "level": "subdistrict",
        "parent": areas["district"].pk,
    }


@pytest.mark.parametrize(
    ("persona", "area_key"),
    [
        ("director_a", "community_b"),
        ("director_b", "community_a"),
        ("director_elsewhere", "community_a"),
        ("director_elsewhere", "tianshan"),
        ("supervisor", "community_c"),
        ("unassigned", "district"),
    ],
)
def test_area_outside_the_users_view_answers_404(request, areas, persona, area_key):
    user = request.getfixturevalue(persona)
    response = api_client(user).get(f"{AREAS_URL}{areas[area_key].pk}/")
    assert response.status_code == 404
    assert areas[area_key].name not in response.content.decode()


@pytest.mark.parametrize("pk", [999999, 10**30])
def test_nonexistent_area_answers_404(district_officer, pk):
    assert api_client(district_officer).get(f"{AREAS_URL}{pk}/").status_code == 404


@pytest.mark.parametrize("url", [AREAS_URL, "/api/v1/areas/{pk}/"])
def test_anonymous_client_cannot_read_areas(areas, url):
    response = APIClient().get(url.format(pk=areas["district"].pk))
    assert response.status_code == 401


@pytest.mark.parametrize("method", ["put", "delete"])
def test_areas_are_never_replaced_or_deleted(district_officer, areas, method):
    # Created, renamed, merged and closed: tests/administration/test_api.py.
    area = areas["community_a"]
    url = f"{AREAS_URL}{area.pk}/"
    response = getattr(api_client(district_officer), method)(url, {"name": "x"}, format="json")
    assert response.status_code == 405
    area.refresh_from_db()
    assert area.name == "测试甲居民区"


# --- Schema and docs -------------------------------------------------------------------------


def test_openapi_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/areas/",
        "/api/v1/areas/{id}/",
        "/api/v1/children/",
        "/api/v1/children/{id}/",
        "/api/v1/children/{id}/status/",
        "/api/v1/children/{id}/reveal/",
    ]:
        assert path in paths
    # PUT and DELETE are not offered.
    assert set(paths["/api/v1/children/{id}/"]) == {"get", "patch"}


def test_schema_documents_the_token_exchange_and_masked_child(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    token_op = schema["paths"]["/api/v1/auth/token/"]["post"]
    # No credentials needed to ask for one (and no schema-wide requirement either).
    assert token_op.get("security", []) in ([], [{}])
    assert "security" not in schema
    request_ref = token_op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    response_ref = token_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    components = schema["components"]["schemas"]
    request_props = components[request_ref.rsplit("/", 1)[1]]["properties"]
    response_props = components[response_ref.rsplit("/", 1)[1]]["properties"]
    assert set(request_props) == {"username", "password"}
    assert set(response_props) == {"token", "expires_at"}

    child_props = components["Child"]["properties"]
    assert "id_number_masked" in child_props
    assert "id_number" not in child_props and "address" not in child_props
    update = components["ChildUpdateRequest"]
    assert update["required"] == ["version"]
    assert "id_number" in update["properties"]
    list_params = {p["name"] for p in schema["paths"]["/api/v1/children/"]["get"]["parameters"]}
    assert {"community", "category", "sex", "age_band", "status", "q", "page", "page_size"} <= (
        list_params
    )


def test_swagger_ui_loads_its_assets_from_our_own_static_files(db):
    client = APIClient()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert assets
    # The page's own start-up script comes from ?script (no inline script, for the CSP).
    script = next(url for url in assets if "script" in url.split("?")[-1])
    assets.remove(script)
    assert all(url.startswith("/static/") for url in assets), assets
    assert "cdn" not in html.lower()
    assert "/api/schema/" in client.get(script).content.decode()
    bundle = next(url for url in assets if url.endswith("swagger-ui-bundle.js"))
    assert client.get(bundle).status_code == 200


def test_token_endpoint_is_throttled_against_password_guessing(director_a):
    from rest_framework.test import APIClient

    client = APIClient()
    codes = [
        client.post("/api/v1/auth/token/", {"username": "director_a", "password": "no"}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


def test_superuser_without_an_area_is_not_told_they_can_reveal(db):
    from weibao.accounts.models import User

    root = User.objects.create_superuser("root", password="x-pass-123")
    assert api_client(root).get("/api/v1/me/").json()["can_reveal_sensitive"] is False


def test_oversized_api_body_answers_json_400(director_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client(director_a).post("/api/v1/children/", {"name": "x" * 5000}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("body", "message"),
    [("{not json", "请求内容不是有效的 JSON。"), ("[" * 100000, "请求内容嵌套过深。")],
)
def test_a_broken_json_body_is_explained_in_the_readers_language(director_a, body, message):
    response = api_client(director_a).post("/api/v1/visits/", body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Expecting" not in response.content.decode()
