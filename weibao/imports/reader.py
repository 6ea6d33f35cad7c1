"""Reading an uploaded register row by row, never the whole file at once: openpyxl's read-only
mode for xlsx (it parses the sheet's XML as it goes, one row at a time, in a few MB whatever
the size of the file), the csv module over the open file for csv (UTF-8 with or without a
byte-order mark, else GB18030, the encoding of a register saved from a Chinese spreadsheet
program).

python-calamine reads a sheet about ten times faster but builds the whole sheet in memory first
(68 MB for 100,000 rows of 11 columns), which the import's memory budget cannot hold
(docs/performance.md, "Spreadsheet import")."""

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

UTF8 = "utf-8-sig"
GB18030 = "gb18030"
CHUNK = 64 * 1024


class ReadError(Exception):
    """The file cannot be read as a spreadsheet of the kind it says it is."""


def kind_of(name: str) -> str | None:
    suffix = Path(name).suffix.lower()
    return {".xlsx": "xlsx", ".csv": "csv"}.get(suffix)


def save_upload(chunks: Iterable[bytes], path: Path) -> str:
    """Write the uploaded chunks to `path` and say which encoding a csv is in: UTF-8 if every
    byte decodes as UTF-8 (checked as the chunks go by), else GB18030."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return UTF8 if utf8 else GB18030


def cell_text(value: Any) -> str:
    """A cell as the text a person typed: whole numbers without ".0" (a phone or an ID number
    typed into a number cell), dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _blank(row: list) -> bool:
    return all(cell_text(v) == "" for v in row)


# What opening or reading a file that is no workbook (or a damaged one) raises.
XLSX_ERRORS = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError)


def _xlsx_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            return
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def iter_rows(path: Path, kind: str, encoding: str = UTF8) -> Iterator[tuple[int, list[Any]]]:
    """(line, values) for every non-blank row, the header included (line 1 is the first row)."""
    try:
        if kind == "xlsx":
            for line, values in enumerate(_xlsx_rows(path), start=1):
                row = list(values)
                if not _blank(row):
                    yield line, row
            return
        with path.open(encoding=encoding, newline="") as handle:
            for line, row in enumerate(csv.reader(handle), start=1):
                if not _blank(row):
                    yield line, row
    except (UnicodeDecodeError, csv.Error, *XLSX_ERRORS) as exc:
        # Not a workbook, a damaged zip, a csv that is not text …
        raise ReadError(str(exc) or type(exc).__name__) from exc


def read_headers(path: Path, kind: str, encoding: str = UTF8) -> list[str]:
    for _line, row in iter_rows(path, kind, encoding):
        return [cell_text(v) for v in row]
    return []


def count_rows(path: Path, kind: str, encoding: str = UTF8) -> int:
    """The rows below the header, for the progress bar's end: what an xlsx sheet says it spans
    (its dimension; blank rows included), read without reading the rows; otherwise one
    streamed pass, nothing kept."""
    if kind == "xlsx":
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
            try:
                spans = workbook.worksheets[0].max_row if workbook.worksheets else 0
            finally:
                workbook.close()
        except XLSX_ERRORS as exc:
            raise ReadError(str(exc) or type(exc).__name__) from exc
        if spans is not None:
            return max(0, spans - 1)
    return max(0, sum(1 for _ in iter_rows(path, kind, encoding)) - 1)
