"""Turning two-factor sign-in off oneself: only where it is optional (a 儿童主任 whose district
does not require it), after proving again who one is (a code or the password), audited, the
recovery codes gone. Whoever must use it sees no button, and the page answers 403."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD
from tests.security.helpers import code_of, enrol, verified_client
from tests.security.test_two_factor import VERIFY, signed_in
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.audit.models import AuditEvent
from weibao.security.models import SignInPolicy
from weibao.security.services import sign_in_policy_update

OFF = "/security/two-factor/disable/"
OVERVIEW = "/security/"


@pytest.fixture
def required(settings):
    settings.WEIBAO_2FA_REQUIRED = True


@pytest.fixture
def sysadmin(db):
    user = User.objects.create_user(username="sysadmin", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.SYSADMIN, area=None)
    return user


@pytest.fixture
def director_required(areas, director_a):
    SignInPolicy.objects.create(district=areas["district"], directors_need_two_factor=True)
    return director_a


def enrolled(user) -> tuple[Client, TOTPDevice, list[str]]:
    """The user with two-factor sign-in set up, in a browser past both steps."""
    device, codes = enrol(user)
    return verified_client(user, PASSWORD), device, codes


def is_off(user) -> bool:
    return not (
        TOTPDevice.objects.filter(user=user).exists()
        or StaticDevice.objects.filter(user=user).exists()
    )


def test_an_optional_user_sees_the_button(required, director_a):
    client, _device, _codes = enrolled(director_a)
    assert f'href="{OFF}"' in client.get(OVERVIEW).content.decode()


def test_a_director_turns_it_off_with_a_code_of_the_app(required, director_a):
    client, device, _codes = enrolled(director_a)
    assert client.get(OFF).status_code == 200
    response = client.post(OFF, {"code": code_of(device, 2)})
    assert response.status_code == 302 and response["Location"] == OVERVIEW
    assert is_off(director_a)
    event = AuditEvent.objects.get(action="2fa.disable")
    assert event.actor == director_a and event.object_id == str(director_a.pk)
    assert event.changes["proved_with"] == "code"
    # This session goes on; the next sign-in asks for the password alone.
    assert client.get("/children/").status_code == 200
    assert signed_in(director_a).get("/children/").status_code == 200


def test_a_director_turns_it_off_with_the_password(required, director_a):
    client, _device, _codes = enrolled(director_a)
    assert client.post(OFF, {"password": PASSWORD}).status_code == 302
    assert is_off(director_a)
    assert AuditEvent.objects.get(action="2fa.disable").changes["proved_with"] == "password"


def test_a_recovery_code_proves_it_too(required, director_a):
    client, _device, codes = enrolled(director_a)
    assert client.post(OFF, {"code": f"{codes[0][:4]}-{codes[0][4:]}"}).status_code == 302
    assert is_off(director_a)


def test_a_wrong_password_changes_nothing_and_is_audited(required, director_a):
    client, _device, _codes = enrolled(director_a)
    response = client.post(OFF, {"password": "not-my-password"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not is_off(director_a)
    assert AuditEvent.objects.filter(action="2fa.failed").count() == 1
    assert not AuditEvent.objects.filter(action="2fa.disable").exists()


def test_after_a_wrong_password_the_next_try_must_wait(required, director_a):
    client, _device, _codes = enrolled(director_a)
    client.post(OFF, {"password": "not-my-password"})
    response = client.post(OFF, {"password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not is_off(director_a)
    assert AuditEvent.objects.filter(action="2fa.throttled").exists()


def test_a_wrong_code_changes_nothing(required, director_a):
    client, _device, _codes = enrolled(director_a)
    response = client.post(OFF, {"code": "000000"})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    assert not is_off(director_a)


def test_neither_code_nor_password_is_refused_with_a_chinese_message(required, director_a):
    client, _device, _codes = enrolled(director_a)
    response = client.post(OFF, {"code": "  ", "password": ""})
    assert response.status_code == 200
    assert "密码" in response.context["form"].errors["code"][0]
    assert not is_off(director_a)


def test_without_two_factor_the_page_goes_back_to_the_account_page(required, director_a):
    client = Client()
    client.force_login(director_a)
    assert client.get(OFF)["Location"] == OVERVIEW
    assert client.post(OFF, {"password": PASSWORD})["Location"] == OVERVIEW
    assert not AuditEvent.objects.filter(action="2fa.disable").exists()


@pytest.mark.parametrize(
    "persona",
    [
        "district_officer",
        "supervisor",
        "station_staff",
        "sysadmin",
        "director_required",
    ],
)
def test_whoever_must_use_it_has_no_button_and_gets_403(request, required, persona):
    user = request.getfixturevalue(persona)
    client, device, _codes = enrolled(user)
    html = client.get(OVERVIEW).content.decode()
    assert OFF not in html
    assert "不能关闭" in html
    assert client.get(OFF).status_code == 403
    assert client.post(OFF, {"code": code_of(device, 2)}).status_code == 403
    assert client.post(OFF, {"password": PASSWORD}).status_code == 403
    assert not is_off(user)
    assert not AuditEvent.objects.filter(action="2fa.disable").exists()


def test_a_districts_new_rule_takes_the_button_away(required, director_a, district_officer, areas):
    client, _device, _codes = enrolled(director_a)
    assert OFF in client.get(OVERVIEW).content.decode()
    sign_in_policy_update(
        actor=district_officer, district=areas["district"], directors_need_two_factor=True
    )
    assert OFF not in client.get(OVERVIEW).content.decode()
    assert client.post(OFF, {"password": PASSWORD}).status_code == 403


def test_where_the_instance_requires_it_of_nobody_anyone_may_turn_it_off(settings, supervisor):
    # WEIBAO_2FA_REQUIRED off (the demo): the sign-in gate asks nobody, so it is optional.
    settings.WEIBAO_2FA_REQUIRED = False
    client, _device, _codes = enrolled(supervisor)
    assert client.post(OFF, {"password": PASSWORD}).status_code == 302
    assert is_off(supervisor)


def test_the_page_opens_in_chinese(required, director_a):
    client, _device, _codes = enrolled(director_a)
    assert "<h1>关闭两步验证</h1>" in client.get(OFF).content.decode()


def test_new_recovery_codes_can_be_made_and_the_old_ones_stop(required, supervisor):
    client, _device, codes = enrolled(supervisor)
    response = client.post("/security/two-factor/recovery-codes/")
    new = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", response.content.decode())
    assert len(new) == 10
    old = signed_in(supervisor).post(VERIFY, {"code": codes[0]})
    assert old.status_code == 200 and old.context["form"].errors["code"]
    StaticDevice.objects.filter(user=supervisor).update(throttling_failure_count=0)
    fresh = signed_in(supervisor).post(VERIFY, {"code": new[0]})
    assert fresh.status_code == 302
