"""The list of completed visits as a streamed xlsx: scope (visits_visible_to), filters, no
draft, formula-safe cells, the audit row, and queries that do not grow with the rows."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import api_client, web_client
from tests.helpers import streamed_sheet
from weibao.audit.models import AuditEvent
from weibao.visits import services

URL = "/visits/export.xlsx"
API_URL = "/api/v1/visits/export/"
ANSWERS = {
    "met_with": "母亲",
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
}


def complete(child, user, **data):
    visit = services.visit_start(actor=user, child=child)
    return services.visit_complete(
        actor=user, visit=visit, expected_version=1, data={**ANSWERS, **data}
    )


def children_named(rows):
    return sorted(row[1] for row in rows[1:])


def test_only_completed_visits_in_scope_are_exported(
    director_a, director_b, child_a, child_b, supervisor
):
    complete(child_a, director_a)
    complete(child_b, director_b)
    services.visit_start(actor=director_a, child=child_a)  # a draft: never in the list
    assert children_named(streamed_sheet(web_client(director_a).get(URL))) == ["张小明"]
    assert len(streamed_sheet(web_client(supervisor).get(URL))) == 3


def test_the_filters_are_honoured(supervisor, director_a, director_b, child_a, child_b, areas):
    complete(child_a, director_a)
    complete(child_b, director_b)
    client = web_client(supervisor)
    rows = streamed_sheet(client.get(URL, {"community": areas["community_b"].pk}))
    assert children_named(rows) == [child_b.name]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert streamed_sheet(client.get(URL, {"date_from": tomorrow.isoformat()}))[1:] == []


def test_cells_are_formula_safe_and_the_export_is_audited(director_a, child_a, areas):
    complete(child_a, director_a, met_with="=1+1")
    rows = streamed_sheet(web_client(director_a).get(URL))
    assert rows[1][5] == "'=1+1"
    event = AuditEvent.objects.get(action="visit.list_export")
    assert event.actor_id == director_a.pk and event.changes["rows"] == 1
    assert event.object_id == str(areas["community_a"].pk)


def test_a_bad_date_exports_nothing(director_a):
    assert web_client(director_a).get(URL, {"date_from": "yesterday"}).status_code == 302
    assert not AuditEvent.objects.filter(action="visit.list_export").exists()


def test_the_api_export_checks_its_filters(director_a, child_a):
    complete(child_a, director_a)
    client = api_client(director_a)
    assert client.get(API_URL, {"date_to": "soon"}).status_code == 400
    assert children_named(streamed_sheet(client.get(API_URL))) == ["张小明"]


def test_the_number_of_queries_does_not_grow_with_the_rows(district_officer, make_child):
    client = web_client(district_officer)
    complete(make_child(name="一"), district_officer)
    streamed_sheet(client.get(URL))
    with CaptureQueriesContext(connection) as few:
        assert len(streamed_sheet(client.get(URL))) == 2
    for i in range(20):
        complete(make_child(name=f"多{i}"), district_officer)
    with CaptureQueriesContext(connection) as many:
        assert len(streamed_sheet(client.get(URL))) == 22
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_export_form_names_its_dates_as_visit_dates_not_transfer_places(director_a):
    """The words "from"/"to" alone are the transfers' places in Chinese (转出地/转入地)."""
    page = web_client(director_a).get("/visits/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "走访日期起" in html and "走访日期止" in html
    assert "转出地" not in html and "转入地" not in html
