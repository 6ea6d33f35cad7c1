"""公民身份号码 (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit sequence whose last
digit is odd for men and even for women, and a check character (ISO 7064 MOD 11-2)."""

import datetime as dt
import operator
import re
import unicodedata

from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
# First two digits: the province-level codes of GB/T 2260 (71 Taiwan, 81/82 Hong Kong and Macao,
# 83 for residence permits of Taiwan residents).
_PROVINCES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
        "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
        "63", "64", "65", "71", "81", "82", "83",
    }
)  # fmt: skip


def normalize(value: str) -> str:
    # NFKC turns the full-width digits of a Chinese input method into ASCII, so the same
    # number typed either way has one lookup hash and cannot be registered twice.
    return unicodedata.normalize("NFKC", value or "").strip().replace(" ", "").upper()


def check_char(first17: str) -> str:
    if len(first17) != len(_WEIGHTS):
        raise ValueError("the check character is computed from the first 17 characters")
    # map, not a generator expression: an import checks every row's number more than once.
    total = sum(map(operator.mul, map(int, first17), _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def birth_date_of(id_number: str) -> dt.date | None:
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def sex_of(id_number: str) -> str:
    return "M" if int(id_number[16]) % 2 == 1 else "F"


def format_errors(id_number: str) -> list[str]:
    """Problems with the number on its own; empty when it is well formed."""
    if len(id_number) != 18:
        return [_("An ID number has 18 characters; this one has %(n)d.") % {"n": len(id_number)}]
    if not _SHAPE.fullmatch(id_number):
        return [_("The first 17 characters must be digits and the last a digit or X.")]
    if id_number[:2] not in _PROVINCES:
        return [_("The first six digits are not a valid region code.")]
    if birth_date_of(id_number) is None:
        return [_("The birth date inside the ID number (characters 7–14) is not a real date.")]
    if check_char(id_number[:17]) != id_number[17]:
        return [_("The check digit is wrong: please check the number for a typing error.")]
    return []


def consistency_errors(
    id_number: str, birth_date: dt.date | None, sex: str | None
) -> dict[str, list[str]]:
    """Problems between a well-formed number and the birth date and sex entered beside it."""
    errors: dict[str, list[str]] = {}
    embedded = birth_date_of(id_number)
    if birth_date is not None and embedded != birth_date:
        errors["birth_date"] = [
            _("The birth date does not match the ID number, which says %(date)s.")
            % {"date": embedded.isoformat() if embedded else "?"}
        ]
    if sex and sex_of(id_number) != sex:
        errors["sex"] = [_("The sex does not match the ID number (its 17th digit).")]
    return errors


def make(region: str, birth_date: dt.date, sequence: int, sex: str) -> str:
    """Build a valid number; used by the demo data and the tests, never for real people."""
    # Twice any number is even; adding one for a boy makes the sex digit odd.
    seq = (sequence % 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
