from django import forms
from django.utils.translation import gettext_lazy as _


class ArchiveRevealForm(forms.Form):
    """Printing the archive with the ID number, address and phones in full: the reason is
    recorded with each value in the access log, as a reveal on the child's page."""

    reason = forms.CharField(
        label=_("Why do you need them in full?"),
        max_length=200,
        error_messages={"required": _("Please say why you need to see it in full.")},
    )
