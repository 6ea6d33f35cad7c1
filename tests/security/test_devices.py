"""Signed-in devices: each session of a person listed with its browser, address and last use;
the others can be signed out from the list."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD, web_client
from weibao.audit.models import AuditEvent
from weibao.security.models import SignedInDevice

DEVICES = "/security/devices/"
PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537"


def browser(user, agent: str, ip: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def listed(client) -> list:
    return client.get(DEVICES).context["devices"]


def test_each_sign_in_is_listed_with_its_device_and_address(director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    browser(director_a, LAPTOP, "10.0.0.8")
    devices = listed(phone)
    assert {(d.user_agent, d.ip, d.current) for d in devices} == {
        ("Chrome · Android", "10.0.0.7", True),
        ("Chrome · Windows", "10.0.0.8", False),
    }


def test_signing_out_another_device_ends_its_session(director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    laptop = browser(director_a, LAPTOP, "10.0.0.8")
    other = next(d for d in listed(phone) if not d.current)
    assert phone.post(f"{DEVICES}{other.pk}/revoke/").status_code == 302
    assert laptop.get("/children/")["Location"].startswith("/accounts/login/")
    assert [d.user_agent for d in listed(phone)] == ["Chrome · Android"]
    assert AuditEvent.objects.get(action="device.revoke").actor == director_a


def test_the_current_device_is_signed_out_by_logging_out_not_from_the_list(director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    current = listed(phone)[0]
    phone.post(f"{DEVICES}{current.pk}/revoke/")
    assert phone.get("/children/").status_code == 200


def test_signing_out_all_other_devices(director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    others = [browser(director_a, LAPTOP, f"10.0.1.{i}") for i in range(3)]
    phone.post(f"{DEVICES}revoke-others/")
    assert all(o.get("/children/").status_code == 302 for o in others)
    assert phone.get("/children/").status_code == 200


@pytest.mark.parametrize("persona", ["director_b", "district_officer"])
def test_someone_elses_device_is_404(request, persona, director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    device = SignedInDevice.objects.get(user=director_a)
    client = web_client(request.getfixturevalue(persona))
    assert client.post(f"{DEVICES}{device.pk}/revoke/").status_code == 404
    assert phone.get("/children/").status_code == 200


def test_a_signed_out_session_leaves_the_list(director_a):
    phone = browser(director_a, PHONE, "10.0.0.7")
    laptop = browser(director_a, LAPTOP, "10.0.0.8")
    laptop.post("/accounts/logout/")
    assert [d.user_agent for d in listed(phone)] == ["Chrome · Android"]


def test_a_password_change_leaves_only_the_sessions_made_since(director_a):
    old = browser(director_a, LAPTOP, "10.0.0.8")
    director_a.set_password("another-pass-456")
    director_a.save()
    new = Client(HTTP_USER_AGENT=PHONE)
    assert new.login(username="director_a", password="another-pass-456")
    assert [d.user_agent for d in listed(new)] == ["Chrome · Android"]
    assert old.get("/children/").status_code == 302
