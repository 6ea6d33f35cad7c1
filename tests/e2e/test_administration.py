"""A district officer keeps the area tree and the accounts in the product's own pages, without
the framework admin: a new 居民区, then a 儿童主任's account on it, whose one-time link sets the
newcomer's password; a new 街镇 merged into another, its 居民区 moving with it; the system
administrator's menu has no children's work."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import log_in, open_menu_item, sideways_overflow

pytestmark = pytest.mark.e2e


def test_a_district_officer_adds_a_residential_area_and_its_directors_account(
    page, server, width, open_page
):
    area_name = f"演示·新建居民区{width}"
    username = f"e2e_area_director_{width}"
    log_in(page, server, "district_admin")
    open_menu_item(page, "区域管理")
    expect(page.locator("h1")).to_have_text("区域管理")
    page.steps("areas")
    assert sideways_overflow(page) == 0
    form = page.locator("form#new-community")
    parent = form.locator("select[name$=parent]")
    parent.select_option(form.locator("option", has_text="天山路街道").first.get_attribute("value"))
    form.locator("input[name$=name]").fill(area_name)
    form.get_by_role("button", name="新建").click()
    expect(page.locator("main")).to_contain_text(area_name)
    page.steps("area-created")

    open_menu_item(page, "人员与角色")
    page.get_by_role("link", name="添加人员").click()
    invite = page.locator("form#invite")
    invite.locator("input[name=username]").fill(username)
    invite.locator("input[name=full_name]").fill(f"演示·新儿童主任{width}")
    invite.locator("select[name=role]").select_option("director")
    area = invite.locator("select[name=area] option", has_text=area_name)
    invite.locator("select[name=area]").select_option(area.get_attribute("value"))
    invite.get_by_role("button", name="创建账号").click()
    link = page.locator("code#link").inner_text()
    assert "/accounts/set-password/" in link
    page.steps("link-shown")
    assert sideways_overflow(page) == 0

    newcomer = open_page(390)
    newcomer.goto(link)
    password = "e2e-area-director-2026"
    newcomer.locator("input[name=new_password1]").fill(password)
    newcomer.locator("input[name=new_password2]").fill(password)
    newcomer.locator("main form button").click()
    newcomer.wait_for_url(re.compile(r"/accounts/login/"))
    form = newcomer.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button").click()
    newcomer.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    expect(newcomer.locator(".who")).to_have_count(1)
    newcomer.steps("newcomer-signed-in")
    # The link worked once.
    newcomer.goto(link)
    expect(newcomer.locator("main")).to_contain_text("此链接已失效")


def test_the_system_administrator_sees_no_childrens_work(page, server, width):
    log_in(page, server, "admin")
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible():
        toggle.click()
    nav = page.locator("#mainnav")
    expect(nav.get_by_role("link", name="系统管理")).to_be_visible()
    for label in ("儿童档案", "走访工作台", "强制报告", "个案"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)
    page.goto(f"{server}/admin/")
    expect(page.locator("body")).to_contain_text("未保 系统管理")
    page.steps("admin")


def test_a_district_officer_merges_a_subdistrict_into_another(page, server, width):
    """A new 街镇 with one 居民区 merges into 天山路: the 居民区 moves there by its name, the
    街镇 closes, merged; the moved 居民区, empty, is then closed (so the demo stays as it was)."""
    suffix = "901" if width == "phone" else "902"
    sub_name, community_name = f"演示·并入街道{width}", f"演示·随迁居民区{width}"
    log_in(page, server, "district_admin")
    page.goto(server + "/administration/areas/")
    new_sub = page.locator("form#new-subdistrict")
    changning = new_sub.locator("option", has_text="长宁区").first.get_attribute("value")
    new_sub.locator("select[name$=parent]").select_option(changning)
    new_sub.locator("input[name$=name]").fill(sub_name)
    new_sub.locator("input[name$=code]").fill(f"310105{suffix}")
    new_sub.get_by_role("button", name="新建").click()
    expect(page.locator("main")).to_contain_text(sub_name)
    form = page.locator("form#new-community")
    parent = form.locator("select[name$=parent]")
    parent.select_option(form.locator("option", has_text=sub_name).first.get_attribute("value"))
    form.locator("input[name$=name]").fill(community_name)
    form.get_by_role("button", name="新建").click()
    expect(page.locator("main")).to_contain_text(community_name)

    page.locator("main").get_by_role("link", name=sub_name, exact=True).click()
    page.get_by_role("link", name="并入其他街镇").click()
    expect(page.locator("h1")).to_contain_text("并入其他街镇")
    expect(page.locator("li.merge-communities")).to_contain_text(community_name)
    page.steps("merge-page")
    assert sideways_overflow(page) == 0
    merge = page.locator("form#merge")
    into = merge.locator("select[name=into]")
    into.select_option(merge.locator("option", has_text="天山路街道").first.get_attribute("value"))
    merge.get_by_role("button", name="合并").click()
    expect(page.locator(".messages")).to_contain_text(f"{sub_name} 已并入 天山路街道")
    heading = page.locator("h3", has_text="天山路街道")
    tianshan = heading.locator("xpath=following-sibling::table[1]")
    expect(tianshan).to_contain_text(community_name)
    page.steps("merged")

    row = tianshan.locator("tr", has_text=community_name)
    row.get_by_role("link", name="撤销").click()
    page.get_by_role("button", name="确认撤销").click()
    expect(page.locator(".messages")).to_contain_text(f"{community_name} 已撤销")
    expect(page.locator("details.closed-areas")).to_contain_text(sub_name)
