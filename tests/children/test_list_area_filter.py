"""The children list's area filters, as the case list's (tests/cases/test_list_area_filter.py):
district staff choose a 街镇, then one of its 居民区; the 居民区 select offers the chosen 街镇's
only, any 居民区 the user sees is still understood, and the export follows the filters."""

from tests.cases.test_list_area_filter import options
from tests.conftest import api_client, web_client
from tests.helpers import streamed_sheet


def names(html: str, *children) -> set[str]:
    return {c.name for c in children if c.name in html}


def test_district_staff_filter_by_subdistrict_then_community(
    district_officer, areas, child_a, child_b, child_c
):
    client = web_client(district_officer)
    first = client.get("/children/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert options(first, "subdistrict") == ["全部", "天山路街道", "仙霞新村街道"]
    assert options(first, "community") == ["全部"]
    assert names(first, child_a, child_b, child_c) == {child_a.name, child_b.name, child_c.name}

    tianshan = client.get(f"/children/?subdistrict={areas['tianshan'].pk}").content.decode()
    assert options(tianshan, "community") == ["全部", "测试乙居民区", "测试甲居民区"]
    assert names(tianshan, child_a, child_b, child_c) == {child_a.name, child_b.name}

    one = client.get(f"/children/?community={areas['community_b'].pk}").content.decode()
    assert options(one, "community") == ["全部", "测试乙居民区", "测试甲居民区"]
    assert names(one, child_a, child_b, child_c) == {child_b.name}


def test_a_supervisor_has_no_subdistrict_filter_and_every_community(supervisor, child_a):
    html = web_client(supervisor).get("/children/").content.decode()
    assert 'name="subdistrict"' not in html
    assert options(html, "community") == [
        "全部",
        "天山路街道 · 测试乙居民区",
        "天山路街道 · 测试甲居民区",
    ]


def test_a_subdistrict_out_of_scope_filters_nothing_and_says_so(
    supervisor, district_officer, areas, child_a, child_c
):
    """The supervisor's form has no 街镇 field, so a 街镇 in the address is ignored; district
    staff's refuses one it does not list."""
    page = web_client(supervisor).get(f"/children/?subdistrict={areas['xianxia'].pk}")
    assert names(page.content.decode(), child_a, child_c) == {child_a.name}
    page = web_client(district_officer).get("/children/?subdistrict=999999")
    html = page.content.decode()
    assert page.status_code == 200
    assert "部分筛选条件无法识别" in html
    assert names(html, child_a, child_c) == {child_a.name, child_c.name}


def test_the_export_has_the_subdistricts_children_only(
    district_officer, areas, child_a, child_b, child_c
):
    response = web_client(district_officer).get(
        "/children/export.xlsx", {"subdistrict": areas["xianxia"].pk}
    )
    assert {row[0] for row in streamed_sheet(response)[1:]} == {child_c.name}


def test_the_api_and_its_export_filter_by_subdistrict(district_officer, areas, child_a, child_c):
    client = api_client(district_officer)
    body = client.get("/api/v1/children/", {"subdistrict": areas["xianxia"].pk}).json()
    assert [row["id"] for row in body["results"]] == [child_c.pk]
    export = client.get("/api/v1/children/export/", {"subdistrict": areas["xianxia"].pk})
    assert {row[0] for row in streamed_sheet(export)[1:]} == {child_c.name}
    bad = client.get("/api/v1/children/", {"subdistrict": "abc"})
    assert bad.status_code == 400 and "subdistrict" in bad.json()
