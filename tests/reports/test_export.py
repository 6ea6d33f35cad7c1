"""The list of mandatory reports as a streamed xlsx: the list's scope and filters, the reporter's
identity only for the supervisor and above, formula-safe cells, the audit row, and queries that
do not grow with the rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import api_client, web_client
from tests.helpers import REPORTER_NAME, streamed_sheet
from weibao.audit.models import AuditEvent
from weibao.reports.choices import Channel

URL = "/reports/export.xlsx"
API_URL = "/api/v1/reports/export/"


def refs(rows):
    return {row[0] for row in rows[1:]}


def test_only_reports_in_scope_are_exported(make_report, supervisor, supervisor_elsewhere):
    ours = make_report()
    theirs = make_report(subdistrict="xianxia")
    assert refs(streamed_sheet(web_client(supervisor).get(URL, {"tab": "all"}))) == {ours.reference}
    assert refs(streamed_sheet(web_client(supervisor_elsewhere).get(URL))) == {theirs.reference}


def test_the_reporter_is_named_only_for_the_supervisor_and_above(
    make_report, supervisor, director_a
):
    report = make_report(channel=Channel.STAFF, actor=director_a)
    director_rows = streamed_sheet(web_client(director_a).get(URL, {"tab": "all"}))
    assert refs(director_rows) == {report.reference}
    assert REPORTER_NAME not in {c for row in director_rows for c in row}
    assert director_rows[1][9] == "—"
    supervisor_rows = streamed_sheet(web_client(supervisor).get(URL, {"tab": "all"}))
    assert supervisor_rows[1][9] == REPORTER_NAME


def test_the_state_filter_is_honoured_and_a_bad_one_exports_nothing(make_report, supervisor):
    make_report()
    client = web_client(supervisor)
    assert streamed_sheet(client.get(URL, {"tab": "all", "state": "closed"}))[1:] == []
    assert len(streamed_sheet(client.get(URL, {"tab": "all", "state": "received"}))) == 2
    assert client.get(URL, {"tab": "all", "state": "nonsense"}).status_code == 302
    assert AuditEvent.objects.filter(action="report.export").count() == 2


def test_cells_are_formula_safe_and_the_export_is_audited(make_report, supervisor, areas):
    make_report(reporter_name="=cmd|' /C calc'!A0")
    rows = streamed_sheet(web_client(supervisor).get(URL, {"tab": "all"}))
    assert rows[1][9].startswith("'=")
    event = AuditEvent.objects.get(action="report.export")
    assert event.actor_id == supervisor.pk and event.changes["rows"] == 1
    assert event.object_id == str(areas["tianshan"].pk)


def test_the_api_export_checks_its_filters(make_report, supervisor):
    make_report()
    client = api_client(supervisor)
    assert client.get(API_URL, {"state": "nonsense"}).status_code == 400
    assert len(streamed_sheet(client.get(API_URL))) == 2


def test_the_number_of_queries_does_not_grow_with_the_rows(make_report, supervisor):
    client = web_client(supervisor)
    make_report()
    streamed_sheet(client.get(URL, {"tab": "all"}))
    with CaptureQueriesContext(connection) as few:
        assert len(streamed_sheet(client.get(URL, {"tab": "all"}))) == 2
    for _ in range(20):
        make_report()
    with CaptureQueriesContext(connection) as many:
        assert len(streamed_sheet(client.get(URL, {"tab": "all"}))) == 22
    assert len(many.captured_queries) == len(few.captured_queries)
