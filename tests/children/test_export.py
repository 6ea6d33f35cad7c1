"""The list of children as a streamed xlsx: the list's scope and filters, masked ID numbers,
formula-safe cells, the audit row, and a number of queries that does not grow with the rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import api_client, web_client
from tests.helpers import streamed_sheet
from weibao.audit.models import AuditEvent

URL = "/children/export.xlsx"
API_URL = "/api/v1/children/export/"


def names(rows):
    return {row[0] for row in rows[1:]}


def test_the_export_holds_only_the_children_in_scope(director_a, child_a, child_b, child_c):
    rows = streamed_sheet(web_client(director_a).get(URL))
    assert names(rows) == {"张小明"}


def test_the_export_applies_the_list_filters(supervisor, make_child, areas):
    make_child("community_a", name="甲女", sex="F")
    make_child("community_a", name="甲男", sex="M")
    make_child("community_b", name="乙女", sex="F")
    rows = streamed_sheet(
        web_client(supervisor).get(URL, {"sex": "F", "community": areas["community_a"].pk})
    )
    assert names(rows) == {"甲女"}


def test_the_export_masks_the_id_number_and_neutralises_formulas(district_officer, make_child):
    child = make_child(name='=HYPERLINK("http://evil")')
    rows = streamed_sheet(web_client(district_officer).get(URL))
    row = rows[1]
    assert row[0] == '\'=HYPERLINK("http://evil")'
    assert row[1] == child.id_number_masked and child.id_number not in {str(c) for c in row}
    assert not any(isinstance(c, str) and c.startswith("=") for r in rows for c in r)


def test_every_export_is_in_the_audit_log_with_its_rows_and_filters(supervisor, child_a, areas):
    streamed_sheet(web_client(supervisor).get(URL, {"sex": "M"}))
    event = AuditEvent.objects.get(action="children.export")
    assert event.actor_id == supervisor.pk
    assert event.object_id == str(areas["tianshan"].pk)
    assert event.changes["rows"] == 1 and event.changes["filters"] == {"sex": "M"}


def test_a_bad_filter_exports_nothing_and_says_so(supervisor, child_a):
    response = web_client(supervisor).get(URL, {"age_band": "nonsense"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="children.export").exists()


def test_someone_with_no_role_exports_an_empty_list(unassigned, child_a):
    assert streamed_sheet(web_client(unassigned).get(URL))[1:] == []


def test_the_number_of_queries_does_not_grow_with_the_rows(district_officer, make_child):
    client = web_client(district_officer)
    make_child(name="一")
    streamed_sheet(client.get(URL))
    with CaptureQueriesContext(connection) as few:
        assert len(streamed_sheet(client.get(URL))) == 2
    for i in range(20):
        make_child(name=f"多{i}", categories=["orphan", "autism"])
    with CaptureQueriesContext(connection) as many:
        assert len(streamed_sheet(client.get(URL))) == 22
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_api_export_checks_its_filters_and_holds_the_same_rows(director_a, child_a, child_b):
    client = api_client(director_a)
    assert client.get(API_URL, {"sex": "X"}).status_code == 400
    assert names(streamed_sheet(client.get(API_URL))) == {"张小明"}
    assert AuditEvent.objects.get(action="children.export").changes["channel"] == "api"
