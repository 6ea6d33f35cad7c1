"""/healthz: whether this instance can do its work, for a monitor (docs/deploy.md).

Open to anyone and never rate limited (a monitor asks every few seconds), so it says only which
part works: no figures, no names, no versions. 200 when every part is well, 503 naming the parts
that are not:

- database: a query answers;
- cache: a value written can be read back (the rate limits and the lockout count there);
- broker: Celery's broker answers (only when CELERY_BROKER_URL is set; "off" otherwise);
- daily_job: the daily job finished within WEIBAO_HEALTH_DAILY_HOURS (default 26: it runs at
  02:00, so a healthy instance's last run is at most a day and its own length old);
- report_clocks: the mandatory reports' clocks ran to the end within
  WEIBAO_HEALTH_CLOCKS_MINUTES (default 15: they run every 5 minutes). Their deadlines are
  hours long, and it is what shows a stopped Celery worker or beat within minutes."""

import datetime as dt
import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from weibao.audit.selectors import job_last_run
from weibao.reports.selectors import clocks_last_run

logger = logging.getLogger("weibao.health")

OK, FAILED, OFF = "ok", "failed", "off"
DAILY_ACTION = "job.daily"  # the daily job's audit row (visits.jobs.run_daily)
BROKER_TIMEOUT = 3.0


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    key = f"weibao:healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    found = cache.get(key)
    cache.delete(key)
    return OK if found == "1" else FAILED


def check_broker() -> str:
    url = getattr(settings, "CELERY_BROKER_URL", None)
    if not url:
        return OFF
    from kombu import Connection

    with Connection(url, connect_timeout=BROKER_TIMEOUT) as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
    return OK


def daily_hours() -> float:
    return float(getattr(settings, "WEIBAO_HEALTH_DAILY_HOURS", 26))


def _now() -> dt.datetime:
    return timezone.now()


def check_daily_job() -> str:
    now = _now()
    today = timezone.localdate(now)
    days = [today - dt.timedelta(days=n) for n in range(int(daily_hours() // 24) + 2)]
    last = job_last_run(DAILY_ACTION, days)
    if last is None or now - last > dt.timedelta(hours=daily_hours()):
        return FAILED
    return OK


def clocks_minutes() -> float:
    return float(getattr(settings, "WEIBAO_HEALTH_CLOCKS_MINUTES", 15))


def check_report_clocks() -> str:
    last = clocks_last_run()
    if last is None or _now() - last > dt.timedelta(minutes=clocks_minutes()):
        return FAILED
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "daily_job": check_daily_job,
    "report_clocks": check_report_clocks,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:
            # The reason goes to the log (which only the operator reads), not to the answer.
            logger.exception("Health check %s failed.", name)
            results[name] = FAILED
    return results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    healthy = FAILED not in checks.values()
    return JsonResponse(
        {"status": OK if healthy else FAILED, "checks": checks}, status=200 if healthy else 503
    )
