"""Celery task of the imports app: one job's dry run or commit (imports.jobs starts it)."""

from celery import shared_task

from weibao.imports.runner import import_run

RUN = "weibao.imports.tasks.run_import"


@shared_task(name=RUN)
def run_import(job_id: int, apply: bool) -> None:
    import_run(job_id=job_id, apply=apply)
