"""The client's address (REMOTE_ADDR, which the rate limits, the sign-in lockout and the audit
read) comes from X-Forwarded-For only when the request came through a proxy listed in
WEIBAO_TRUSTED_PROXIES; otherwise anyone could name any address and escape every limit."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import _user
from weibao.accounts.models import Role
from weibao.core.middleware import client_address

PROXY = ("127.0.0.1",)


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        # no trusted proxy: X-Forwarded-For is ignored
        ("203.0.113.5", "198.51.100.1", (), "203.0.113.5"),
        ("127.0.0.1", "198.51.100.1", (), "127.0.0.1"),
        # from the trusted proxy: the address it appended
        ("127.0.0.1", "198.51.100.1", PROXY, "198.51.100.1"),
        # a client's made-up entries stand left of what the proxy appended
        ("127.0.0.1", "10.9.9.9, 1.2.3.4, 198.51.100.1", PROXY, "198.51.100.1"),
        # not through the proxy: its header is the client's own invention
        ("203.0.113.5", "198.51.100.1", PROXY, "203.0.113.5"),
        # a chain of trusted proxies (a network), the client before them
        ("10.0.0.2", "198.51.100.1, 10.0.0.7", ("10.0.0.0/8",), "198.51.100.1"),
        ("::1", "2001:db8::5", ("::1", "127.0.0.1"), "2001:db8::5"),
        # no header, or nonsense where the client's address should be
        ("127.0.0.1", "", PROXY, "127.0.0.1"),
        ("127.0.0.1", "1.2.3.4, not-an-address", PROXY, "127.0.0.1"),
    ],
)
def test_client_address(remote, forwarded, proxies, expected):
    assert client_address(remote, forwarded, proxies) == expected


PASSWORD = "correct-horse-battery"


@pytest.fixture
def account(areas, settings):
    # The API's own per-address rate would answer first; the lockout is under test here.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "1000/min"},
    }
    user = _user("behind_proxy", Role.DIRECTOR, areas["community_a"])
    user.set_password(PASSWORD)
    user.save()
    return user


def login(password: str, forwarded: str, remote: str = "127.0.0.1") -> int:
    client = Client(REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    return client.post(
        "/accounts/login/", {"username": "behind_proxy", "password": password}
    ).status_code


def test_behind_a_trusted_proxy_each_client_is_locked_out_alone(account, settings):
    settings.WEIBAO_TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(10):
        assert login("wrong", "198.51.100.1") == 200
    assert login(PASSWORD, "198.51.100.1") == 429
    assert login(PASSWORD, "198.51.100.2") == 302  # another client behind the same proxy


def test_without_a_trusted_proxy_a_made_up_header_does_not_escape_the_lockout(account, settings):
    settings.WEIBAO_TRUSTED_PROXIES = []
    for n in range(10):
        assert login("wrong", f"198.51.100.{n}", remote="203.0.113.5") == 200
    assert login(PASSWORD, "198.51.100.99", remote="203.0.113.5") == 429


def test_the_api_throttle_counts_by_the_client_address_not_a_made_up_header(db, settings):
    settings.WEIBAO_PASSWORD_TOKENS = True
    statuses = [
        APIClient(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        # a new name each time, so that the lockout (per name and address) is not what stops it
        .post("/api/v1/auth/token/", {"username": f"nobody{n}", "password": "x"}, format="json")
        .status_code
        for n in range(12)
    ]
    assert 429 in statuses  # 10 a minute per address, whatever X-Forwarded-For says
