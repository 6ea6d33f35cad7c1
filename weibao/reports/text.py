"""Cleaning of free text that reaches us from the public door (and from staff): control
characters are dropped, line ends normalised, surrounding blanks trimmed. Markup is kept as
typed and stored as plain text; the templates escape it on output, so `<script>` stays
harmless text."""

import re

# C0 and C1 control characters except TAB and LF (kept in multi-line text), DEL, and the
# bidirectional overrides that can make text display differently from what it is.
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_SINGLELINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value, *, multiline: bool = False) -> str:
    """The text with control characters removed and blanks trimmed ("" for None)."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        return _CONTROL_MULTILINE.sub("", text).strip()
    text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL_SINGLELINE.sub("", text).strip()


def normalize_code(value) -> str:
    """A reporter's secret code as typed: blanks and dashes dropped, upper case."""
    return re.sub(r"[\s\-]", "", str(value or "")).upper()[:64]


def normalize_reference(value) -> str:
    return re.sub(r"\s", "", str(value or "")).upper()[:40]
