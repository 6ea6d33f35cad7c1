"""Where people hand work to each other (issue #10): a child who moves is transferred and
accepted by the receiving supervisor, after which the old 居民区 sees nothing of them; a
restricted case shows its 居民区's director only that it exists; the report clocks say how
long is left."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import first_link, log_in, sideways_overflow
from tests.e2e.conftest import WIDTHS

pytestmark = pytest.mark.e2e

OLD_DIRECTOR = "tianshan_director_1"  # 天山路第01居民区
NEW_DIRECTOR = "tianshan_director_2"  # 天山路第02居民区
SUPERVISOR = "tianshan_supervisor"
NEW_COMMUNITY = "天山路第02居民区"


def _child_to_move(page: Page, server: str) -> str:
    """A child of the director's 居民区 whose file offers a transfer, taken from the end of the
    registry (the loop test takes its children from the worklist)."""
    page.goto(f"{server}/children/?page=2")
    hrefs = page.locator("main a").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    for href in reversed([h for h in hrefs if re.fullmatch(r"/children/\d+/", h or "")]):
        page.goto(server + href)
        if page.locator("#transfers a[href^='/transfers/start/']").count():
            return href
    raise AssertionError("no child to move")


def test_a_child_who_moves_is_handed_over_and_the_old_area_sees_nothing(open_page, server, width):
    px = WIDTHS[width]
    old, supervisor, new = open_page(px), open_page(px), open_page(px)
    log_in(old, server, OLD_DIRECTOR)
    log_in(supervisor, server, SUPERVISOR)
    log_in(new, server, NEW_DIRECTOR)

    child = _child_to_move(old, server)
    assert new.goto(server + child).status == 404  # not theirs yet
    old.locator("#transfers a[href^='/transfers/start/']").click()
    form = old.locator("form.transfer-form")
    options = form.locator("select[name=to_community] option").all_inner_texts()
    form.locator("select[name=to_community]").select_option(
        label=next(o for o in options if NEW_COMMUNITY in o)
    )
    form.locator("textarea[name=reason]").fill("演示：一家搬到第02居民区。")
    old.steps("transfer-asked")
    form.locator("button.primary").click()
    old.wait_for_url(re.compile(r"/transfers/\d+/$"))
    transfer = old.url
    expect(old.locator("main")).to_contain_text("待审核")

    # The receiving supervisor finds it among the transfers awaiting them and accepts it.
    supervisor.goto(f"{server}/transfers/")
    expect(supervisor.locator(f"main a[href='{transfer[len(server) :]}']")).to_be_visible()
    supervisor.goto(transfer)
    supervisor.locator("form[action$='/accept/'] button.primary").click()
    supervisor.wait_for_load_state()
    supervisor.steps("accepted")
    expect(supervisor.locator("main")).to_contain_text(NEW_COMMUNITY)

    # The old director gets the 404 of an id that does not exist; the new one has the file.
    assert old.goto(server + child).status == 404
    moved = old.locator("main").inner_text()
    assert old.goto(f"{server}/children/999999/").status == 404
    assert old.locator("main").inner_text() == moved
    assert new.goto(server + child).status == 200
    new.steps("new-director-file")
    for page in (old, supervisor, new):
        assert sideways_overflow(page) == 0


def test_a_restricted_case_shows_the_director_only_that_it_exists(page, server, width):
    log_in(page, server, SUPERVISOR)
    page.goto(f"{server}/cases/")
    rows = page.locator("main a[href^='/cases/']").evaluate_all(
        "a => a.map(x => x.getAttribute('href'))"
    )
    cases = [h for h in rows if re.fullmatch(r"/cases/\d+/", h or "")]
    restricted = child = None
    for case in cases:
        page.goto(server + case)
        if page.locator(".tag", has_text="受限个案").count():
            restricted = case
            child = page.locator("main a[href^='/children/']").first.get_attribute("href")
            break
    assert restricted, "the demo has a restricted case"
    page.steps("restricted-case")
    page.context.clear_cookies()
    log_in(page, server, OLD_DIRECTOR)
    page.goto(server + child)
    expect(page.locator("#cases")).to_contain_text("有受限个案")
    expect(page.locator(f"#cases a[href='{restricted}']")).to_have_count(0)
    page.steps("restricted-on-the-file")
    assert page.goto(server + restricted).status == 404


def test_the_report_clocks_say_how_long_is_left(page, server, width):
    log_in(page, server, SUPERVISOR)
    report = first_link(page, server, "/reports/?queue=1", r"/reports/\d+/")
    page.goto(server + report)
    expect(page.locator("main")).to_contain_text(re.compile(r"还剩|已超时"))
    page.steps("clocks")
