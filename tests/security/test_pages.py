"""The sign-in security pages: signed-out visitors are sent to the login page; each page opens,
in Chinese by default, for whom it is meant."""

import pytest
from django.test import Client

from tests.conftest import web_client

PAGES = [
    "/security/",
    "/security/verify/",
    "/security/two-factor/",
    "/security/two-factor/disable/",
    "/security/tokens/",
    "/security/devices/",
    "/security/district/",
    "/security/district/tokens/",
]
POSTS = [
    "/security/two-factor/recovery-codes/",
    "/security/two-factor/disable/",
    "/security/tokens/1/revoke/",
    "/security/devices/1/revoke/",
    "/security/devices/revoke-others/",
    "/security/district/people/1/reset/",
]


@pytest.mark.parametrize("url", PAGES + POSTS)
def test_signed_out_visitors_are_sent_to_the_login_page(db, url):
    response = Client().post(url) if url in POSTS else Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/security/", "账号安全"),
        ("/security/two-factor/", "设置两步验证"),
        ("/security/tokens/", "API 令牌"),
        ("/security/devices/", "已登录设备"),
    ],
)
def test_a_directors_own_pages_open_in_chinese(director_a, url, heading):
    response = web_client(director_a).get(url)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_the_district_page_opens_for_district_staff(district_officer):
    response = web_client(district_officer).get("/security/district/")
    assert response.status_code == 200
    assert "本区登录安全" in response.content.decode()


def test_the_login_page_says_when_two_factor_is_not_required(db, settings):
    settings.WEIBAO_2FA_REQUIRED = False
    assert "不强制两步验证" in Client().get("/accounts/login/").content.decode()
    settings.WEIBAO_2FA_REQUIRED = True
    assert "不强制两步验证" not in Client().get("/accounts/login/").content.decode()


def test_the_menu_leads_every_user_to_their_account_security(director_a):
    assert 'href="/security/"' in web_client(director_a).get("/").content.decode()
