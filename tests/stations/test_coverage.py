"""The district's coverage (docs/domain.md §1.14): each 街镇, its station and the items as a grid
(states in words and colour), the figure — 街镇 with a station meeting the standard ÷ all 街镇 —
now and by month. A month's figure is kept as it stood: today's data never changes last
year's. The grid runs the same number of queries whatever the number of 街镇; it exports as
xlsx with formula injection guarded."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.conftest import api_client, web_client
from tests.helpers import record_service, today
from tests.stations.conftest import make_station, pass_all
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.stations import services
from weibao.stations.evidence import district_coverage
from weibao.stations.jobs import stations_daily
from weibao.stations.models import CoverageSnapshot
from weibao.stations.selectors import standard_in_force

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def meeting(station, supervisor, district_officer, case_a, director_a):
    record_service(director_a, case_a)
    services.station_set_published(actor=supervisor, station=station, published=True)
    pass_all(station, supervisor, district_officer)
    return station


def coverage(district, on=None):
    on = on or today()
    services.standard_ensure_default(district=district)
    return district_coverage(district, standard_in_force(district.pk, on), on)


def test_the_figure_is_subdistricts_meeting_over_all_subdistricts(
    meeting, station_elsewhere, areas
):
    found = coverage(areas["district"])
    assert (found.meeting, found.total, found.percent) == (1, 2, 50)
    assert [row.meets for row in found.rows] == [True, False]


def test_a_subdistrict_without_a_station_counts_in_the_total(meeting, areas):
    Area.objects.create(name="新街道", level="subdistrict", parent=areas["district"])
    found = coverage(areas["district"])
    assert (found.meeting, found.total) == (1, 3)
    assert found.rows[-1].station is None and found.rows[-1].cells == []


def test_the_operating_station_stands_for_its_subdistrict(meeting, supervisor, areas):
    make_station(supervisor, areas["tianshan"], status="planned", name="新址")
    assert coverage(areas["district"]).rows[0].station == meeting


def test_a_months_figure_is_frozen_when_the_month_is_over(meeting, supervisor, areas):
    stations_daily(today())
    kept = CoverageSnapshot.objects.get(month=today().replace(day=1))
    assert (kept.meeting, kept.subdistricts, kept.percent) == (1, 2, 50)
    # Then the station is suspended and the next month is measured: its figure drops, this
    # month's does not.
    services.station_transition(actor=supervisor, station=meeting, name="suspend")
    next_month = (today().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    stations_daily(next_month)
    stations_daily(today())  # a late rerun of an earlier day changes nothing
    kept.refresh_from_db()
    assert (kept.meeting, kept.measured_on) == (1, today())
    assert CoverageSnapshot.objects.get(month=next_month).meeting == 0


def test_the_coverage_page_shows_the_grid_in_words(meeting, station_elsewhere, district_officer):
    response = web_client(district_officer).get("/stations/coverage/")
    html = response.content.decode()
    assert response.status_code == 200 and "50%" in html
    assert "✓</span> Passed" in html and "✗</span> No evidence" in html
    assert html.count('class="cell cell-green"') >= 8


def test_the_grid_runs_the_same_queries_for_any_number_of_subdistricts(
    meeting, district_officer, areas, supervisor
):
    client = web_client(district_officer)
    client.get("/stations/coverage/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/stations/coverage/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(8):
        sub = Area.objects.create(
            name=f"测试街道{i}", level="subdistrict", parent=areas["district"]
        )
        make_station(district_officer, sub, status=("planned", "building", "operating")[i % 3])
    assert count() == few


def test_the_export_is_the_grid_and_the_months(meeting, district_officer, areas):
    stations_daily(today())
    response = web_client(district_officer).get("/stations/coverage/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                    if response.streaming else response.content))  # fmt: skip
    grid = book["覆盖情况"]
    assert [c.value for c in grid[1]][:4] == ["街镇", "工作站", "状态", "一支工作队伍"]
    assert [c.value for c in grid[2]][-1] == "达标"
    assert book["按月"]["D2"].value == "50%"
    assert AuditEvent.objects.filter(action="coverage.export").exists()


def test_a_formula_in_a_name_stays_text_in_the_export(district_officer, areas):
    make_station(district_officer, areas["tianshan"], name='=HYPERLINK("http://x")')
    response = web_client(district_officer).get("/stations/coverage/export/")
    book = load_workbook(io.BytesIO(response.content))
    assert book["覆盖情况"]["B2"].value.startswith("'=")


def test_the_district_measures_the_month_on_demand(meeting, district_officer):
    response = web_client(district_officer).post("/stations/coverage/snapshot/")
    assert response.status_code == 302
    assert CoverageSnapshot.objects.get().meeting == 1


def test_a_supervisor_reads_the_coverage_but_neither_measures_nor_exports(meeting, supervisor):
    client = web_client(supervisor)
    assert client.get("/stations/coverage/").status_code == 200
    assert client.post("/stations/coverage/snapshot/").status_code == 403
    assert client.get("/stations/coverage/export/").status_code == 403


def test_the_api_gives_the_grid_and_the_months(meeting, district_officer, areas):
    stations_daily(today())
    data = api_client(district_officer).get("/api/v1/coverage/").json()
    assert (data["meeting"], data["total"], data["percent"]) == (1, 2, 50)
    assert data["rows"][0]["items"][0] == {
        "code": "team", "state": "passed", "state_display": "Passed"
    }  # fmt: skip
    assert data["months"][0]["percent"] == 50


def test_coverage_is_404_to_a_director_and_for_another_district(director_a, district_officer):
    other = Area.objects.create(name="徐汇区", code="310104", level="district")
    assert web_client(director_a).get("/stations/coverage/").status_code == 404
    assert api_client(director_a).get("/api/v1/coverage/").status_code == 404
    response = web_client(district_officer).get(f"/stations/coverage/?district={other.pk}")
    assert response.status_code == 404
