"""The district's area pages (/administration/areas/): the tree with its counts, create,
rename, merge and close, in Chinese; district staff of the district only — anyone else, and
any area of another district, gets 404 as if it did not exist."""

import pytest

from tests.conftest import _user, web_client
from weibao.accounts.models import Role
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.children.models import Child
from weibao.children.tallies import tallies_refresh

AREAS = "/administration/areas/"


@pytest.fixture
def other_district(db):
    district = Area.objects.create(name="徐汇区", code="310104", level="district")
    sub = Area.objects.create(name="徐家汇街道", code="310104001", level="subdistrict",
                              parent=district)  # fmt: skip
    community = Area.objects.create(name="测试丁居民区", level="community", parent=sub)
    staff = _user("xuhui_staff", Role.DISTRICT_STAFF, district)
    return {"district": district, "subdistrict": sub, "community": community, "staff": staff}


def _urls(area: Area) -> list[str]:
    return [f"{AREAS}{area.pk}/", f"{AREAS}{area.pk}/close/", f"{AREAS}{area.pk}/merge/"]


def test_the_tree_shows_each_subdistrict_its_communities_and_their_counts(
    district_officer, child_a, director_a, make_child, areas
):
    make_child("community_a", name="李二")
    tallies_refresh()
    html = web_client(district_officer).get(AREAS).content.decode()
    assert "区域管理" in html
    for name in ("天山路街道", "仙霞新村街道", "测试甲居民区", "测试乙居民区", "测试丙居民区"):
        assert name in html
    row = html[html.index(f'id="area-{areas["community_a"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'?community={areas["community_a"].pk}">2</a>' in row
    # 居民区 B has no 儿童主任: marked.
    row_b = html[html.index(f'id="area-{areas["community_b"].pk}"') :]
    assert 'class="num warn">0<' in row_b[: row_b.index("</tr>")]


@pytest.mark.parametrize("n", [3, 20])
def test_the_tree_costs_the_same_queries_however_many_communities(
    n, district_officer, areas, django_assert_max_num_queries
):
    for i in range(n):
        Area.objects.create(name=f"加{i}居民区", level="community", parent=areas["tianshan"])
    tallies_refresh()
    client = web_client(district_officer)
    client.get(AREAS)
    with django_assert_max_num_queries(16):
        assert client.get(AREAS).status_code == 200


@pytest.mark.parametrize(
    "persona", ["supervisor", "station_staff", "director_a", "unassigned", "sysadmin"]
)
def test_only_district_staff_reach_the_area_pages(request, persona, areas):
    user = (
        _user("root", Role.SYSADMIN) if persona == "sysadmin" else request.getfixturevalue(persona)
    )
    client = web_client(user)
    for url in [AREAS, *_urls(areas["community_a"])]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"{AREAS}new/", {"kind": "community"}).status_code == 404
    assert client.post(f"{AREAS}{areas['community_b'].pk}/close/").status_code == 404
    assert Area.objects.get(pk=areas["community_b"].pk).closed_at is None


def test_anonymous_visitors_are_sent_to_sign_in(areas):
    response = web_client(None).get(AREAS)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_districts_area_answers_404_as_a_missing_one(other_district, areas):
    client = web_client(other_district["staff"])
    for url in _urls(areas["community_a"]):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "越权"}).status_code == 404
    ours = client.get(f"{AREAS}{areas['community_a'].pk}/")
    assert ours.status_code == client.get(f"{AREAS}999999/").status_code == 404
    assert "测试甲居民区" not in ours.content.decode()
    assert Area.objects.get(pk=areas["community_a"].pk).name == "测试甲居民区"


def test_district_staff_create_a_community_on_the_page(district_officer, areas):
    response = web_client(district_officer).post(
        f"{AREAS}new/",
        {
            "kind": "community",
            "community-parent": areas["tianshan"].pk,
            "community-name": "新华居民区",
            "community-code": "",
        },
    )
    assert response.status_code == 302
    area = Area.objects.get(name="新华居民区")
    assert area.parent == areas["tianshan"] and area.level == "community"
    assert AuditEvent.objects.filter(action="area.create", object_id=str(area.pk)).exists()


def test_a_refused_creation_keeps_what_was_typed_and_says_why_in_chinese(district_officer, areas):
    response = web_client(district_officer).post(
        f"{AREAS}new/",
        {
            "kind": "subdistrict",
            "subdistrict-parent": areas["district"].pk,
            "subdistrict-name": "新街道",
            "subdistrict-code": "12",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "行政区划代码为 9 位数字" in html
    assert 'value="新街道"' in html
    assert not Area.objects.filter(name="新街道").exists()


def test_a_parent_of_another_district_is_not_offered(district_officer, other_district):
    response = web_client(district_officer).post(
        f"{AREAS}new/",
        {
            "kind": "community",
            "community-parent": other_district["subdistrict"].pk,
            "community-name": "越界居民区",
        },
    )
    assert response.status_code == 200
    assert response.context["community_form"].errors["parent"]
    assert not Area.objects.filter(name="越界居民区").exists()


def test_district_staff_rename_on_the_page(district_officer, areas):
    url = f"{AREAS}{areas['community_b'].pk}/"
    assert web_client(district_officer).post(url, {"name": "乙新村", "code": ""}).status_code == 302
    assert Area.objects.get(pk=areas["community_b"].pk).name == "乙新村"


def test_the_close_page_asks_where_the_children_move_among_the_same_subdistrict(
    district_officer, child_a, areas
):
    client = web_client(district_officer)
    response = client.get(f"{AREAS}{areas['community_a'].pk}/close/")
    choices = {a.name for a in response.context["form"].fields["move_to"].queryset}
    assert choices == {"测试乙居民区"}
    assert "在册儿童 1 名" in response.content.decode()
    refused = client.post(f"{AREAS}{areas['community_a'].pk}/close/", {})
    assert refused.status_code == 200
    assert "请选择其儿童转入的居民区" in refused.content.decode()
    done = client.post(
        f"{AREAS}{areas['community_a'].pk}/close/", {"move_to": areas["community_b"].pk}
    )
    assert done.status_code == 302
    assert Child.objects.get(pk=child_a.pk).community == areas["community_b"]
    assert Area.objects.get(pk=areas["community_a"].pk).closed_at is not None


def test_an_empty_community_closes_without_a_question(district_officer, areas):
    client = web_client(district_officer)
    page = client.get(f"{AREAS}{areas['community_b'].pk}/close/").content.decode()
    assert 'name="move_to"' not in page
    assert client.post(f"{AREAS}{areas['community_b'].pk}/close/", {}).status_code == 302
    assert Area.objects.get(pk=areas["community_b"].pk).closed_at is not None


def test_merging_on_the_page_and_the_closed_area_leaves_the_tree(
    district_officer, child_a, director_a, areas
):
    client = web_client(district_officer)
    response = client.post(
        f"{AREAS}{areas['community_a'].pk}/merge/", {"into": areas["community_b"].pk}
    )
    assert response.status_code == 302
    tree = client.get(AREAS)
    html = tree.content.decode()
    tree_part = html[: html.index('class="closed-areas"')]
    assert f'id="area-{areas["community_a"].pk}"' not in tree_part
    assert "已撤销的地区 1 个" in html and "并入 测试乙居民区" in html
    detail = client.get(f"{AREAS}{areas['community_a'].pk}/").content.decode()
    assert "已并入 测试乙居民区" in detail


def test_a_blocked_step_is_said_on_the_page_before_trying(district_officer, make_report, areas):
    make_report()
    Area.objects.filter(parent=areas["tianshan"]).update(closed_at="2026-01-01T00:00:00Z")
    page = web_client(district_officer).get(f"{AREAS}{areas['tianshan'].pk}/close/")
    html = page.content.decode()
    assert "未办结的强制报告" in html and "disabled" in html


def test_a_new_district_is_offered_its_first_subdistrict_before_any_community(db):
    """On a new installation the district has no 街镇: the page offers the 街镇's form first,
    its district already chosen (the one choice), and says a 居民区 comes after."""
    district = Area.objects.create(name="长宁区", code="310105", level="district")
    staff = _user("first_staff", Role.DISTRICT_STAFF, district)
    html = web_client(staff).get(AREAS).content.decode()
    assert html.index('id="new-subdistrict"') < html.index('id="new-community"')
    assert "请先新建街镇" in html
    assert 'name="community-name"' not in html
    # The one option, with no empty one before it: the browser shows it chosen.
    assert f'<option value="{district.pk}">长宁区</option>' in html
    assert "---------" not in html
    assert "9 位行政区划代码" in html


def test_once_there_is_a_subdistrict_the_community_form_comes_first(district_officer, areas):
    html = web_client(district_officer).get(AREAS).content.decode()
    assert html.index('id="new-community"') < html.index('id="new-subdistrict"')
    assert 'name="community-name"' in html and "请先新建街镇" not in html
