"""The Celery app (production background jobs): `celery -A weibao worker` and `celery -A weibao
beat` with CELERY_BROKER_URL set. Configured from Django settings, keys prefixed CELERY_.

Without a broker (embedded mode) tasks run in-process (CELERY_TASK_ALWAYS_EAGER) and
`weibao serve` schedules the daily job itself."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

app = Celery("weibao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
