"""Spreadsheets handed out: cells that stay text, the one-sheet ledger (台账) layout both
ledgers use, the streamed lists (children, visits, reports, cases) and the download responses."""

import io
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text that a spreadsheet shows as text: no control characters openpyxl refuses, and a
    leading quote in front of anything that would start a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def content_disposition(filename: str, fallback: str) -> str:
    """attachment with an ASCII fallback name and the real name per RFC 5987 / RFC 6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    return safe_text(value) if isinstance(value, str) else value


def ledger_workbook(
    *,
    sheet: str,
    title: str,
    headers: Sequence[tuple[str, int]],
    rows: Iterable[list[Any]],
    date_column: int,
    footer: Callable[[], list[Any]] | None = None,
) -> bytes:
    """A one-sheet ledger (台账) as xlsx bytes: bold headers with their column widths, the rows
    (text made safe, `date_column` shown as a date, wrapped), an optional bold footer row built
    after the rows (e.g. totals), and the first two columns frozen."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    wb.properties.title = safe_text(title)
    ws.append([name for name, _width in headers])
    for index, (_name, width) in enumerate(headers, start=1):
        ws.cell(row=1, column=index).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        ws.append([_cell(v) for v in row])
        ws.cell(row=ws.max_row, column=date_column).number_format = "yyyy-mm-dd"
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    if footer is not None:
        ws.append(footer())
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    ws.freeze_panes = "C2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def file_name_part(name: str, default: str) -> str:
    """`name` without the characters a file name may not hold (`default` if none is left)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "", name) or default


def xlsx_response(data: bytes, *, filename: str, fallback: str) -> HttpResponse:
    """The workbook as a download that no browser or proxy keeps."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class CountedRows:
    """An iterator over rows that counts them as they pass (the export's audit row says how
    many were handed out)."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self) -> "CountedRows":
        return self

    def __next__(self) -> Sequence[Any]:
        row = next(self._rows)
        self.count += 1
        return row


def stream_workbook(
    *, sheet: str, headers: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]
) -> tuple[Any, int]:
    """A one-sheet list written row by row (openpyxl's write-only mode) into a temporary file:
    memory stays flat however many rows there are, since neither the rows nor the sheet are
    held. Every text cell goes through `safe_text`. Returns the open file, rewound, and the
    number of rows written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet)
    for index, (_name, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append([safe_text(str(name)) for name, _width in headers])
    counted = CountedRows(rows)
    for row in counted:
        ws.append([_cell(v) for v in row])
    # Not a `with`: the file outlives this function, the response closes (and so removes) it.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    wb.save(handle)
    handle.seek(0)
    return handle, counted.count


def xlsx_file_response(handle: Any, *, filename: str, fallback: str) -> FileResponse:
    """A workbook written to a temporary file, streamed in blocks (FileResponse closes the
    file, which removes it), kept by no browser or proxy."""
    response = FileResponse(handle, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
