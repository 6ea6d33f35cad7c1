"""API tokens: made on a page by a signed-in person, kept only as a hash, expiring, revocable
by their owner and by the district, ended by a password change; the password endpoint only
where the demo allows it."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, web_client
from tests.front.test_settings import SECRETS, _import_settings
from tests.security.helpers import enrol
from weibao.audit.models import AuditEvent
from weibao.security.models import ApiToken
from weibao.security.services import api_token_create
from weibao.security.tokens import key_hash

ME = "/api/v1/me/"
TOKENS = "/security/tokens/"


def me(key: str):
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {key}")


def make_on_page(user, name="对接脚本", days=30) -> str:
    response = web_client(user).post(TOKENS, {"name": name, "days": days})
    assert response.status_code == 200
    return response.context["new_key"]


def test_a_token_made_on_the_page_works_and_is_kept_only_as_a_hash(director_a):
    key = make_on_page(director_a)
    assert len(key) == 40
    assert me(key).json()["username"] == "director_a"
    token = ApiToken.objects.get(user=director_a)
    assert token.key_hash == key_hash(key) and token.prefix == key[:8]
    assert token.expires_at.date() == (timezone.now() + dt.timedelta(days=30)).date()
    # No column of any table holds the key itself.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - the database's own names
            for row in cursor.fetchall():
                assert key not in repr(row), table
    assert AuditEvent.objects.get(action="token.create").object_id == str(token.pk)


def test_the_key_is_shown_once(director_a):
    make_on_page(director_a)
    html = web_client(director_a).get(TOKENS).content.decode()
    token = ApiToken.objects.get(user=director_a)
    assert f"{token.prefix}…" in html
    assert not re.search(re.escape(token.prefix) + r"[A-Za-z0-9_-]{20,}", html)


def test_a_token_lives_at_most_the_configured_days(director_a, settings):
    settings.WEIBAO_TOKEN_DAYS = 30
    response = web_client(director_a).post(TOKENS, {"name": "x", "days": 31})
    assert response.context["form"].errors["days"]
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused_with_401(director_a):
    token, key = api_token_create(actor=director_a, name="x")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert me(key).status_code == 401


def test_an_unknown_token_is_refused_with_401(db):
    assert me("a" * 40).status_code == 401


def test_the_owner_revokes_a_token_and_it_is_refused_with_401(director_a):
    token, key = api_token_create(actor=director_a, name="x")
    response = web_client(director_a).post(f"{TOKENS}{token.pk}/revoke/")
    assert response.status_code == 302
    assert me(key).status_code == 401
    token.refresh_from_db()
    assert token.revoke_reason == "owner"
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


def test_the_district_revokes_a_token_of_its_people(district_officer, director_a):
    token, key = api_token_create(actor=director_a, name="x")
    listed = web_client(district_officer).get("/security/district/tokens/").context["tokens"]
    assert [t.pk for t in listed] == [token.pk]
    web_client(district_officer).post(f"{TOKENS}{token.pk}/revoke/")
    assert me(key).status_code == 401
    token.refresh_from_db()
    assert (token.revoke_reason, token.revoked_by) == ("district", district_officer)


@pytest.mark.parametrize("persona", ["director_b", "supervisor", "director_elsewhere"])
def test_someone_elses_token_is_404(request, persona, director_a):
    token, key = api_token_create(actor=director_a, name="x")
    user = request.getfixturevalue(persona)
    assert web_client(user).post(f"{TOKENS}{token.pk}/revoke/").status_code == 404
    client = APIClient()
    client.force_login(user)
    assert client.get(f"/api/v1/auth/tokens/{token.pk}/").status_code == 404
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 404
    assert me(key).status_code == 200


def test_the_district_tokens_page_is_404_for_others(supervisor):
    assert web_client(supervisor).get("/security/district/tokens/").status_code == 404


def test_a_token_revokes_itself_through_the_api(director_a):
    token, key = api_token_create(actor=director_a, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert [(t["id"], t["state"]) for t in listed] == [(token.pk, "active")]
    assert "key_hash" not in listed[0]
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    assert me(key).status_code == 401


def test_changing_the_password_ends_every_token(director_a):
    _token, key = api_token_create(actor=director_a, name="x")
    assert me(key).status_code == 200
    director_a.set_password("another-pass-456")
    director_a.save()
    assert me(key).status_code == 401
    assert "password" in me(key).json()["detail"] or "密码" in me(key).json()["detail"]


def test_a_password_set_in_the_framework_admin_ends_the_tokens(director_a):
    from weibao.accounts.models import User

    root = User.objects.create_superuser("root", password=PASSWORD)
    _token, key = api_token_create(actor=director_a, name="x")
    response = web_client(root).post(
        f"/admin/accounts/user/{director_a.pk}/password/",
        {"password1": "Brand-new-pass-789", "password2": "Brand-new-pass-789"},
    )
    assert response.status_code == 302
    director_a.refresh_from_db()
    assert director_a.check_password("Brand-new-pass-789")
    assert me(key).status_code == 401


def test_changing_ones_password_on_the_page_ends_the_tokens_and_the_other_sessions(director_a):
    _token, key = api_token_create(actor=director_a, name="x")
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        client.post("/accounts/login/", {"username": "director_a", "password": PASSWORD})
    response = here.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-new-pass-789",
            "new_password2": "Brand-new-pass-789",
        },
    )
    assert response.status_code == 302
    assert me(key).status_code == 401
    assert elsewhere.get("/children/")["Location"].startswith("/accounts/login/")
    assert here.get("/children/").status_code == 200
    states = [t.state for t in here.get(TOKENS).context["tokens"]]
    assert states == ["password"]
    # A token made after the change works.
    assert me(make_on_page_with(here)).status_code == 200


def make_on_page_with(client) -> str:
    response = client.post(TOKENS, {"name": "新脚本", "days": 30})
    assert response.status_code == 200
    return response.context["new_key"]


def test_a_session_past_the_password_only_makes_no_token_once_two_factor_is_on(director_a):
    enrol(director_a)
    client = Client()
    assert client.login(username="director_a", password=PASSWORD)
    response = client.post(TOKENS, {"name": "x", "days": 30})
    assert response.status_code == 302 and response["Location"].startswith("/security/verify/")
    assert not ApiToken.objects.exists()


def test_a_token_made_without_a_life_lives_the_longest_allowed(director_a, settings):
    token, _key = api_token_create(actor=director_a, name="x")
    expected = timezone.now() + dt.timedelta(days=settings.WEIBAO_TOKEN_DAYS)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    form = web_client(director_a).get(TOKENS).context["form"]
    assert form.fields["days"].initial == settings.WEIBAO_TOKEN_DAYS


SETTINGS = (
    "import json, weibao.settings as s; print(json.dumps([s.WEIBAO_TOKEN_DAYS, "
    "s.WEIBAO_PASSWORD_TOKENS, s.WEIBAO_2FA_REQUIRED]))"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        # Production: 90 days, no token for a password, two-factor sign-in required.
        ({"WEIBAO_ENV": "production", **SECRETS}, [90, False, True]),
        # Embedded mode (the demo): the password endpoint is on, nobody is required.
        ({}, [90, True, False]),
    ],
    ids=["production", "embedded"],
)
def test_tokens_live_90_days_by_default_and_the_password_endpoint_is_for_the_demo(
    tmp_path, env, expected
):
    result = _import_settings(tmp_path, SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


def test_last_use_is_recorded(director_a):
    token, key = api_token_create(actor=director_a, name="x")
    me(key)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_inactive_users_token_is_refused(director_a):
    _token, key = api_token_create(actor=director_a, name="x")
    director_a.is_active = False
    director_a.save()
    assert me(key).status_code == 401


# --- the password endpoint --------------------------------------------------------------------


def password_token(username="director_a"):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )


def test_the_password_endpoint_is_refused_when_turned_off(settings, director_a):
    settings.WEIBAO_PASSWORD_TOKENS = False
    response = password_token()
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_the_password_endpoint_gives_no_token_to_an_account_with_two_factor(director_a):
    enrol(director_a)
    assert password_token().status_code == 403
    assert not ApiToken.objects.exists()


def test_the_password_endpoint_gives_no_token_to_a_role_that_needs_two_factor(settings, supervisor):
    settings.WEIBAO_2FA_REQUIRED = True
    assert password_token("supervisor").status_code == 403


def test_the_password_endpoint_issues_an_expiring_hashed_token(settings, director_a):
    settings.WEIBAO_TOKEN_DAYS = 7
    body = password_token().json()
    token = ApiToken.objects.get(user=director_a)
    assert token.key_hash == key_hash(body["token"]) and token.source == "password"
    assert token.expires_at.date() == (timezone.now() + dt.timedelta(days=7)).date()
