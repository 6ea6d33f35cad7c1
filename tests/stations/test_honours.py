"""The signed-in station page shows the honours and awards of its 街镇's people — at the station
and in its 居民区 — with the person's name, the honour and the year (staff.selectors.
honours_of_subdistrict, within the roster the reader may see); another 街镇's are not there, the
public display wall does not show them, and the page's queries do not grow with them."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import web_client
from tests.staff.helpers import add_member
from weibao.staff.selectors import honours_of_subdistrict
from weibao.staff.services import honour_add
from weibao.stations.services import station_set_published


def _honour(actor, member, title, year, level="district"):
    return honour_add(
        actor=actor,
        member=member,
        data={"title": title, "level": level, "awarded_on": dt.date(year, 5, 1)},
    )


def _section(html: str) -> str:
    return html.split('id="honours"')[1].split("</section>")[0]


def test_the_station_page_lists_the_honours_of_its_subdistricts_people(
    supervisor, district_officer, station, station_elsewhere, areas, supervisor_elsewhere
):
    director = add_member(supervisor, areas["community_a"], name="甲居民区主任")
    head = add_member(supervisor, areas["tianshan"], "station_head", name="天山站长")
    other = add_member(supervisor_elsewhere, areas["community_c"], name="丙居民区主任")
    _honour(supervisor, director, "全国先进个人", 2022, level="national")
    _honour(supervisor, head, "征文二等奖", 2023)
    _honour(supervisor_elsewhere, other, "仙霞荣誉", 2021)
    for user in (supervisor, district_officer):
        section = _section(web_client(user).get(f"/stations/{station.pk}/").content.decode())
        assert "甲居民区主任" in section and "全国先进个人" in section and "2022" in section
        assert "天山站长" in section and "征文二等奖" in section and "2023" in section
        assert "测试甲居民区" in section  # where the person works
        assert "丙居民区主任" not in section and "仙霞荣誉" not in section
        # Newest first.
        assert section.index("征文二等奖") < section.index("全国先进个人")
    elsewhere = _section(
        web_client(district_officer).get(f"/stations/{station_elsewhere.pk}/").content.decode()
    )
    assert "仙霞荣誉" in elsewhere and "全国先进个人" not in elsewhere


def test_a_station_without_honours_says_so(supervisor, station):
    section = _section(web_client(supervisor).get(f"/stations/{station.pk}/").content.decode())
    assert "本街镇人员尚未登记荣誉" in section


def test_the_honours_are_read_within_the_readers_roster(supervisor, areas, director_elsewhere):
    member = add_member(supervisor, areas["community_a"], name="甲居民区主任")
    _honour(supervisor, member, "全国先进个人", 2022)
    assert honours_of_subdistrict(subdistrict=areas["tianshan"], user=director_elsewhere) == []
    assert len(honours_of_subdistrict(subdistrict=areas["tianshan"], user=supervisor)) == 1


def test_another_subdistricts_people_get_404_not_the_honours(
    supervisor, station, supervisor_elsewhere, director_a
):
    member = add_member(supervisor, station.subdistrict, "station_head", name="天山站长")
    _honour(supervisor, member, "征文二等奖", 2023)
    for user in (supervisor_elsewhere, director_a):
        response = web_client(user).get(f"/stations/{station.pk}/")
        assert response.status_code == 404 and "征文二等奖" not in response.content.decode()


def test_the_public_wall_does_not_show_the_honours(supervisor, station):
    station_set_published(actor=supervisor, station=station, published=True)
    member = add_member(supervisor, station.subdistrict, "station_head", name="天山站长")
    _honour(supervisor, member, "征文二等奖", 2023)
    response = web_client(None).get(f"/wall/{station.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and station.name in html
    assert "征文二等奖" not in html


def test_the_page_runs_the_same_queries_for_few_and_many_honours(supervisor, station, areas):
    client = web_client(supervisor)
    url = f"/stations/{station.pk}/"

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    first = add_member(supervisor, areas["community_a"], name="一号")
    _honour(supervisor, first, "荣誉一", 2020)
    few = count()
    for i in range(6):
        member = add_member(supervisor, areas[("community_a", "community_b")[i % 2]], name=f"多{i}")
        _honour(supervisor, member, f"荣誉{i}", 2021)
    assert count() == few
