"""/api/v1/auth/devices/: the signed-in devices of the /security/devices/ page through the API —
one's own only, never a session key; a device signed out ends its web session at once. A
client signed in with an API token has no web session, so none of the devices is current."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, api_client
from tests.security.test_devices import LAPTOP, PHONE, browser
from weibao.audit.models import AuditEvent
from weibao.security.models import SignedInDevice
from weibao.security.services import api_token_create

DEVICES = "/api/v1/auth/devices/"


def signed_in_api(user, agent: str = LAPTOP) -> APIClient:
    """An API client signed in by its web session (as the API docs page in a browser is)."""
    client = APIClient(HTTP_USER_AGENT=agent)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def signed_out(client: Client) -> bool:
    response = client.get("/children/")
    if response.status_code == 200:
        return False
    assert response["Location"].startswith("/accounts/login/")
    return True


def device_of(client: Client) -> SignedInDevice:
    return SignedInDevice.objects.get(session_key=client.session.session_key)


def test_a_token_client_lists_the_web_sessions_none_of_them_current(director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    browser(director_a, LAPTOP, "10.0.0.8")
    response = api_client(director_a).get(DEVICES)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert response.json()["count"] == 2
    assert {(r["device"], r["address"], r["current"]) for r in rows} == {
        ("Chrome · Android", "10.0.0.7", False),
        ("Chrome · Windows", "10.0.0.8", False),
    }
    assert set(rows[0]) == {"id", "device", "address", "signed_in_at", "last_seen_at", "current"}
    # No session key anywhere in the answer.
    for device in SignedInDevice.objects.all():
        assert device.session_key not in response.content.decode()
    assert phone.session.session_key not in response.content.decode()


def test_a_client_signed_in_by_its_session_sees_its_own_device_as_current(director_a):
    browser(director_a, PHONE, "10.0.0.7")
    client = signed_in_api(director_a)
    rows = client.get(DEVICES).json()["results"]
    assert {(r["device"], r["current"]) for r in rows} == {
        ("Chrome · Android", False),
        ("Chrome · Windows", True),
    }


def test_a_request_signed_in_by_a_token_has_no_current_device_even_with_a_session_cookie(
    director_a,
):
    client = signed_in_api(director_a)
    _token, key = api_token_create(actor=director_a, name="x")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")  # the token signs the request in
    rows = client.get(DEVICES).json()["results"]
    assert [(r["device"], r["current"]) for r in rows] == [("Chrome · Windows", False)]


def test_one_device_is_read_by_its_id(director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    device = device_of(phone)
    body = api_client(director_a).get(f"{DEVICES}{device.pk}/").json()
    assert (body["id"], body["device"], body["current"]) == (device.pk, "Chrome · Android", False)


def test_signing_a_device_out_ends_its_web_session_and_is_audited(director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    laptop = browser(director_a, LAPTOP, "10.0.0.8")
    client = api_client(director_a)
    response = client.delete(f"{DEVICES}{device_of(phone).pk}/")
    assert response.status_code == 204
    assert signed_out(phone) and not signed_out(laptop)
    assert [r["device"] for r in client.get(DEVICES).json()["results"]] == ["Chrome · Windows"]
    event = AuditEvent.objects.get(action="device.revoke")
    assert (event.actor, event.changes["device"]) == (director_a, "Chrome · Android")


def test_a_device_signed_out_is_gone_from_the_api(director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    device = device_of(phone)
    client = api_client(director_a)
    assert client.delete(f"{DEVICES}{device.pk}/").status_code == 204
    assert client.get(f"{DEVICES}{device.pk}/").status_code == 404
    assert client.delete(f"{DEVICES}{device.pk}/").status_code == 404


def test_the_current_device_is_not_signed_out_through_the_api(director_a):
    client = signed_in_api(director_a)
    current = client.get(DEVICES).json()["results"][0]
    response = client.delete(f"{DEVICES}{current['id']}/")
    assert response.status_code == 409
    assert response.json()["code"] == "current_device"
    assert client.get(DEVICES).status_code == 200
    assert not AuditEvent.objects.filter(action="device.revoke").exists()


def test_signing_out_the_others_keeps_the_current_session(director_a):
    others = [browser(director_a, PHONE, f"10.0.1.{i}") for i in range(2)]
    client = signed_in_api(director_a)
    response = client.post(f"{DEVICES}revoke-others/")
    assert response.status_code == 200
    assert response.json() == {"signed_out": 2}
    assert all(signed_out(o) for o in others)
    assert [r["current"] for r in client.get(DEVICES).json()["results"]] == [True]
    assert AuditEvent.objects.get(action="device.revoke_others").changes == {"count": 2}


def test_with_a_token_signing_out_the_others_ends_every_web_session(director_a, director_b):
    mine = [browser(director_a, PHONE, "10.0.0.7"), browser(director_a, LAPTOP, "10.0.0.8")]
    theirs = browser(director_b, PHONE, "10.0.0.9")
    client = api_client(director_a)
    assert client.post(f"{DEVICES}revoke-others/").json() == {"signed_out": 2}
    assert all(signed_out(c) for c in mine)
    assert not signed_out(theirs)
    # The token itself goes on working: it is no web session.
    assert client.get(DEVICES).json()["count"] == 0


def test_sessions_already_ended_are_not_counted_as_signed_out(director_a):
    browser(director_a, PHONE, "10.0.0.7").post("/accounts/logout/")
    browser(director_a, LAPTOP, "10.0.0.8")
    assert api_client(director_a).post(f"{DEVICES}revoke-others/").json() == {"signed_out": 1}


@pytest.mark.parametrize(
    "persona", ["director_b", "supervisor", "district_officer", "director_elsewhere"]
)
def test_someone_elses_device_answers_as_a_nonexistent_one(request, persona, director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    device = device_of(phone)
    missing = SignedInDevice.objects.order_by("-pk").first().pk + 1000
    client = api_client(request.getfixturevalue(persona))
    for method in ("get", "delete"):
        theirs = getattr(client, method)(f"{DEVICES}{device.pk}/")
        nothing = getattr(client, method)(f"{DEVICES}{missing}/")
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.content == nothing.content
    assert client.get(DEVICES).json()["count"] == 0
    client.post(f"{DEVICES}revoke-others/")
    assert not signed_out(phone)
    assert not AuditEvent.objects.filter(action__startswith="device.").exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", DEVICES),
        ("get", f"{DEVICES}1/"),
        ("delete", f"{DEVICES}1/"),
        ("post", f"{DEVICES}revoke-others/"),
    ],
)
def test_an_anonymous_caller_gets_401(db, method, url):
    assert getattr(APIClient(), method)(url).status_code == 401


def test_the_list_is_paginated_like_the_others(director_a):
    for i in range(3):
        browser(director_a, PHONE, f"10.0.2.{i}")
    body = api_client(director_a).get(DEVICES, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert api_client(director_a).get(DEVICES, {"page": 0}).status_code == 400


def test_the_list_costs_the_same_few_queries_for_more_devices(
    director_a, django_assert_max_num_queries
):
    client = api_client(director_a)
    browser(director_a, PHONE, "10.0.0.7")
    client.get(DEVICES)  # warm up: content types, translations

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(DEVICES).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for i in range(5):
        browser(director_a, LAPTOP, f"10.0.3.{i}")
    assert queries() == few
    with django_assert_max_num_queries(4):
        assert client.get(DEVICES).json()["count"] == 6
