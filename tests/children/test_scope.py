"""children_visible_to is THE scope rule; everything that lists, finds or counts children must
agree with it."""

import datetime as dt

import pytest
from django.http import Http404

from tests.helpers import (
    fast_password_hashing,  # noqa: F401  (autouse fixture)
    id_ending_in_x,
)
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.selectors import areas_visible_to, communities_visible_to
from weibao.areas.models import Area
from weibao.children.categories import Category
from weibao.children.models import Child
from weibao.children.selectors import (
    ChildFilters,
    category_counts,
    child_get_for_user,
    child_list,
    children_visible_to,
    id_number_owner,
)
from weibao.children.services import GuardianInput, child_change_status

VISIBLE = {
    "district_officer": {"a", "b", "c"},
    "supervisor": {"a", "b"},
    "director_a": {"a"},
    "director_b": {"b"},
    "director_elsewhere": {"c"},
    "unassigned": set(),
}


@pytest.fixture
def three(child_a, child_b, child_c):
    return {"a": child_a, "b": child_b, "c": child_c}


def _names(qs) -> set[str]:
    return {c.name for c in qs}


def _user_with(*assignments) -> User:
    user = User.objects.create_user(username=f"u{User.objects.count()}", password="x")
    for role, area in assignments:
        RoleAssignment.objects.create(user=user, role=role, area=area)
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_each_persona_sees_exactly_the_children_of_their_areas(personas, three, persona):
    visible = children_visible_to(personas[persona])
    assert {c.pk for c in visible} == {three[k].pk for k in VISIBLE[persona]}


def test_system_administrator_without_an_area_sees_no_child(three):
    admin = _user_with((Role.SYSADMIN, None))
    assert not children_visible_to(admin).exists()
    assert category_counts(admin)["total"] == 0


def test_superuser_flag_does_not_widen_the_scope(three):
    root = User.objects.create_superuser(username="root", password="x")
    assert not children_visible_to(root).exists()


def test_station_staff_see_their_whole_subdistrict(three, areas):
    staff = _user_with((Role.STATION_STAFF, areas["xianxia"]))
    assert _names(children_visible_to(staff)) == {"王小华"}


def test_user_with_two_assignments_sees_the_union(three, areas):
    user = _user_with((Role.DIRECTOR, areas["community_a"]), (Role.DIRECTOR, areas["community_c"]))
    assert _names(children_visible_to(user)) == {"张小明", "王小华"}
    assert set(communities_visible_to(user)) == {areas["community_a"], areas["community_c"]}


def test_overlapping_assignments_do_not_duplicate_children(three, areas):
    user = _user_with((Role.DIRECTOR, areas["community_a"]), (Role.SUPERVISOR, areas["tianshan"]))
    pks = list(children_visible_to(user).values_list("pk", flat=True))
    assert sorted(pks) == sorted({three["a"].pk, three["b"].pk})


def test_anonymous_user_sees_nothing(three):
    from django.contrib.auth.models import AnonymousUser

    assert not children_visible_to(AnonymousUser()).exists()


# --- child_get_for_user --------------------------------------------------------------------


def test_get_for_user_returns_a_visible_child(three, director_a):
    assert child_get_for_user(director_a, three["a"].pk) == three["a"]
    assert child_get_for_user(director_a, str(three["a"].pk)) == three["a"]


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_get_for_user_out_of_scope_is_404(three, personas, persona):
    with pytest.raises(Http404):
        child_get_for_user(personas[persona], three["a"].pk)


@pytest.mark.parametrize("junk", ["abc", "", None, "1; DROP TABLE", "9" * 30, -1, 0, [1]])
def test_get_for_user_with_a_junk_pk_is_404(three, district_officer, junk):
    with pytest.raises(Http404):
        child_get_for_user(district_officer, junk)


# --- child_list filters --------------------------------------------------------------------

TODAY = dt.date(2026, 6, 15)


def _born(child, birth: dt.date):
    """Set a birth date the register could hold today (a child registered years ago) without
    going through child_create, which judges the age against the real date."""
    Child.objects.filter(pk=child.pk).update(birth_date=birth)
    child.birth_date = birth
    return child


def _listed(user, today=TODAY, **filters) -> set[str]:
    return _names(child_list(user, ChildFilters(**filters), today=today))


def test_list_filters_by_community_within_scope(three, supervisor, areas):
    assert _listed(supervisor, community=areas["community_b"].pk) == {"李小红"}
    # a community outside the scope yields nothing rather than widening it
    assert _listed(supervisor, community=areas["community_c"].pk) == set()


def test_list_filters_by_category_and_by_in_difficulty(make_child, district_officer):
    make_child(name="孤儿甲", categories=["orphan"])
    make_child(name="孤独症乙", categories=["autism"])
    make_child(name="两类丙", categories=["autism", "economic_hardship"])
    make_child(name="无类丁", categories=[])
    assert _listed(district_officer, category="orphan") == {"孤儿甲"}
    assert _listed(district_officer, category="autism") == {"孤独症乙", "两类丙"}
    assert _listed(district_officer, category="in_difficulty") == {"孤儿甲", "两类丙"}
    assert len(_listed(district_officer)) == 4


def test_list_category_filter_never_crosses_scope(make_child, director_b):
    make_child("community_a", name="甲区孤儿", categories=["orphan"])
    make_child("community_b", name="乙区孤儿", categories=["orphan"])
    assert _listed(director_b, category="orphan") == {"乙区孤儿"}


def test_list_filters_by_sex(three, district_officer):
    assert _listed(district_officer, sex="F") == {"李小红"}
    assert _listed(district_officer, sex="M") == {"张小明", "王小华"}


@pytest.mark.parametrize(
    "birth, band",
    [
        (dt.date(2026, 6, 15), "0-2"),  # born today
        (dt.date(2023, 6, 16), "0-2"),  # turns 3 tomorrow
        (dt.date(2023, 6, 15), "3-5"),  # 3 today
        (dt.date(2020, 6, 16), "3-5"),
        (dt.date(2020, 6, 15), "6-11"),
        (dt.date(2014, 6, 16), "6-11"),
        (dt.date(2014, 6, 15), "12-14"),
        (dt.date(2011, 6, 16), "12-14"),
        (dt.date(2011, 6, 15), "15-17"),
        (dt.date(2008, 6, 16), "15-17"),  # 18 tomorrow
        (dt.date(2008, 6, 15), None),  # 18 today: in no band
    ],
)
def test_age_band_boundaries_are_whole_years_inclusive(make_child, district_officer, birth, band):
    child = _born(make_child(name="边界"), birth)
    bands = {"0-2", "3-5", "6-11", "12-14", "15-17"}
    found = {b for b in bands if _listed(district_officer, age_band=b)}
    assert found == ({band} if band else set())
    if band:
        lo, hi = (int(x) for x in band.split("-"))
        assert lo <= child.age(TODAY) <= hi


def test_age_band_on_29_february(make_child, district_officer):
    leap_day = dt.date(2024, 2, 29)
    _born(make_child(name="满十五"), dt.date(2009, 2, 28))
    _born(make_child(name="十四"), dt.date(2009, 3, 1))
    assert _listed(district_officer, today=leap_day, age_band="15-17") == {"满十五"}
    assert _listed(district_officer, today=leap_day, age_band="12-14") == {"十四"}


def test_status_filter_separates_minors_from_the_aged_out(make_child, district_officer):
    _born(make_child(name="刚满十八"), dt.date(2008, 6, 15))
    _born(make_child(name="明天十八"), dt.date(2008, 6, 16))
    assert _listed(district_officer, status="aged_out") == {"刚满十八"}
    assert _listed(district_officer, status="active") == {"明天十八"}
    # the next day both are adults, without anyone editing a record
    next_day = TODAY + dt.timedelta(days=1)
    assert _listed(district_officer, today=next_day, status="aged_out") == {"刚满十八", "明天十八"}
    assert _listed(district_officer, today=next_day, status="active") == set()


def test_status_filter_for_moved_out(three, district_officer):
    child_change_status(
        actor=district_officer,
        child=three["b"],
        expected_version=1,
        status="moved_out",
        date=dt.date(2026, 1, 1),
        reason="迁出",
    )
    assert _listed(district_officer, status="moved_out") == {"李小红"}
    assert _listed(district_officer, status="active") == {"张小明", "王小华"}
    assert _listed(district_officer, status="aged_out") == set()


def test_search_by_name_substring(three, district_officer):
    assert _listed(district_officer, q="小明") == {"张小明"}
    assert _listed(district_officer, q="小") == {"张小明", "李小红", "王小华"}
    assert _listed(district_officer, q=" 张小明 ") == {"张小明"}


@pytest.mark.parametrize("text", ["zxm", "ZXM", "zx", "zhangxiao", "ZhangXiaoMing"])
def test_search_by_pinyin_initials_or_full_pinyin(three, district_officer, text):
    assert _listed(district_officer, q=text) == {"张小明"}


def test_search_by_full_id_number_finds_exactly_that_child(three, district_officer):
    number = three["b"].id_number
    assert _listed(district_officer, q=number) == {"李小红"}
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    assert _listed(district_officer, q=spaced) == {"李小红"}


def test_search_by_id_number_typed_with_lowercase_x(make_child, district_officer):
    birth = dt.date(2013, 9, 10)
    number = id_ending_in_x(birth, "M")
    make_child(name="末位叉", birth_date=birth, id_number=number)
    assert _listed(district_officer, q=number.lower()) == {"末位叉"}


def test_search_by_id_number_respects_scope(three, director_a):
    assert _listed(director_a, q=three["b"].id_number) == set()


def test_search_by_partial_id_number_does_not_match(three, district_officer):
    assert _listed(district_officer, q=three["b"].id_number[:10]) == set()


def test_search_by_guardian_phone(make_child, district_officer, director_b):
    make_child(
        "community_a",
        name="有电话",
        guardians=[GuardianInput(name="母亲", relation="mother", phone="13611112222")],
    )
    make_child("community_a", name="别的电话")
    assert _listed(district_officer, q="13611112222") == {"有电话"}
    assert _listed(district_officer, q="136-1111-2222") == {"有电话"}
    assert _listed(district_officer, q="136 1111 2222") == {"有电话"}
    assert _listed(director_b, q="13611112222") == set()


# --- category_counts -----------------------------------------------------------------------


def test_category_counts_count_minors_in_scope_only_and_are_zero_filled(
    make_child, district_officer, director_a
):
    make_child("community_a", name="孤儿", categories=["orphan", "left_behind"])
    make_child("community_a", name="孤独症", categories=["autism"])
    make_child("community_b", name="乙区", categories=["orphan"])
    _born(make_child("community_a", name="已成年", categories=["orphan"]), dt.date(2008, 6, 15))
    moved = make_child("community_a", name="已迁出", categories=["orphan"])
    child_change_status(
        actor=district_officer,
        child=moved,
        expected_version=1,
        status="moved_out",
        date=dt.date(2026, 1, 1),
        reason="迁出",
    )

    counts = category_counts(director_a, today=TODAY)
    assert set(counts) == {c.value for c in Category} | {"in_difficulty", "total"}
    assert counts["orphan"] == 1
    assert counts["left_behind"] == 1
    assert counts["autism"] == 1
    assert counts["in_difficulty"] == 1  # a child in two such categories counts once
    assert counts["total"] == 2
    assert counts["economic_hardship"] == 0
    assert counts["serious_illness"] == 0

    assert category_counts(district_officer, today=TODAY)["orphan"] == 2


def test_category_counts_for_a_user_without_scope_are_all_zero(three, unassigned):
    counts = category_counts(unassigned)
    assert set(counts.values()) == {0}
    assert len(counts) == len(Category) + 2


# --- id_number_owner -----------------------------------------------------------------------


def test_id_number_owner_reveals_the_child_only_when_visible(three, director_a, supervisor):
    number = three["b"].id_number
    hidden = id_number_owner(director_a, number)
    assert hidden is not None and hidden.child is None
    shown = id_number_owner(supervisor, number)
    assert shown is not None and shown.child == three["b"]


def test_id_number_owner_is_none_for_an_unregistered_number(three, district_officer):
    from weibao.children import idnumber

    assert id_number_owner(district_officer, idnumber.make("310105", TODAY, 499, "F")) is None


def test_id_number_owner_ignores_the_record_being_edited(three, district_officer):
    child = three["a"]
    assert id_number_owner(district_officer, child.id_number, exclude_pk=child.pk) is None


# --- areas_visible_to / communities_visible_to ---------------------------------------------

AREAS = {
    "district_officer": {
        "district",
        "tianshan",
        "xianxia",
        "community_a",
        "community_b",
        "community_c",
    },
    "supervisor": {"district", "tianshan", "community_a", "community_b"},
    "director_a": {"district", "tianshan", "community_a"},
    "director_b": {"district", "tianshan", "community_b"},
    "director_elsewhere": {"district", "xianxia", "community_c"},
    "unassigned": set(),
}
COMMUNITIES = {
    "district_officer": {"community_a", "community_b", "community_c"},
    "supervisor": {"community_a", "community_b"},
    "director_a": {"community_a"},
    "director_b": {"community_b"},
    "director_elsewhere": {"community_c"},
    "unassigned": set(),
}


@pytest.mark.parametrize("persona", sorted(AREAS))
def test_areas_visible_are_own_subtree_plus_ancestors(personas, areas, persona):
    expected = {areas[k].pk for k in AREAS[persona]}
    assert set(areas_visible_to(personas[persona]).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("persona", sorted(COMMUNITIES))
def test_communities_visible_are_only_those_below_the_assigned_areas(personas, areas, persona):
    expected = {areas[k].pk for k in COMMUNITIES[persona]}
    got = list(communities_visible_to(personas[persona]).values_list("pk", flat=True))
    assert set(got) == expected
    assert len(got) == len(expected)


@pytest.mark.parametrize("persona", sorted(COMMUNITIES))
def test_communities_visible_agree_with_children_visible(personas, three, persona):
    user = personas[persona]
    communities = set(communities_visible_to(user))
    assert {c.community for c in children_visible_to(user)} <= communities
    for child in three.values():
        assert (child.community in communities) == children_visible_to(user).filter(
            pk=child.pk
        ).exists()


def test_a_districts_communities_are_a_condition_not_a_list_of_ids(district_officer, areas):
    """A district's hundreds of 居民区 are not written into every query that asks for them: the
    query's parameters do not grow with the 居民区 (docs/performance.md, "The district's 居民区
    as a condition, not a list")."""

    def parameters() -> int:
        return len(communities_visible_to(district_officer).query.sql_with_params()[1])

    before = parameters()
    for n in range(30):
        Area.objects.create(name=f"测试新{n}居民区", level="community", parent=areas["xianxia"])
    assert parameters() == before
    assert communities_visible_to(district_officer).count() == 33


def test_sysadmin_sees_no_area(areas):
    admin = _user_with((Role.SYSADMIN, None))
    assert not areas_visible_to(admin).exists()
    assert not communities_visible_to(admin).exists()


def test_phone_typed_with_country_code_finds_the_guardian(director_a, child_a):
    from weibao.children.selectors import ChildFilters, child_list

    for typed in ["+86 138 0000 0001", "0086-13800000001", "138-0000-0001"]:
        assert list(child_list(director_a, ChildFilters(q=typed))) == [child_a], typed


def test_children_are_listed_in_pinyin_order(director_a, make_child):
    from weibao.children.selectors import ChildFilters, child_list

    for name in ["张三", "阿明", "李四"]:
        make_child("community_a", name=name)
    names = [c.name for c in child_list(director_a, ChildFilters())]
    assert names == ["阿明", "李四", "张三"]
