"""The site's form renderer: Django's templates (TemplatesSetting, so the site's own widget
templates apply), but a <select> written in Python.

Django renders a <select> through a template that includes one template per option, and each
option's attributes through another: about 60 µs an option, so a select of 50 居民区 cost a
list page some 3 ms, a tenth of its CPU (docs/performance.md, "Where the slow pages' CPU
goes"). `select_html` writes the same markup, byte for byte, as django/forms/widgets/select.html,
select_option.html and attrs.html (tests/core/test_renderers.py compares the two on every kind
of option); the site overrides none of the three. Anything unusual (a value or a label that is
not text or a number) goes through the templates as before."""

from django.forms.models import ModelChoiceIteratorValue
from django.forms.renderers import TemplatesSetting
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"

# What the templates write as plain text: anything else (a date, a number with a format, a
# callable, which a template would call) is left to them.
_PLAIN = (str, int, Promise, ModelChoiceIteratorValue)


def _plain(value) -> bool:
    return value is None or isinstance(value, _PLAIN)


def _formatted(value) -> str:
    """{{ value|stringformat:'s' }}: the text of the value, escaped unless it is safe already
    (stringformat keeps a safe value safe)."""
    text = str(value)
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(f" {conditional_escape(name)}")
            if value is not True:
                out.append(f'="{_formatted(value)}"')
    return "".join(out)


def select_html(widget: dict) -> str | None:
    """The markup of a select widget's context, or None when something in it is not plain
    (left to the templates)."""
    if not isinstance(widget["name"], str) or not all(map(_plain, widget["attrs"].values())):
        return None
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name and not isinstance(group_name, str | Promise):
            return None
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            label = option["label"]
            if (
                option["template_name"] != OPTION
                or not isinstance(label, str | Promise)
                or not _plain(option["value"])
                or not all(map(_plain, option["attrs"].values()))
            ):
                return None
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(label)}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class SiteRenderer(TemplatesSetting):
    """FORM_RENDERER: the site's templates, with a <select> written by select_html."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            html = select_html(context["widget"])
            if html is not None:  # marked safe by the widget (Widget._render), as the templates'
                return html
        return super().render(template_name, context, request=request)
