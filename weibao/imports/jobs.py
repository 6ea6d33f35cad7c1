"""Starting a job's run in the background: a Celery task in production (CELERY_BROKER_URL
set), a daemon thread of the web process in the embedded mode (`weibao serve`, where Celery
would run the task eagerly inside the request). IMPORTS_INLINE runs it in the caller (tests)."""

import threading

from django.conf import settings
from django.db import connection

from weibao.imports.runner import import_run
from weibao.imports.tasks import run_import


def _in_thread(job_id: int, apply: bool) -> None:
    try:
        import_run(job_id=job_id, apply=apply)
    finally:
        connection.close()  # the thread's own connection


def job_start(job_id: int, *, apply: bool) -> None:
    """Called once the transaction that queued the job has committed."""
    if getattr(settings, "CELERY_BROKER_URL", None):
        run_import.delay(job_id, apply)
    elif getattr(settings, "IMPORTS_INLINE", False):
        import_run(job_id=job_id, apply=apply)
    else:
        threading.Thread(
            target=_in_thread, args=(job_id, apply), name=f"import-{job_id}", daemon=True
        ).start()
