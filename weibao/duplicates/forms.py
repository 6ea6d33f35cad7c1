"""Forms of the possible duplicates' pages: the list's filter and a decision's optional reason.
The rules (who may decide, which pairs are still open) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.core.versioning import VersionMixin
from weibao.duplicates.models import State
from weibao.duplicates.services import NOTE_MAX

ALL = "all"


class PairFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("state"),
        choices=[*State.choices, (ALL, _("all"))],
        required=False,
    )

    def state_filter(self) -> str | None:
        """The state asked for: open unless another (or all) is chosen."""
        if not self.is_valid() or not self.cleaned_data.get("state"):
            return State.OPEN
        state = self.cleaned_data["state"]
        return None if state == ALL else state


class DecisionForm(VersionMixin, forms.Form):
    note = forms.CharField(
        label=_("reason (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. the same ID number on the household register; twins."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
