"""How a reporter's reference number and secret code are read, however they were typed."""

import re


def normalize_code(value) -> str:
    """A reporter's secret code as typed: blanks and dashes dropped, upper case."""
    return re.sub(r"[\s\-]", "", str(value or "")).upper()[:64]


def normalize_reference(value) -> str:
    return re.sub(r"\s", "", str(value or "")).upper()[:40]
