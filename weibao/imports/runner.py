"""The run of a job, in the background (imports.jobs): the dry run reads every row against the
register and records what it would do; the commit does it, through the children app's
services (children_create_many for the new files, child_update for the changed ones: audit
rows, visit schedules, match keys and tallies follow).

The file is read row by row and handled in chunks: each chunk is one transaction. Its new files
are registered together (one insert per table, docs/performance.md "Spreadsheet import"), each
update runs in its own savepoint (the service's atomic block), so a refused row undoes only
itself; the chunk's 居民区 are recounted once at its end (children.tallies.tallies_deferred);
the counts are written on the job after every chunk, for the progress bar."""

import logging
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from weibao.children.services import ChildInput, child_update, children_create_many
from weibao.children.tallies import tallies_deferred
from weibao.core.bulk import insert_plain
from weibao.core.collector import batch_gc
from weibao.core.exceptions import Blocked, ConflictError
from weibao.imports.models import ImportJob, ImportRow
from weibao.imports.reader import ReadError, count_rows, iter_rows
from weibao.imports.rows import (
    CREATE,
    REFUSED,
    UPDATE,
    RowContext,
    RowPlan,
    classify_chunk,
    field_messages,
)
from weibao.imports.selectors import import_file_path

logger = logging.getLogger(__name__)
CHUNK = 1000
COUNTED = {"create": "created", "update": "updated", "unchanged": "unchanged", "refused": "refused"}


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _refuse(plan: RowPlan, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"name": exc.messages}
        plan.outcome, plan.reasons = REFUSED, field_messages(detail)
    else:
        plan.outcome = REFUSED
        plan.reasons = [str(exc) or _("The file was changed by someone else: import it again.")]


def _update(ctx: RowContext, plan: RowPlan) -> None:
    """An update through child_update; a refusal of theirs (a rule broken since the check,
    someone else's change) refuses the row."""
    try:
        child_update(
            actor=ctx.actor,
            child=plan.child,
            expected_version=plan.child.version,
            data=plan.data,
            categories=plan.categories,
            guardians=plan.guardians,
        )
    except (ValidationError, Blocked, ConflictError, PermissionDenied) as exc:
        _refuse(plan, exc)


def _create(ctx: RowContext, plans: list[RowPlan]) -> None:
    """The chunk's new files, registered together; a row the service refuses (a rule broken
    since the check, the number registered meanwhile) is refused with its words."""
    items = [ChildInput(p.data, p.categories, p.guardians or []) for p in plans]
    try:
        answers = children_create_many(actor=ctx.actor, items=items)
    except (Blocked, PermissionDenied) as exc:
        for plan in plans:
            _refuse(plan, exc)
        return
    for plan, answer in zip(plans, answers, strict=True):
        if isinstance(answer, dict):
            plan.outcome, plan.reasons = REFUSED, field_messages(answer)


def _run_chunk(ctx: RowContext, job: ImportJob, chunk: list, apply: bool) -> list[RowPlan]:
    if not apply:
        return classify_chunk(ctx, chunk)
    with tallies_deferred():
        plans = classify_chunk(ctx, chunk)
        _create(ctx, [p for p in plans if p.outcome == CREATE])
        for plan in plans:
            if plan.outcome == UPDATE:
                _update(ctx, plan)
    return plans


def import_run(*, job_id: int, apply: bool) -> None:
    """Run the dry run (apply=False) or the commit of a job. Never raises: a failure is
    recorded on the job."""
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    with translation.override(settings.LANGUAGE_CODE), batch_gc():
        try:
            _run(job, apply)
        except Exception as exc:
            logger.exception("import %s failed", job_id)
            message = (
                _("The file could not be read: %(e)s") % {"e": exc}
                if isinstance(exc, ReadError)
                else _("The import stopped on an unexpected error; the rows before it are kept.")
            )
            ImportJob.objects.filter(pk=job_id).update(
                state=ImportJob.State.FAILED, message=message, finished_at=timezone.now()
            )


def _run(job: ImportJob, apply: bool) -> None:
    # What the dry run said of the new rows (a possible duplicate: rows.row_flags) stays said
    # of the rows the commit registers; the commit itself records the pairs.
    notes = (
        dict(
            ImportRow.objects.filter(job=job, outcome=CREATE)
            .exclude(reasons="")
            .values_list("line", "reasons")
        )
        if apply
        else {}
    )
    ImportRow.objects.filter(job=job).delete()
    ctx = RowContext(
        actor=job.uploaded_by,
        mapping=_mapping(job),
        hukou_default=job.hukou_default,
        validate=not apply,
    )
    path, encoding = import_file_path(job), job.encoding or "utf-8-sig"
    # The job's row, by district and id, as every write of a district's row (docs/scale.md,
    # "What changes in the code", point 8).
    job_row = ImportJob.objects.filter(district_id=job.district_id, pk=job.pk)
    if not job.total:
        # One quick pass first (nothing kept), so that the progress bar knows its end.
        job_row.update(total=count_rows(path, job.kind, encoding))
    rows = iter_rows(path, job.kind, encoding)
    next(rows, None)  # the header
    counts: Counter[str] = Counter()
    processed = 0
    for chunk in _chunks(rows, CHUNK):
        # One transaction for the chunk: its files (on a commit), its row records and the
        # progress. Outside one, SQLite commits each inserted row on its own; and one commit per
        # chunk, not two, writes the pages the chunk changed once (docs/performance.md,
        # "Spreadsheet import").
        with transaction.atomic():
            plans = _run_chunk(ctx, job, chunk, apply)
            for plan in plans:
                if plan.outcome == CREATE and not plan.reasons and plan.line in notes:
                    plan.reasons = notes[plan.line].split("\n")
            counts.update(p.outcome for p in plans)
            processed += len(plans)
            insert_plain(
                ImportRow,
                ("job_id", "line", "outcome", "label", "reasons"),
                ((job.pk, p.line, p.outcome, p.label[:100], "\n".join(p.reasons)) for p in plans),
            )
            job_row.update(processed=processed, **{COUNTED[k]: n for k, n in counts.items()})
    job_row.update(
        state=ImportJob.State.DONE if apply else ImportJob.State.CHECKED,
        total=processed,
        processed=processed,
        finished_at=timezone.now(),
        **{field: counts.get(key, 0) for key, field in COUNTED.items()},
    )


def _mapping(job: ImportJob) -> dict[str, int]:
    return {key: int(index) for key, index in (job.mapping or {}).items() if index is not None}
