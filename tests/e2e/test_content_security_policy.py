"""The Content-Security-Policy blocks nothing the pages need: over the main pages — the public
report door, the display wall (a station's public page and its poster), sign-in, the lists, a
child's file, a case, a report, a visit, a concern, a workstation, an item of its standard, the
coverage grid and the API docs — the browser reports zero CSP violations (no inline script,
style or handler left)."""

import pytest

from tests.e2e.browser import first_link, log_in

pytestmark = pytest.mark.e2e

# A violation reaches the page as a `securitypolicyviolation` event and the console as an error.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _watched(page) -> list[str]:
    messages = []
    page.on(
        "console",
        lambda m: (
            messages.append(m.text)
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
            else None
        ),
    )
    page.add_init_script(WATCH)
    return messages


def _visit(page, url: str, console: list[str], found: dict) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    events = page.evaluate("window.__csp || []")
    if events or console:
        found[url] = events + list(console)
        console.clear()


def test_the_main_pages_raise_no_csp_violation(open_page, server):
    page = open_page(1366)
    console = _watched(page)
    found: dict = {}
    wall = first_link(page, server, "/wall/", r"/wall/\d+/")
    board = first_link(page, server, "/board/", r"/board/\d+/")
    for path in ["/report/", "/report/status/", "/wall/", wall, f"{wall}poster/",
                 "/board/", board, "/board/check/", "/accounts/login/"]:  # fmt: skip
        _visit(page, server + path, console, found)
    log_in(page, server, "tianshan_supervisor")
    paths = ["/", "/children/", "/visits/", "/concerns/", "/reports/", "/cases/", "/ledger/",
             "/protection/", "/partners/", "/partners/referrals/", "/notifications/",
             "/transfers/", "/staff/", "/staff/team/", "/training/", "/training/rate/",
             "/stations/", "/stations/coverage/", "/stations/standards/",
             "/suggestions/", "/council/", "/api/docs/"]  # fmt: skip
    for listing, pattern in (
        ("/suggestions/", r"/suggestions/\d+/"),
        ("/council/", r"/council/\d+/"),
        ("/children/", r"/children/\d+/"),
        ("/reports/", r"/reports/\d+/"),
        ("/cases/", r"/cases/\d+/"),
        ("/concerns/", r"/concerns/\d+/"),
        ("/partners/", r"/partners/\d+/"),
        ("/staff/", r"/staff/\d+/"),
        ("/training/", r"/training/\d+/"),
        ("/stations/", r"/stations/\d+/"),
        ("/stations/standards/", r"/stations/standards/\d+/"),
    ):
        paths.append(first_link(page, server, listing, pattern))
    paths.append(f"{paths[-2]}items/team/")  # an item of the standard: evidence and review
    for path in paths:
        _visit(page, server + path, console, found)
    assert found == {}


def test_the_public_report_and_its_receipt_picture_raise_no_csp_violation(open_page, server):
    page = open_page(390)
    console = _watched(page)
    page.goto(f"{server}/report/")
    page.locator("fieldset:has(input[name=situations]) label.choice").first.click()
    page.locator("textarea[name=description]").fill("演示：邻居家孩子晚上常被锁在门外哭。")
    page.locator("select[name=area]").select_option(index=1)
    page.locator("select[name=reporter_type]").select_option(index=1)
    page.locator("form:has(textarea[name=description]) button.primary").click()
    page.wait_for_load_state("networkidle")
    page.locator("[data-save-image]").click()  # a phone shows the picture (a blob: image)
    page.locator(".receipt-image img").wait_for()
    page.locator("[data-copy]").first.click()
    assert page.evaluate("window.__csp") == [] and console == []


def test_the_watch_sees_a_violation_when_there_is_one(open_page, server):
    page = open_page(390)
    console = _watched(page)
    page.goto(f"{server}/report/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1'; "
        "document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__csp") and console
