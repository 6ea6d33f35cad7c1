"""Celery tasks of the visits app. The beat schedule (settings.CELERY_BEAT_SCHEDULE) runs `daily`
at 02:00 Asia/Shanghai."""

import datetime as dt
from dataclasses import asdict

from celery import shared_task

from weibao.visits.jobs import run_daily

DAILY = "weibao.visits.tasks.daily"


@shared_task(name=DAILY)
def daily(today: str | None = None) -> dict[str, int]:
    """Run the daily job (for `today`, an ISO date, or the local date) and return its report."""
    report = run_daily(dt.date.fromisoformat(today) if today else None)
    return {**asdict(report), "changed": report.changed()}
