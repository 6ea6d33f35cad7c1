"""The case list's area filters. District staff choose a 街镇, then one of its 居民区: the list
of 居民区 offers the chosen 街镇's only (a city's district has a thousand), while any 居民区 the
user sees is still understood, e.g. from a link. Someone with one 街镇 sees no 街镇 filter."""

import re

from tests.conftest import api_client, web_client


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r">([^<]+)</option>", select.group(1)) if select else []


def references(html: str, *cases) -> set[str]:
    return {c.reference for c in cases if c.reference in html}


def test_district_staff_choose_a_subdistrict_before_its_communities(
    district_officer, areas, case_a, case_c
):
    client = web_client(district_officer)
    first = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert options(first, "subdistrict") == ["全部", "天山路街道", "仙霞新村街道"]
    assert options(first, "community") == ["全部"]
    chosen = client.get(f"/cases/?subdistrict={areas['tianshan'].pk}").content.decode()
    assert options(chosen, "community") == ["全部", "测试乙居民区", "测试甲居民区"]
    assert references(chosen, case_a, case_c) == {case_a.reference}


def test_a_community_from_a_link_filters_and_offers_its_neighbours(
    district_officer, areas, case_a, case_c
):
    page = web_client(district_officer).get(f"/cases/?community={areas['community_c'].pk}")
    html = page.content.decode()
    assert options(html, "community") == ["全部", "测试丙居民区"]
    assert references(html, case_a, case_c) == {case_c.reference}


def test_a_subdistrict_out_of_scope_is_refused_not_shown(
    supervisor, district_officer, areas, case_c
):
    """The supervisor's one 街镇 gives no 街镇 filter; district staff's filter refuses an id it
    does not list, and the page says the filter was ignored."""
    html = web_client(supervisor).get("/cases/").content.decode()
    assert 'name="subdistrict"' not in html
    for odd in ("999999", "²", "9" * 30):
        page = web_client(district_officer).get(f"/cases/?subdistrict={odd}&community={odd}")
        assert page.status_code == 200, odd
        assert "部分筛选条件无法识别" in page.content.decode(), odd


def test_the_api_filters_by_subdistrict(district_officer, areas, case_a, case_c):
    client = api_client(district_officer)
    body = client.get(f"/api/v1/cases/?subdistrict={areas['xianxia'].pk}").json()
    assert [row["id"] for row in body["results"]] == [case_c.pk]
    assert client.get("/api/v1/cases/?subdistrict=abc").status_code == 400


def test_another_subdistrict_chosen_drops_the_last_ones_community(
    district_officer, areas, case_a, case_c
):
    """The 街镇 changed with the last 街镇's 居民区 still in the form: the list is the new 街镇's,
    as its 居民区 select (set to "all") says, not an empty list."""
    url = f"/cases/?subdistrict={areas['xianxia'].pk}&community={areas['community_a'].pk}"
    page = web_client(district_officer).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert options(html, "community") == ["全部", "测试丙居民区"]
    assert "selected>测试丙居民区" not in html
    assert references(html, case_a, case_c) == {case_c.reference}
    assert "部分筛选条件无法识别" not in html
