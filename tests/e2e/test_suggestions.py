"""The suggestion board as its people meet it: a child on a phone writes a suggestion on 天山路's
public board without signing in (refused in words first), gets a code; the station's
supervisor — at a phone's and a desktop's width — publishes a cleaned text, routes it with a
deadline and answers it; the child reads the answer with the code, and the board shows it.

The suite shares one demo server: each run writes its own suggestion (with a unique word) and
acts on that one, so the demo board stays as the demo made it."""

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import log_in, open_menu_item, sideways_overflow
from tests.e2e.conftest import WIDTHS

pytestmark = pytest.mark.e2e

SUPERVISOR = "tianshan_supervisor"
TIANSHAN_STATION = "演示·天山路街道未成年人保护工作站"


def test_a_child_posts_staff_answer_and_the_child_reads_the_answer(server, open_page, width):
    word = f"演示测试{uuid.uuid4().hex[:6]}"
    child = open_page(WIDTHS["phone"])
    child.goto(f"{server}/board/")
    child.get_by_role("link", name=TIANSHAN_STATION).click()
    expect(child.locator("h1")).to_have_text("建议墙")
    assert sideways_overflow(child) == 0
    child.steps("board")
    form = child.locator("form.board-form")
    form.get_by_role("button", name="提交我的建议").click()
    expect(child.locator("[data-errors-for=text] .error")).to_contain_text("请写下你的建议")
    form.locator("textarea[name=text]").fill(f"{word}：我叫王小演，希望小区里多种些花。")
    form.locator("input[name=given_name]").fill("小演")
    form.locator("input[name=age]").fill("10")
    form.locator("select[name=community]").select_option(index=1)
    child.steps("written")
    form.get_by_role("button", name="提交我的建议").click()
    expect(child.locator("h1")).to_have_text("谢谢你！")
    code = child.locator("#board-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", code)
    assert sideways_overflow(child) == 0
    child.steps("code")
    child.get_by_role("link", name="看看我的建议").first.click()
    child.locator("input[name=code]").fill(code)
    child.get_by_role("button", name="查询").click()
    expect(child.locator("#board-words")).to_contain_text("正在先看你的建议")

    staff = open_page(WIDTHS[width])
    log_in(staff, server, SUPERVISOR)
    open_menu_item(staff, "建议墙")
    staff.locator("select[name=state]").select_option("held")
    staff.get_by_role("button", name="筛选").click()
    staff.locator("table.suggestions a", has_text="#").first.click()
    expect(staff.locator(".original-text")).to_contain_text(word)
    staff.steps("moderate")
    approve = staff.locator("section.step-approve form")
    approve.locator("textarea").fill(f"{word}：希望小区里多种些花。")
    approve.get_by_role("button", name="审核通过并公开").click()
    expect(staff.locator("#public-text")).to_contain_text(word)
    route = staff.locator("section.step-route form")
    route.locator("input[name=route-department]").fill("演示·居委会")
    route.get_by_role("button", name="交办").click()
    expect(route.locator("[data-errors-for=deadline] .error")).to_contain_text("答复期限")
    deadline = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    route.locator("input[name=route-deadline]").fill(deadline)
    route.get_by_role("button", name="交办").click()
    expect(staff.locator("h1 .tag").first).to_have_text("已交办")
    answer = staff.locator("section.step-answer form")
    answer.locator("textarea").fill("演示：花已经种好了，欢迎来看！")
    answer.get_by_role("button", name="公开答复").click()
    expect(staff.locator("h1 .tag").first).to_have_text("已答复")
    assert sideways_overflow(staff) == 0
    staff.steps("answered")

    child.goto(f"{server}/board/check/")
    child.locator("input[name=code]").fill(code.lower())
    child.get_by_role("button", name="查询").click()
    expect(child.locator("#board-answer")).to_contain_text("花已经种好了")
    child.steps("answer")
    child.goto(f"{server}/board/")
    child.get_by_role("link", name=TIANSHAN_STATION).click()
    expect(child.locator(".board-list")).to_contain_text(word)
    expect(child.locator(".board-list")).not_to_contain_text("王小演")


def test_a_council_meeting_s_decision_goes_on_the_board(server, page):
    word = f"演示决议{uuid.uuid4().hex[:6]}"
    log_in(page, server, SUPERVISOR)
    open_menu_item(page, "儿童议事会")
    page.get_by_role("link", name=TIANSHAN_STATION).click()
    expect(page.locator("#members")).to_contain_text("在任成员")
    page.get_by_role("link", name="记录会议").click()
    form = page.locator("form.meeting-form")
    form.get_by_role("button", name="保存").click()
    expect(form.locator("[data-errors-for=agenda] .error")).to_contain_text("请填写议程")
    form.locator("textarea[name=agenda]").fill("演示：讨论社区游乐场")
    form.locator("input[name=present]").first.check()
    form.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("会议已记录")
    decision = page.locator("form.decision-form")
    decision.locator("textarea").fill(word)
    decision.get_by_role("button", name="登记决议").click()
    expect(page.locator("#decisions")).to_contain_text(word)
    expect(page.locator("#decisions")).to_contain_text("已受理")
    assert sideways_overflow(page) == 0
    page.steps("decision")
    page.locator("#decisions").get_by_role("link", name=word).click()
    expect(page.locator("h1 .tag").first).to_have_text("已受理")
    expect(page.locator("section.step-route")).to_be_visible()
