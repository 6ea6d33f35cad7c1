"""The report lists as a city's district reads them (docs/performance.md, "The report queue"):
the reports a user entered outside their areas stay theirs to see, and without any the scope is
the areas alone; a restricted case still hides its reports from whoever is not on it; the queue
page counts the queue once."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import api_client, web_client
from tests.helpers import fresh_report, move_to
from weibao.accounts.models import User
from weibao.cases.services import case_restrict
from weibao.core.views_helpers import CappedPaginator
from weibao.reports.choices import Channel, NoCaseReason, Situation
from weibao.reports.models import NEVER, Report
from weibao.reports.selectors import reports_visible_to, triage_queue
from weibao.reports.services import report_acknowledge, report_close, report_record_police

pytestmark = pytest.mark.usefixtures("english")


def _visible(user) -> set[int]:
    return set(reports_visible_to(User.objects.get(pk=user.pk)).values_list("pk", flat=True))


def _report_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if 'FROM "reports_report"' in q["sql"]]


def test_a_report_entered_outside_the_users_areas_stays_in_their_list(
    make_report, director_a, director_elsewhere
):
    inside = make_report(subdistrict="xianxia", channel=Channel.STAFF, actor=director_elsewhere)
    assert _visible(director_a) == set()
    entered = make_report(subdistrict="xianxia", channel=Channel.STAFF, actor=director_a)
    assert _visible(director_a) == {entered.pk}
    assert inside.pk not in _visible(director_a)
    listed = api_client(director_a).get("/api/v1/reports/").json()
    assert [row["id"] for row in listed["results"]] == [entered.pk]


def test_without_reports_entered_elsewhere_the_scope_is_the_areas_alone(
    make_report, district_officer, supervisor
):
    make_report(channel=Channel.STAFF, actor=district_officer)  # in their district
    make_report(subdistrict="xianxia")
    with CaptureQueriesContext(connection) as ctx:
        listed = api_client(district_officer).get("/api/v1/reports/").json()
    assert listed["count"] == 2
    lists = [sql for sql in _report_queries(ctx) if "ORDER BY" in sql]
    assert lists and all("created_by_id" not in sql.split("WHERE", 1)[1] for sql in lists)
    # A supervisor's report without a 街镇 lies outside their 街镇: it stays theirs.
    own = make_report(subdistrict=None, channel=Channel.STAFF, actor=supervisor)
    assert own.pk in _visible(supervisor)


def test_a_restricted_case_still_hides_its_reports_from_the_directors_kept_off(
    make_report, child_a, supervisor, director_a, district_officer
):
    report = move_to(make_report(), "handling", supervisor, child=child_a)
    other = make_report()
    assert _visible(director_a) == {report.pk}
    case_restrict(actor=supervisor, case=report.case, restricted=True, reason="The aunt.")
    assert _visible(director_a) == set()
    assert _visible(supervisor) == _visible(district_officer) == {report.pk, other.pk}


def test_the_queue_page_counts_the_queue_once(make_report, supervisor):
    for _ in range(3):
        make_report()
    client = web_client(supervisor)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/reports/")
    counts = [sql for sql in _report_queries(ctx) if "COUNT(" in sql]
    assert len(counts) == 1
    assert response.context["queue_count"] == response.context["page"].paginator.count == 3
    filtered = client.get("/reports/", {"state": "acknowledged"})
    assert filtered.context["queue_count"] == 3
    assert filtered.context["page"].paginator.count == 0


def test_all_reports_are_counted_to_the_cap_and_the_last_page_says_how_to_see_all(
    make_report, district_officer, monkeypatch
):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    monkeypatch.setattr("weibao.reports.views.PAGE_SIZE", 2)
    for _ in range(5):
        make_report()
    client = web_client(district_officer)
    first = client.get("/reports/?tab=all").content.decode()
    assert "Page 1 of more than 2" in first
    assert "Narrow the filters" not in first
    # Page 2 holds the third report only: the count stopped there, and a later page is page 2.
    for page in (2, 9):
        html = client.get(f"/reports/?tab=all&page={page}").content.decode()
        assert html.count('class="report-ref"') == 1, page
        assert "The list shows the first 3 reports" in html
    # A shallow page's rows are read in the list's order, not by the ids of a subquery first
    # (the children's list does that; for the reports it read the district's every report).
    with CaptureQueriesContext(connection) as ctx:
        client.get("/reports/?tab=all&page=2")
    rows = [sql for sql in _report_queries(ctx) if "ORDER BY" in sql and "COUNT" not in sql]
    assert rows and not any('"reports_report"."id" IN (SELECT' in sql for sql in rows)
    # The queue is counted exactly: its length is its tab's badge.
    queue = client.get("/reports/?tab=queue").content.decode()
    assert "Page 1 of 3" in queue and "more than" not in queue


def test_next_due_at_is_the_earliest_clock_not_yet_met(make_report, supervisor):
    report = make_report(situations=[Situation.GENITAL_INJURY])  # all three clocks run
    assert fresh_report(report).next_due_at == report.ack_due_at
    report = report_acknowledge(actor=supervisor, report=report)
    assert fresh_report(report).next_due_at == min(report.police_due_at, report.outcome_due_at)
    report = report_record_police(
        actor=supervisor,
        report=fresh_report(report),
        told="Officer on duty",
        notified_at=timezone.now(),
        receipt_no="R-1",
    )
    assert fresh_report(report).next_due_at == report.outcome_due_at
    closed = report_close(
        actor=supervisor,
        report=fresh_report(report),
        outcome_message="Done.",
        no_case_reason=NoCaseReason.NO_HARM_FOUND,
    )
    assert fresh_report(closed).next_due_at == NEVER


def test_the_queue_puts_the_earliest_unmet_clock_first(make_report, supervisor):
    first = make_report()
    second = make_report()
    third = make_report()
    # The first is acknowledged: its next clock is the outcome, days away; the others' is the
    # hour to acknowledge, the third's made earlier than the second's.
    report_acknowledge(actor=supervisor, report=first)
    Report.objects.filter(pk=third.pk).update(
        ack_due_at=second.ack_due_at - dt.timedelta(minutes=5)
    )
    queue = list(triage_queue(User.objects.get(pk=supervisor.pk)).values_list("pk", flat=True))
    assert queue == [third.pk, second.pk, first.pk]
    late = api_client(supervisor).get("/api/v1/reports/", {"queue": "true"}).json()
    assert [row["id"] for row in late["results"]] == queue


def test_a_deep_page_of_all_reports_reads_its_ids_first_and_shows_the_same_rows(
    make_report, district_officer, monkeypatch
):
    monkeypatch.setattr("weibao.reports.views.PAGE_SIZE", 2)
    made = [make_report().reference for _ in range(5)]
    client = web_client(district_officer)

    def page(number):
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(f"/reports/?tab=all&page={number}").content.decode()
        shown = [ref for ref in made if ref in html]
        by_ids = [sql for sql in _report_queries(ctx) if '"reports_report"."id" IN (' in sql]
        return sorted(shown, key=html.index), by_ids

    shallow = [page(n) for n in (1, 2, 3)]
    assert all(not by_ids for _shown, by_ids in shallow)
    monkeypatch.setattr("weibao.reports.views.DEEP_PAGE_ROWS", 2)
    assert page(1) == shallow[0]  # before the deep rows: one statement, as before
    for number in (2, 3):
        shown, by_ids = page(number)
        assert shown == shallow[number - 1][0], number
        # Its ids read as a statement of their own, then its rows by those ids.
        assert len(by_ids) == 1 and '"reports_report"."id" IN (SELECT' not in by_ids[0]
    assert [ref for shown, _ in shallow for ref in shown] == made[::-1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_deep_pages_ids_are_read_from_the_districts_index_in_order(make_report, district_officer):
    for _ in range(3):
        make_report()
    visible = reports_visible_to(User.objects.get(pk=district_officer.pk))
    ids = visible.order_by("-received_at", "-id").values("pk")[1000:1050]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = ids.explain()
    assert "report_district_newest" in plan
    assert "Sort" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_districts_queue_is_read_from_its_index_in_order(make_report, district_officer):
    for _ in range(3):
        make_report()
    queue = triage_queue(User.objects.get(pk=district_officer.pk))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # three rows: the planner would scan
        plan = queue[:20].explain()
    assert "report_district_queue" in plan
    assert "Sort" not in plan.split("report_district_queue", 1)[0]
