"""Spreadsheets handed out: cells that stay text, the one-sheet ledger (台账) layout both
ledgers use, and the download response."""

import io
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
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
