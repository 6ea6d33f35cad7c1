"""The text helpers of core.text that the public report door relies on."""

from weibao.core.text import clean_text
from weibao.reports.text import normalize_code

# --- the helpers themselves ---------------------------------------------------------------------


def test_control_characters_are_removed_and_markup_kept_as_text():
    assert clean_text("a\x00b\x07c\u202ed") == "abcd"
    assert clean_text("line 1\r\nline 2\x0b", multiline=True) == "line 1\nline 2"
    assert clean_text("one\ntwo\tthree") == "one two three"
    assert clean_text("<script>alert(1)</script>") == "<script>alert(1)</script>"
    assert clean_text(None) == ""


def test_a_secret_code_is_read_whatever_the_case_spaces_and_dashes():
    assert normalize_code(" abcd-efgh jk ") == "ABCDEFGHJK"
