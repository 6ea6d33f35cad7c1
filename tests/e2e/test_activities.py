"""Projects and activities as a station uses them (docs/domain.md §8.3): the supervisor of
天山路 creates a project and an activity, signs children up (the third waits: two places),
takes attendance on a phone with one tap per child and adds a walk-in at the door; the child's
passport shows the stamp and prints on one A5 sheet. Nothing scrolls sideways on a phone."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e

A5_POINTS = (419.5, 595.3)  # 148 × 210 mm


def test_a_station_runs_an_activity_and_a_child_s_passport_prints(open_page, server):
    desk = open_page(1366)
    log_in(desk, server, "tianshan_supervisor")
    open_menu_item(desk, "项目与活动")
    desk.get_by_role("link", name="新建项目").click()
    desk.locator("#id_name").fill("演示·端到端项目")
    desk.locator("#id_starts_on").fill(dt.date.today().replace(month=1, day=1).isoformat())
    desk.locator("#id_status").select_option("running")
    desk.steps("new-project")
    desk.get_by_role("button", name="保存").click()
    expect(desk).to_have_url(re.compile(r"/activities/projects/\d+/$"))
    desk.get_by_role("link", name="新建活动").click()
    desk.locator("#id_title").fill("演示·端到端绘画课")
    desk.locator("#id_held_on").fill(dt.date.today().isoformat())
    desk.locator("#id_place_text").fill("演示·活动室")
    desk.locator("#id_capacity").fill("2")
    desk.steps("new-activity")
    desk.get_by_role("button", name="保存").click()
    expect(desk).to_have_url(re.compile(r"/activities/\d+/$"))
    activity_url = desk.url
    for _ in range(3):
        options = desk.locator("#id_child option")
        value = next(
            options.nth(i).get_attribute("value")
            for i in range(options.count())
            if options.nth(i).get_attribute("value")
        )
        desk.locator("#id_child").select_option(value)
        desk.get_by_role("button", name="报名", exact=True).click()
        desk.wait_for_load_state()
    expect(desk.locator("ol.signups li")).to_have_count(2)
    expect(desk.locator("ol.waiting li")).to_have_count(1)
    desk.steps("signed-up")
    child_href = desk.locator("ol.signups li a").first.get_attribute("href")
    child_name = desk.locator("ol.signups li a").first.inner_text()

    phone = open_page(390)
    log_in(phone, server, "tianshan_supervisor")
    phone.goto(activity_url + "attendance/")
    assert sideways_overflow(phone) == 0
    taps = phone.locator("ul.attendance button.tap")
    expect(taps).to_have_count(3)
    box = taps.first.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # a thumb's tap target, full width
    phone.steps("attendance")
    taps.first.click()
    expect(phone.locator("ul.attendance button.tap.on")).to_have_count(1)
    expect(phone.locator("ul.attendance button.tap.on")).to_contain_text(child_name)
    phone.locator(".door #id_name").fill("小雨")
    phone.locator(".door #id_age").fill("8")
    phone.get_by_role("button", name="添加并签到").click()
    expect(phone.locator("ul.attendance button.tap.on")).to_have_count(2)
    assert sideways_overflow(phone) == 0
    phone.steps("attended")

    child_id = re.search(r"/children/(\d+)/", child_href).group(1)
    phone.goto(f"{server}/activities/passport/{child_id}/")
    expect(phone.locator("li.stamp")).to_contain_text(["演示·端到端绘画课"])
    assert sideways_overflow(phone) == 0
    phone.steps("passport")
    phone.emulate_media(media="print")
    expect(phone.locator(".topbar")).to_be_hidden()
    pdf = phone.pdf(prefer_css_page_size=True)
    width, height = (
        float(n) for n in re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups()
    )
    assert abs(width - A5_POINTS[0]) < 2 and abs(height - A5_POINTS[1]) < 2
