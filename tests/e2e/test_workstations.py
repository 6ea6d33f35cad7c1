"""The workstations as their users meet them, at a phone's and a desktop's width: a supervisor
records a station of their 街镇, its zones (refused in words first) and evidence for an item of
"八个一"; the district reviews it, never the person who put it together (four eyes); the
district's coverage grid shows the story's 50% and downloads as xlsx; and the display wall,
without signing in, lists the stations by 街镇, shows a station on a phone with the ways to report
harm and no child's name, and prints as a one-page A3 poster with its QR code.

The suite shares one demo server: these tests add stations of their own (planned ones in 天山路,
named uniquely) and act on those, so the five operating stations — and the 50% — stay as the
demo made them, whatever order the tests run in."""

import io
import re
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.browser import log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e

SUPERVISOR = "tianshan_supervisor"
ITEM = "procedures"  # 一套制度流程: evidence the station gives (no computed evidence)
TIANSHAN_STATION = "演示·天山路街道未成年人保护工作站"
OPERATING = ["天山路街道", "周家桥街道", "新泾镇", "江苏路街道", "仙霞新村街道"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def picture() -> bytes:
    """A small real PNG (the upload check decodes it)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (11, 110, 79)).save(out, "PNG")
    return out.getvalue()


def field_error(page: Page, name: str):
    return page.locator(f"[data-errors-for={name}] .error")


def record_a_station(page: Page, server: str) -> tuple[str, str]:
    """As the signed-in supervisor: record a new planned station of their 街镇 from the list
    page; its (name, address of its page)."""
    open_menu_item(page, "未保工作站")
    expect(page.locator("h1")).to_contain_text("未保工作站")
    page.get_by_role("link", name="登记工作站").click()
    name = f"演示·天山路第二工作站（测试{uuid.uuid4().hex[:6]}）"
    form = page.locator("form.station-form")
    option = form.locator("select[name=subdistrict] option", has_text="天山路")
    form.locator("select[name=subdistrict]").select_option(option.get_attribute("value"))
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=host_facility]").select_option("party_centre")
    form.locator("input[name=address]").fill("演示地址：天山路党群服务中心二楼")
    form.locator("input[name=opening_hours]").fill("周一至周五 9:00–17:00")
    form.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("工作站已登记")
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("h1 .tag")).to_have_text("计划中")
    return name, page.url.removeprefix(server)


def fill_evidence(page: Page, note: str) -> None:
    """The evidence form of an item's page: met, with a note, submitted."""
    form = page.locator(f"form[action$='/items/{ITEM}/']")
    form.locator("label", has=page.locator("input[name=self_assessment][value=met]")).click()
    form.get_by_label("备注").fill(note)
    form.get_by_role("button", name="提交佐证材料").click()


def submit_evidence(page: Page, server: str, station_path: str, note: str) -> None:
    """As a keeper: the item's self-assessment and note, submitted for review."""
    page.goto(f"{server}{station_path}items/{ITEM}/")
    expect(page.locator("h1")).to_contain_text("一套制度流程")
    fill_evidence(page, note)
    expect(page.locator(".messages")).to_contain_text("佐证材料已提交，等待审核")


def test_a_supervisor_records_a_station_its_zones_and_evidence(page, server, width):
    log_in(page, server, SUPERVISOR)
    open_menu_item(page, "未保工作站")
    expect(page).to_have_url(f"{server}/stations/")
    # Their own 街镇's operating station is on the list, and opens.
    page.locator("main").get_by_role("link", name=TIANSHAN_STATION).click()
    expect(page.locator("h1")).to_contain_text(TIANSHAN_STATION)
    expect(page.locator("h1 .tag")).to_have_text("运行中")
    expect(page.locator("p.standard-ok")).to_be_visible()
    page.steps("their-station")
    assert sideways_overflow(page) == 0

    name, station = record_a_station(page, server)
    page.steps("recorded")
    assert sideways_overflow(page) == 0

    # planned → building, from the station's page.
    page.locator(".station-moves").get_by_role("button", name="开始建设").click()
    expect(page.locator(".messages")).to_contain_text("当前状态：建设中")
    expect(page.locator("h1 .tag")).to_have_text("建设中")

    # A zone: refused in words next to the field, what was typed kept.
    page.locator("#zones").get_by_role("link", name="添加区域").click()
    expect(page.locator("h1")).to_contain_text("添加区域")
    page.locator("select[name=kind]").select_option("counselling")
    page.locator("input[name=purpose]").fill("一对一心理疏导（演示）")
    page.locator("input[name=area]").fill("-5")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".errors")).to_contain_text("请更正下方标出的字段")
    expect(field_error(page, "name")).to_be_visible()
    assert CJK.search(field_error(page, "name").inner_text())
    expect(page.locator("input[name=purpose]")).to_have_value("一对一心理疏导（演示）")
    expect(page.locator("input[name=area]")).to_have_value("-5")
    expect(page.locator("select[name=kind]")).to_have_value("counselling")
    zone = f"心理辅导室{uuid.uuid4().hex[:4]}"
    page.locator("input[name=name]").fill(zone)
    page.get_by_role("button", name="保存").click()
    expect(field_error(page, "area")).to_have_text("请填写面积（平方米），例如120或35.5。")
    expect(page.locator("input[name=name]")).to_have_value(zone)
    expect(page.locator("input[name=area]")).to_have_value("-5")
    page.steps("zone-refused")
    assert sideways_overflow(page) == 0
    page.locator("input[name=area]").fill("18.5")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("功能区域已添加")
    row = page.locator("#zones tr", has_text=zone)
    expect(row).to_contain_text("独立心理辅导室")
    expect(row).to_contain_text("18.5")
    page.steps("zone-added")
    assert sideways_overflow(page) == 0

    # Evidence for 一套制度流程: a note and a picture, submitted for the district's review.
    page.locator("#items").get_by_role("link", name="一套制度流程").click()
    expect(page.locator("h1")).to_contain_text("一套制度流程")
    expect(page.locator("h1")).to_contain_text(name)
    fill_evidence(page, "【演示】制度上墙，流程图见附件。")
    expect(page.locator(".messages")).to_contain_text("佐证材料已提交，等待审核")
    page.locator("form.attach-form input[type=file]").set_input_files(
        {"name": "制度流程图.png", "mimeType": "image/png", "buffer": picture()}
    )
    page.get_by_role("button", name="添加文件").click()
    expect(page.locator(".messages")).to_contain_text("文件已添加")
    expect(page.locator("ul.attachments")).to_contain_text("制度流程图.png")
    expect(page.locator("main")).to_contain_text("【演示】制度上墙，流程图见附件。")
    expect(page.locator("main p .cell").first).to_contain_text("已提交，待审核")
    # The review is the district's: the supervisor has no button for it.
    expect(page.get_by_role("button", name="记录审核结论")).to_have_count(0)
    page.steps("evidence-submitted")
    assert sideways_overflow(page) == 0

    # Back on the station's page the item reads as awaiting review, in words.
    page.locator("main").get_by_role("link", name=name).click()
    item_row = page.locator("#items tr", has_text="一套制度流程")
    expect(item_row).to_contain_text("已提交，待审核")
    assert page.url.removeprefix(server).split("#")[0] == station


def test_the_district_reviews_an_item_but_never_one_it_put_together(open_page, server, width):
    px = 390 if width == "phone" else 1366
    supervisor = open_page(px)
    log_in(supervisor, server, SUPERVISOR)
    name, station = record_a_station(supervisor, server)
    submit_evidence(supervisor, server, station, "【演示】制度汇编已印发。")
    expect(supervisor.get_by_role("button", name="记录审核结论")).to_have_count(0)

    district = open_page(px)
    log_in(district, server, "district_admin")
    open_menu_item(district, "未保工作站")
    district.locator("main").get_by_role("link", name=name).click()
    district.locator("#items").get_by_role("link", name="一套制度流程").click()
    expect(district.locator("main")).to_contain_text("【演示】制度汇编已印发。")
    review = district.locator("#review")
    expect(review).to_contain_text("尚未审核。")
    review.locator("label", has=district.locator("input[name=decision][value=passed]")).click()
    review.get_by_label("备注").fill("【演示】现场核查，制度齐全。")
    district.steps("reviewing")
    assert sideways_overflow(district) == 0
    review.get_by_role("button", name="记录审核结论").click()
    expect(district.locator(".messages")).to_contain_text("审核结论已记录")
    history = district.locator("#review ul.history li").first
    expect(history).to_contain_text("已通过")
    expect(history).to_contain_text("【演示】现场核查，制度齐全。")
    expect(district.locator("main p .cell").first).to_contain_text("已通过")
    district.steps("reviewed")
    assert sideways_overflow(district) == 0

    # The supervisor sees the pass, and still no review button.
    supervisor.reload()
    expect(supervisor.locator("main p .cell").first).to_contain_text("已通过")
    expect(supervisor.get_by_role("button", name="记录审核结论")).to_have_count(0)

    # Four eyes: evidence the district officer put together themselves is for another to review.
    submit_evidence(district, server, station, "【演示】区里代为补充的材料。")
    expect(district.locator("#review .notice")).to_contain_text("双人复核")
    expect(district.get_by_role("button", name="记录审核结论")).to_have_count(0)
    district.steps("four-eyes")
    assert sideways_overflow(district) == 0


def test_the_district_sees_coverage_by_item_and_downloads_it(page, server, width, tmp_path):
    log_in(page, server, "district_admin")
    open_menu_item(page, "工作站覆盖情况")
    expect(page).to_have_url(re.compile(r"/stations/coverage/"))
    expect(page.locator("h1")).to_contain_text("工作站覆盖情况")
    expect(page.locator(".stat.big .n")).to_have_text("50%")
    expect(page.locator(".stat.big")).to_contain_text("10个街镇中有5个建成达标工作站")
    grid = page.locator("table.coverage-grid")
    headers = grid.locator("thead th").all_inner_texts()
    for wording in ("一支工作队伍", "一套制度流程", "一面展示墙"):
        assert wording in headers
    rows = grid.locator("tbody tr")
    expect(rows).to_have_count(10)
    for subdistrict in OPERATING:
        row = rows.filter(has=page.locator("th", has_text=subdistrict))
        expect(row.locator("td").last).to_have_text("是")
        expect(row.locator(".cell-green")).to_have_count(9)  # 8 items passed, and "是"
    assert grid.locator("tbody tr td:last-child").all_inner_texts().count("是") == 5
    # Every cell says its state in words, not by colour alone.
    for text in grid.locator("tbody .cell").all_inner_texts():
        assert CJK.search(text), text
    page.steps("coverage")
    assert sideways_overflow(page) == 0

    with page.expect_download() as download:
        page.get_by_role("link", name="下载（xlsx）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / "coverage.xlsx"
    download.value.save_as(saved)
    cells = [str(c) for ws in load_workbook(saved) for row in ws.iter_rows(values_only=True)
             for c in row if c is not None]  # fmt: skip
    assert any("天山路街道" in c for c in cells)
    assert any("一套制度流程" in c for c in cells)


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF as Chromium writes it (uncompressed page objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def test_the_display_wall_shows_a_station_to_anyone_and_prints_as_a_poster(
    page, server, width, open_page
):
    # A few demo children's names, as their supervisor sees them (the wall must show none).
    supervisor = open_page(1366)
    log_in(supervisor, server, SUPERVISOR)
    supervisor.goto(f"{server}/children/")
    names = [n.strip() for n in supervisor.locator("main tbody td:first-child a").all_inner_texts()]
    assert len(names) >= 5

    page.goto(f"{server}/wall/")
    expect(page).to_have_url(f"{server}/wall/")  # no sign-in asked
    expect(page.locator("h1")).to_have_text("未成年人保护工作站")
    wall = page.locator(".wall-list")
    expect(wall.locator("h2")).to_contain_text(["长宁区"])
    for subdistrict in OPERATING:
        expect(wall.locator("a", has_text=subdistrict)).to_have_count(1)
    page.steps("wall")
    assert sideways_overflow(page) == 0

    wall.locator("a", has_text="天山路街道").click()
    expect(page).to_have_url(re.compile(r"/wall/\d+/$"))
    wall_url = page.url
    main = page.locator("main")
    expect(page.locator("h1")).to_have_text(TIANSHAN_STATION)
    expect(main).to_contain_text("天山四村122号")
    expect(main).to_contain_text("周一至周日 8:30–20:30")
    expect(page.locator(".wall-zones")).to_contain_text("伴·心理陪伴室")
    expect(page.locator(".wall-items li")).to_have_count(8)
    expect(page.locator(".wall-items")).to_contain_text("一支工作队伍")
    expect(main).to_contain_text("本工作站已达标。")
    # The ways to report harm: the public report door, the police and the youth hotline.
    expect(main.locator("a[href='/report/']").first).to_be_visible()
    expect(page.locator(".hotlines")).to_contain_text("110")
    expect(page.locator(".hotlines")).to_contain_text("12355")
    # No child anywhere: no name, no link to a child's file.
    text = main.inner_text()
    assert not [n for n in names if n in text]
    expect(page.locator("a[href*='/children/']")).to_have_count(0)
    page.steps("station")
    assert sideways_overflow(page) == 0

    page.get_by_role("link", name="打印为海报（A3）").click()
    expect(page).to_have_url(re.compile(r"/wall/\d+/poster/$"))
    expect(page.locator(".poster h1")).to_have_text(TIANSHAN_STATION)
    expect(page.locator(".qr-box svg")).to_be_visible()
    expect(page.locator(".poster-side")).to_contain_text(wall_url)
    expect(page.locator(".poster-foot")).to_contain_text("110")
    expect(page.locator(".poster-foot")).to_contain_text("12355")
    assert not [n for n in names if n in page.locator("main").inner_text()]
    page.steps("poster")
    assert sideways_overflow(page) == 0
    pdf = page.pdf(format="A3", print_background=True)
    Path(page.steps.folder / "poster.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf) == 1


def test_the_station_page_shows_the_honours_of_the_subdistricts_people(page, server, width):
    """The demo's award of a 天山路 儿童主任 on its station's page: name, honour, year."""
    log_in(page, server, SUPERVISOR)
    open_menu_item(page, "未保工作站")
    page.locator("main").get_by_role("link", name=TIANSHAN_STATION).click()
    expect(page.locator("h1")).to_contain_text(TIANSHAN_STATION)
    honours = page.locator("section#honours")
    expect(honours.locator("h2")).to_have_text("团队荣誉和奖项")
    row = honours.locator("tr", has_text="征文活动 二等奖")
    expect(row).to_contain_text("2021")
    expect(row).to_contain_text("国家级")
    expect(row.locator("a")).to_contain_text("演示")  # the person's (demo) name, a link
    # 江苏路's award is on its own station's page, not here.
    expect(honours).not_to_contain_text("先进个人")
    honours.scroll_into_view_if_needed()
    assert sideways_overflow(page) == 0
    page.steps("honours")
