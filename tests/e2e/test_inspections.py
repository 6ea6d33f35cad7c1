"""The inspection teams (儿童考察团) as the demo's 儿童主任 uses them, at a phone's width and a
desktop's: a patrol and what it found, the 居民区's 四位一体 meeting taking it up, its decision
and the finding resolved; then the outcome page shown to the children, and the findings list.
Nothing scrolls sideways."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e


def test_a_finding_goes_through_the_four_party_meeting_to_resolved(page, server, width):
    # Unique to this run: a server kept for writing tests holds the runs before.
    run = f"{width} {dt.datetime.now():%H%M%S}"
    what = f"演示·秋千链条生锈（{run}）"
    done = f"演示·物业更换了链条（{run}）"
    log_in(page, server, "tianshan_director_1")
    open_menu_item(page, "儿童考察团")
    expect(page.locator("h1")).to_contain_text("儿童考察团")
    page.steps("teams")
    assert sideways_overflow(page) == 0
    page.locator("table.inspections tbody a").first.click()
    expect(page).to_have_url(re.compile(r"/inspections/\d+/$"))
    team_url = page.url
    page.steps("team")
    assert sideways_overflow(page) == 0

    # The patrol, then what it found.
    page.get_by_role("link", name="记录考察").first.click()
    page.locator("#id_route").fill("演示·东门 → 秋千区")
    page.locator("#id_adults").fill("演示·儿童主任")
    page.locator("#id_members input[type=checkbox]").first.check()
    page.steps("patrol")
    assert sideways_overflow(page) == 0
    page.get_by_role("button", name="保存考察").click()
    expect(page).to_have_url(re.compile(r"/inspections/\d+/findings/new/$"))
    page.locator("#id_what").fill(what)
    page.locator("#id_place").fill("小区秋千区")
    page.locator("#id_place_general").fill("小区游乐区")
    page.locator("#id_category").get_by_text("安全", exact=True).click()
    page.steps("finding")
    assert sideways_overflow(page) == 0
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page).to_have_url(re.compile(r"/inspections/findings/\d+/$"))
    expect(page.locator(".tag.finding-found")).to_have_text("已发现")

    # The 四位一体 meeting puts it on its agenda and decides.
    page.goto(team_url)
    page.get_by_role("link", name="记录四位一体会议").click()
    for i in range(4):
        page.locator("#id_parties input").nth(i).check()
    page.locator("#id_notes").fill("演示·居委会主持")
    finding_box = page.locator("#id_findings label", has_text=what).locator("input")
    expect(finding_box).to_be_checked()
    page.steps("meeting-form")
    assert sideways_overflow(page) == 0
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/inspections/meetings/\d+/$"))
    item = page.locator("section.agenda-item", has_text=what)
    expect(item.locator(".tag.finding-on_agenda")).to_be_visible()
    item.locator("textarea[name$=decision]").fill("演示·物业一周内更换链条")
    item.get_by_text("物业", exact=True).click()
    due = dt.date.today() + dt.timedelta(days=30)
    item.locator("input[name$=due_on]").fill(due.isoformat())
    page.steps("decision")
    assert sideways_overflow(page) == 0
    item.get_by_role("button", name="记录会议决定").click()
    expect(page).to_have_url(re.compile(r"/inspections/meetings/\d+/$"))
    item = page.locator("section.agenda-item", has_text=what)
    expect(item.locator(".tag.finding-in_progress")).to_have_text("进行中")
    item.locator("input[name$=outcome]").fill(done)
    item.get_by_role("button", name="标记为已解决").click()
    item = page.locator("section.agenda-item", has_text=what)
    expect(item.locator(".tag.finding-resolved")).to_have_text("已解决")
    expect(item).to_contain_text(done)
    page.steps("resolved")
    assert sideways_overflow(page) == 0

    # The page the 儿童主任 shows the children: what they found and what happened.
    page.goto(team_url)
    page.get_by_role("link", name="给孩子们看结果").click()
    outcome = page.locator(".outcome-item", has_text=what)
    expect(outcome).to_contain_text(done)
    size = outcome.locator(".outcome-what").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 20
    page.steps("outcome")
    assert sideways_overflow(page) == 0

    # The overdue finding of the demo stands out in red on the list.
    page.goto(server + "/inspections/findings/?state=overdue")
    page.steps("overdue")
    assert sideways_overflow(page) == 0
