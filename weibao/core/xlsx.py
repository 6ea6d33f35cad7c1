"""Spreadsheet cells and file names that are safe to hand out."""

from urllib.parse import quote

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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
