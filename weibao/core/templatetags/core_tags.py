"""Template filters every app's pages use."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def minutes_label(minutes: int | None) -> str:
    """90 → "1 h 30 min"."""
    h, m = divmod(minutes or 0, 60)
    if h and m:
        return _("%(h)d h %(m)d min") % {"h": h, "m": m}
    return _("%(h)d h") % {"h": h} if h else _("%(m)d min") % {"m": m}
