"""The team and its training as the demo's people use them: a supervisor records a session
and takes the roll on a phone, and the rate counts it; a district officer opens a 儿童主任's
account from the roster in one step, and the newcomer sets a password with the one-time link
and signs in; the 1+1+X page shows the
gaps. Nothing scrolls sideways at a phone's width."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e


def test_a_supervisor_records_a_session_and_takes_the_roll_on_a_phone(open_page, server):
    page = open_page(390)
    log_in(page, server, "tianshan_supervisor")
    open_menu_item(page, "培训")
    page.get_by_role("link", name="登记培训").click()
    page.steps("new-session")
    page.locator("#id_topic").select_option(label="家庭监护指导")
    page.locator("#id_title").fill("家庭监护指导（手机点名）")
    page.get_by_text("线上", exact=True).click()
    page.locator("#id_trainer").fill("演示·讲师")
    page.locator("#id_hours").fill("2")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/training/\d+/roll/$"))
    page.steps("roll")
    assert sideways_overflow(page) == 0
    people = page.locator("fieldset.roll-person")
    assert people.count() >= 3
    people.nth(0).locator("label.roll-present").click()
    people.nth(1).locator("label.roll-present").click()
    people.nth(2).locator("label.roll-absent").click()
    box = people.nth(0).locator("label.roll-present").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 88  # a thumb's tap target
    page.get_by_role("button", name="保存点名").click()
    expect(page.locator(".messages")).to_contain_text("到场2人")
    expect(people.nth(2).locator("input[value=absent]")).to_be_checked()
    page.steps("roll-saved")
    page.goto(server + "/training/rate/")
    expect(page.locator("h1")).to_have_text("培训率")
    assert sideways_overflow(page) == 0
    page.steps("rate")


def test_the_roll_marks_everyone_present_with_one_button(page, server):
    """The answers tapped first are kept; everyone else is present (at both widths)."""
    log_in(page, server, "tianshan_supervisor")
    page.goto(server + "/training/new/")
    page.locator("#id_topic").select_option(label="民法典")
    page.locator("#id_title").fill(f"民法典（全部到场·{page.viewport_size['width']}）")
    page.get_by_text("线上", exact=True).click()
    page.locator("#id_trainer").fill("演示·讲师")
    page.locator("#id_hours").fill("1.5")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/training/\d+/roll/$"))
    people = page.locator("fieldset.roll-person")
    total = people.count()
    assert total >= 3
    people.nth(1).locator("label.roll-excused").click()
    page.steps("one-excused")
    button = page.get_by_role("button", name="全部标为到场")
    box = button.bounding_box()
    assert box["height"] >= 44
    button.click()
    expect(page.locator(".messages")).to_contain_text(f"到场{total - 1}人")
    expect(people.nth(1).locator("input[value=excused]")).to_be_checked()
    for i in (0, total - 1):
        expect(people.nth(i).locator("input[value=present]")).to_be_checked()
    assert sideways_overflow(page) == 0
    page.steps("everyone-present")


def test_a_district_officer_opens_a_directors_account_from_the_roster(open_page, server):
    page = open_page(1366)
    log_in(page, server, "district_admin")
    open_menu_item(page, "队伍名册")
    page.locator("input[name=q]").fill("演示·")
    page.locator("select[name=role]").select_option("director")
    page.get_by_role("button", name="筛选").click()
    # The first 儿童主任 without an account.
    rows = page.locator("table.staff tbody tr")
    row = next(
        rows.nth(i)
        for i in range(rows.count())
        if rows.nth(i).locator("td").last.inner_text() == "—"
    )
    name = row.locator("td").first.locator("a").inner_text()
    row.locator("a").first.click()
    page.steps("person")
    page.locator("#account input[name=username]").fill("e2e_new_director")
    page.get_by_role("button", name="开通账号").click()
    expect(page.locator("h1")).to_have_text("账号已开通")
    link = page.locator("code#link").inner_text()
    page.steps("account-opened")
    # The newcomer sets their own password with the one-time link, then signs in with it.
    newcomer = open_page(390)
    newcomer.goto(link)
    password = "e2e-director-pass-2026"
    newcomer.locator("input[name=new_password1]").fill(password)
    newcomer.locator("input[name=new_password2]").fill(password)
    newcomer.locator("main form button").click()
    newcomer.wait_for_url(re.compile(r"/accounts/login/"))
    newcomer.steps("password-set")
    form = newcomer.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill("e2e_new_director")
    form.locator("input[name=password]").fill(password)
    form.locator("button").click()
    newcomer.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    expect(newcomer.locator(".who")).to_have_count(1)
    newcomer.goto(server + "/staff/team/")
    expect(newcomer.locator("main")).to_contain_text(name)
    newcomer.steps("newcomer-team")


def test_the_team_page_shows_the_gaps_on_a_phone(open_page, server):
    page = open_page(390)
    log_in(page, server, "district_admin")
    page.goto(server + "/staff/team/")
    expect(page.locator(".gaps")).to_contain_text("个居民区无儿童主任")
    expect(page.locator(".gaps")).to_contain_text("个居民区无社工")
    assert sideways_overflow(page) == 0
    page.steps("district-team")
