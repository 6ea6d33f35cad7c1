"""The one helper every web form uses to save a versioned record (core.versioning)."""

from types import SimpleNamespace

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from weibao.core.exceptions import ConflictError
from weibao.core.versioning import MISSING_VERSION, VersionMixin, posted_version, save_versioned


class NoteForm(VersionMixin, forms.Form):
    version = forms.IntegerField(required=False)
    note = forms.CharField()


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _said(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


def _conflict():
    raise ConflictError


@pytest.mark.parametrize("raw", ["", "x", None, "1.5", "9" * 5000])
def test_a_missing_or_tampered_version_can_only_conflict(raw):
    data = {} if raw is None else {"version": raw}
    assert posted_version(data) == MISSING_VERSION


def test_the_posted_version_is_read_under_the_forms_prefix():
    form = NoteForm({"close-version": "7", "version": "3"}, prefix="close")
    assert form.posted_version() == 7


def test_a_successful_save_returns_the_services_result():
    form = NoteForm({"version": "3", "note": "家访"})
    form.is_valid()
    saved = save_versioned(_request(), form, lambda: "record", current=_conflict, message="x")
    assert saved.ok and saved.result == "record" and not saved.conflict


def test_a_conflict_keeps_the_input_says_so_and_rebases_on_the_current_version():
    request = _request()
    form = NoteForm({"version": "3", "note": "我写的内容"})
    form.is_valid()
    saved = save_versioned(
        request,
        form,
        _conflict,
        current=lambda: SimpleNamespace(version=5),
        message="有人改过了",
    )
    assert saved.conflict and not saved.ok and saved.current.version == 5
    assert form.data["note"] == "我写的内容" and form.data["version"] == "5"
    assert _said(request) == ["有人改过了"]


def test_a_conflict_can_be_said_on_the_form_instead_of_above_the_page():
    request = _request()
    form = NoteForm({"version": "3", "note": "x"})
    form.is_valid()
    save_versioned(
        request,
        form,
        _conflict,
        current=lambda: SimpleNamespace(version=4),
        message="有人改过了",
        on_form=True,
    )
    assert form.non_field_errors() == ["有人改过了"] and _said(request) == []


def test_a_refusal_goes_next_to_its_field_and_above_the_form_when_it_has_no_field():
    def refuse():
        raise ValidationError({"note": "太短", "elsewhere": "不行"})

    form = NoteForm({"version": "3", "note": "x"})
    form.is_valid()
    saved = save_versioned(_request(), form, refuse, current=_conflict, message="x")
    assert not saved.ok and not saved.conflict
    assert form.errors["note"] == ["太短"] and form.non_field_errors() == ["不行"]


def test_without_a_form_a_refusal_is_said_above_the_page():
    request = _request()

    def refuse():
        raise ValidationError("已停用")

    save_versioned(request, None, refuse, current=_conflict, message="x")
    assert _said(request) == ["已停用"]


def test_a_caller_that_places_errors_itself_gets_the_refusal():
    def refuse():
        raise ValidationError({"services": "至少一项"})

    form = NoteForm({"version": "3", "note": "x"})
    form.is_valid()
    with pytest.raises(ValidationError):
        save_versioned(_request(), form, refuse, current=_conflict, message="x", place_errors=False)
