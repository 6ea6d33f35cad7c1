"""Two-factor sign-in as a person meets it: a supervisor sets it up on a phone (QR code, key,
recovery codes), signs out, signs in again with a code; the district resets it (a lost phone),
which also leaves the demo as it was for the other tests."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.e2e.browser import log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e
SUPERVISOR = "tianshan_supervisor"


def code_for(key_text: str, steps_ahead: int = 0) -> str:
    totp = TOTP(b32decode(key_text.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def log_out(page: Page) -> None:
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))


def reset_as_the_district(page: Page, server: str) -> None:
    log_in(page, server, "district_admin")
    open_menu_item(page, "本区登录安全")
    row = page.locator("table.list tr", has_text=SUPERVISOR)
    row.get_by_role("link", name="重置").click()
    page.get_by_label("原因").fill("演示：手机丢失，已电话核实本人。")
    page.get_by_role("button", name="重置").click()
    expect(page.locator(".messages")).to_contain_text("已重置")
    page.steps("district-reset")
    log_out(page)


def test_a_supervisor_sets_up_two_factor_on_a_phone_and_signs_in_with_it(
    page, server, width, open_page
):
    log_in(page, server, SUPERVISOR)
    try:
        open_menu_item(page, "账号安全")
        page.get_by_role("link", name="设置两步验证").click()
        expect(page.locator(".qr-box svg")).to_be_visible()
        assert sideways_overflow(page) == 0
        page.steps("enrol")
        key = page.locator(".secret code").inner_text()
        page.get_by_label("验证器应用显示的 6 位验证码").fill(code_for(key))
        page.get_by_role("button", name="开启两步验证").click()
        # The codes' page, once it has loaded (reading at once may find the form's page).
        expect(page.locator(".recovery-codes code")).to_have_count(10)
        page.steps("recovery-codes")
        page.get_by_role("link", name="我已保存，继续").click()

        log_out(page)
        log_in(page, server, SUPERVISOR)
        expect(page).to_have_url(re.compile(r".*/security/verify/.*"))
        page.steps("asked-for-code")
        page.get_by_label("验证码").fill(code_for(key, 1))
        page.get_by_role("button", name="继续").click()
        expect(page).to_have_url(f"{server}/")
        page.steps("signed-in")
        log_out(page)
    finally:
        # In a browser of its own: if a step above failed, the supervisor may still be signed
        # in on `page`, and the suite's other tests need their 2FA off again either way.
        reset_as_the_district(open_page(1366), server)
    # Reset: the password alone signs the supervisor in again (the demo requires no 2FA).
    log_in(page, server, SUPERVISOR)
    expect(page).to_have_url(f"{server}/")
