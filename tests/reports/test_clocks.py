"""How the report clocks run: the `weibao clocks` command, the Celery task on the beat
schedule every 5 minutes, and the embedded scheduler thread of `weibao serve`."""

import copy
import datetime as dt
import io
import threading

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from weibao.front.management.commands import serve
from weibao.notifications.models import Notification
from weibao.reports import tasks
from weibao.reports.models import Report

pytestmark = pytest.mark.usefixtures("english")


def _make_late(report: Report) -> None:
    Report.objects.filter(pk=report.pk).update(ack_due_at=timezone.now() - dt.timedelta(minutes=1))


def test_the_clocks_command_escalates_and_prints_the_counts(make_report, district_officer):
    report = make_report()
    _make_late(report)
    out = io.StringIO()
    call_command("clocks", stdout=out)
    text = out.getvalue()
    assert "Report clocks:" in text
    assert "reports not acknowledged in time (escalated)       1" in text
    assert (
        Notification.objects.filter(
            recipient=district_officer, kind=Notification.Kind.REPORT_LATE
        ).count()
        == 1
    )
    out = io.StringIO()
    call_command("clocks", stdout=out)
    assert "reports not acknowledged in time (escalated)       0" in out.getvalue()


def test_the_clocks_job_also_runs_the_protection_and_referral_alerts(db, monkeypatch):
    from weibao.protection import jobs as protection_jobs
    from weibao.referrals import jobs as referral_jobs
    from weibao.reports import jobs

    seen = []
    monkeypatch.setattr(
        protection_jobs, "protection_alerts", lambda now: seen.append(("p", now)) or 2
    )
    monkeypatch.setattr(referral_jobs, "referral_alerts", lambda now: seen.append(("r", now)) or 3)
    now = timezone.now()
    counts = jobs.check_clocks(now)
    assert counts["protection_alerts"] == 2 and counts["referral_alerts"] == 3
    assert seen == [("p", now), ("r", now)]


def test_beat_runs_the_clocks_task_every_5_minutes():
    from celery.schedules import crontab

    from weibao.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["reports-clocks"]
    assert entry["task"] == tasks.clocks.name == tasks.CLOCKS == "weibao.reports.tasks.clocks"
    assert entry["schedule"] == crontab(minute="*/5")
    assert app.conf.beat_schedule == django_settings.CELERY_BEAT_SCHEDULE
    app.loader.import_default_modules()
    assert tasks.CLOCKS in app.tasks
    schedule = copy.copy(entry["schedule"])
    schedule.app = app
    last_run = dt.datetime(2026, 3, 1, 1, 2, tzinfo=dt.UTC)
    start, delta, _ = schedule.remaining_delta(last_run)
    assert start + delta == dt.datetime(2026, 3, 1, 1, 5, tzinfo=dt.UTC)


def test_without_a_broker_the_clocks_task_runs_in_process(make_report):
    report = make_report()
    _make_late(report)
    assert tasks.clocks.delay().get(timeout=1)["ack_late"] == 1
    assert tasks.clocks.delay().get(timeout=1)["ack_late"] == 0


@pytest.fixture
def no_threads(monkeypatch):
    calls, started = [], []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kw: calls.append(args))
    monkeypatch.setattr(serve.DailyJobThread, "start", lambda self: started.append(self))
    monkeypatch.setattr(serve.ClocksThread, "start", lambda self: started.append(self))
    return calls, started


def test_serve_checks_the_clocks_at_start_and_schedules_them(make_report, no_threads):
    calls, started = no_threads
    _make_late(make_report())
    out = io.StringIO()
    call_command("serve", stdout=out)
    text = out.getvalue()
    assert "report clocks checked at startup" in text
    assert "reports not acknowledged in time (escalated)       1" in text
    assert [type(t) for t in started] == [serve.DailyJobThread, serve.ClocksThread]
    assert all(t.daemon for t in started)
    assert calls == [("runserver", "127.0.0.1:8000")]


def test_serve_without_jobs_starts_no_clock_thread(db, no_threads):
    calls, started = no_threads
    call_command("serve", "--no-daily-job", stdout=io.StringIO())
    assert started == []
    assert calls == [("runserver", "127.0.0.1:8000")]


def test_serve_leaves_the_clocks_to_celery_beat_when_a_broker_is_set(db, no_threads, settings):
    _calls, started = no_threads
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    out = io.StringIO()
    call_command("serve", stdout=out)
    assert "report clocks left to Celery beat" in out.getvalue()
    assert started == []


def test_the_clocks_thread_runs_every_interval_and_survives_errors(monkeypatch, settings):
    settings.REPORT_CLOCKS_INTERVAL_SECONDS = 0.01
    runs = []
    done = threading.Event()

    def fake_run(write, **kwargs):
        runs.append(kwargs)
        if len(runs) == 1:
            raise RuntimeError("unexpected")  # the thread must survive even this
        if len(runs) >= 3:
            done.set()
        return True

    monkeypatch.setattr(serve, "run_clocks_logged", fake_run)
    thread = serve.ClocksThread(write=lambda line: None)
    thread.start()
    try:
        assert done.wait(5)
    finally:
        thread.stop_event.set()
        thread.join(5)
    assert not thread.is_alive()
    assert runs[1] == {"own_connection": True}


def test_a_failing_clocks_check_is_logged_not_raised(db, monkeypatch, caplog):
    import logging

    def broken(now=None):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(serve, "check_clocks", broken)
    with caplog.at_level(logging.ERROR, logger="weibao.clocks"):
        assert serve.run_clocks_logged(lambda line: None) is False
    assert "database is locked" in caplog.text
