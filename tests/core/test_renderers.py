"""The site's form renderer writes a <select> in Python (weibao/core/renderers.py): the same
markup, byte for byte, as Django's templates, for every kind of option a form of the site
gives it."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from weibao.areas.models import Area
from weibao.core.renderers import OPTION, SELECT, SiteRenderer, select_html

TRICKY = [
    ("", "---------"),
    ("a&b", 'Tom & "Jerry" <b>'),
    (3, "three"),
    ("lazy", gettext_lazy("Filter")),
    ("safe", mark_safe("<em>kept</em>")),
    ("中", "天山路第01居民区"),
]
GROUPED = [
    ("", "—"),
    ("Group <1>", [("x", "X"), ("y", "Y & Y")]),
    (gettext_lazy("Clear"), [(7, "seven")]),
]


class Shapes(forms.Form):
    plain = forms.ChoiceField(choices=TRICKY, required=False)
    grouped = forms.ChoiceField(choices=GROUPED)
    many = forms.MultipleChoiceField(choices=TRICKY)
    typed = forms.TypedChoiceField(choices=[(1, "one"), (2, "two")], coerce=int)
    yes_no = forms.NullBooleanField()
    attributed = forms.ChoiceField(
        choices=TRICKY,
        widget=forms.Select(
            attrs={"class": "a\"b", "data-n": 5, "disabled": True, "hidden": False,
                   "title": gettext_lazy("Filter"), "data-none": None}
        ),
    )  # fmt: skip
    dated = forms.ChoiceField(choices=[(dt.date(2026, 1, 2), dt.date(2026, 1, 2))])
    empty = forms.ChoiceField(choices=[])


def both(field: forms.BoundField) -> tuple[str, str]:
    context = field.field.widget.get_context(
        field.html_name, field.value(), field.build_widget_attrs({})
    )
    return TemplatesSetting().render(SELECT, context), SiteRenderer().render(SELECT, context)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "a&b", "grouped": "y", "many": ["a&b", "3", "中"], "typed": "2",
         "yes_no": "true", "attributed": "safe", "dated": "2026-01-02"},
        {"plain": "nonsense", "grouped": "7", "many": [], "yes_no": "false"},
    ],
)  # fmt: skip
def test_every_kind_of_select_is_written_as_the_templates_write_it(data):
    form = Shapes(data)
    for language in ("en", "zh-hans"):
        with override(language):
            for field in form:
                templates, python = both(field)
                assert python == templates, field.name


@pytest.mark.django_db
def test_a_model_choice_select_is_written_as_the_templates_write_it():
    Area.objects.create(name="天山<路>", level=Area.Level.DISTRICT, code="D1")
    Area.objects.create(name="B & B", level=Area.Level.DISTRICT, code="D2")
    field = forms.ModelChoiceField(queryset=Area.objects.order_by("code"), required=False)
    form = forms.Form()
    form.fields["area"] = field
    templates, python = both(form["area"])
    assert python == templates
    assert "天山&lt;路&gt;" in python


def test_the_fast_path_is_taken_for_plain_options_and_left_for_others():
    form = Shapes()
    context = form["plain"].field.widget.get_context("plain", None, {})
    assert select_html(context["widget"]).startswith('<select name="plain">')
    for field in form:  # so the comparisons above compare the Python writing, not a fallback
        if field.name != "dated":
            context = field.field.widget.get_context(field.html_name, field.value(), {})
            assert select_html(context["widget"]) is not None, field.name
    dated = form["dated"].field.widget.get_context("dated", None, {})
    assert select_html(dated["widget"]) is None  # a date label: the templates localise it


def test_the_site_overrides_none_of_the_templates_the_renderer_writes():
    for name in (SELECT, OPTION, "django/forms/widgets/attrs.html"):
        origin = get_template(name).origin.name
        assert "/django/forms/templates/" in origin, origin
