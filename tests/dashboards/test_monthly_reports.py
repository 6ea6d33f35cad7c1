"""The monthly report (月报): made by the scheduled job from frozen figures or on demand, kept and
listed, with the month-on-month change (docs/domain.md §11.3)."""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import api_client, web_client
from weibao.audit.models import AuditEvent
from weibao.core.dates import add_months
from weibao.dashboards.models import MonthlyReport
from weibao.dashboards.monthly import Line, monthly_content
from weibao.dashboards.services import figures_keep, figures_refresh, monthly_report_make

pytestmark = pytest.mark.django_db


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_the_change_is_this_month_less_last_month_and_in_points_for_a_rate():
    assert Line("s", "l", 5, 3, "", "").change == 2
    assert Line("s", "l", 72.5, 80.0, "%", "").change == -7.5
    assert Line("s", "l", 5, None, "", "").change_shown == "—"
    assert Line("s", "l", 5, 3, "", "").change_shown == "+2"


def test_the_report_sets_this_month_beside_the_last(areas, child_a, make_child):
    last = add_months(this_month(), -1)
    today = timezone.localdate()
    figures_refresh(district=areas["district"], month=last, today=today, freeze=True)
    make_child("community_b", name="本月儿童")
    figures_refresh(district=areas["district"], month=this_month(), today=today, force=True)
    content = monthly_content(areas["tianshan"], this_month())
    registered = next(line for line in content.lines if line.label == "本月新建档")
    assert registered.value == 2  # child_a and the new one were both registered this month
    on_register = next(line for line in content.lines if line.label == "在册儿童")
    assert (on_register.value, on_register.change) == (2, 1)


def test_a_supervisor_makes_the_month_s_report_and_downloads_it(areas, supervisor, child_a):
    client = web_client(supervisor)
    response = client.post(
        "/dashboards/reports/", {"area": areas["tianshan"].pk, "month": f"{this_month():%Y-%m}"}
    )
    assert response.status_code == 302
    report = MonthlyReport.objects.get(area=areas["tianshan"], month=this_month())
    xlsx = client.get(f"/dashboards/reports/{report.pk}/xlsx/")
    sheet = sheet_of(b"".join(xlsx.streaming_content))
    assert "天山路街道" in sheet["A1"].value and "统计月报" in sheet["A1"].value
    assert sheet["B2"].value == "天山路街道"
    assert sheet["D2"].value == f"{this_month():%Y-%m}"
    assert [c.value for c in sheet[4]][:5] == ["类别", "指标", "本月", "上月", "环比变化"]
    pdf = b"".join(client.get(f"/dashboards/reports/{report.pk}/pdf/").streaming_content)
    assert pdf.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="monthly_report_made", object_id=str(report.pk))
    listing = client.get("/dashboards/reports/").content.decode()
    assert f"/dashboards/reports/{report.pk}/pdf/" in listing


def test_making_it_again_replaces_the_files_and_is_audited(areas, supervisor):
    for _ in range(2):
        monthly_report_make(
            actor=supervisor, area=areas["tianshan"], month=this_month(), today=timezone.localdate()
        )
    assert MonthlyReport.objects.filter(area=areas["tianshan"]).count() == 1
    assert AuditEvent.objects.filter(action="monthly_report_remade").count() == 1


def test_a_future_month_or_a_residential_area_is_refused_with_the_field(areas, supervisor):
    client = api_client(supervisor)
    future = client.post(
        "/api/v1/dashboards/reports/",
        {"area": areas["tianshan"].pk, "month": f"{add_months(this_month(), 1):%Y-%m}"},
        format="json",
    )
    assert future.status_code == 400 and "month" in future.json()
    community = client.post(
        "/api/v1/dashboards/reports/",
        {"area": areas["community_a"].pk, "month": f"{this_month():%Y-%m}"},
        format="json",
    )
    assert community.status_code == 400 and "area" in community.json()
    page = web_client(supervisor).post(
        "/dashboards/reports/", {"area": areas["tianshan"].pk, "month": "1999-01"}
    )
    assert page.status_code == 400


def test_another_subdistrict_s_report_is_hidden_as_a_missing_one(
    areas, supervisor, supervisor_elsewhere, director_a
):
    report = monthly_report_make(
        actor=supervisor, area=areas["tianshan"], month=this_month(), today=timezone.localdate()
    )
    other = api_client(supervisor_elsewhere)
    hidden = other.get(f"/api/v1/dashboards/reports/{report.pk}/")
    missing = other.get("/api/v1/dashboards/reports/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    made = other.post(
        "/api/v1/dashboards/reports/",
        {"area": areas["tianshan"].pk, "month": f"{this_month():%Y-%m}"},
        format="json",
    )
    assert made.status_code == 400 and "area" in made.json()
    assert web_client(director_a).get("/dashboards/reports/").status_code == 404


def test_the_first_run_of_a_month_freezes_the_last_and_makes_its_reports(areas, child_a):
    figures_keep(today=timezone.localdate())
    last = add_months(this_month(), -1)
    made = set(MonthlyReport.objects.filter(month=last).values_list("area_id", flat=True))
    assert made == {areas["district"].pk, areas["tianshan"].pk, areas["xianxia"].pk}
    assert all(MonthlyReport.objects.filter(month=last).values_list("frozen", flat=True))
    assert not MonthlyReport.objects.filter(month=last, made_by__isnull=False).exists()


def test_the_list_reads_the_same_number_of_queries_for_3_reports_and_for_20(
    areas, district_officer
):
    client = api_client(district_officer)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            report = MonthlyReport(
                area=areas["tianshan" if i % 2 else "xianxia"],
                month=add_months(this_month(), -i),
                made_at=timezone.now(),
            )
            report.xlsx.save(f"r{i}.xlsx", ContentFile(b"x"), save=True)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/dashboards/reports/").status_code == 200
        return len(captured)

    add(3, 0)
    queries()
    few = queries()
    add(17, 3)
    assert queries() == few
