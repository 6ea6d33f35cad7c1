"""What the browser tests do as a person would: sign in, use the menu, look for sideways
scrolling."""

import re

from playwright.sync_api import Page

PASSWORD = "weibao-demo"  # the demo accounts' password (weibao/demo/data.py)


def log_in(page: Page, server: str, username: str) -> None:
    page.goto(f"{server}/accounts/login/")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


def sideways_overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: nothing scrolls sideways)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def open_menu_item(page: Page, label: str) -> None:
    """Follow a main-menu link as a person would: on a phone, through the menu button; in a
    long menu, through the name of its group when it is in one."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    nav = page.locator("#mainnav")
    link = nav.get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        # Not by its role: a closed group's links are out of the accessibility tree.
        in_group = page.locator(f"a:text-is('{label}')")
        nav.locator("details.navgroup", has=in_group).locator("summary").click()
    link.click()
    page.wait_for_load_state()


def first_link(page: Page, server: str, listing: str, pattern: str) -> str:
    r"""The first link on the page at `listing` whose path matches `pattern` (a list's first
    row), e.g. first_link(page, server, "/children/", r"/children/\d+/")."""
    page.goto(server + listing)
    hrefs = page.locator("main a").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    return next(h for h in hrefs if re.fullmatch(pattern, h or ""))
