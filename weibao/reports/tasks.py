"""Celery tasks of the reports app. The beat schedule (settings.CELERY_BEAT_SCHEDULE) runs
`clocks` every 5 minutes."""

from celery import shared_task

from weibao.reports.jobs import check_clocks

CLOCKS = "weibao.reports.tasks.clocks"


@shared_task(name=CLOCKS)
def clocks() -> dict[str, int]:
    """Escalate late report clocks (and run the protection and referral alerts)."""
    return check_clocks()
