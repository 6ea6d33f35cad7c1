"""Chinese is the default language and the catalogue must be complete and compiled."""

from pathlib import Path

import polib
import pytest

PO = Path(__file__).resolve().parents[2] / "weibao/locale/zh_Hans/LC_MESSAGES/django.po"


def test_every_string_has_a_chinese_translation():
    catalogue = polib.pofile(str(PO))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_source():
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in polib.pofile(str(PO))
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.mofile(str(PO.with_suffix(".mo")))
        if e.msgid
    }
    assert compiled == source, "run `python -m weibao.core.i18n_compile`"


@pytest.mark.parametrize(
    ("accept", "expected"), [("", "登录"), ("zh-CN", "登录"), ("en", "Log in")]
)
def test_login_page_is_chinese_by_default_and_english_on_request(db, client, accept, expected):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    assert expected in client.get("/accounts/login/", **headers).content.decode()


def test_djangos_length_messages_read_plainly_in_chinese():
    from django import forms
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("zh-hans"):
        try:
            forms.CharField(max_length=5).clean("1234567")
        except ValidationError as exc:
            assert exc.messages == ["最多只能填写5个字（现在是7个）。"]
        else:
            raise AssertionError("no error")
