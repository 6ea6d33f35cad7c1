"""`weibao serve`: the embedded web server of `make run`, or gunicorn in production.

In production (WEIBAO_ENV=production) it runs gunicorn (front.wsgi_server) on --host/--port
(WEIBAO_HOST, WEIBAO_PORT) with --workers (WEIBAO_WEB_WORKERS, default the cores + 1) and never
runs a job itself: Celery beat does (docs/deploy.md).

Embedded:

Without a Celery broker (CELERY_BROKER_URL unset) it also runs the daily job: once at start, then
every day at 02:00 local time in a daemon thread; and the report clocks (weibao.reports.jobs.
check_clocks): once at start, then every 5 minutes in another daemon thread. A failing run is
logged and retried at the next scheduled time; it never stops the server. With a broker, Celery
beat does both instead."""

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connections
from django.utils import timezone

from weibao.front import wsgi_server
from weibao.reports.jobs import check_clocks
from weibao.reports.management.commands.clocks import clock_lines
from weibao.visits.jobs import run_daily
from weibao.visits.management.commands.daily import report_lines

logger = logging.getLogger("weibao.daily")
clocks_logger = logging.getLogger("weibao.clocks")

RUN_AT = dt.time(2, 0)
# The thread wakes at least this often, so a changed clock or a suspended machine delays the job
# by minutes, not by a day.
MAX_SLEEP = 600.0


def next_run_after(now: dt.datetime, at: dt.time = RUN_AT) -> dt.datetime:
    """The first `at` (local wall-clock time) strictly after the aware datetime `now`."""
    local = timezone.localtime(now)
    candidate = timezone.make_aware(dt.datetime.combine(local.date(), at))
    if candidate <= local:
        candidate = timezone.make_aware(
            dt.datetime.combine(local.date() + dt.timedelta(days=1), at)
        )
    return candidate


def run_daily_logged(write: Callable[[str], None], *, own_connection: bool = False) -> bool:
    """Run the daily job and write its report; on failure log it and return False.
    `own_connection`: called from the scheduler thread, whose database connection is closed
    after each run (as Django does after each request)."""
    try:
        if own_connection:
            close_old_connections()
        today = timezone.localdate()
        report = run_daily(today)
        for line in report_lines(today, report):
            write(line)
        return True
    except Exception:
        logger.exception("The daily job failed; it runs again at the next scheduled time.")
        return False
    finally:
        if own_connection:
            connections.close_all()


class DailyJobThread(threading.Thread):
    """Runs the daily job at every 02:00 local time until the process exits (daemon)."""

    def __init__(self, write: Callable[[str], None]):
        super().__init__(name="weibao-daily-job", daemon=True)
        self.write = write
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                due = next_run_after(timezone.now())
                while (remaining := (due - timezone.now()).total_seconds()) > 0:
                    if self.stop_event.wait(min(remaining, MAX_SLEEP)):
                        return
                run_daily_logged(self.write, own_connection=True)
            except Exception:  # never let the thread die: try again later
                logger.exception("The daily job scheduler failed.")
                if self.stop_event.wait(MAX_SLEEP):
                    return


def clocks_interval() -> float:
    return float(getattr(settings, "REPORT_CLOCKS_INTERVAL_SECONDS", 300))


def run_clocks_logged(write: Callable[[str], None], *, own_connection: bool = False) -> bool:
    """Check the report clocks and write the counts (only when something happened, so the
    console is not filled every 5 minutes); on failure log it and return False."""
    try:
        if own_connection:
            close_old_connections()
        counts = check_clocks()
        if any(counts.values()):
            for line in clock_lines(counts):
                write(line)
        return True
    except Exception:
        clocks_logger.exception("The report clocks check failed; it runs again shortly.")
        return False
    finally:
        if own_connection:
            connections.close_all()


class ClocksThread(threading.Thread):
    """Checks the report clocks every REPORT_CLOCKS_INTERVAL_SECONDS until the process exits
    (daemon). The first check in the thread comes one interval after start."""

    def __init__(self, write: Callable[[str], None]):
        super().__init__(name="weibao-report-clocks", daemon=True)
        self.write = write
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(clocks_interval()):
            try:
                run_clocks_logged(self.write, own_connection=True)
            except Exception:  # never let the thread die: try again at the next interval
                clocks_logger.exception("The report clocks scheduler failed.")


class Command(BaseCommand):
    help = (
        "Serve weibao on the embedded web server (used by `make run`). Without a Celery broker "
        "it also runs the daily job at start and every day at 02:00, and checks the report "
        "clocks at start and every 5 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("WEIBAO_HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("WEIBAO_PORT", "8000"))
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Production: gunicorn workers (default WEIBAO_WEB_WORKERS, else the cores + 1).",
        )
        parser.add_argument(
            "--no-daily-job",
            action="store_true",
            help="Do not run the daily job (nor the report clocks) in this process.",
        )

    def write(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args, host, port, no_daily_job=False, workers=None, **options):
        if getattr(settings, "PRODUCTION", False):
            self.serve_production(host=host, port=port, workers=workers)
            return
        if getattr(settings, "CELERY_BROKER_URL", None):
            self.write(
                "weibao: daily job and report clocks left to Celery beat "
                "(CELERY_BROKER_URL is set)."
            )
        elif not no_daily_job:
            self.write("weibao: daily job at startup (then every day at 02:00):")
            run_daily_logged(self.write)
            DailyJobThread(self.write).start()
            self.write("weibao: report clocks checked at startup (then every 5 minutes).")
            run_clocks_logged(self.write)
            ClocksThread(self.write).start()
        self.write(f"weibao: http://{host}:{port}/  (Ctrl-C to stop)")
        call_command("runserver", f"{host}:{port}", use_reloader=False)

    def serve_production(self, *, host: str, port: str, workers: int | None) -> None:
        manifest = getattr(staticfiles_storage, "manifest_name", None)
        if manifest and not staticfiles_storage.exists(manifest):
            raise CommandError(
                f"No {manifest} in {settings.STATIC_ROOT}: run `weibao collectstatic --noinput` "
                "first (after every upgrade)."
            )
        if not getattr(settings, "CELERY_BROKER_URL", None):
            self.stderr.write(
                "weibao: CELERY_BROKER_URL is not set: in production the daily job and the "
                "report clocks run only in Celery beat (docs/deploy.md)."
            )
        # Nothing the master opened is shared with the workers it forks: it closes it all once
        # the application is loaded (wsgi_server.master_application).
        workers = workers or wsgi_server.default_workers()
        where = (
            "the socket systemd passed (weibao-web.socket)"
            if wsgi_server.socket_activated()
            else f"http://{host}:{port}/"
        )
        self.write(f"weibao: gunicorn on {where} with {workers} workers")
        wsgi_server.run(host=host, port=port, workers=workers)
