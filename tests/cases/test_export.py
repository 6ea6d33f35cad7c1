"""The list of cases as a streamed xlsx: the list's scope (a director kept off a restricted case
does not get it) and filters, formula-safe cells, the audit row, and queries that do not grow
with the rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import api_client, web_client
from tests.helpers import streamed_sheet
from weibao.audit.models import AuditEvent
from weibao.cases.services import case_open, case_restrict

URL = "/cases/export.xlsx"
API_URL = "/api/v1/cases/export/"


def refs(rows):
    return {row[0] for row in rows[1:]}


def test_only_cases_in_scope_are_exported(case_a, case_b, case_c, director_a, supervisor):
    assert refs(streamed_sheet(web_client(director_a).get(URL))) == {case_a.reference}
    assert refs(streamed_sheet(web_client(supervisor).get(URL))) == {
        case_a.reference,
        case_b.reference,
    }


def test_a_director_kept_off_a_restricted_case_does_not_get_it(director_a2, case_a, supervisor):
    assert refs(streamed_sheet(web_client(director_a2).get(URL))) == {case_a.reference}
    case_restrict(
        actor=supervisor, case=case_a, restricted=True, reason="The director is a neighbour."
    )
    assert refs(streamed_sheet(web_client(director_a2).get(URL))) == set()


def test_the_filters_are_honoured(case_a, case_b, supervisor, areas):
    client = web_client(supervisor)
    rows = streamed_sheet(client.get(URL, {"community": areas["community_b"].pk}))
    assert refs(rows) == {case_b.reference}
    assert streamed_sheet(client.get(URL, {"stage": "closed"}))[1:] == []
    assert client.get(URL, {"stage": "nonsense"}).status_code == 302


def test_cells_are_formula_safe_and_the_export_is_audited(district_officer, make_child, areas):
    child = make_child(name="@SUM(A1)")
    case_open(actor=district_officer, child=child, owner=district_officer, summary="")
    rows = streamed_sheet(web_client(district_officer).get(URL))
    assert rows[1][1] == "'@SUM(A1)"
    event = AuditEvent.objects.get(action="case.export")
    assert event.actor_id == district_officer.pk and event.changes["rows"] == 1
    assert event.object_id == str(areas["district"].pk)


def test_the_api_export_checks_its_filters(case_a, director_a):
    client = api_client(director_a)
    assert client.get(API_URL, {"risk_level": "nonsense"}).status_code == 400
    assert refs(streamed_sheet(client.get(API_URL))) == {case_a.reference}


def test_the_number_of_queries_does_not_grow_with_the_rows(district_officer, make_child):
    client = web_client(district_officer)
    case_open(actor=district_officer, child=make_child(name="一"), owner=district_officer)
    streamed_sheet(client.get(URL))
    with CaptureQueriesContext(connection) as few:
        assert len(streamed_sheet(client.get(URL))) == 2
    for i in range(20):
        case_open(actor=district_officer, child=make_child(name=f"多{i}"), owner=district_officer)
    with CaptureQueriesContext(connection) as many:
        assert len(streamed_sheet(client.get(URL))) == 22
    assert len(many.captured_queries) == len(few.captured_queries)
