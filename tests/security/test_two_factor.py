"""Two-factor sign-in: who must use it, the second step, set-up, recovery codes and the
district's reset — each step audited."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, web_client
from tests.security.helpers import code_of, enrol, verified_client
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.security.models import SignInPolicy
from weibao.security.services import sign_in_policy_update, two_factor_reset

VERIFY = "/security/verify/"
ENROL = "/security/two-factor/"


@pytest.fixture
def required(settings):
    settings.WEIBAO_2FA_REQUIRED = True


@pytest.fixture
def sysadmin(db):
    user = User.objects.create_user(username="sysadmin", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.SYSADMIN, area=None)
    return user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password=PASSWORD)


def signed_in(user) -> Client:
    """A browser that has typed the user's password (the first step only)."""
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- who must ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["district_officer", "supervisor", "station_staff", "sysadmin", "superuser"]
)
@pytest.mark.parametrize("url", ["/", "/children/", "/security/tokens/", "/admin/"])
def test_a_required_role_reaches_no_page_before_enrolling(request, required, persona, url):
    client = signed_in(request.getfixturevalue(persona))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{VERIFY}?next=")
    # The code page sends someone with nothing to type to the set-up.
    assert client.get(response["Location"])["Location"].startswith(ENROL)


def test_a_required_role_gets_403_from_the_api_with_its_session(required, supervisor):
    response = signed_in(supervisor).get("/api/v1/me/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"] or "验证" in response.json()["detail"]


def test_the_set_up_page_logout_and_public_door_stay_open(required, supervisor):
    client = signed_in(supervisor)
    assert client.get(ENROL).status_code == 200
    assert client.get("/report/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/children/")["Location"].startswith("/accounts/login/")


def test_a_director_need_not_use_two_factor_unless_the_district_says_so(
    required, director_a, district_officer, areas
):
    client = signed_in(director_a)
    assert client.get("/children/").status_code == 200
    # Asked twice: the second answer is the one the sign-in gate keeps (security.selectors).
    assert client.get("/children/").status_code == 200
    sign_in_policy_update(
        actor=district_officer, district=areas["district"], directors_need_two_factor=True
    )
    assert client.get("/children/")["Location"].startswith(VERIFY)


def test_a_rule_turned_off_frees_the_director_at_the_next_request(
    required, director_a, district_officer, areas
):
    sign_in_policy_update(
        actor=district_officer, district=areas["district"], directors_need_two_factor=True
    )
    client = signed_in(director_a)
    assert client.get("/children/")["Location"].startswith(VERIFY)
    sign_in_policy_update(
        actor=district_officer, district=areas["district"], directors_need_two_factor=False
    )
    assert client.get("/children/").status_code == 200


def test_a_reset_by_the_district_counts_from_the_persons_next_request(
    required, director_a, district_officer
):
    enrol(director_a)
    client = signed_in(director_a)
    assert client.get("/children/")["Location"].startswith(VERIFY)
    assert client.get("/children/")["Location"].startswith(VERIFY)
    two_factor_reset(actor=district_officer, user=director_a, reason="手机丢失")
    assert client.get("/children/").status_code == 200


def test_a_device_set_up_elsewhere_counts_from_the_next_request_of_a_password_only_session(
    required, director_a
):
    client = signed_in(director_a)
    assert client.get("/children/").status_code == 200
    assert client.get("/children/").status_code == 200
    enrol(director_a)  # on another browser
    assert client.get("/children/")["Location"].startswith(VERIFY)


def test_the_gate_asks_a_director_no_query_of_two_factor_while_it_keeps_the_answer(
    required, director_a
):
    client = signed_in(director_a)
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/notifications/")
    asked = " ".join(q["sql"] for q in queries.captured_queries)
    assert "otp_totp_totpdevice" not in asked
    assert "security_signinpolicy" not in asked


def test_another_districts_rule_does_not_bind_a_director(required, director_a, db):
    elsewhere = Area.objects.create(name="徐汇区", code="310104", level="district")
    SignInPolicy.objects.create(district=elsewhere, directors_need_two_factor=True)
    assert signed_in(director_a).get("/children/").status_code == 200


def test_with_the_requirement_off_a_supervisor_signs_in_with_the_password(settings, supervisor):
    settings.WEIBAO_2FA_REQUIRED = False
    assert signed_in(supervisor).get("/children/").status_code == 200


def test_a_director_who_set_it_up_is_asked_for_the_code_where_the_district_does_not_require_it(
    required, director_a, areas
):
    SignInPolicy.objects.create(district=areas["district"], directors_need_two_factor=False)
    enrol(director_a)
    assert signed_in(director_a).get("/children/")["Location"].startswith(VERIFY)


def test_whoever_set_it_up_is_asked_for_the_code_even_when_not_required(settings, director_a):
    settings.WEIBAO_2FA_REQUIRED = False
    enrol(director_a)
    assert signed_in(director_a).get("/children/")["Location"].startswith(VERIFY)


# --- set-up -----------------------------------------------------------------------------------


def test_set_up_shows_the_qr_code_and_key_then_ten_recovery_codes_once(required, supervisor):
    client = signed_in(supervisor)
    page = client.get(ENROL)
    html = page.content.decode()
    assert '<svg viewBox="' in html and 'class="qr"' in html
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    done = client.post(ENROL, {"code": code_of(device), "next": "/children/"})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "no-store" in done["Cache-Control"]
    assert client.get("/children/").status_code == 200
    # Set up: the page no longer shows a secret, and the device is confirmed.
    assert client.get(ENROL)["Location"] == "/security/"
    assert TOTPDevice.objects.get(user=supervisor).confirmed
    assert actions(supervisor) == ["2fa.enrol_start", "2fa.enrol"]


def test_each_visit_to_the_set_up_page_makes_a_new_secret(required, supervisor):
    client = signed_in(supervisor)
    client.get(ENROL)
    first = TOTPDevice.objects.get(user=supervisor).key
    client.get(ENROL)
    assert TOTPDevice.objects.get(user=supervisor).key != first


def test_a_wrong_code_does_not_finish_the_set_up(required, supervisor):
    client = signed_in(supervisor)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()
    assert client.get("/children/").status_code == 302
    assert "2fa.failed" in actions(supervisor)


# --- the second step --------------------------------------------------------------------------


def test_the_right_code_opens_the_pages(required, supervisor):
    device, _codes = enrol(supervisor)
    client = signed_in(supervisor)
    response = client.post(VERIFY, {"code": code_of(device, 1), "next": "/children/"})
    assert response["Location"] == "/children/"
    assert client.get("/children/").status_code == 200
    assert actions(supervisor)[-1] == "2fa.verified"


def test_a_wrong_code_is_refused_and_audited(required, supervisor):
    enrol(supervisor)
    client = signed_in(supervisor)
    response = client.post(VERIFY, {"code": "123456"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert client.get("/children/").status_code == 302
    assert actions(supervisor)[-1] == "2fa.failed"


def test_a_code_is_taken_once(required, supervisor):
    device, _codes = enrol(supervisor)
    code = code_of(device, 1)
    assert signed_in(supervisor).post(VERIFY, {"code": code}).status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    replay = signed_in(supervisor).post(VERIFY, {"code": code})
    assert replay.status_code == 200 and replay.context["form"].errors["code"]


def test_after_a_wrong_code_the_next_try_must_wait(required, supervisor):
    device, _codes = enrol(supervisor)
    client = signed_in(supervisor)
    client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": code_of(device, 1)})
    assert response.status_code == 200
    assert "2fa.throttled" in actions(supervisor)
    assert client.get("/children/").status_code == 302


def test_a_recovery_code_signs_in_once(required, supervisor):
    _device, codes = enrol(supervisor)
    typed = f"{codes[0][:4]}-{codes[0][4:]}".upper()
    first = signed_in(supervisor)
    assert first.post(VERIFY, {"code": typed, "next": "/children/"})["Location"] == "/children/"
    assert first.get("/children/").status_code == 200
    assert actions(supervisor)[-1] == "2fa.recovery_used"
    StaticDevice.objects.filter(user=supervisor).update(throttling_failure_count=0)
    again = signed_in(supervisor).post(VERIFY, {"code": typed})
    assert again.status_code == 200 and again.context["form"].errors["code"]


def test_new_recovery_codes_replace_the_old(required, supervisor):
    device, codes = enrol(supervisor)
    client = signed_in(supervisor)
    client.post(VERIFY, {"code": code_of(device, 1)})
    response = client.post("/security/two-factor/recovery-codes/")
    new = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", response.content.decode())
    assert len(new) == 10 and not set(c.replace("-", "") for c in new) & set(codes)
    assert actions(supervisor)[-1] == "2fa.recovery_codes"


# --- the district's reset ---------------------------------------------------------------------


@pytest.fixture
def other_district_officer(db):
    district = Area.objects.create(name="徐汇区", code="310104", level="district")
    user = User.objects.create_user(username="xuhui_officer", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.DISTRICT_STAFF, area=district)
    return user


def reset_url(user) -> str:
    return f"/security/district/people/{user.pk}/reset/"


def test_district_staff_reset_a_persons_two_factor_with_a_reason(district_officer, supervisor):
    enrol(supervisor)
    client = web_client(district_officer)
    response = client.post(reset_url(supervisor), {"reason": "手机丢失，本人电话确认。"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert not StaticDevice.objects.filter(user=supervisor).exists()
    event = AuditEvent.objects.get(action="2fa.reset")
    assert (event.actor, event.object_id, event.note) == (
        district_officer,
        str(supervisor.pk),
        "手机丢失，本人电话确认。",
    )


def test_a_reset_needs_a_reason(district_officer, supervisor):
    enrol(supervisor)
    response = web_client(district_officer).post(reset_url(supervisor), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert TOTPDevice.objects.filter(user=supervisor).exists()


def test_after_a_reset_the_person_sets_it_up_again(required, district_officer, supervisor):
    device, _codes = enrol(supervisor)
    client = signed_in(supervisor)
    client.post(VERIFY, {"code": code_of(device, 1)})
    assert client.get("/children/").status_code == 200
    officer = verified_client(district_officer, PASSWORD)
    assert officer.post(reset_url(supervisor), {"reason": "手机丢失"}).status_code == 302
    assert client.get("/children/")["Location"].startswith(VERIFY)


@pytest.mark.parametrize(
    "persona", ["other_district_officer", "supervisor", "director_a", "station_staff"]
)
def test_the_reset_page_is_404_outside_the_district_staffs_scope(request, persona, director_b):
    enrol(director_b)
    client = web_client(request.getfixturevalue(persona))
    assert client.get(reset_url(director_b)).status_code == 404
    assert client.post(reset_url(director_b), {"reason": "x"}).status_code == 404
    assert TOTPDevice.objects.filter(user=director_b).exists()


def test_nobody_resets_their_own_two_factor(district_officer):
    client = verified_client(district_officer, PASSWORD)
    response = client.post(reset_url(district_officer), {"reason": "x"})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=district_officer).exists()


def test_the_district_sets_the_rule_for_its_directors(district_officer, areas):
    client = web_client(district_officer)
    district = areas["district"]
    response = client.post(
        "/security/district/",
        {"district": district.pk, f"d{district.pk}-directors_need_two_factor": "on"},
    )
    assert response.status_code == 302
    assert SignInPolicy.objects.get(district=district).directors_need_two_factor
    event = AuditEvent.objects.get(action="signin.policy")
    assert event.changes == {"directors_need_two_factor": {"old": False, "new": True}}


@pytest.mark.parametrize("persona", ["supervisor", "director_a", "other_district_officer"])
def test_the_district_page_is_404_for_others(request, persona, areas):
    client = web_client(request.getfixturevalue(persona))
    if persona != "other_district_officer":  # who sees their own district there
        assert client.get("/security/district/").status_code == 404
    response = client.post(
        "/security/district/",
        {
            "district": areas["district"].pk,
            f"d{areas['district'].pk}-directors_need_two_factor": "on",
        },
    )
    assert response.status_code == 404
    assert not SignInPolicy.objects.exists()


def test_the_district_page_lists_who_has_two_factor(district_officer, supervisor, director_a):
    enrol(supervisor)
    people = web_client(district_officer).get("/security/district/").context["people"]
    state = {p.username: bool(p.two_factor_since) for p in people}
    assert state["supervisor"] is True and state["director_a"] is False


def test_the_operator_command_resets_and_audits(supervisor):
    enrol(supervisor)
    call_command("two_factor_reset", "supervisor", "--reason", "管理员核实")
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert AuditEvent.objects.get(action="2fa.reset").note == "管理员核实"


@pytest.mark.parametrize("target", ["https://evil.example/", VERIFY, "//evil.example/x"])
def test_after_the_code_a_foreign_or_circular_next_goes_home(required, supervisor, target):
    device, _codes = enrol(supervisor)
    response = signed_in(supervisor).post(VERIFY, {"code": code_of(device, 1), "next": target})
    assert response["Location"] == "/"
