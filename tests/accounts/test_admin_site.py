"""The framework admin is the system administrator's tool for accounts and the area tree, and
shows no personal data of any child: no admin of children, visits, cases, reports, audit or
access rows, no role editing, nothing a crawl of its pages could find a child's name in. Every
account change made there goes through the audited services."""

import re
from collections import deque
from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import CommandError, call_command

from tests.conftest import PASSWORD, web_client
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.audit.models import AccessLog, AuditEvent
from weibao.audit.services import access_log_record
from weibao.children.services import GuardianInput

# What may have an admin: accounts and areas, and DRF's token admin (the API tokens' own work
# replaces it; it holds no child's data).
ALLOWED = {"accounts.user", "areas.area", "authtoken.tokenproxy"}

SECRET_NAME = "甄秘密"
SECRET_GUARDIAN = "甄监护"
SECRET_SCHOOL = "秘密测试小学"


@pytest.fixture
def sysadmin(db):
    user = User.objects.create_superuser("root", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.SYSADMIN)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def secret_child(make_child, director_a):
    child = make_child(
        "community_a",
        name=SECRET_NAME,
        school=SECRET_SCHOOL,
        guardians=[GuardianInput(name=SECRET_GUARDIAN, relation="mother", phone="13800000009")],
    )
    access_log_record(user=director_a, child=child, channel="web")
    return child


def test_only_accounts_and_areas_have_an_admin():
    registered = {model._meta.label_lower for model in apps.get_models()}
    registered = {label for label in registered if admin.site.is_registered(apps.get_model(label))}
    assert registered <= ALLOWED
    assert {"accounts.user", "areas.area"} <= registered


@pytest.mark.parametrize(
    "url",
    [
        "/admin/audit/auditevent/",
        "/admin/audit/auditevent/{event}/change/",
        "/admin/audit/accesslog/",
        "/admin/audit/accesslog/{access}/change/",
        "/admin/children/child/",
        "/admin/children/guardian/",
        "/admin/visits/visit/",
        "/admin/visits/concern/",
        "/admin/reports/report/",
        "/admin/cases/case/",
        "/admin/ledger/servicerecord/",
        "/admin/referrals/referral/",
        "/admin/protection/protectionrecord/",
        "/admin/notifications/notification/",
        "/admin/transfers/transfer/",
        "/admin/accounts/roleassignment/",
        "/admin/accounts/roleassignment/add/",
        "/admin/auth/group/",
    ],
)
def test_no_admin_page_of_a_childs_data_exists_for_the_sysadmin(sysadmin, secret_child, url):
    event = AuditEvent.objects.filter(child=secret_child).first()
    access = AccessLog.objects.filter(child=secret_child).first()
    response = web_client(sysadmin).get(url.format(event=event.pk, access=access.pk))
    assert response.status_code == 404


def _admin_links(html: str) -> set[str]:
    links = set(re.findall(r'href="(/admin/[^"#]*)"', html))
    # Signing out would end the crawl; the password pages are the product's own.
    return {url.replace("&amp;", "&") for url in links if "logout" not in url}


def test_a_crawl_of_the_admin_finds_no_child(sysadmin, secret_child, director_a, case_a):
    client = web_client(sysadmin)
    seen, queue, pages = set(), deque(["/admin/"]), 0
    while queue and pages < 300:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        html = response.content.decode()
        for secret in (SECRET_NAME, SECRET_GUARDIAN, SECRET_SCHOOL):
            assert secret not in html, url
        queue.extend(_admin_links(html) - seen)
    # The crawl reached the account of the director who read the file, and their roles.
    assert f"/admin/accounts/user/{director_a.pk}/change/" in seen
    assert pages > 10


@pytest.mark.parametrize("model", ["accounts/user", "areas/area"])
def test_searching_the_admin_for_a_childs_name_finds_nothing(sysadmin, secret_child, model):
    for term in (SECRET_NAME, SECRET_GUARDIAN, SECRET_SCHOOL):
        response = web_client(sysadmin).get(f"/admin/{model}/", {"q": term})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0


def test_roles_are_shown_but_not_editable_on_an_account(sysadmin, director_a):
    html = web_client(sysadmin).get(f"/admin/accounts/user/{director_a.pk}/change/")
    html = html.content.decode()
    assert "测试甲居民区" in html
    assert 'name="role_assignments-0-role"' not in html


def test_areas_and_accounts_cannot_be_deleted_in_the_admin(sysadmin, areas, director_a):
    client = web_client(sysadmin)
    assert client.get(f"/admin/areas/area/{areas['community_a'].pk}/delete/").status_code == 403
    assert client.get(f"/admin/accounts/user/{director_a.pk}/delete/").status_code == 403


def test_staff_who_are_not_sysadmins_do_not_enter_the_admin(areas, director_b):
    staff = User.objects.create_user("helper", password=PASSWORD, is_staff=True)
    client = web_client(staff)
    change = f"/admin/accounts/user/{director_b.pk}/change/"
    for url in ("/admin/", "/admin/accounts/user/", change):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_admin_is_branded_as_the_system_administrators(sysadmin):
    html = web_client(sysadmin).get("/admin/").content.decode()
    assert "<title>" in html and "未保 系统管理" in html.split("</title>")[0]
    assert "未保 系统管理" in html.split("</title>")[1]
    assert "Django" not in html


def test_district_staff_do_not_enter_the_admin(district_officer):
    response = web_client(district_officer).get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# --- account changes in the admin go through the audited services -----------------------------


def test_creating_an_account_in_the_admin_is_audited(sysadmin):
    response = web_client(sysadmin).post(
        "/admin/accounts/user/add/",
        {
            "username": "new_person",
            "full_name": "新同事",
            "usable_password": "true",
            "password1": "Qiao-lian-2024!",
            "password2": "Qiao-lian-2024!",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new_person")
    assert user.check_password("Qiao-lian-2024!")
    row = AuditEvent.objects.get(action="account.create", object_id=str(user.pk))
    assert row.actor == sysadmin and row.changes["full_name"] == "新同事"


def test_a_weak_password_is_refused_when_an_account_is_created(sysadmin):
    response = web_client(sysadmin).post(
        "/admin/accounts/user/add/",
        {
            "username": "weak_person",
            "usable_password": "true",
            "password1": "tianshan",
            "password2": "tianshan",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="weak_person").exists()
    assert "密码太短，至少要有 10 个字符" in response.content.decode()


def _change_form(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "role_assignments-TOTAL_FORMS": "0",
        "role_assignments-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_deactivating_an_account_in_the_admin_is_audited(sysadmin, director_b):
    response = web_client(sysadmin).post(
        f"/admin/accounts/user/{director_b.pk}/change/", _change_form(director_b, is_active=None)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    director_b.refresh_from_db()
    assert not director_b.is_active
    row = AuditEvent.objects.get(action="account.deactivate", object_id=str(director_b.pk))
    assert row.actor == sysadmin and row.changes == {"is_active": [True, False]}


def test_an_account_with_a_childrens_data_role_cannot_become_an_admin(sysadmin, director_b):
    response = web_client(sysadmin).post(
        f"/admin/accounts/user/{director_b.pk}/change/",
        _change_form(director_b, is_staff="on"),
    )
    assert response.status_code == 200
    director_b.refresh_from_db()
    assert not director_b.is_staff
    assert not AuditEvent.objects.filter(object_id=str(director_b.pk), action="account.update")


def test_a_password_reset_in_the_admin_is_audited_and_follows_the_policy(sysadmin, director_b):
    client = web_client(sysadmin)
    url = f"/admin/accounts/user/{director_b.pk}/password/"
    weak = client.post(url, {"password1": "12345678901", "password2": "12345678901"})
    assert weak.status_code == 200
    response = client.post(
        url,
        {"password1": "Zhen-hao-mima-7", "password2": "Zhen-hao-mima-7", "usable_password": "true"},
    )
    assert response.status_code == 302
    director_b.refresh_from_db()
    assert director_b.check_password("Zhen-hao-mima-7")
    row = AuditEvent.objects.get(action="account.password_reset")
    assert row.actor == sysadmin and row.object_id == str(director_b.pk)
    assert "Zhen-hao-mima-7" not in str(row.changes)


def test_a_deactivated_account_is_signed_out_at_once(sysadmin, director_b):
    their_session = web_client(director_b)
    assert their_session.get("/").status_code == 200
    web_client(sysadmin).post(
        f"/admin/accounts/user/{director_b.pk}/change/", _change_form(director_b, is_active=None)
    )
    assert their_session.get("/").status_code == 302


def test_the_admins_own_password_page_is_the_products(sysadmin):
    response = web_client(sysadmin).get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"


def test_the_admins_pages_are_in_chinese_where_djangos_own_catalog_is_not(sysadmin):
    # Django 5.2's zh_Hans catalog lacks these; weibao's catalog has them.
    html = web_client(sysadmin).get("/admin/accounts/user/add/").content.decode()
    assert "创建用户后，即可编辑更多用户选项" in html
    assert "After you’ve created a user" not in html
    assert "修改或查看列表链接" in html and "Change or view list link" not in html


def test_createsuperuser_asks_for_the_full_name(db):
    call_command(
        "createsuperuser",
        "--noinput",
        "--username",
        "root",
        "--full_name",
        "测试管理员",
        "--email",
        "",
        stdout=StringIO(),
    )
    assert User.objects.get(username="root").full_name == "测试管理员"
    with pytest.raises(CommandError, match="full_name"):
        call_command("createsuperuser", "--noinput", "--username", "root2", "--email", "")
