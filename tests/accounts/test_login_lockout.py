"""Ten failed logins for one account from one address lock that account's login page and API
token endpoint for that address, whatever spacing or case the name is typed with."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import _user
from weibao.accounts.models import Role
from weibao.security import api as security_api

PASSWORD = "correct-horse-battery"
ADDRESS = "198.51.100.9"


@pytest.fixture
def account(areas):
    user = _user("lock_me", Role.DIRECTOR, areas["community_a"])
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture(autouse=True)
def _no_api_throttle(settings):
    # The API's own per-address rate (10/min) would answer first; the lockout is under test.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "1000/min"},
    }


def web_login(username: str, password: str, address: str = ADDRESS) -> int:
    response = Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )
    return response.status_code


def token(username: str, password: str, address: str = ADDRESS) -> int:
    client = APIClient(REMOTE_ADDR=address)
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    return response.status_code


def test_ten_failures_lock_the_page_even_for_the_right_password(account):
    for _ in range(10):
        assert web_login("lock_me", "wrong") == 200
    assert web_login("lock_me", PASSWORD) == 429
    assert web_login("lock_me", PASSWORD, address="198.51.100.10") == 302  # another address


@pytest.mark.parametrize("variant", ["lock_me ", " lock_me", "  lock_me", "LOCK_ME", "Lock_Me "])
def test_spacing_or_case_does_not_open_a_fresh_count(account, variant):
    for _ in range(10):
        web_login("lock_me", "wrong")
    assert web_login(variant, PASSWORD) == 429
    assert token(variant, PASSWORD) == 429


def test_failures_through_the_api_lock_the_page_too(account):
    for _ in range(10):
        assert token("lock_me", "wrong") == 400
    assert token("lock_me", PASSWORD) == 429
    assert web_login("lock_me", PASSWORD) == 429


def test_the_token_endpoint_still_gives_a_token_to_the_right_password(account):
    client = APIClient(REMOTE_ADDR=ADDRESS)
    response = client.post(
        "/api/v1/auth/token/", {"username": "lock_me", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200 and len(response.json()["token"]) == 40


class WrongPassword:
    """The token endpoint's credentials check, always refusing after a moment (as a password
    hash takes one), counting how often it ran; no database is needed."""

    checks: list = []

    def __init__(self, *args, **kwargs):
        pass

    def is_valid(self):
        self.checks.append(1)
        time.sleep(0.02)
        return False

    errors = {"non_field_errors": ["wrong"]}


def test_of_40_simultaneous_wrong_passwords_at_most_10_are_checked(monkeypatch):
    monkeypatch.setattr(security_api, "PasswordSignInSerializer", WrongPassword)
    # The audit row of each failure is another test's subject; this one needs no database.
    monkeypatch.setattr(security_api, "sign_in_failure_record", lambda **kwargs: None)
    WrongPassword.checks = []
    barrier = threading.Barrier(40)

    def attempt(_i):
        barrier.wait()
        return token("lock_me", "wrong")

    with ThreadPoolExecutor(max_workers=40) as pool:
        codes = list(pool.map(attempt, range(40)))
    assert len(WrongPassword.checks) == 10
    assert codes.count(400) == 10 and codes.count(429) == 30


def test_a_right_password_does_not_use_up_an_attempt(account):
    for _ in range(9):
        assert web_login("lock_me", "wrong") == 200
    for _ in range(3):
        assert web_login("lock_me", PASSWORD) == 302
        assert token("lock_me", PASSWORD) == 200
    assert web_login("lock_me", "wrong") == 200  # the tenth failure
    assert web_login("lock_me", PASSWORD) == 429
