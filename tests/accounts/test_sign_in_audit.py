"""Every sign-in, failed sign-in, lockout and sign-out is a row of the product's audit trail
(the name typed is kept, the password never), and the framework admin's sign-in page is the
product's: the same lockout closes both doors."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, _user
from weibao.accounts.lockout import LIMIT
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.audit.models import AuditEvent

ADDRESS = "198.51.100.20"


@pytest.fixture
def sysadmin(db):
    user = User.objects.create_superuser("root", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.SYSADMIN)
    return user


@pytest.fixture
def person(areas):
    return _user("signer", Role.DIRECTOR, areas["community_a"])


@pytest.fixture(autouse=True)
def _no_api_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "1000/min"},
    }


def post_login(url: str, username: str, password: str, client: Client | None = None):
    client = client or Client(REMOTE_ADDR=ADDRESS)
    return client.post(url, {"username": username, "password": password})


def rows(action: str):
    return AuditEvent.objects.filter(action=action).order_by("id")


def test_a_sign_in_is_recorded_with_its_address(person):
    assert post_login("/accounts/login/", "signer", PASSWORD).status_code == 302
    row = rows("auth.login").get()
    assert row.actor == person and row.object_id == str(person.pk)
    assert row.changes == {"address": ADDRESS, "channel": "web"}


def test_a_failed_sign_in_keeps_the_name_typed_but_never_the_password(person):
    post_login("/accounts/login/", "signer", "wrong-guess-123")
    post_login("/accounts/login/", "nobody_here", "other-guess-456")
    known, unknown = rows("auth.login_failed")
    assert known.actor is None and known.object_id == str(person.pk)
    assert known.changes["username"] == "signer" and known.changes["locked"] is False
    assert unknown.object_type == "accounts.user" and unknown.object_id == ""
    assert unknown.changes["username"] == "nobody_here"
    for row in (known, unknown):
        assert "guess" not in str(row.changes) + row.note


def test_the_failure_that_locks_the_account_is_recorded_as_a_lockout(person):
    for _ in range(LIMIT - 1):
        post_login("/accounts/login/", "signer", "wrong-guess-123")
    assert not rows("auth.lockout").exists()
    post_login("/accounts/login/", "signer", "wrong-guess-123")
    lockout = rows("auth.lockout").get()
    assert lockout.changes == {"username": "signer", "address": ADDRESS, "channel": "web"}
    # An attempt while locked, even with the right password, is a refused sign-in too.
    assert post_login("/accounts/login/", "signer", PASSWORD).status_code == 429
    assert rows("auth.login_failed").last().changes["locked"] is True
    assert not rows("auth.login").exists()


def test_signing_out_is_recorded(person):
    client = Client(REMOTE_ADDR=ADDRESS)
    post_login("/accounts/login/", "signer", PASSWORD, client)
    assert client.post("/accounts/logout/").status_code == 302
    row = rows("auth.logout").get()
    assert row.actor == person and row.changes["reason"] == "user"


def test_the_token_endpoint_records_its_sign_ins_and_failures(person):
    client = APIClient(REMOTE_ADDR=ADDRESS)
    client.post("/api/v1/auth/token/", {"username": "signer", "password": "nope"}, format="json")
    ok = client.post(
        "/api/v1/auth/token/", {"username": "signer", "password": PASSWORD}, format="json"
    )
    assert ok.status_code == 200
    assert rows("auth.login_failed").get().changes["channel"] == "api"
    assert rows("auth.login").get().changes["channel"] == "api"


# --- the framework admin's sign-in ---------------------------------------------------------------


def test_the_admin_sign_in_locks_after_the_limit_even_for_the_right_password(sysadmin):
    for _ in range(LIMIT):
        assert post_login("/admin/login/", "root", "wrong-guess-123").status_code == 200
    assert post_login("/admin/login/", "root", PASSWORD).status_code == 429
    # The same lock holds on the product's own page.
    assert post_login("/accounts/login/", "root", PASSWORD).status_code == 429
    assert rows("auth.lockout").get().changes["channel"] == "admin"


def test_failures_on_the_product_page_lock_the_admin_sign_in_too(sysadmin):
    for _ in range(LIMIT):
        post_login("/accounts/login/", "root", "wrong-guess-123")
    assert post_login("/admin/login/", "root", PASSWORD).status_code == 429


def test_the_admin_sign_in_takes_the_sysadmin_to_the_admin(sysadmin):
    client = Client(REMOTE_ADDR=ADDRESS)
    page = client.get("/admin/", follow=True)
    assert page.redirect_chain[-1][0].startswith("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert rows("auth.login").get().changes["channel"] == "admin"


def test_a_signed_in_non_admin_sent_to_the_admin_sign_in_sees_the_form_not_a_loop(person):
    client = Client()
    client.force_login(person)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert len(response.redirect_chain) == 1
    assert 'name="password"' in response.content.decode()
