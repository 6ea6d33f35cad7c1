"""Where the district stands, as a district officer finds it (docs/domain.md §11): the dashboard
from the menu, its charts drawn (and their tables), a click on a 街镇's bar to drill down, then a
居民区 from the table; the figures as a spreadsheet; the month's report made and downloaded as
xlsx and PDF. Nothing scrolls sideways on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e


def test_a_district_officer_drills_down_and_downloads_the_month_s_report(page, server):
    log_in(page, server, "district_admin")
    open_menu_item(page, "数据看板")
    expect(page.locator("h1")).to_contain_text("长宁区")
    charts = page.locator(".dash-canvas svg")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 10
    assert sideways_overflow(page) == 0
    # A chart's table is one tap away (and always in print).
    first = page.locator(".dash-chart").first
    expect(first.locator(".dash-chart-table")).to_be_hidden()
    first.get_by_role("button", name="显示表格").click()
    expect(first.locator(".dash-chart-table")).to_be_visible()
    page.steps("district")
    # Drill-down by the chart: a bar of 天山路街道 opens its dashboard.
    chart = page.locator("#chart-children\\.below .dash-canvas")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    rows = page.locator("#below tbody tr")
    names = [rows.nth(i).locator("th").inner_text() for i in range(rows.count())]
    index = names.index("天山路街道")
    # Where ECharts drew that bar (its own coordinates, as a person sees it), then a click there.
    x, y = page.evaluate(
        """([node, index]) => {
            const chart = echarts.getInstanceByDom(node);
            const value = chart.getOption().series[0].data[index];
            return chart.convertToPixel({seriesIndex: 0}, [index, value / 2]);
        }""",
        [chart.element_handle(), index],
    )
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.locator("h1")).to_contain_text("天山路街道")
    assert sideways_overflow(page) == 0
    page.steps("subdistrict")
    page.locator("#below tbody a").first.click()
    expect(page.locator("h1")).to_contain_text("居民区")
    expect(page.locator("nav.crumbs")).to_contain_text("天山路街道")
    assert sideways_overflow(page) == 0
    page.steps("community")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载（xlsx）").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.goto(server + "/dashboards/reports/")
    page.locator("#id_area").select_option(label="长宁区")
    page.get_by_role("button", name="生成月报").click()
    expect(page.locator(".messages")).to_contain_text("月报已生成")
    row = page.locator("tbody tr").first
    with page.expect_download() as xlsx:
        row.get_by_role("link", name="xlsx").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as pdf:
        row.get_by_role("link", name="PDF").click()
    assert re.search(r"\.pdf$", pdf.value.suggested_filename)
    assert sideways_overflow(page) == 0
    page.steps("reports")
