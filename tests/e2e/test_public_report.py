"""The public door on a phone: anyone reports suspected harm, keeps the reference and code,
and checks the progress later."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import sideways_overflow

pytestmark = pytest.mark.e2e


def test_a_member_of_the_public_reports_and_checks_the_progress_on_a_phone(open_page, server):
    page = open_page(390)
    page.goto(f"{server}/report/")
    page.steps("form")
    page.locator("fieldset:has(input[name=situations]) label.choice").first.click()
    page.locator("textarea[name=description]").fill("演示：邻居家孩子晚上常被锁在门外哭。")
    page.locator("select[name=area]").select_option(index=1)
    page.locator("select[name=reporter_type]").select_option(index=1)
    page.locator("form:has(textarea[name=description]) button.primary").click()
    page.wait_for_load_state()
    page.steps("done")
    text = page.locator("main").inner_text()
    reference = re.search(r"R\d{8}-[A-Z0-9]{5}", text).group(0)
    keys = page.locator(".key").all_inner_texts()
    code = next(k.strip() for k in keys if k.strip() != reference)
    assert sideways_overflow(page) == 0
    expect(page.locator("a[href='tel:110']").first).to_be_visible()
    page.reload()  # a reload keeps them: the reporter may not have written them down yet
    expect(page.locator("main")).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text(code)
    page.steps("done-after-reload")

    page.goto(f"{server}/report/status/")
    page.locator("input[name=reference]").fill(reference)
    page.locator("input[name=code]").fill(code)
    page.locator("form:has(input[name=code]) button").click()
    page.wait_for_load_state()
    page.steps("status")
    expect(page.locator("main")).to_contain_text(reference)
    assert sideways_overflow(page) == 0


def test_a_wrong_code_tells_nothing_about_the_report(open_page, server):
    page = open_page(390)
    page.goto(f"{server}/report/status/")
    page.locator("input[name=reference]").fill("R20260101-AAAAA")
    page.locator("input[name=code]").fill("WRONG")
    page.locator("form:has(input[name=code]) button").click()
    page.wait_for_load_state()
    page.steps("refused")
    expect(page.locator("input[name=reference]")).to_have_value("R20260101-AAAAA")
