"""A register brought in from a spreadsheet, and a child's archive printed, as people do it:
the supervisor of 天山路 uploads the sample register on a phone, reads the dry run (16 new, 7
refused, each with its reason), imports it and downloads the refused rows, then a second
register whose row may be a child just imported, and says on the possible-duplicates page that
the two are not one child; a 儿童主任 prints a
child's archive as PDF from the child's page (docs/domain.md §3.13, §11). Nothing scrolls
sideways on a phone."""

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import first_link, log_in, sideways_overflow
from weibao.children import idnumber

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "import-sample.csv"


def _wait_for(page, words: str) -> None:
    """The status page refreshes itself while the job runs; wait until it says `words`."""
    expect(page.locator("main")).to_contain_text(words, timeout=60_000)


def test_a_supervisor_imports_the_sample_register_on_a_phone(open_page, server, tmp_path):
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

    # A second register names 测试样例甲 (born 2012-01-03) under another ID number: the dry run
    # says it may be the child just imported (docs/domain.md §10), the import registers it, and
    # the pair waits on the possible-duplicates page for a person to say it is not one child.
    other = idnumber.make("320102", dt.date(2012, 1, 3), 7, "F")
    second = tmp_path / "second.csv"
    second.write_text(
        f"姓名,性别,身份证号,出生日期,居民区\n测试样例甲,女,{other},2012-01-03,天山路第01居民区\n",
        encoding="utf-8",
    )
    page.goto(server + "/imports/upload/")
    page.locator("input[type=file]").set_input_files(second)
    page.get_by_role("button", name="上传").click()
    page.get_by_role("button", name="试运行").click()
    _wait_for(page, "试运行完成")
    if "无变化: 1" not in page.locator("main").inner_text().replace("：", ": "):
        expect(page.locator("table")).to_contain_text("测试样例甲是同一人")
        page.get_by_role("button", name="立即导入").click()
        _wait_for(page, "已导入")
    page.goto(server + "/duplicates/")
    pair = page.locator("tbody tr", has_text="测试样例甲").first
    expect(pair).to_be_visible()
    assert sideways_overflow(page) == 0
    pair.get_by_role("link").last.click()
    if page.get_by_role("button", name="不是同一人").count():
        page.get_by_role("button", name="不是同一人").click()
    expect(page.locator(".messages")).to_contain_text("不会再次提示")
    page.steps("pair-dismissed")


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
