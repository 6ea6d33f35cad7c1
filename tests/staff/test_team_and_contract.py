"""The 1+1+X team (one 儿童主任, one social worker, X volunteers per 居民区) and its gaps, for a
街镇 and for the district; and the figures the workstation app reads
(active_staff_role_counts, display_wall_people), each one query."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import web_client
from tests.helpers import today
from tests.staff.helpers import add_member
from weibao.administration.services import area_close_moving, community_merge
from weibao.staff.selectors import (
    WallPerson,
    active_staff_role_counts,
    active_staff_role_counts_many,
    display_wall_people,
    district_team_gaps,
    honours_of_subdistrict,
    subdistrict_team,
)
from weibao.staff.services import honour_add, staff_end


@pytest.fixture
def teams(areas, district_officer):
    """居民区 A: a director, a social worker, two volunteers. 居民区 B: a volunteer only. 居民区 C
    (仙霞): a director. The 天山路 station: a supervisor and a head."""
    officer = district_officer
    return {
        "director_a": add_member(officer, areas["community_a"], name="甲主任"),
        "social_a": add_member(officer, areas["community_a"], "social_worker", name="甲社工"),
        "volunteers_a": [
            add_member(officer, areas["community_a"], "volunteer", name=f"甲志愿者{i}")
            for i in range(2)
        ],
        "volunteer_b": add_member(officer, areas["community_b"], "volunteer", name="乙志愿者"),
        "director_c": add_member(officer, areas["community_c"], name="丙主任"),
        "supervisor": add_member(officer, areas["tianshan"], "supervisor", name="天山督导员"),
        "head": add_member(officer, areas["tianshan"], "station_head", name="天山站长"),
    }


def test_a_subdistricts_team_lists_each_residential_areas_one_one_x_and_the_gaps(teams, areas):
    team = subdistrict_team(subdistrict=areas["tianshan"])
    by_community = {t.community.name: t for t in team.communities}
    a, b = by_community["测试甲居民区"], by_community["测试乙居民区"]
    assert [m.name for m in a.directors] == ["甲主任"]
    assert [m.name for m in a.social_workers] == ["甲社工"]
    assert len(a.volunteers) == 2
    assert b.no_director and b.no_social_worker and len(b.volunteers) == 1
    assert team.without_director == [areas["community_b"]]
    assert team.without_social_worker == [areas["community_b"]]
    assert [m.name for m in team.station] == ["天山站长", "天山督导员"]  # the head first


def test_a_director_who_left_leaves_a_gap(teams, areas, district_officer):
    staff_end(
        actor=district_officer,
        member=teams["director_a"],
        end_date=today() - dt.timedelta(days=1),
    )
    team = subdistrict_team(subdistrict=areas["tianshan"])
    assert areas["community_a"] in team.without_director


def test_the_district_table_counts_the_gaps_of_every_subdistrict(teams, areas):
    rows = {r.subdistrict.name: r for r in district_team_gaps(district=areas["district"])}
    tianshan, xianxia = rows["天山路街道"], rows["仙霞新村街道"]
    assert (tianshan.communities, tianshan.without_director, tianshan.without_social_worker) == (
        2, 1, 1,
    )  # fmt: skip
    assert (tianshan.volunteers, tianshan.station_people, tianshan.has_supervisor) == (3, 2, True)
    assert (xianxia.without_director, xianxia.without_social_worker) == (0, 1)
    assert not xianxia.has_supervisor


def test_a_merged_community_is_no_gap_and_its_people_move_with_it(teams, areas, district_officer):
    community_merge(
        actor=district_officer, community=areas["community_b"], into=areas["community_a"]
    )
    team = subdistrict_team(subdistrict=areas["tianshan"])
    assert [t.community for t in team.communities] == [areas["community_a"]]
    assert team.without_director == [] and len(team.communities[0].volunteers) == 3
    rows = {r.subdistrict.name: r for r in district_team_gaps(district=areas["district"])}
    assert (rows["天山路街道"].communities, rows["天山路街道"].without_director) == (1, 0)


def test_a_closed_community_where_someone_still_works_stays_on_the_team_page(
    teams, areas, district_officer
):
    # Closed outright, its volunteer not moved: shown (not lost), but not counted as a gap.
    area_close_moving(actor=district_officer, area=areas["community_b"])
    team = subdistrict_team(subdistrict=areas["tianshan"])
    assert areas["community_b"] in [t.community for t in team.communities]
    assert team.without_director == [] and team.without_social_worker == []
    rows = {r.subdistrict.name: r for r in district_team_gaps(district=areas["district"])}
    assert (rows["天山路街道"].communities, rows["天山路街道"].without_director) == (1, 0)


def test_the_district_table_is_three_queries_however_many_people(
    teams, areas, district_officer, django_assert_num_queries
):
    with django_assert_num_queries(3):
        district_team_gaps(district=areas["district"])
    for i in range(10):
        add_member(district_officer, areas["community_b"], "volunteer", name=f"多{i}")
    with django_assert_num_queries(3):
        district_team_gaps(district=areas["district"])


def test_the_team_pages_say_the_gaps(teams, areas, district_officer, supervisor, director_a):
    district = web_client(district_officer).get("/staff/team/").content.decode()
    assert "1 个居民区无儿童主任" in district and "2 个居民区无社工" in district
    station = web_client(supervisor).get("/staff/team/").content.decode()
    assert "1 个居民区无儿童主任" in station and "测试乙居民区" in station
    assert "丙主任" not in station
    own = web_client(director_a).get("/staff/team/").content.decode()
    assert "甲社工" in own and "乙志愿者" not in own and "天山站长" not in own


def test_the_team_pages_query_counts_do_not_grow_with_the_people(
    teams, areas, district_officer, supervisor
):
    def count(user, url):
        client = web_client(user)
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = {u: count(u, "/staff/team/") for u in (district_officer, supervisor)}
    for i in range(8):
        add_member(district_officer, areas["community_a"], "volunteer", name=f"新志愿者{i}")
        add_member(district_officer, areas["tianshan"], "expert", name=f"专家{i}")
    after = {u: count(u, "/staff/team/") for u in (district_officer, supervisor)}
    assert before == after


# --- the figures of the workstation app ----------------------------------------------------


def test_active_staff_role_counts_count_the_station_and_its_residential_areas(
    teams, areas, django_assert_num_queries
):
    with django_assert_num_queries(1):
        counts = active_staff_role_counts(subdistrict=areas["tianshan"])
    assert counts["director"] == 1 and counts["volunteer"] == 3
    assert counts["supervisor"] == counts["station_head"] == counts["social_worker"] == 1
    assert counts["lawyer"] == 0 and set(counts) >= {"expert", "legal_deputy", "full_time"}


def test_active_staff_role_counts_on_a_day(teams, areas, district_officer):
    staff_end(actor=district_officer, member=teams["head"], end_date=dt.date(2022, 1, 1))
    tianshan = areas["tianshan"]
    assert active_staff_role_counts(subdistrict=tianshan)["station_head"] == 0
    earlier = active_staff_role_counts(subdistrict=tianshan, on=dt.date(2021, 6, 1))
    assert earlier["station_head"] == 1
    # Nobody had started yet on a day before everyone's start date (2020-01-01).
    assert sum(active_staff_role_counts(subdistrict=tianshan, on=dt.date(2019, 1, 1)).values()) == 0


def test_the_wall_shows_only_those_who_agreed_and_only_their_name_and_work_phone(
    areas, district_officer, django_assert_num_queries
):
    officer = district_officer
    add_member(
        officer, areas["tianshan"], "supervisor", name="督导员", work_phone="021-00000001",
        publish_on_display_wall=True,
    )  # fmt: skip
    add_member(
        officer, areas["community_a"], name="甲主任", work_phone="021-00000002",
        publish_on_display_wall=True,
    )  # fmt: skip
    add_member(officer, areas["community_b"], name="不同意的主任", work_phone="021-00000003")
    left = add_member(
        officer, areas["community_b"], name="离岗主任", work_phone="021-00000004",
        publish_on_display_wall=True,
    )  # fmt: skip
    staff_end(actor=officer, member=left, end_date=today() - dt.timedelta(days=1))
    add_member(
        officer, areas["community_c"], name="仙霞主任", work_phone="021-00000005",
        publish_on_display_wall=True,
    )  # fmt: skip
    with django_assert_num_queries(1):
        people = display_wall_people(subdistrict=areas["tianshan"])
    assert people == [
        WallPerson(
            name="督导员", role_label="儿童督导员", community_name="", work_phone="021-00000001"
        ),
        WallPerson(
            name="甲主任", role_label="儿童主任", community_name="测试甲居民区",
            work_phone="021-00000002",
        ),
    ]  # fmt: skip
    # Nothing else about the person travels: no private phone, no id.
    assert set(WallPerson.__dataclass_fields__) == {
        "name", "role_label", "community_name", "work_phone",
    }  # fmt: skip


def test_the_honours_of_a_subdistricts_people_for_the_station_page(
    teams, areas, district_officer, django_assert_num_queries
):
    honour_add(
        actor=district_officer,
        member=teams["director_a"],
        data={"title": "征文二等奖", "level": "national", "awarded_on": dt.date(2021, 10, 15)},
    )
    honour_add(
        actor=district_officer,
        member=teams["director_c"],
        data={"title": "仙霞的荣誉", "level": "district", "awarded_on": dt.date(2021, 1, 1)},
    )
    with django_assert_num_queries(1):
        honours = honours_of_subdistrict(subdistrict=areas["tianshan"], user=district_officer)
        assert [(h.title, h.member.name) for h in honours] == [("征文二等奖", "甲主任")]


def test_the_counts_of_many_subdistricts_are_one_query(teams, areas, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = active_staff_role_counts_many(subdistricts=[areas["tianshan"], areas["xianxia"]])
    assert found[areas["tianshan"].pk] == active_staff_role_counts(subdistrict=areas["tianshan"])
    assert found[areas["xianxia"].pk]["director"] == 1
