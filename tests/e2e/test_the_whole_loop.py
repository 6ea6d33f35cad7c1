"""The closed loop as its people live it (docs/domain.md §7): a 儿童主任's visit finds a risk,
the supervisor turns the concern into a mandatory report and a case, the case team works the
plan (一人一策) and delivers the services, a follow-up visit is made, and the case closes with
the supervisor's approval — each person on their own screen, at phone and desktop width.

Each width takes its own child (the first one due on the director's worklist), so the two runs
share the demo server without meeting."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import log_in, sideways_overflow
from tests.e2e.conftest import WIDTHS

pytestmark = pytest.mark.e2e

DIRECTOR = "tianshan_director_1"  # 天山路第01居民区
OTHER_DIRECTOR = "tianshan_director_2"  # 天山路第02居民区: not on the team
SUPERVISOR = "tianshan_supervisor"


def choose(select, text: str) -> None:
    """Pick the option of a <select> whose label contains `text`."""
    labels = select.locator("option").all_inner_texts()
    select.select_option(label=next(label for label in labels if text in label))


def open_action(page: Page, key: str):
    """A step of the case page, opened as a person would: a tap on its title. A closed step is a
    link that loads the page with that step's form (?step=<key>); an open one is a <details>."""
    action = page.locator(f"details.action-{key}")
    if action.count() == 0:
        page.locator(f".action-{key} a.step-open").click()
        page.wait_for_url(re.compile(rf"\?step={key}#step-{key}$"))
    elif action.get_attribute("open") is None:
        action.locator("summary").click()
    expect(action).to_have_attribute("open", "")
    return action


def visit(page: Page, server: str, child_id: int, *, risky: bool) -> None:
    """Start and submit a home visit of the child; `risky`: the child under 16 lives alone."""
    page.goto(f"{server}/children/{child_id}/")
    page.locator(f"form[action='/visits/start/{child_id}/'] button").first.click()
    page.wait_for_url(re.compile(r"/visits/\d+/edit/$"))
    form = page.locator("#visit-form")
    form.locator("input[name=visit_date]").fill(dt.date.today().isoformat())
    form.locator("fieldset:has(input[name=kind]) label.choice").first.click()
    form.locator("input[name=met_with]").fill("演示：孩子和奶奶")
    for name in ("psychology", "study", "family_economy", "guardianship"):
        form.locator(f"textarea[name={name}]").fill("演示：情况已了解。")
    for name in ("under8_unattended", "under16_alone", "away_without_carer", "no_weekly_contact"):
        answer = "yes" if risky and name == "under16_alone" else "no"
        form.locator(f"label.choice:has(input[name={name}][value={answer}])").click()
    form.locator("textarea[name=findings]").fill(
        "演示：孩子独自在家。" if risky else "演示：一切正常。"
    )
    form.locator("textarea[name=next_steps]").fill("演示：继续关注。")
    page.steps("visit-filled")
    # The draft saves itself as one types; submit once that save has come back. (A submit that
    # races it is refused as a conflict — left to fix in the visit page, see the stop note.)
    page.wait_for_load_state("networkidle")
    form.locator("button[value=complete]").click()
    page.wait_for_url(re.compile(r"/visits/\d+/$"))
    page.steps("visit-done")


def test_the_loop_from_a_visit_to_a_closed_case(open_page, server, width):
    px = WIDTHS[width]
    director, supervisor, other = open_page(px), open_page(px), open_page(px)
    log_in(director, server, DIRECTOR)
    log_in(supervisor, server, SUPERVISOR)
    log_in(other, server, OTHER_DIRECTOR)

    # 走访 → 发现: the director visits the first child due and finds them living alone.
    child_id = _due_child_without_a_case(director, server)
    visit(director, server, child_id, risky=True)
    expect(director.locator("main")).to_contain_text("风险")

    # The supervisor turns the concern into a mandatory report (强制报告) and a case (建档).
    concern = _concern_of(supervisor, server, child_id)
    supervisor.goto(server + concern)
    supervisor.steps("concern")
    supervisor.get_by_role("button", name="转为强制报告").click()
    supervisor.wait_for_url(re.compile(r"/reports/\d+/$"))
    expect(supervisor.locator(".messages")).to_contain_text("已并入报告")
    supervisor.get_by_role("button", name="签收").click()
    supervisor.wait_for_load_state()
    police = supervisor.locator("form[action$='/police/']")
    if police.is_visible():  # a child under 16 alone: the police are told (docs/domain.md §5)
        police.locator("input[name=told]").fill("演示·天山路派出所")
        police.locator("input[name=receipt_no]").fill("演示-E2E")
        police.locator("button.primary").click()
        supervisor.wait_for_load_state()
    supervisor.steps("report-acknowledged")
    owner = supervisor.locator("form[action$='/open-case/'] select[name=owner]")
    choose(owner, DIRECTOR_NAME)
    supervisor.locator("form[action$='/open-case/'] button.primary").click()
    supervisor.wait_for_url(re.compile(r"/cases/\d+/$"))
    expect(supervisor.locator(".messages")).to_contain_text("已新建个案")
    case_url = supervisor.url
    supervisor.steps("case-opened")

    # The child's own director is on the team: the file links the case; another 居民区's
    # director gets the same 404 as for a case that does not exist.
    director.goto(f"{server}/children/{child_id}/")
    expect(director.locator(f"#cases a[href='{case_url[len(server) :]}']")).to_be_visible()
    assert other.goto(case_url).status == 404
    assert other.goto(f"{server}/cases/999999/").status == 404

    # 建档, 评估 (the risk level chosen by its label), the plan naming the director.
    supervisor.goto(case_url)
    step = open_action(supervisor, "file")
    step.locator("textarea").fill("演示：十四岁，独自在家，奶奶住院。")
    step.locator("button.primary").click()
    supervisor.wait_for_load_state()
    step = open_action(supervisor, "assess")
    step.locator("label.choice", has_text="高").click()
    step.locator("textarea").fill("演示：长期无人照料。")
    supervisor.steps("assess")
    step.locator("button.primary").click()
    supervisor.wait_for_load_state()
    expect(supervisor.locator(".stage-now")).to_contain_text("评估")
    intervene = open_action(supervisor, "intervene")
    expect(intervene.locator("button.primary")).to_be_disabled()  # no plan yet
    intervene.get_by_role("link").click()
    supervisor.wait_for_url(re.compile(r"/plan/$"))
    plan = supervisor.locator("form.planform")
    plan.locator("textarea[name=goals]").fill("演示：每天有人照看孩子。")
    plan.locator("input[name=review_on]").fill(
        (dt.date.today() + dt.timedelta(days=30)).isoformat()
    )
    plan.locator("select[name='services-0-service_type']").select_option("guardianship_guidance")
    choose(plan.locator("select[name='services-0-responsible_user']"), DIRECTOR_NAME)
    plan.locator("input[name='services-0-due_on']").fill(dt.date.today().isoformat())
    supervisor.steps("plan")
    plan.locator("button.primary").click()
    supervisor.wait_for_url(case_url)
    for key in ("intervene", "serve"):
        step = open_action(supervisor, key)
        step.locator("button.primary").click()
        supervisor.wait_for_load_state()
    expect(supervisor.locator(".stage-now")).to_contain_text("服务")

    # 服务: the director is told the plan item is theirs and records the service delivering it.
    director.goto(f"{server}/notifications/")
    expect(director.locator("main")).to_contain_text("您负责个案")
    director.goto(case_url)
    director.get_by_role("link", name="记录服务").click()
    form = director.locator("form:has(select[name=service_type])")
    form.locator("select[name=planned_service]").select_option(index=1)
    form.locator("select[name=service_type]").select_option("guardianship_guidance")
    form.locator("input[name=duration_minutes]").fill("60")
    form.locator(
        "label.choice:has(input[name=completes_item]), label:has(input[name=completes_item])"
    ).first.click()
    director.steps("service")
    form.locator("button.primary").click()
    director.wait_for_url(re.compile(re.escape(case_url) + "#services$"))
    director.steps("service-recorded")

    # 跟踪: closing waits for the follow-up visit, and says so before anyone types.
    supervisor.goto(case_url)
    open_action(supervisor, "track").locator("button.primary").click()
    supervisor.wait_for_load_state()
    ask = open_action(supervisor, "request_close")
    expect(ask.locator(".blocked-reason")).to_contain_text("走访")
    supervisor.steps("close-blocked")
    visit(director, server, child_id, risky=False)

    # 结案: the owner asks, the supervisor approves.
    director.goto(case_url)
    step = open_action(director, "request_close")
    step.locator("textarea").fill("演示：奶奶出院，孩子有人照看。")
    step.locator("button.primary").click()
    director.wait_for_load_state()
    supervisor.goto(case_url)
    step = open_action(supervisor, "decide_close")
    step.locator("button[value=approve]").click()
    supervisor.wait_for_load_state()
    expect(supervisor.locator(".stage-now")).to_contain_text("已结案")
    supervisor.steps("closed")
    for page in (director, supervisor):
        assert sideways_overflow(page) == 0


DIRECTOR_NAME = "天山路第01居民区"


def _concern_of(page: Page, server: str, child_id: int) -> str:
    """The open concern about the child, from the list of concerns."""
    page.goto(f"{server}/concerns/")
    row = page.locator("main li, main tr").filter(
        has=page.locator(f"a[href='/children/{child_id}/']")
    )
    return row.locator("a[href^='/concerns/']").first.get_attribute("href")


def _due_child_without_a_case(page: Page, server: str) -> int:
    """The first child on the director's worklist whose file offers to open a case."""
    page.goto(f"{server}/visits/")
    hrefs = page.locator("a.due-child").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    for href in hrefs:
        page.goto(server + href)
        if page.locator("#cases a[href^='/cases/open/']").count():
            return int(re.search(r"/children/(\d+)/", href).group(1))
    raise AssertionError("no child due without a case")
