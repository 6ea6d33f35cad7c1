"""Two-factor helpers: an enrolled user and the codes their app would show."""

import time

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from weibao.security.services import two_factor_enrol_confirm, two_factor_enrol_start


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The 6-digit code the app shows now (or a step later: a code is taken once only)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Set up two-factor sign-in for the user as the set-up page does; (device, recovery codes)."""
    device = two_factor_enrol_start(actor=user)
    return two_factor_enrol_confirm(actor=user, code=code_of(device))


def verified_client(user, password: str) -> Client:
    """A browser through both steps: the password, then a code (enrolling the user first if
    they have no device)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device, _codes = enrol(user)
    client = Client()
    assert client.login(username=user.username, password=password)
    response = client.post("/security/verify/", {"code": code_of(device, 1)})
    assert response.status_code == 302, response
    return client
