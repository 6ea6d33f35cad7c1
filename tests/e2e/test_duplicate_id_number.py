"""One ID number, one file in the country (children.IdNumberRegistration), at a phone's and a
desktop's width: a 儿童主任 registers a child; another 街镇's 儿童主任 who types the same number is
told next to it that the child is registered elsewhere, without the child's name, and keeps every
entry; district staff, who may see the file, are given its name and a link to it.

The number is made up for each run (a Beijing area code, which no demo child has), so the suite
can run twice on one server."""

import datetime as dt
import random
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import log_in, sideways_overflow
from weibao.children import idnumber

pytestmark = pytest.mark.e2e


def a_new_number() -> str:
    born = dt.date(2013, 1, 1) + dt.timedelta(days=random.randrange(1500))
    return idnumber.make("110101", born, random.randrange(1, 999), "F")


def fill_the_form(page: Page, server: str, name: str, number: str) -> None:
    page.goto(server + "/children/new/")
    form = page.locator("form:has(input[name=id_number])")
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=sex]").select_option("F")
    form.locator("input[name=birth_date]").fill(idnumber.birth_date_of(number).isoformat())
    form.locator("input[name=id_number]").fill(number)
    form.locator("select[name=community]").select_option(index=1)
    form.locator("select[name=hukou_type]").select_option(index=1)
    form.locator("input[name=categories]").first.check()
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()


def sign_in_as(page: Page, server: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, server, username)


def test_a_number_registered_in_another_area_is_refused_in_words(page: Page, server, width):
    number, name = a_new_number(), f"测试重号（{uuid.uuid4().hex[:4]}）"
    sign_in_as(page, server, "tianshan_director_1")
    fill_the_form(page, server, name, number)
    expect(page.locator("h1")).to_contain_text(name)
    page.steps("registered")

    sign_in_as(page, server, "xianxia_director_1")
    fill_the_form(page, server, "测试另一名儿童", number)
    error = page.locator("[data-errors-for=id_number]")
    expect(error).to_contain_text("已在其他地区登记")
    expect(page.locator("main")).not_to_contain_text(name)
    expect(page.locator("input[name=name]")).to_have_value("测试另一名儿童")
    expect(page.locator("input[name=id_number]")).to_have_value(number)
    assert sideways_overflow(page) == 0
    page.steps("refused-without-the-name")

    sign_in_as(page, server, "district_admin")
    fill_the_form(page, server, "测试另一名儿童", number)
    expect(error).to_contain_text(name)
    error.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(name)
    page.steps("district-staff-open-the-file")
