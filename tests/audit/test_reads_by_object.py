"""The audit rows about neither a child nor a case are read by their object (docs/scale.md): a
report's timeline, the exports of an area in the district's review of unusual access. Those
reads name the districts the rows are filed under (audit.services.own_district), as the reads
of a child's history and a case's timeline do (test_event_district.py): what routes them to one
partition or one Citus worker."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import web_client
from tests.helpers import (
    assert_each_names_the_district,
    move_to,
)
from weibao.audit.models import AuditEvent
from weibao.children.models import Child
from weibao.reports.models import Report
from weibao.reports.selectors import report_get_for_user, report_timeline
from weibao.reports.services import reports_exported
from weibao.transfers.services import move_child_and_records

TABLE = "audit_auditevent"

pytestmark = pytest.mark.usefixtures("english")


def _actions(user, report: Report) -> list[str]:
    return [e.action for e in report_timeline(report_get_for_user(user, report.pk))]


def test_the_report_page_reads_its_timeline_with_the_district(make_report, supervisor):
    report = make_report()
    with CaptureQueriesContext(connection) as ctx:
        response = web_client(supervisor).get(f"/reports/{report.pk}/")
    assert response.status_code == 200
    assert_each_names_the_district(ctx, TABLE)


def test_a_reports_timeline_stays_whole_when_its_child_moves_district(
    make_report, child_a, supervisor, officer_of_both, other_district
):
    report = move_to(make_report(), "handling", supervisor, child=child_a)
    before = _actions(officer_of_both, report)
    assert {"report.create", "report.link_child", "report.open_case"} <= set(before)
    move_child_and_records(
        actor=officer_of_both,
        child=Child.objects.get(pk=child_a.pk),
        community=other_district,
        note="",
        owner_if_outside=officer_of_both,
    )
    # The rows naming the child or its case went with them; the report's first rows stayed.
    districts = set(
        AuditEvent.objects.filter(
            object_type="reports.report", object_id=str(report.pk)
        ).values_list("district_id", flat=True)
    )
    assert districts == {report.district_id, other_district.parent.parent_id}
    assert _actions(officer_of_both, report) == before


def test_the_unusual_access_review_reads_the_exports_with_the_district(areas, district_officer):
    reports_exported(
        actor=district_officer, area=areas["tianshan"], rows=5000, filters={}, channel="web"
    )
    with CaptureQueriesContext(connection) as ctx:
        response = web_client(district_officer).get("/children/unusual-access/?days=7")
    assert response.status_code == 200
    assert [e.action for e in response.context["report"].exports] == ["report.export"]
    assert_each_names_the_district(ctx, TABLE)
