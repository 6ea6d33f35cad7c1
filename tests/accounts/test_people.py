"""District staff manage the accounts of their district's people on the people page and
/api/v1/people/: create one with its first role and a one-time link to set its password, make a
new link (the old password and every session and API token end), deactivate and reactivate;
each change audited. Never the system administrator's or a superuser's account, never their
own, never another district's person (404); never a password hash, a staff or superuser flag or
a raw permission shown (docs/security.md)."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from tests.conftest import PASSWORD, _user, api_client, web_client
from tests.helpers import error_dict
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.services import (
    role_assignment_revoke,
    user_invite,
    user_password_reset,
    user_set_active,
)
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.security.models import ApiToken

NEW_PASSWORD = "Chang-ning-2026!"
LINK = re.compile(r'id="link">(http://testserver/accounts/set-password/[^<]+)<')


@pytest.fixture
def sysadmin(db):
    user = User.objects.create_superuser("root", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.SYSADMIN)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def other_district(db):
    district = Area.objects.create(name="徐汇区", code="310104", level="district")
    sub = Area.objects.create(name="测试街道", level="subdistrict", parent=district)
    community = Area.objects.create(name="测试丁居民区", level="community", parent=sub)
    staff = _user("xuhui_staff", Role.DISTRICT_STAFF, district)
    director = _user("xuhui_director", Role.DIRECTOR, community)
    return {"community": community, "staff": staff, "director": director}


def _invite(client: Client, areas, **overrides):
    data = {
        "username": "wang_fang",
        "full_name": "王芳",
        "phone": "138 0000 1234",
        "role": "director",
        "area": areas["community_b"].pk,
        **overrides,
    }
    return client.post("/accounts/people/new/", data)


def _link_of(response) -> str:
    match = LINK.search(response.content.decode())
    assert match, response.content.decode()[:3000]
    return match.group(1).removeprefix("http://testserver")


def _set_password(link: str, password: str = NEW_PASSWORD) -> Client:
    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    target = form.redirect_chain[-1][0] if form.redirect_chain else link
    client.post(target, {"new_password1": password, "new_password2": password})
    return client


def _signs_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


# --- creating an account with its one-time link -----------------------------------------------


def test_district_staff_create_an_account_with_its_first_role_and_it_is_audited(
    district_officer, areas
):
    response = _invite(web_client(district_officer), areas)
    assert response.status_code == 200
    user = User.objects.get(username="wang_fang")
    assert (user.full_name, user.phone, user.home_district) == (
        "王芳",
        "13800001234",
        areas["district"],
    )
    assert not user.has_usable_password() and not user.is_staff and not user.is_superuser
    assert list(user.role_assignments.values_list("role", "area")) == [
        ("director", areas["community_b"].pk)
    ]
    rows = AuditEvent.objects.filter(actor=district_officer).order_by("pk")
    assert [r.action for r in rows] == ["account.create", "role.grant"]
    link = _link_of(response)
    assert not AuditEvent.objects.filter(changes__icontains=link.split("/")[-2]).exists()
    assert "no-store" in response["Cache-Control"]


def test_the_link_sets_the_password_once(district_officer, areas):
    link = _link_of(_invite(web_client(district_officer), areas))
    _set_password(link)
    assert _signs_in("wang_fang", NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.password_set").count() == 1
    # Used: it leads nowhere now.
    again = Client().get(link, follow=True)
    assert "此链接已失效" in again.content.decode()
    assert 'name="new_password1"' not in again.content.decode()


def test_the_link_expires(district_officer, areas, settings):
    link = _link_of(_invite(web_client(district_officer), areas))
    later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        page = Client().get(link, follow=True)
    assert "此链接已失效" in page.content.decode()


def test_a_weak_password_is_refused_on_the_link_page(district_officer, areas):
    link = _link_of(_invite(web_client(district_officer), areas))
    client = Client()
    form = client.get(link, follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "tianshan", "new_password2": "tianshan"}
    )
    assert "密码太短" in response.content.decode()
    assert not User.objects.get(username="wang_fang").has_usable_password()


def test_bad_input_is_refused_next_to_its_field_in_chinese(district_officer, director_b, areas):
    client = web_client(district_officer)
    taken = _invite(client, areas, username="Director_B")
    assert "该用户名已被使用" in taken.content.decode()
    spaced = _invite(client, areas, username="wang fang", phone="abc")
    errors = spaced.context["form"].errors
    assert set(errors) == {"username", "phone"}
    wrong_level = _invite(client, areas, area=areas["tianshan"].pk)
    assert wrong_level.context["form"].errors["area"]
    assert not User.objects.filter(full_name="王芳").exists()


def test_no_account_is_made_in_another_districts_area(district_officer, other_district, areas):
    response = _invite(web_client(district_officer), areas, area=other_district["community"].pk)
    assert response.context["form"].errors["area"]
    with pytest.raises(PermissionDenied):
        user_invite(
            actor=district_officer,
            username="x1",
            full_name="某",
            role=Role.DIRECTOR,
            area=other_district["community"],
        )


def test_a_closed_area_is_not_offered_for_a_role(district_officer, areas):
    from weibao.areas.services import area_close

    area_close(actor=district_officer, area=areas["community_b"])
    form = web_client(district_officer).get("/accounts/people/new/").context["form"]
    assert areas["community_b"] not in form.fields["area"].queryset
    with pytest.raises(ValidationError) as exc:
        user_invite(
            actor=district_officer,
            username="x2",
            full_name="某",
            role=Role.DIRECTOR,
            area=Area.objects.get(pk=areas["community_b"].pk),
        )
    assert "area" in error_dict(exc)


# --- resetting a password -----------------------------------------------------------------------


def test_a_reset_ends_the_password_the_sessions_and_the_tokens(district_officer, director_b):
    session = web_client(director_b)
    assert session.get("/").status_code == 200
    token_client = api_client(director_b)
    assert token_client.get("/api/v1/me/").status_code == 200
    response = web_client(district_officer).post(
        f"/accounts/people/{director_b.pk}/reset-password/"
    )
    assert response.status_code == 200
    assert session.get("/").status_code == 302
    assert token_client.get("/api/v1/me/").status_code == 401
    assert not _signs_in("director_b", PASSWORD)
    row = AuditEvent.objects.get(action="account.password_reset")
    assert row.actor == district_officer and row.changes["tokens_revoked"] == 1
    assert row.changes["sessions_ended"] >= 1
    assert ApiToken.objects.filter(user=director_b, revoked_at__isnull=True).count() == 0
    _set_password(_link_of(response))
    assert _signs_in("director_b", NEW_PASSWORD)


def test_a_newer_link_ends_the_older_one(district_officer, director_b):
    client = web_client(district_officer)
    first = _link_of(client.post(f"/accounts/people/{director_b.pk}/reset-password/"))
    second = _link_of(client.post(f"/accounts/people/{director_b.pk}/reset-password/"))
    assert "此链接已失效" in Client().get(first, follow=True).content.decode()
    _set_password(second)
    assert _signs_in("director_b", NEW_PASSWORD)


def test_nobody_resets_their_own_password_here(district_officer):
    with pytest.raises(ValidationError):
        user_password_reset(actor=district_officer, user=district_officer)


# --- deactivating -----------------------------------------------------------------------------


def test_a_deactivated_person_cannot_sign_in_or_use_a_token(district_officer, director_b):
    session = web_client(director_b)
    token_client = api_client(director_b)
    response = web_client(district_officer).post(
        f"/accounts/people/{director_b.pk}/active/", {"active": "0"}
    )
    assert response.status_code == 302
    assert session.get("/").status_code == 302
    assert token_client.get("/api/v1/me/").status_code == 401
    assert not _signs_in("director_b", PASSWORD)
    row = AuditEvent.objects.get(action="account.deactivate")
    assert row.actor == district_officer and row.changes["is_active"] == [True, False]
    web_client(district_officer).post(f"/accounts/people/{director_b.pk}/active/", {"active": "1"})
    assert _signs_in("director_b", PASSWORD)
    assert AuditEvent.objects.filter(action="account.activate").count() == 1
    # The token revoked on deactivation stays revoked.
    assert token_client.get("/api/v1/me/").status_code == 401


def test_a_deactivated_persons_link_leads_nowhere(district_officer, areas):
    response = _invite(web_client(district_officer), areas)
    user = User.objects.get(username="wang_fang")
    user_set_active(actor=district_officer, user=user, active=False)
    assert "此链接已失效" in Client().get(_link_of(response), follow=True).content.decode()


def test_nobody_deactivates_themselves_or_the_last_district_staff_of_a_district(
    district_officer, areas
):
    with pytest.raises(ValidationError):
        user_set_active(actor=district_officer, user=district_officer, active=False)
    # Staff of 长宁 and the only staff of 徐汇: 长宁's officer may not leave 徐汇 without one.
    xuhui = Area.objects.create(name="徐汇区", code="310104", level="district")
    both = _user("both", Role.DISTRICT_STAFF, areas["district"])
    RoleAssignment.objects.create(user=both, role=Role.DISTRICT_STAFF, area=xuhui)
    with pytest.raises(ValidationError) as exc:
        user_set_active(actor=district_officer, user=both, active=False)
    assert "徐汇区" in str(exc.value)
    assert User.objects.get(pk=both.pk).is_active
    second = _user("second_officer", Role.DISTRICT_STAFF, areas["district"])
    assert not user_set_active(actor=district_officer, user=second, active=False).is_active


# --- scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["reset-password/", "active/"])
def test_another_districts_person_answers_404(district_officer, other_district, url):
    person = other_district["director"]
    response = web_client(district_officer).post(
        f"/accounts/people/{person.pk}/{url}", {"active": "0"}
    )
    assert response.status_code == 404
    person.refresh_from_db()
    assert person.is_active and person.has_usable_password()


def test_the_system_administrators_account_is_never_the_districts(district_officer, sysadmin):
    client = web_client(district_officer)
    assert client.post(f"/accounts/people/{sysadmin.pk}/reset-password/").status_code == 404
    assert client.post(f"/accounts/people/{sysadmin.pk}/active/", {"active": "0"}).status_code == (
        404
    )
    with pytest.raises(PermissionDenied):
        user_set_active(actor=district_officer, user=sysadmin, active=False)


@pytest.mark.parametrize("persona", ["supervisor", "director_a", "unassigned"])
def test_only_district_staff_manage_accounts(request, persona, director_b, areas):
    client = web_client(request.getfixturevalue(persona))
    assert client.get("/accounts/people/new/").status_code == 404
    assert _invite(client, areas).status_code == 404
    assert client.post(f"/accounts/people/{director_b.pk}/reset-password/").status_code == 404
    assert client.post(f"/accounts/people/{director_b.pk}/active/").status_code == 404
    assert not User.objects.filter(username="wang_fang").exists()


def test_a_person_they_created_stays_theirs_without_a_role(district_officer, areas):
    user = user_invite(
        actor=district_officer,
        username="li_lei",
        full_name="李雷",
        role=Role.DIRECTOR,
        area=areas["community_b"],
    )
    role_assignment_revoke(actor=district_officer, assignment=user.role_assignments.get())
    page = web_client(district_officer).get("/accounts/people/").content.decode()
    assert "李雷" in page
    assert user_set_active(actor=district_officer, user=user, active=False).is_active is False


# --- what the pages and the API never show ---------------------------------------------------


def test_the_people_page_shows_no_hash_flag_or_permission(district_officer, director_b):
    html = web_client(district_officer).get("/accounts/people/").content.decode()
    assert director_b.password not in html and "md5$" not in html
    for word in ("is_staff", "is_superuser", "超级用户", "职员状态", "reveal_sensitive", "权限"):
        assert word not in html


@pytest.mark.parametrize("n", [3, 20])
def test_the_people_page_costs_the_same_queries_however_many_people(
    n, district_officer, areas, django_assert_max_num_queries
):
    for i in range(n):
        _user(f"p{i}", Role.DIRECTOR, areas["community_a"])
    client = web_client(district_officer)
    client.get("/accounts/people/")
    with django_assert_max_num_queries(14):
        assert client.get("/accounts/people/").status_code == 200


# --- /api/v1/people/ ------------------------------------------------------------------------------

API = "/api/v1/people/"


def test_the_api_lists_the_districts_people_with_safe_fields_only(
    district_officer, director_a, other_district, sysadmin
):
    body = api_client(district_officer).get(API).json()
    names = {row["username"] for row in body["results"]}
    assert {"district_officer", "director_a"} <= names
    assert not names & {"xuhui_director", "root"}
    assert set(body["results"][0]) == {
        "id",
        "username",
        "full_name",
        "phone",
        "is_active",
        "password_set",
        "last_login",
        "roles",
    }


@pytest.mark.parametrize("n", [3, 20])
def test_the_api_list_costs_the_same_queries_however_many_people(
    n, district_officer, areas, django_assert_max_num_queries
):
    for i in range(n):
        _user(f"p{i}", Role.DIRECTOR, areas["community_a"])
    client = api_client(district_officer)
    client.get(API)
    with django_assert_max_num_queries(10):
        assert client.get(API).status_code == 200


def test_the_api_creates_an_account_and_answers_its_link(district_officer, areas):
    response = api_client(district_officer).post(
        API,
        {
            "username": "han_mei",
            "full_name": "韩梅",
            "role": "director",
            "area": areas["community_a"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["person"]["username"] == "han_mei" and body["person"]["password_set"] is False
    link = body["password_link"].removeprefix("http://testserver")
    _set_password(link)
    assert _signs_in("han_mei", NEW_PASSWORD)


def test_the_api_resets_and_deactivates(district_officer, director_b):
    client = api_client(district_officer)
    reset = client.post(f"{API}{director_b.pk}/reset-password/", {}, format="json")
    assert reset.status_code == 200 and "/accounts/set-password/" in reset.json()["password_link"]
    off = client.post(f"{API}{director_b.pk}/deactivate/", {}, format="json")
    assert off.status_code == 200 and off.json()["is_active"] is False
    on = client.post(f"{API}{director_b.pk}/reactivate/", {}, format="json")
    assert on.json()["is_active"] is True
    mine = client.post(f"{API}{district_officer.pk}/deactivate/", {}, format="json")
    assert mine.status_code == 400


def test_the_api_answers_404_out_of_scope_and_401_anonymous(
    district_officer, supervisor, other_district, director_b
):
    person = other_district["director"]
    client = api_client(district_officer)
    assert client.get(f"{API}{person.pk}/").status_code == 404
    assert client.post(f"{API}{person.pk}/deactivate/", {}, format="json").status_code == 404
    assert api_client(supervisor).get(API).status_code == 404
    assert api_client(supervisor).get(f"{API}{director_b.pk}/").status_code == 404
    assert api_client(None).get(API).status_code == 401
