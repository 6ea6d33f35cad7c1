"""Signing in, the menu, a child's file and the scope rule, as the demo's people use them."""

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import first_link, log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e


def _first_child_url(page, server: str) -> str:
    return first_link(page, server, "/children/", r"/children/\d+/")


def test_a_director_signs_in_and_opens_a_childs_file_from_the_menu(page, server, width):
    log_in(page, server, "tianshan_director_1")
    page.steps("home")
    open_menu_item(page, "儿童档案")
    expect(page).to_have_url(f"{server}/children/")
    page.steps("children")
    page.goto(server + _first_child_url(page, server))
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#visits")).to_be_visible()
    page.steps("child-file")
    assert sideways_overflow(page) == 0


def test_on_a_phone_the_menu_opens_from_its_button_with_the_roles_pages_first(page, server, width):
    if width != "phone":
        pytest.skip("the menu button is for phones")
    log_in(page, server, "tianshan_director_1")
    menu = page.locator("#mainnav")
    expect(menu).to_be_hidden()
    page.locator(".menu-toggle").click()
    expect(menu).to_be_visible()
    expect(page.locator(".menu-toggle")).to_have_attribute("aria-expanded", "true")
    page.steps("menu-open")
    first = menu.locator("a").all_inner_texts()[:4]
    assert first == ["首页", "走访工作台", "儿童档案", "风险线索"]
    expect(page.locator(".bell")).to_be_visible()


def test_district_staffs_long_menu_keeps_the_daily_pages_in_sight_and_groups_the_rest(
    page, server, width
):
    log_in(page, server, "district_admin")
    if width == "phone":
        page.locator(".menu-toggle").click()
    menu = page.locator("#mainnav")
    for label in ("强制报告", "个案", "儿童档案", "走访工作台", "数据看板"):
        expect(menu.get_by_role("link", name=label, exact=True)).to_be_visible()
    training = menu.get_by_role("link", name="培训", exact=True)
    expect(training).to_be_hidden()
    station = menu.locator("summary", has_text="工作站与活动")
    station.click()
    expect(training).to_be_visible()
    page.steps("menu-group-open")
    assert sideways_overflow(page) == 0
    if width != "phone":
        # One row on a desktop: the bar is no taller than the brand's line.
        assert menu.bounding_box()["height"] < 60
        # Escape closes it and gives the keyboard's focus back to the group's name.
        page.keyboard.press("Tab")
        page.keyboard.press("Escape")
        expect(training).to_be_hidden()
        expect(station).to_be_focused()
        # Tabbing out of an open group closes it.
        page.keyboard.press("Enter")
        expect(training).to_be_visible()
        for _ in range(menu.locator("details[open] .navpanel a").count() + 1):
            page.keyboard.press("Tab")
        expect(training).to_be_hidden()
        station.click()
        page.locator("main h1, main h2").first.click()  # a click elsewhere closes it
        expect(training).to_be_hidden()
    open_menu_item(page, "人员与角色")
    expect(page).to_have_url(f"{server}/accounts/people/")
    # The page's group is marked: it holds the page you are on.
    expect(page.locator("#mainnav details.has-current summary")).to_have_text("更多")
    if width == "phone":
        # The menu opens with that group open.
        page.locator(".menu-toggle").click()
        expect(menu.get_by_role("link", name="人员与角色", exact=True)).to_be_visible()


def test_a_director_of_another_sub_district_gets_404_for_a_childs_file(open_page, server):
    own = open_page()
    log_in(own, server, "tianshan_director_1")
    url = _first_child_url(own, server)
    other = open_page()
    log_in(other, server, "xianxia_director_1")
    response = other.goto(server + url)
    assert response.status == 404
    other.steps("not-found")
    out_of_scope = other.locator("main").inner_text()
    missing = other.goto(f"{server}/children/999999/")
    assert missing.status == 404
    assert other.locator("main").inner_text() == out_of_scope  # probing ids tells nothing


SUPERVISOR_PAGES = [
    "/",
    "/children/",
    "/visits/",
    "/concerns/",
    "/reports/",
    "/cases/",
    "/partners/referrals/",
    "/protection/",
    "/ledger/",
    "/partners/",
    "/notifications/",
    "/stations/",
    "/stations/coverage/",
    "/stations/standards/",
    "/wall/",
]


def test_no_page_scrolls_sideways_on_a_320px_phone(open_page, server):
    page = open_page(320)
    log_in(page, server, "tianshan_supervisor")
    pages = list(SUPERVISOR_PAGES)
    for listing, pattern in (
        ("/children/", r"/children/\d+/"),
        ("/reports/", r"/reports/\d+/"),
        ("/cases/", r"/cases/\d+/"),
        ("/concerns/", r"/concerns/\d+/"),
        ("/partners/", r"/partners/\d+/"),
        ("/stations/", r"/stations/\d+/"),
        ("/wall/", r"/wall/\d+/"),
    ):
        pages.append(first_link(page, server, listing, pattern))
    pages += [f"{pages[-2]}items/team/", f"{pages[-1]}poster/"]  # an item; the A3 poster
    wide = {}
    for path in pages:
        page.goto(server + path)
        if sideways_overflow(page) > 0:
            wide[path] = sideways_overflow(page)
            page.steps(path.strip("/").replace("/", "-") or "home")
    assert wide == {}
