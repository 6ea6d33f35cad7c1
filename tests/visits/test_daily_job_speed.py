"""What the daily job's speed rests on: the child's last completed visit kept on the child row
(`Child.last_visited_on`, set by visit_complete, backfilled by the children migration 0004),
cancellations found in the same pass as the due dates, and batching that gives the same answer
whatever the batch boundaries."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from tests.helpers import years_before
from weibao.children.models import Child
from weibao.core.dates import add_months
from weibao.notifications.models import Notification
from weibao.visits import jobs
from weibao.visits.jobs import recompute_due_dates, run_daily
from weibao.visits.models import VisitDue, VisitRule
from weibao.visits.services import visit_complete, visit_start

DAY = dt.timedelta(days=1)
ANSWERS = {
    "met_with": "母亲、孩子本人",
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
}


def today() -> dt.date:
    return timezone.localdate()


def visit(actor, child, day: dt.date):
    draft = visit_start(actor=actor, child=child, today=day)
    return visit_complete(
        actor=actor, visit=draft, expected_version=draft.version, data=ANSWERS, today=day
    )


def last_visited_on(child) -> dt.date | None:
    return Child.objects.values_list("last_visited_on", flat=True).get(pk=child.pk)


def open_due(child) -> VisitDue:
    return VisitDue.objects.get(child=child, state=VisitDue.State.OPEN)


# --- Child.last_visited_on --------------------------------------------------------------------


def test_a_new_child_has_not_been_visited(make_child):
    assert last_visited_on(make_child()) is None


def test_completing_a_visit_records_its_date_on_the_child(make_child, director_a):
    child = make_child()
    before = Child.objects.values_list("version", "updated_at").get(pk=child.pk)
    day = today() - 3 * DAY

    completed = visit(director_a, child, day)

    assert last_visited_on(child) == day
    assert completed.child.last_visited_on == day  # the object the service holds agrees
    # Nobody edited the child's file: its version (optimistic locking) and updated_at stay.
    assert Child.objects.values_list("version", "updated_at").get(pk=child.pk) == before


def test_a_visit_recorded_late_with_an_earlier_date_does_not_move_it_back(make_child, director_a):
    child = make_child()
    visit(director_a, child, today() - 2 * DAY)
    visit(director_a, child, today() - 20 * DAY)
    assert last_visited_on(child) == today() - 2 * DAY
    visit(director_a, child, today())
    assert last_visited_on(child) == today()


def test_a_draft_is_not_a_visit(make_child, director_a):
    child = make_child()
    visit_start(actor=director_a, child=child, today=today())
    assert last_visited_on(child) is None


def test_the_migration_backfills_the_last_completed_visit(make_child, director_a):
    visited, never = make_child(), make_child(name="未走访儿童")
    visit(director_a, visited, today() - 40 * DAY)
    visit(director_a, visited, today() - 10 * DAY)
    visit_start(actor=director_a, child=never, today=today())  # a draft only
    Child.objects.update(last_visited_on=None)

    migration = importlib.import_module("weibao.children.migrations.0004_child_last_visited_on")
    migration.backfill(apps, None)

    assert last_visited_on(visited) == today() - 10 * DAY
    assert last_visited_on(never) is None


# --- the job reads it -------------------------------------------------------------------------


def test_the_job_counts_from_the_last_visit_recorded_on_the_child(make_child, director_a):
    child = make_child(categories=["left_behind"])  # every 3 months
    day = today() - 5 * DAY
    visit(director_a, child, day)
    assert open_due(child).due_date == add_months(day, 3)
    assert run_daily(today()).changed() == 0

    # The job reads the child's column, not the visits: move it and the due follows.
    earlier = today() - 30 * DAY
    Child.objects.filter(pk=child.pk).update(last_visited_on=earlier)
    report = recompute_due_dates(today=today())

    assert report.dues_moved == 1
    due = open_due(child)
    assert (due.due_date, due.based_on) == (add_months(earlier, 3), earlier)


def test_a_child_never_visited_is_due_a_month_after_registration(make_child):
    child = make_child(categories=["left_behind"])
    VisitDue.objects.all().delete()
    registered = today() - 50 * DAY
    moment = timezone.make_aware(dt.datetime.combine(registered, dt.time(23, 30)))
    Child.objects.filter(pk=child.pk).update(created_at=moment)

    assert recompute_due_dates(today=today()).dues_created == 1
    # The registration date is the local date (23:30 in Shanghai is still that day).
    assert open_due(child).due_date == add_months(registered, 1)


# --- cancellations in the same pass -----------------------------------------------------------


def test_children_who_left_the_register_or_turned_18_have_their_dues_cancelled(make_child):
    stays = make_child(name="留下")
    moved = make_child(name="迁出")
    adult = make_child(name="成年")
    no_rule = make_child(name="无规则")
    # Changed behind the services' back, as a data correction would: only the job sees it.
    Child.objects.filter(pk=moved.pk).update(status="moved_out", status_date=today())
    eighteen = years_before(today(), 18) - DAY
    Child.objects.filter(pk=adult.pk).update(birth_date=eighteen)
    no_rule.category_rows.all().delete()

    report = run_daily(today())

    assert (report.dues_cancelled, report.aged_out) == (3, 1)
    assert report.changed() == 3
    assert VisitDue.objects.filter(child=stays, state="open").exists()
    for child in (moved, adult, no_rule):
        assert VisitDue.objects.get(child=child).state == VisitDue.State.CANCELLED
    assert run_daily(today()).changed() == 0


def test_a_moved_out_child_turning_18_counts_once_as_aged_out(make_child):
    child = make_child()
    eighteen = years_before(today(), 18) - DAY
    Child.objects.filter(pk=child.pk).update(
        status="moved_out", status_date=today(), birth_date=eighteen
    )
    report = recompute_due_dates(today=today())
    assert (report.dues_cancelled, report.aged_out) == (1, 1)


# --- batching -----------------------------------------------------------------------------


def test_windows_and_batches_give_the_same_answer(make_child, director_a, monkeypatch):
    children = [make_child(name=f"儿童{i}") for i in range(7)]
    for i, child in enumerate(children[:4]):
        visit(director_a, child, today() - (120 + i) * DAY)  # overdue by now
    VisitDue.objects.filter(child__in=children[4:]).delete()
    Child.objects.filter(pk=children[3].pk).update(status="moved_out", status_date=today())
    monkeypatch.setattr(jobs, "WINDOW", 2)
    monkeypatch.setattr(jobs, "BATCH", 2)

    report = run_daily(today())

    assert (report.dues_created, report.dues_cancelled) == (3, 1)
    assert report.newly_overdue == 3  # the visited ones still open, all more than 7 days late
    assert report.overdue_over_7_days == 3
    assert Notification.objects.filter(kind="visit_overdue").count() == 3
    assert Notification.objects.filter(kind="visit_overdue_7").count() == 0  # no supervisor
    assert VisitDue.objects.filter(state="open").count() == 6
    assert run_daily(today()).changed() == 0


def test_a_moved_due_keeps_its_reminders_unless_it_moves_later(make_child, director_a):
    child = make_child(categories=["left_behind"])
    day = today() - 95 * DAY  # due 3 months later: a few days ago
    visit(director_a, child, day)
    due = open_due(child)
    run_daily(today())
    due.refresh_from_db()
    assert due.overdue_level == 1

    # A stricter rule moves it earlier: still overdue, nobody is told twice.
    VisitRule.objects.filter(key="left_behind").update(interval_months=2)
    assert recompute_due_dates(today=today()).dues_moved == 1
    due.refresh_from_db()
    assert (due.due_date, due.overdue_level) == (add_months(day, 2), 1)

    # A laxer one moves it later: a fresh deadline.
    VisitRule.objects.filter(key="left_behind").update(interval_months=6)
    assert recompute_due_dates(today=today()).dues_moved == 1
    due.refresh_from_db()
    assert (due.due_date, due.overdue_level) == (add_months(day, 6), 0)


# --- storage ------------------------------------------------------------------------------


def test_on_postgresql_the_due_table_leaves_room_for_in_place_updates(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("fillfactor is a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s", [VisitDue._meta.db_table]
        )
        (options,) = cursor.fetchone()
    assert "fillfactor=90" in options


def test_the_dues_still_to_tell_are_read_through_their_partial_index(make_child, director_a):
    """mark_overdue's reads say the index's condition, so that both databases can use it: with
    nothing to tell they read no due already told (docs/performance.md, "The daily job at a
    city's scale")."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_child()
    run_daily(today() + 400 * DAY)  # every due told at both levels
    with CaptureQueriesContext(connection) as queries:
        report = jobs.DailyReport()
        jobs.mark_overdue(today() + 400 * DAY, report)
    assert report.changed() == 0
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 2  # level 0 and level 1, one range each
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        if not sqlite:  # a tiny table: only forbidding the scan shows the index can answer
            cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in reads:
            cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "visit_due_to_tell" in plan, plan
