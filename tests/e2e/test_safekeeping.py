"""The district's safekeeping pages as their users meet them: who looked at a child's file,
unusual access, and the retention period of files — each from the menu or the file, at a phone's
and a desktop's width."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import first_link, log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e


def test_the_supervisor_sees_who_looked_at_a_file_including_themselves(page, server, width):
    log_in(page, server, "tianshan_supervisor")
    child = first_link(page, server, "/children/", r"/children/\d+/")
    page.goto(server + child)
    page.get_by_role("link", name=re.compile("查阅记录")).click()
    expect(page).to_have_url(re.compile(r"/children/\d+/access/$"))
    expect(page.locator("h1")).to_contain_text("查阅记录")
    # The supervisor's own reading of the file a moment ago is the newest row.
    expect(page.locator("tbody tr").first).to_contain_text("天山路")
    page.steps("access-log")
    assert sideways_overflow(page) == 0


def test_the_district_opens_unusual_access_from_the_menu(page, server, width):
    log_in(page, server, "district_admin")
    open_menu_item(page, "异常访问")
    expect(page).to_have_url(re.compile(r"/children/unusual-access/"))
    expect(page.locator("h1")).to_have_text("异常访问")
    page.steps("unusual-access")
    assert sideways_overflow(page) == 0


def test_the_district_sets_how_long_files_are_kept(page, server, width):
    log_in(page, server, "district_admin")
    open_menu_item(page, "档案保存期限")
    expect(page.locator("h1")).to_have_text("档案保存期限")
    form = page.locator("form.rule").first
    form.locator("input[name$=years]").fill("0")
    form.get_by_role("button", name="保存").click()
    # Refused in words, and what was typed is still there.
    expect(page.locator("form.rule .error").first).to_be_visible()
    expect(page.locator("form.rule input[name$=years]").first).to_have_value("0")
    page.steps("refused")
    page.locator("form.rule input[name$=years]").first.fill("6")
    page.locator("form.rule").first.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("form.rule input[name$=years]").first).to_have_value("6")
    page.steps("saved")
    assert sideways_overflow(page) == 0


def test_a_supervisor_reads_the_retention_period_without_a_form(page, server, width):
    log_in(page, server, "tianshan_supervisor")
    open_menu_item(page, "档案保存期限")
    expect(page.locator(".retention-years").first).to_contain_text("年")
    expect(page.locator("form.rule")).to_have_count(0)
    assert sideways_overflow(page) == 0
