"""What the public and the children see (docs/domain.md §8.2, §8.5 [team]): the station's
display wall shows the 街镇's resolved findings — category, place in general words, what was
done, counts per category with small ones as "<5" — and no child, no photo, no exact place; the
outcome page the 儿童主任 shows the team says what they found and what happened, with the members'
given names at most."""

import pytest

from tests.conftest import web_client
from tests.stations.conftest import make_station
from weibao.inspections import services
from weibao.inspections.models import Finding
from weibao.stations import services as station_services


@pytest.fixture
def wall(supervisor, areas):
    station = make_station(supervisor, areas["tianshan"])
    return station_services.station_set_published(actor=supervisor, station=station, published=True)


def test_the_wall_shows_resolved_findings_in_general_words_without_child_data(
    teams, wall, supervisor
):
    Finding.objects.filter(pk=teams.resolved.pk).update(place_general="小区游乐场一带")
    html = web_client(None).get(f"/wall/{wall.pk}/").content.decode()
    assert "扶手已更换" in html and "小区游乐场一带" in html and "测试甲居民区" in html
    assert "安全 &lt;5" in html or "安全 <5" in html
    for secret in (teams.member.child.name, "母亲 测试", "小区游乐场<", "路灯不亮", "车辆乱停",
                   "/photo/"):  # fmt: skip
        assert secret not in html, secret
    # The A3 poster keeps to one sheet: the counts by category in one line, no findings.
    poster = web_client(None).get(f"/wall/{wall.pk}/poster/").content.decode()
    assert "儿童考察团" in poster and "扶手已更换" not in poster


def test_the_wall_has_no_section_without_resolved_findings(wall, areas):
    html = web_client(None).get(f"/wall/{wall.pk}/").content.decode()
    assert "wall-inspections" not in html


def test_another_subdistrict_s_findings_stay_off_the_wall(teams, wall, supervisor_elsewhere):
    other = teams.other_team.findings.get()
    meeting = services.meeting_create(
        actor=supervisor_elsewhere, team=teams.other_team,
        data={"held_on": other.patrol.patrolled_on, "parties": []}, findings=[other],
    )  # fmt: skip
    assert meeting
    html = web_client(None).get(f"/wall/{wall.pk}/").content.decode()
    assert "仙霞" not in html


def test_the_outcome_page_shows_what_happened_and_given_names_only(teams, director_a):
    html = web_client(director_a).get(f"/inspections/{teams.team.pk}/outcome/").content.decode()
    assert "小明" in html and "张小明" not in html
    assert "扶手已更换" in html and "路灯不亮" in html and "物业" in html
    assert "想要秋千" not in html  # closed: not on the children's page
    assert "母亲 测试" not in html


@pytest.mark.parametrize(
    ("name", "given"),
    [("张小明", "小明"), ("王芳", "芳"), ("阿依古丽·买买提", "阿依古丽"), ("已匿名 #12", "")],
)
def test_the_given_name_is_the_name_without_the_surname(name, given):
    from weibao.inspections.selectors import given_name

    assert given_name(name) == given
