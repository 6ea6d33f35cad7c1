"""The daily job (动态管理): due dates, overdue notices, children turning 18 and left-behind
children turning 16; the `weibao daily` command; the Celery task and beat schedule; the embedded
scheduler of `weibao serve`. Time moves through the `today` parameter."""

import copy
import datetime as dt
import io
import logging
import os
import threading
from dataclasses import asdict
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.helpers import years_before
from weibao.audit.models import AuditEvent
from weibao.core.dates import add_months
from weibao.front.management.commands import serve
from weibao.notifications.models import Notification
from weibao.notifications.selectors import message
from weibao.visits import tasks
from weibao.visits.jobs import DailyReport, recompute_due_dates, run_daily
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


def open_due(child) -> VisitDue:
    return VisitDue.objects.get(child=child, state=VisitDue.State.OPEN)


def registered_on(child) -> dt.date:
    return timezone.localdate(child.created_at)


def visit(actor, child, day: dt.date):
    draft = visit_start(actor=actor, child=child, today=day)
    return visit_complete(
        actor=actor, visit=draft, expected_version=draft.version, data=ANSWERS, today=day
    )


def notices(child) -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(child=child).values_list("recipient__username", "kind")
    )


# --- due dates --------------------------------------------------------------------------------


def test_recompute_creates_dues_for_children_with_rules_and_none_without(make_child):
    VisitRule.objects.filter(key="autism").update(active=False)
    with_rule = make_child(categories=["left_behind"])
    without_rule = make_child(categories=["autism"], name="孤独症儿童")
    VisitDue.objects.all().delete()

    report = recompute_due_dates(today=today())

    assert (report.dues_created, report.dues_moved, report.dues_cancelled) == (1, 0, 0)
    due = open_due(with_rule)
    # Never visited: due within one month of registration.
    assert due.due_date == add_months(registered_on(with_rule), 1)
    assert due.reason == "left_behind"
    assert (due.community_id, due.subdistrict_id) == (
        with_rule.community_id,
        with_rule.subdistrict_id,
    )
    assert not VisitDue.objects.filter(child=without_rule).exists()
    assert recompute_due_dates(today=today()).changed() == 0


def test_a_child_in_two_categories_takes_the_shortest_interval(make_child, director_a):
    child = make_child(categories=["autism", "economic_hardship"])  # every 6 and 3 months
    day = today() - 5 * DAY
    visit(director_a, child, day)
    due = open_due(child)
    assert (due.due_date, due.reason) == (add_months(day, 3), "economic_hardship")

    VisitRule.objects.filter(key="economic_hardship").update(interval_months=2)
    report = recompute_due_dates(today=today())
    assert report.dues_moved == 1
    due.refresh_from_db()
    assert (due.due_date, due.reason) == (add_months(day, 2), "economic_hardship")


def test_completing_a_visit_settles_the_due_and_moves_the_next_one(make_child, director_a):
    child = make_child(categories=["left_behind"])
    first = open_due(child)
    day = today() - 3 * DAY

    visit(director_a, child, day)

    first.refresh_from_db()
    assert (first.state, first.done_on, first.on_time) == ("done", day, True)
    assert open_due(child).due_date == add_months(day, 3)
    # The job agrees with the service: nothing to move.
    assert run_daily(today()).changed() == 0


# --- overdue ----------------------------------------------------------------------------------


def test_overdue_tells_the_director_once_and_after_7_days_the_supervisor_once(
    make_child, director_a, director_b, supervisor
):
    child = make_child()
    due = open_due(child)
    assert run_daily(due.due_date).newly_overdue == 0  # due today is not overdue yet

    report = run_daily(due.due_date + DAY)
    assert (report.newly_overdue, report.overdue_over_7_days) == (1, 0)
    assert report.notifications_sent == 1
    assert notices(child) == [("director_a", "visit_overdue")]

    rerun = run_daily(due.due_date + DAY)
    assert rerun == DailyReport()
    assert rerun.changed() == 0
    assert notices(child) == [("director_a", "visit_overdue")]

    assert run_daily(due.due_date + 7 * DAY).changed() == 0  # 7 days: not yet "more than"
    report = run_daily(due.due_date + 8 * DAY)
    assert (report.newly_overdue, report.overdue_over_7_days) == (0, 1)
    assert report.notifications_sent == 1
    assert notices(child) == [("director_a", "visit_overdue"), ("supervisor", "visit_overdue_7")]

    assert run_daily(due.due_date + 8 * DAY).changed() == 0
    assert run_daily(due.due_date + 40 * DAY).changed() == 0
    assert Notification.objects.count() == 2
    due.refresh_from_db()
    assert due.overdue_level == 2


def test_a_due_more_than_a_week_overdue_when_first_seen_tells_both_at_once(
    make_child, director_a, supervisor
):
    child = make_child()
    due = open_due(child)
    report = run_daily(due.due_date + 10 * DAY)
    assert (report.newly_overdue, report.overdue_over_7_days, report.notifications_sent) == (
        1,
        1,
        2,
    )
    assert report.changed() == 4
    assert run_daily(due.due_date + 10 * DAY).changed() == 0


def test_overdue_reminders_name_the_child_and_the_due_date_and_link_to_the_file(
    make_child, director_a, supervisor, english
):
    child = make_child(name="测试儿童甲")
    due = open_due(child)
    before = timezone.now()

    run_daily(due.due_date + 10 * DAY)

    told = {n.kind: n for n in Notification.objects.filter(child=child)}
    assert set(told) == {"visit_overdue", "visit_overdue_7"}
    for kind, note in told.items():
        assert note.key == f"{kind}:{due.pk}"
        assert note.params == {"child": "测试儿童甲", "date": due.due_date.isoformat()}
        assert note.url == f"/children/{child.pk}/"
        assert note.read_at is None
        assert before <= note.created_at <= timezone.now()
    assert told["visit_overdue"].recipient == director_a
    assert told["visit_overdue"].child == child
    assert message(told["visit_overdue_7"]) == (
        f"The visit to 测试儿童甲 has been overdue for more than 7 days "
        f"(due {due.due_date.isoformat()})."
    )


def test_every_director_of_the_community_is_told_and_no_one_else(
    make_child, director_a, director_a2, director_b
):
    child = make_child()
    due = open_due(child)
    assert run_daily(due.due_date + DAY).notifications_sent == 2
    assert notices(child) == [("director_a", "visit_overdue"), ("director_a2", "visit_overdue")]


def test_a_visit_after_the_due_date_is_late_and_restarts_the_clock(
    make_child, director_a, supervisor
):
    child = make_child()
    first = open_due(child)
    run_daily(first.due_date + 9 * DAY)
    visit(director_a, child, first.due_date + 9 * DAY)
    first.refresh_from_db()
    assert (first.state, first.on_time) == ("done", False)
    second = open_due(child)
    assert second.overdue_level == 0
    assert run_daily(first.due_date + 9 * DAY).changed() == 0


# --- age --------------------------------------------------------------------------------------


def test_children_turning_18_have_their_due_cancelled(make_child):
    eighteenth = today() + 20 * DAY
    child = make_child(
        categories=["economic_hardship"], birth_date=years_before(eighteenth, 18), grade="s3"
    )
    due = open_due(child)
    assert run_daily(eighteenth - DAY).changed() == 0

    report = run_daily(eighteenth)

    assert (report.aged_out, report.dues_cancelled) == (1, 1)
    assert report.changed() == 1  # one due cancelled, counted once
    due.refresh_from_db()
    assert due.state == "cancelled"
    assert not VisitDue.objects.filter(child=child, state="open").exists()
    assert run_daily(eighteenth).changed() == 0
    assert run_daily(eighteenth + 30 * DAY).changed() == 0


def test_left_behind_children_turning_16_are_flagged_once(make_child, director_a, director_b):
    sixteenth = today() + 5 * DAY
    child = make_child(
        categories=["left_behind"], birth_date=years_before(sixteenth, 16), grade="j3"
    )
    assert run_daily(sixteenth - DAY).left_behind_16_flagged == 0

    report = run_daily(sixteenth)

    assert (report.left_behind_16_flagged, report.notifications_sent) == (1, 1)
    assert report.changed() == 1
    assert notices(child) == [("director_a", "left_behind_16")]
    assert run_daily(sixteenth).changed() == 0
    assert run_daily(sixteenth + DAY).changed() == 0
    assert notices(child) == [("director_a", "left_behind_16")]


# --- the run ----------------------------------------------------------------------------------


def test_run_daily_writes_an_audit_event(make_child):
    make_child()
    VisitDue.objects.all().delete()
    report = run_daily(today())
    event = AuditEvent.objects.get(action="job.daily")
    assert event.actor is None
    assert (event.object_type, event.object_id) == ("job", today().isoformat())
    assert event.changes == asdict(report)
    assert event.changes["dues_created"] == 1
    run_daily(today())
    assert AuditEvent.objects.filter(action="job.daily").count() == 2


def test_daily_command_prints_the_report_and_a_second_run_changes_nothing(make_child):
    make_child()
    VisitDue.objects.all().delete()
    day = today().isoformat()

    out = io.StringIO()
    call_command("daily", "--date", day, stdout=out)
    text = out.getvalue()
    assert f"Daily job for {day}:" in text
    for label in ("due visits created", "visits newly overdue", "notifications sent"):
        assert label in text
    assert "Total records changed: 1" in text

    out = io.StringIO()
    call_command("daily", stdout=out)  # today by default
    assert f"Daily job for {day}:" in out.getvalue()
    assert "Total records changed: 0" in out.getvalue()


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "tomorrow", "29.11.2026", ""])
def test_daily_command_rejects_a_malformed_date(db, value):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("daily", "--date", value, stdout=io.StringIO())
    assert not AuditEvent.objects.exists()


# --- Celery -----------------------------------------------------------------------------------


def test_beat_runs_the_daily_task_every_day_at_2_in_shanghai():
    from weibao.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["visits-daily"]
    assert entry["task"] == tasks.daily.name == "weibao.visits.tasks.daily"
    assert entry["schedule"] == crontab(hour=2, minute=0)
    assert app.conf.beat_schedule == django_settings.CELERY_BEAT_SCHEDULE
    assert app.conf.timezone == django_settings.TIME_ZONE == "Asia/Shanghai"
    app.loader.import_default_modules()  # what the worker does: autodiscovers tasks.py
    assert tasks.DAILY in app.tasks
    # Evaluated in the app's time zone: 02:00 in Shanghai is 18:00 UTC the day before.
    schedule = copy.copy(entry["schedule"])
    schedule.app = app  # as beat does
    last_run = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    start, delta, _ = schedule.remaining_delta(last_run)
    assert start + delta == dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC)


@pytest.mark.skipif(bool(os.environ.get("CELERY_BROKER_URL")), reason="a broker is configured")
def test_without_a_broker_the_task_runs_in_process(make_child):
    from weibao.celery import app

    assert django_settings.CELERY_BROKER_URL is None
    assert django_settings.CELERY_TASK_ALWAYS_EAGER is True
    assert app.conf.task_always_eager is True
    make_child()
    VisitDue.objects.all().delete()

    result = tasks.daily.delay(today().isoformat())

    report = result.get(timeout=1)
    assert report["dues_created"] == 1
    assert report["changed"] == 1
    assert AuditEvent.objects.filter(action="job.daily", object_id=today().isoformat()).exists()
    assert tasks.daily.delay().get(timeout=1)["changed"] == 0


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.redis
@pytest.mark.skipif(
    os.environ.get("WEIBAO_TEST_REDIS") != "1",
    reason="set WEIBAO_TEST_REDIS=1 to run against the Redis server at 127.0.0.1:6379",
)
def test_the_daily_task_runs_on_a_worker_through_redis(transactional_db, make_child):
    import celery.contrib.testing.tasks  # noqa: F401  (celery.ping, for the worker's check)
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    from weibao.celery import app as weibao_app

    make_child()
    VisitDue.objects.all().delete()
    # The project's configuration, with the broker and result backend a deployment would set.
    app = Celery("weibao", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_always_eager=False,
        task_default_queue="weibao-test",
    )
    app.control.purge()
    try:
        with start_worker(app, pool="solo", shutdown_timeout=30):
            result = app.tasks[tasks.DAILY].delay(today().isoformat())
            report = result.get(timeout=60)
            second = app.tasks[tasks.DAILY].delay(today().isoformat())
            again = second.get(timeout=60)
            status = result.status
            result.forget()
            second.forget()
    finally:
        weibao_app.set_current()
        weibao_app.set_default()

    assert not app.conf.task_always_eager
    assert status == "SUCCESS"
    assert report["dues_created"] == 1
    assert report["changed"] == 1
    assert again["changed"] == 0
    assert AuditEvent.objects.filter(action="job.daily").count() == 2


# --- embedded scheduling (`weibao serve`) -----------------------------------------------------


def _shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_shanghai(2026, 3, 1, 1, 59), _shanghai(2026, 3, 1, 2, 0)),
        (_shanghai(2026, 3, 1, 2, 0), _shanghai(2026, 3, 2, 2, 0)),
        (_shanghai(2026, 3, 1, 16, 30), _shanghai(2026, 3, 2, 2, 0)),
        (_shanghai(2026, 12, 31, 23, 0), _shanghai(2027, 1, 1, 2, 0)),
        # 17:30 UTC is 01:30 the next day in Shanghai
        (dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC), _shanghai(2026, 3, 2, 2, 0)),
    ],
)
def test_the_embedded_scheduler_runs_at_the_next_2_am_local(now, expected):
    assert serve.next_run_after(now) == expected


@pytest.fixture
def no_runserver(monkeypatch):
    calls = []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kw: calls.append(args))
    started = []
    monkeypatch.setattr(serve.DailyJobThread, "start", lambda self: started.append(self))
    return calls, started


def test_serve_runs_the_daily_job_at_start_and_schedules_it(make_child, no_runserver):
    calls, started = no_runserver
    make_child()
    VisitDue.objects.all().delete()
    out = io.StringIO()

    call_command("serve", "--port", "8123", stdout=out)

    text = out.getvalue()
    assert "daily job at startup" in text
    assert f"Daily job for {today().isoformat()}:" in text
    assert "Total records changed: 1" in text
    assert calls == [("runserver", "127.0.0.1:8123")]
    assert len(started) == 1
    assert started[0].daemon


def test_serve_leaves_the_job_to_celery_beat_when_a_broker_is_set(db, no_runserver, settings):
    calls, started = no_runserver
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    out = io.StringIO()
    call_command("serve", stdout=out)
    assert "Celery beat" in out.getvalue()
    assert "Daily job for" not in out.getvalue()
    assert started == []
    assert calls == [("runserver", "127.0.0.1:8000")]
    assert not AuditEvent.objects.filter(action="job.daily").exists()


def test_a_failing_daily_job_is_logged_and_never_stops_the_server(
    db, no_runserver, monkeypatch, caplog
):
    calls, started = no_runserver

    def broken(today=None):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(serve, "run_daily", broken)
    with caplog.at_level(logging.ERROR, logger="weibao.daily"):
        call_command("serve", stdout=io.StringIO())
    assert "The daily job failed" in caplog.text
    assert "database is locked" in caplog.text
    assert calls == [("runserver", "127.0.0.1:8000")]
    assert len(started) == 1


def test_the_scheduler_thread_runs_the_job_when_due_and_survives_errors(monkeypatch):
    runs = []
    done = threading.Event()

    def fake_run(write, **kwargs):
        runs.append(timezone.now())
        if len(runs) == 1:
            raise RuntimeError("unexpected")  # the thread must survive even this
        done.set()
        return True

    monkeypatch.setattr(serve, "next_run_after", lambda now: now - dt.timedelta(seconds=1))
    monkeypatch.setattr(serve, "run_daily_logged", fake_run)
    monkeypatch.setattr(serve, "MAX_SLEEP", 0.01)
    thread = serve.DailyJobThread(write=lambda line: None)
    thread.start()
    try:
        assert done.wait(5)
    finally:
        thread.stop_event.set()
        thread.join(5)
    assert not thread.is_alive()
    assert len(runs) >= 2
