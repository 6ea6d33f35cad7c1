"""Template filters every app's pages use."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def minutes_label(minutes: int | None) -> str:
    """90 → "1 h 30 min"."""
    h, m = divmod(minutes or 0, 60)
    if h and m:
        return _("%(h)d h %(m)d min") % {"h": h, "m": m}
    return _("%(h)d h") % {"h": h} if h else _("%(m)d min") % {"m": m}


@register.simple_tag
def tel(number: str) -> SafeString:
    """A phone number one taps to call: {% tel "110" as police %}, then {{ police }} inside a
    translated sentence, so the number sits where each language puts it."""
    return format_html('<a class="tel" href="tel:{}">{}</a>', number, number)
