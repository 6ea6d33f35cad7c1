"""Writes of the imports app: receive a file, set its mapping (which starts the dry run), commit
it. Each is audited; the runs themselves happen in the background (imports.jobs) and write the
children through the children app's services."""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.areas.models import lock_where_read
from weibao.audit.services import audit_record
from weibao.children.choices import HukouType
from weibao.core.exceptions import Blocked
from weibao.imports.jobs import job_start
from weibao.imports.mapping import TARGET_KEYS, TARGETS, guess_mapping
from weibao.imports.models import ImportJob, ImportMapping
from weibao.imports.reader import ReadError, kind_of, read_headers, save_upload
from weibao.imports.selectors import (
    import_area_of,
    import_dir,
    import_file_path,
    is_uploader,
    may_import,
)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 200


def _assert_uploader(actor, job: ImportJob) -> None:
    if not is_uploader(actor, job):
        raise PermissionDenied


def remembered_mapping(user) -> dict[str, str]:
    row = ImportMapping.objects.filter(user=user).first()
    return row.mapping if row else {}


@transaction.atomic
def import_upload(*, actor, upload) -> ImportJob:
    """Keep an uploaded register (xlsx or csv) under MEDIA_ROOT/imports and read its header; the
    mapping starts from the uploader's last one and the header names."""
    if not may_import(actor):
        raise PermissionDenied
    name = (getattr(upload, "name", "") or "").strip()
    kind = kind_of(name)
    if kind is None:
        raise ValidationError({"file": [_("Please upload an .xlsx or .csv file.")]})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": [_("The file is larger than %(n)d MB.") % {"n": MAX_UPLOAD_BYTES // 2**20}]}
        )
    import_dir().mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}.{kind}"
    path = import_dir() / stored
    encoding = save_upload(upload.chunks(), path)
    try:
        headers = read_headers(path, kind, encoding)
    except ReadError:
        path.unlink(missing_ok=True)
        raise ValidationError(
            {"file": [_("This file cannot be read as %(kind)s.") % {"kind": kind}]}
        ) from None
    if not any(headers):
        path.unlink(missing_ok=True)
        raise ValidationError(
            {"file": [_("The file is empty: its first row must name the columns.")]}
        )
    headers = headers[:MAX_COLUMNS]
    area = import_area_of(actor)
    chain = [area, area.parent, area.parent.parent if area.parent else None]
    district = next(a for a in reversed(chain) if a is not None and a.parent_id is None)
    subdistrict = next((a for a in chain if a is not None and a.level == "subdistrict"), None)
    job = ImportJob.objects.create(
        uploaded_by=actor,
        area=area,
        district=district,
        subdistrict=subdistrict,
        original_name=name[:200],
        stored_name=stored,
        kind=kind,
        encoding=encoding if kind == "csv" else "",
        headers=headers,
        mapping=guess_mapping(headers, remembered_mapping(actor)),
        hukou_default=HukouType.LOCAL,
    )
    audit_record(
        actor=actor,
        action="import.upload",
        obj=job,
        changes={"file": {"old": None, "new": job.original_name}},
    )
    return job


def _check_mapping(job: ImportJob, mapping: dict[str, Any], hukou_default: str) -> dict[str, int]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    used: dict[int, str] = {}
    for key in TARGET_KEYS:
        value = mapping.get(key)
        if value in (None, ""):
            continue
        try:
            index = int(value)
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(job.headers):
            errors[key] = [_("No such column.")]
        elif index in used:
            errors[key] = [_("This column is already used for another field.")]
        else:
            used[index] = key
            clean[key] = index
    for target in TARGETS:
        if target.required and target.key not in clean and target.key not in errors:
            errors[target.key] = [_("Please choose the column of this field.")]
    if hukou_default and hukou_default not in HukouType.values:
        errors["hukou_default"] = [_("Unknown value: %(v)s") % {"v": hukou_default}]
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def import_map(
    *, actor, job: ImportJob, mapping: dict[str, Any], hukou_default: str = ""
) -> ImportJob:
    """Set the column mapping (target → column index), remember it for the uploader's next
    file, and start the dry run."""
    _assert_uploader(actor, job)
    job = lock_where_read(ImportJob.objects, job)
    if job.state not in (ImportJob.State.UPLOADED, ImportJob.State.CHECKED, ImportJob.State.FAILED):
        raise Blocked(
            _("This import is running or done: its mapping can no longer change."), code="state"
        )
    clean = _check_mapping(job, mapping, hukou_default)
    old = job.mapping
    job.mapping, job.hukou_default = clean, hukou_default
    job.state, job.message = ImportJob.State.CHECKING, ""
    job.processed = job.created = job.updated = job.unchanged = job.refused = 0
    job.started_at, job.finished_at = timezone.now(), None
    job.save()
    ImportMapping.objects.update_or_create(
        user=actor, defaults={"mapping": {k: job.headers[i] for k, i in clean.items()}}
    )
    audit_record(
        actor=actor,
        action="import.dry_run",
        obj=job,
        changes={"mapping": {"old": old, "new": clean}},
    )
    transaction.on_commit(lambda: job_start(job.pk, apply=False))
    return job


@transaction.atomic
def import_commit(*, actor, job: ImportJob) -> ImportJob:
    """Import the rows the dry run found good (checked again, row by row, as they are
    written), in the background."""
    _assert_uploader(actor, job)
    job = lock_where_read(ImportJob.objects, job)
    if job.state != ImportJob.State.CHECKED:
        raise Blocked(_("Run the dry run first; an import runs once."), code="state")
    if not import_file_path(job).exists():
        raise Blocked(_("The uploaded file is no longer kept: upload it again."), code="file")
    job.state = ImportJob.State.IMPORTING
    job.processed = job.created = job.updated = job.unchanged = job.refused = 0
    job.started_at, job.finished_at = timezone.now(), None
    job.save()
    audit_record(actor=actor, action="import.commit", obj=job, changes={})
    transaction.on_commit(lambda: job_start(job.pk, apply=True))
    return job


@transaction.atomic
def import_refused_downloaded(*, actor, job: ImportJob) -> None:
    """The refused rows hold the file's cells as typed (ID numbers, phones): each download is
    in the audit log."""
    audit_record(actor=actor, action="import.refused_download", obj=job, changes={})
