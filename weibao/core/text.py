"""Free text as the apps take it in.

`clean_text`: control characters dropped, line ends normalised, surrounding blanks trimmed.
Markup is kept as typed and stored as plain text; the templates escape it on output, so
`<script>` stays harmless text.

`normalize_name`: a person's name with the separator of a minority name (买买提·艾力) made the
one the registry uses, "·", however it was typed.

`checked_text`: a free-text input of the case work, stripped, required or not, and refused
past a length limit with a field-level message."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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


# What people type for the middle dot of a minority name: the bullet, the katakana and
# half-width katakana middle dots, the hyphenation point, the full-width full stop, the dot
# and bullet operators and the Greek ano teleia.
NAME_DOTS = "\u00b7\u2022\u30fb\uff65\u2027\uff0e\u22c5\u2219\u0387"
_NAME_DOT = re.compile(rf"\s*[{NAME_DOTS}]\s*")
# A plain full stop between two Chinese characters is the same separator typed in haste.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_HAN_PERIOD = re.compile(rf"(?<=[{_HAN}])\s*\.\s*(?=[{_HAN}])")


def normalize_name(value) -> str:
    """The name as clean_text leaves it, with every look-alike of the middle dot (and the
    blanks around it) made "·", so that 买买提•艾力 is stored, and found, as 买买提·艾力."""
    text = _NAME_DOT.sub("·", clean_text(value))
    return _HAN_PERIOD.sub("·", text)


TEXT_LIMIT = 5000


def checked_text(
    value: object, field: str, *, required: bool, message: str = "", limit: int = TEXT_LIMIT
) -> str:
    """A free-text input, stripped: `message` when it is required and empty, a field error
    when it is longer than `limit`."""
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValidationError({field: [message]})
    if len(text) > limit:
        raise ValidationError(
            {field: [_("Please keep this under %(n)d characters.") % {"n": limit}]}
        )
    return text
