"""Passwords follow a policy (10 characters, not common, not numeric, not like the name) in
Chinese; every signed-in user can change theirs, which ends their other sessions; a session
ends after WEIBAO_SESSION_IDLE_MINUTES idle and after SESSION_COOKIE_AGE in all."""

import time

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import PASSWORD, _user, web_client
from weibao import settings as configured
from weibao.accounts.middleware import LAST_SEEN, STARTED
from weibao.accounts.models import Role, User
from weibao.audit.models import AuditEvent

GOOD = "Qiu-tian-lai-le-8"


@pytest.fixture
def person(areas):
    user = _user("xu_mingming", Role.DIRECTOR, areas["community_a"])
    user.full_name = "徐明明"
    user.save()
    return user


@pytest.mark.parametrize(
    "password, message",
    [
        ("tianshan", "密码太短，至少要有 10 个字符"),
        ("password123", "这个密码太常见了"),
        ("20240601123456", "密码只包含数字"),
        ("xu_mingming1", "太相似"),
    ],
)
def test_a_weak_password_is_refused_in_chinese(person, password, message):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, person)
    assert any(message in text for text in refused.value.messages), refused.value.messages


def test_a_long_uncommon_password_and_the_demo_password_pass(person):
    validate_password(GOOD, person)
    validate_password("weibao-demo", person)


# --- the password page ----------------------------------------------------------------------------


def test_the_password_page_asks_a_visitor_to_sign_in(db):
    response = Client().get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_every_signed_in_user_reaches_the_password_page_from_the_menu(person):
    html = web_client(person).get("/").content.decode()
    assert 'href="/accounts/password/"' in html
    assert web_client(person).get("/accounts/password/").status_code == 200


def _change(client: Client, old: str, new: str, again: str | None = None):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_changing_the_password_keeps_this_session_ends_the_others_and_is_audited(person):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert (
            client.post(
                "/accounts/login/", {"username": person.username, "password": PASSWORD}
            ).status_code
            == 302
        )
    response = _change(here, PASSWORD, GOOD)
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    person.refresh_from_db()
    assert person.check_password(GOOD)
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302  # signed out
    row = AuditEvent.objects.get(action="auth.password_change")
    assert row.actor == person and GOOD not in str(row.changes)


def test_a_weak_new_password_is_refused_and_nothing_changes(person):
    response = _change(web_client(person), PASSWORD, "tianshan")
    assert response.status_code == 200
    assert "密码太短" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_change").exists()


def test_a_wrong_old_password_is_refused(person):
    response = _change(web_client(person), "not-my-password", GOOD)
    assert response.status_code == 200
    assert User.objects.get(pk=person.pk).check_password(PASSWORD)


# --- session limits -----------------------------------------------------------------------------


def _age_session(client: Client, *, started: float | None = None, last_seen: float | None = None):
    session = client.session
    if started is not None:
        session[STARTED] = int(started)
    if last_seen is not None:
        session[LAST_SEEN] = int(last_seen)
    session.save()


def test_a_session_idle_longer_than_the_limit_ends_with_a_message(person, settings):
    settings.WEIBAO_SESSION_IDLE_MINUTES = 30
    client = web_client(person)
    assert client.get("/").status_code == 200
    _age_session(client, last_seen=time.time() - 31 * 60)
    response = client.get("/children/", follow=True)
    assert response.redirect_chain[0][0] == "/accounts/login/?next=/children/"
    assert "30 分钟" in response.content.decode()
    assert client.get("/").status_code == 302
    row = AuditEvent.objects.get(action="auth.logout")
    assert row.actor == person and row.changes["reason"] == "idle"


def test_a_session_used_within_the_idle_limit_goes_on(person, settings):
    settings.WEIBAO_SESSION_IDLE_MINUTES = 30
    client = web_client(person)
    client.get("/")
    _age_session(client, last_seen=time.time() - 29 * 60)
    assert client.get("/").status_code == 200
    assert client.session[LAST_SEEN] > time.time() - 60  # the clock moved on


def test_a_session_ends_at_its_absolute_lifetime_however_active(person, settings):
    settings.SESSION_COOKIE_AGE = 12 * 3600
    client = web_client(person)
    client.get("/")
    _age_session(client, started=time.time() - 12 * 3600 - 5, last_seen=time.time())
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.get(action="auth.logout").changes["reason"] == "expired"


def test_an_idle_api_session_is_no_longer_signed_in(person):
    client = web_client(person)
    assert client.get("/api/v1/me/").status_code == 200
    _age_session(client, last_seen=time.time() - 24 * 3600)
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_the_idle_limit_is_a_setting_of_thirty_minutes_by_default(settings):
    assert settings.WEIBAO_SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_signing_in_starts_the_session_clock_so_the_next_page_writes_no_session(person):
    client = Client()
    client.post("/accounts/login/", {"username": person.username, "password": PASSWORD})
    assert client.session[STARTED] >= time.time() - 5
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    assert not [q for q in ctx.captured_queries if "UPDATE" in q["sql"] and "session" in q["sql"]]


def test_passwords_are_kept_as_argon2id_at_owasp_costs_and_older_hashes_move_at_sign_in(
    person, settings
):
    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS  # the real ones, not the tests'
    person.password = make_password(GOOD, hasher="pbkdf2_sha256")  # an account from before
    person.save()
    assert Client().login(username=person.username, password=GOOD)
    person.refresh_from_db()
    assert person.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert Client().login(username=person.username, password=GOOD)
    assert not Client().login(username=person.username, password=GOOD + "x")
