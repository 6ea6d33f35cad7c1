"""A register brought in from a spreadsheet, and a child's archive printed, as people do it:
the supervisor of 天山路 uploads the sample register on a phone, reads the dry run (16 new, 7
refused, each with its reason), imports it and downloads the refused rows; a 儿童主任 prints a
child's archive as PDF from the child's page (docs/domain.md §3.13, §11). Nothing scrolls
sideways on a phone."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import first_link, log_in, sideways_overflow

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "import-sample.csv"


def _wait_for(page, words: str) -> None:
    """The status page refreshes itself while the job runs; wait until it says `words`."""
    expect(page.locator("main")).to_contain_text(words, timeout=60_000)


def test_a_supervisor_imports_the_sample_register_on_a_phone(open_page, server):
    page = open_page(390)
    log_in(page, server, "tianshan_supervisor")
    page.goto(server + "/imports/upload/")
    page.locator("input[type=file]").set_input_files(SAMPLE)
    page.get_by_role("button", name="上传").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    page.steps("mapping")
    page.get_by_role("button", name="试运行").click()
    _wait_for(page, "试运行完成")
    summary = page.locator("main").inner_text()
    # A second run of the suite on the same server finds the 16 already registered.
    assert re.search(r"将新增:\s*16", summary) or re.search(r"无变化:\s*16", summary), summary
    assert re.search(r"被拒绝:\s*7", summary), summary
    assert "校验码" in page.locator("table").inner_text()
    assert sideways_overflow(page) == 0
    page.steps("dry-run")
    page.get_by_role("button", name="立即导入").click()
    _wait_for(page, "已导入")
    with page.expect_download() as refused:
        page.get_by_role("link", name="下载被拒绝的行（xlsx）").click()
    assert refused.value.suggested_filename.endswith(".xlsx")
    assert sideways_overflow(page) == 0
    page.steps("imported")


def test_a_director_prints_a_child_s_archive(open_page, server):
    page = open_page(1366)
    log_in(page, server, "tianshan_director_1")
    page.goto(server + first_link(page, server, "/children/", r"/children/\d+/"))
    panel = page.locator("#archive")
    expect(panel).to_be_visible()
    with page.expect_download() as masked:
        panel.get_by_role("link", name="下载档案（敏感信息已遮蔽）").click()
    assert masked.value.suggested_filename.endswith(".pdf")
    with open(masked.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.steps("archive")
