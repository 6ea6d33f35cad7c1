"""The figures' share of the scheduled work (docs/domain.md §11.1)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from weibao.dashboards.services import figures_keep


def figures_job(now: dt.datetime) -> dict[str, int]:
    interval = dt.timedelta(minutes=getattr(settings, "WEIBAO_FIGURES_INTERVAL_MINUTES", 10))
    return figures_keep(today=timezone.localdate(now), now=now, interval=interval)
