"""The dashboards: figures kept per area and month (docs/domain.md §11), who sees them, and
the page, spreadsheet and API reading the same numbers."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import api_client, web_client
from weibao.core.dates import add_months
from weibao.dashboards.models import Figure, FigureMonth
from weibao.dashboards.selectors import median_of
from weibao.dashboards.services import figures_backfill, figures_keep, figures_refresh

pytestmark = pytest.mark.django_db


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def count(areas, district=None, month=None) -> None:
    figures_refresh(
        district=district or areas["district"], month=month or this_month(),
        today=timezone.localdate(), force=True,
    )  # fmt: skip


def value(area, key, dim="", month=None) -> int:
    row = Figure.objects.filter(area=area, month=month or this_month(), key=key, dim=dim).first()
    return row.value if row else 0


def test_a_figure_is_kept_on_its_community_and_added_up_on_every_area_above(
    areas, child_a, child_b, child_c
):
    count(areas)
    assert value(areas["community_a"], "children.category", "total") == 1
    assert value(areas["tianshan"], "children.category", "total") == 2
    assert value(areas["xianxia"], "children.category", "total") == 1
    assert value(areas["district"], "children.category", "total") == 3
    assert value(areas["district"], "children.category", "left_behind") == 3
    assert value(areas["district"], "children.registered") == 3


def test_visits_due_and_made_on_time_give_the_rate(areas, child_a):
    count(areas)
    due = value(areas["community_a"], "visits.due")
    assert value(areas["community_a"], "visits.on_time") <= due
    # The registration planned the first visit: due this month (docs/domain.md §4).
    assert value(areas["district"], "visits.due") == due


def test_a_frozen_month_never_changes_again(areas, child_a, make_child):
    last = add_months(this_month(), -1)
    figures_refresh(district=areas["district"], month=last, today=timezone.localdate(),
                    freeze=True)  # fmt: skip
    before = list(Figure.objects.filter(month=last).values_list("area", "key", "dim", "value"))
    make_child("community_a", name="后来儿童")
    assert not figures_refresh(district=areas["district"], month=last,
                               today=timezone.localdate(), force=True)  # fmt: skip
    after = list(Figure.objects.filter(month=last).values_list("area", "key", "dim", "value"))
    assert before == after
    assert FigureMonth.objects.get(district=areas["district"], month=last).frozen


def test_the_running_month_is_counted_again_only_when_something_changed(areas, child_a, make_child):
    count(areas)
    assert not figures_refresh(district=areas["district"], month=this_month(),
                               today=timezone.localdate())  # fmt: skip
    make_child("community_a", name="新来儿童")
    assert figures_refresh(district=areas["district"], month=this_month(),
                           today=timezone.localdate())  # fmt: skip
    assert value(areas["community_a"], "children.category", "total") == 2


def test_the_scheduled_keeping_freezes_last_month_and_waits_its_interval(areas, child_a):
    now = timezone.now()
    result = figures_keep(today=timezone.localdate(), now=now, interval=dt.timedelta(minutes=10))
    assert result == {"figures_counted": 1, "figures_frozen": 1}
    again = figures_keep(today=timezone.localdate(), now=now, interval=dt.timedelta(minutes=10))
    assert again == {"figures_counted": 0, "figures_frozen": 0}


def test_backfill_counts_and_freezes_the_months_before(areas, child_a):
    figures_backfill(months=3, today=timezone.localdate())
    months = FigureMonth.objects.filter(district=areas["district"])
    assert months.filter(frozen=True).count() == 3
    assert months.filter(frozen=False).count() == 1


def test_the_median_of_a_histogram_is_the_middle_case():
    assert median_of({"1": 1, "3": 1, "10": 1}) == 3
    assert median_of({"2": 3, "40": 1}) == 2
    assert median_of({}) is None


# --- who sees which dashboard ----------------------------------------------------------------


def test_a_director_sees_their_community_and_nothing_beside_or_above(areas, director_a):
    client = web_client(director_a)
    assert client.get(f"/dashboards/{areas['community_a'].pk}/").status_code == 200
    for other in ("community_b", "tianshan", "district", "community_c"):
        assert client.get(f"/dashboards/{areas[other].pk}/").status_code == 404


def test_out_of_scope_answers_as_a_missing_area(areas, supervisor_elsewhere):
    client = api_client(supervisor_elsewhere)
    hidden = client.get(f"/api/v1/dashboards/{areas['tianshan'].pk}/")
    missing = client.get("/api/v1/dashboards/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert (
        web_client(supervisor_elsewhere)
        .get(f"/dashboards/{areas['tianshan'].pk}/export/")
        .status_code
        == 404
    )


def test_the_dashboard_opens_on_the_highest_area_of_the_user(areas, supervisor, unassigned):
    response = web_client(supervisor).get("/dashboards/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/dashboards/{areas['tianshan'].pk}/")
    assert web_client(unassigned).get("/dashboards/").status_code == 404


def test_the_district_page_drills_down_to_each_subdistrict(areas, district_officer, child_a):
    count(areas)
    page = web_client(district_officer).get(f"/dashboards/{areas['district'].pk}/")
    html = page.content.decode()
    month = f"{this_month():%Y-%m}"
    assert f"/dashboards/{areas['tianshan'].pk}/?month={month}" in html
    assert f"/dashboards/{areas['xianxia'].pk}/?month={month}" in html
    assert 'id="dashboard-data"' in html
    assert "/static/vendor/echarts/echarts.min.js" in html


def test_the_page_and_the_api_show_the_same_numbers(areas, supervisor, child_a, child_b):
    count(areas)
    data = api_client(supervisor).get(f"/api/v1/dashboards/{areas['tianshan'].pk}/").json()
    children = next(s for s in data["sections"] if s["key"] == "children")
    total = next(t for t in children["tiles"] if t["key"] == "children.total")
    assert total["value"] == 2
    assert {row["name"] for row in data["below"]} == {"测试甲居民区", "测试乙居民区"}
    page = web_client(supervisor).get(f"/dashboards/{areas['tianshan'].pk}/").content.decode()
    assert '<span class="dash-value">2 <small>' in page


def test_a_bad_month_is_refused_with_the_field_named(areas, supervisor):
    client = api_client(supervisor)
    url = f"/api/v1/dashboards/{areas['tianshan'].pk}/"
    assert "month" in client.get(url + "?month=2026-13").json()
    future = f"{add_months(this_month(), 2):%Y-%m}"
    assert "month" in client.get(url + f"?month={future}").json()
    page = web_client(supervisor).get(f"/dashboards/{areas['tianshan'].pk}/?month=abc")
    assert page.status_code == 200
    assert "年-月" in page.content.decode()


def test_the_spreadsheet_names_the_area_and_the_period(areas, supervisor, child_a):
    count(areas)
    response = web_client(supervisor).get(f"/dashboards/{areas['tianshan'].pk}/export/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "天山路街道" in sheet["A1"].value
    assert sheet["B2"].value == "天山路街道"
    assert sheet["D2"].value == f"{this_month():%Y-%m}"
    labels = [row[0].value for row in sheet.iter_rows()]
    assert "在册儿童" in labels


def _queries(client, url, cached: bool = False) -> int:
    if not cached:
        cache.clear()  # the page's body is read afresh from the figures
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_reads_the_same_number_of_queries_however_many_children(
    areas, district_officer, make_child
):
    client = web_client(district_officer)
    url = f"/dashboards/{areas['district'].pk}/"
    make_child("community_a", name="甲一")
    count(areas)
    _queries(client, url)  # the session's first page reads a few things once
    few = _queries(client, url)
    for i in range(12):
        make_child(("community_a", "community_b", "community_c")[i % 3], name=f"儿童{i}")
    count(areas)
    assert _queries(client, url) == few


def test_a_page_is_kept_until_the_month_is_counted_again(areas, supervisor, make_child):
    client = web_client(supervisor)
    url = f"/dashboards/{areas['tianshan'].pk}/"
    make_child("community_a", name="甲一")
    count(areas)
    fresh = _queries(client, url)
    assert _queries(client, url, cached=True) < fresh
    assert '<span class="dash-value">1 <small>' in client.get(url).content.decode()
    make_child("community_b", name="乙一")
    count(areas)
    assert '<span class="dash-value">2 <small>' in client.get(url).content.decode()


def test_a_month_before_2000_is_refused_not_a_crash(areas, supervisor):
    page = web_client(supervisor).get(f"/dashboards/{areas['tianshan'].pk}/?month=0001-05")
    assert page.status_code == 200 and "2000" in page.content.decode()
    api = api_client(supervisor).get(f"/api/v1/dashboards/{areas['tianshan'].pk}/?month=0001-05")
    assert api.status_code == 400 and "month" in api.json()
