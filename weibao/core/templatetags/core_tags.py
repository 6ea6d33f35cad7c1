"""Template filters every app's pages use."""

import unicodedata

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from weibao.core import choices

register = template.Library()


@register.filter
def minutes_label(minutes: int | None) -> str:
    """90 → "1 h 30 min"."""
    h, m = divmod(minutes or 0, 60)
    if h and m:
        return _("%(h)d h %(m)d min") % {"h": h, "m": m}
    return _("%(h)d h") % {"h": h} if h else _("%(m)d min") % {"m": m}


# `|date:"Y-m-d"` and `|date:"Y-m-d H:i"` as the lists write them, without Django's general
# formatter (about 35 µs a value, parsing the format each time): a list of 50 reports shows 200
# times (docs/performance.md, "Load test"). The same text; the time in the site's time zone.
@register.filter(expects_localtime=True)
def ymd(value) -> str:
    """2026-12-05, as |date:"Y-m-d"."""
    if value in (None, ""):
        return ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


@register.filter(expects_localtime=True)
def ymd_hm(value) -> str:
    """2026-12-05 09:30, as |date:"Y-m-d H:i"."""
    if value in (None, ""):
        return ""
    return f"{ymd(value)} {value.hour:02d}:{value.minute:02d}"


# `obj.get_<field>_display` in a list's rows, without its cost (core.choices: Django rebuilds a
# dict of every choice on each call and translates each label; docs/performance.md, "Where the
# slow pages' CPU goes"). The same text.
@register.filter
def choice_label(obj, field_name: str) -> str:
    """{{ case|choice_label:"stage" }}, as {{ case.get_stage_display }}."""
    return choices.choice_label(obj, field_name)


@register.simple_tag
def tel(number: str) -> SafeString:
    """A phone number one taps to call: {% tel "110" as police %}, then {{ police }} inside a
    translated sentence, so the number sits where each language puts it."""
    return format_html('<a class="tel" href="tel:{}">{}</a>', number, number)


# Options side by side only while each is short enough to stay on one line at 320 px; wider
# than this (in half-width units, a Chinese character counting two) they stack, one a line.
ROW_MAX_OPTIONS = 4
ROW_MAX_WIDTH = 14
GRID_MAX_WIDTH = 30


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@register.simple_tag
def choice_layout(optgroups) -> str:
    """How a radio or checkbox group lays out its options (widgets/choices.html): "row-N" for
    two to four short ones (是/否/不适用, 低/中/高/紧急), "grid" for many short ones, "stack"
    for the rest, whose long labels need the full width."""
    labels = [str(option["label"]) for _group, options, _index in optgroups for option in options]
    widest = max((_text_width(label) for label in labels), default=0)
    if 2 <= len(labels) <= ROW_MAX_OPTIONS and widest <= ROW_MAX_WIDTH:
        return f"row-{len(labels)}"
    if len(labels) > ROW_MAX_OPTIONS and widest <= GRID_MAX_WIDTH:
        return "grid"
    return "stack"
