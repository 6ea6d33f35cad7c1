"""The refused rows of a run as xlsx: the file's own columns, as uploaded, and the reason
column, so that the 居民区 fixes them there and uploads the rows again. Written row by row
(openpyxl's write-only mode) into a temporary file: memory stays flat whatever the number of
rows."""

import tempfile
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from weibao.core.xlsx import safe_text
from weibao.imports.models import ImportJob, ImportRow
from weibao.imports.reader import cell_text, iter_rows
from weibao.imports.selectors import import_file_path, import_rows


def _cell(value: Any) -> Any:
    return safe_text(cell_text(value))


def refused_lines(job: ImportJob) -> Iterator[list[Any]]:
    refused = import_rows(job, ImportRow.Outcome.REFUSED).values_list("line", "reasons")
    pending = iter(refused.order_by("line").iterator(chunk_size=2000))
    wanted = next(pending, None)
    rows = iter_rows(import_file_path(job), job.kind, job.encoding or "utf-8-sig")
    next(rows, None)
    for line, values in rows:
        while wanted is not None and wanted[0] < line:
            wanted = next(pending, None)
        if wanted is None:
            return
        if wanted[0] == line:
            width = len(job.headers)
            cells = [_cell(v) for v in list(values)[:width]]
            cells += [""] * (width - len(cells))
            yield [wanted[0], *cells, safe_text(wanted[1])]


def refused_workbook(job: ImportJob):
    """A temporary file (deleted when closed) holding the xlsx. The uploaded file no longer
    kept raises FileNotFoundError before any workbook is begun."""
    path = import_file_path(job)
    if not path.exists():
        raise FileNotFoundError(path)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Refused rows"))
    sheet.append([_("Line"), *[safe_text(h) for h in job.headers], _("Why refused")])
    for row in refused_lines(job):
        sheet.append(row)
    # Closed (and so deleted) by the FileResponse that sends it.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return handle
