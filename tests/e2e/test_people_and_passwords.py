"""The district grants and takes back a role on 人员与角色; every user finds the password page
from the menu; both fit a phone and a desktop."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e


def test_district_staff_grant_and_remove_a_role_on_the_people_page(page, server, width):
    log_in(page, server, "district_admin")
    open_menu_item(page, "人员与角色")
    expect(page).to_have_url(f"{server}/accounts/people/")
    expect(page.locator("h1")).to_have_text("人员与角色")
    page.steps("people")
    assert sideways_overflow(page) == 0
    form = page.locator("form#grant")
    form.locator("input[name=user]").fill("tianshan_director_2")
    form.locator("select[name=role]").select_option("director")
    option = form.locator("select[name=area] option", has_text="天山路第09居民区")
    form.locator("select[name=area]").select_option(option.get_attribute("value"))
    form.locator("button").click()
    expect(page.locator(".messages")).to_contain_text("天山路第09居民区")
    page.steps("granted")
    row = page.locator("tr", has_text="tianshan_director_2")
    item = row.locator("li", has_text="天山路第09居民区")
    item.get_by_role("button", name="移除").click()
    expect(page.locator(".messages")).to_contain_text("已不再担任")
    expect(page.locator("tr", has_text="tianshan_director_2")).not_to_contain_text(
        "天山路第09居民区"
    )
    page.steps("removed")
    assert sideways_overflow(page) == 0


def test_a_director_finds_the_password_page_in_the_menu(page, server, width):
    log_in(page, server, "tianshan_director_1")
    open_menu_item(page, "修改密码")
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))
    expect(page.locator("input[name=old_password]")).to_be_visible()
    page.steps("password")
    assert sideways_overflow(page) == 0
