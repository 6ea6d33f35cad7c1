"""A step whose precondition is not met is shown disabled with the reason beside it: nobody
fills in a form that can only be refused."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import first_link, log_in, sideways_overflow

pytestmark = pytest.mark.e2e


def test_starting_the_intervention_without_a_plan_is_disabled_with_the_way_forward(
    page, server, width
):
    log_in(page, server, "tianshan_director_1")
    case_url = first_link(page, server, "/cases/?stage=assessed", r"/cases/\d+/")
    page.steps("assessed-cases")
    page.goto(server + case_url)
    action = page.locator("details.action-intervene")
    expect(action).to_have_attribute("open", "")
    expect(action.locator("button.primary")).to_be_disabled()
    expect(action.locator(".blocked-reason")).to_contain_text("一人一策")
    page.steps("intervene-disabled")
    action.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/plan/$"))
    page.steps("plan-form")
    assert sideways_overflow(page) == 0
