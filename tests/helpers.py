"""Small helpers shared by the domain tests (fixtures live in conftest.py)."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from weibao.children import idnumber

# CJK Unified Ideographs and the common CJK punctuation block.
CJK_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff]")


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 February becomes 28 February in a common year
    (someone born on 28 February 2006 has turned 18 by 29 February 2024)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def id_ending_in_x(birth: dt.date, sex: str, region: str = "310105") -> str:
    """A valid synthetic ID number whose check character is X."""
    for sequence in range(500):
        number = idnumber.make(region, birth, sequence, sex)
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives check character X")  # pragma: no cover


def error_dict(exc_info) -> dict[str, list[str]]:
    """field → messages of a raised django ValidationError (pytest.raises ExceptionInfo)."""
    exc = exc_info.value
    assert isinstance(exc, ValidationError)
    return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}


def zh(msgid: str) -> str:
    """The simplified-Chinese catalogue's text for an English msgid; fails if untranslated."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    assert_chinese(text)
    return text


def assert_chinese(message: str) -> None:
    assert CJK_RE.search(message), f"message is not in Chinese: {message!r}"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Import into a test module to make persona creation cheap (PBKDF2 costs ~0.3 s a user).
    Autouse fixtures run before the module's other function-scoped fixtures."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
