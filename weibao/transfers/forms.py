"""Forms of the transfer pages. They check shapes only; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import Area
from weibao.children.models import Child
from weibao.core.text import TEXT_LIMIT
from weibao.transfers.models import Transfer
from weibao.transfers.selectors import receiving_communities
from weibao.transfers.services import DISTRICT_NAME_LIMIT, destination_errors


class CommunityField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.parent.name} · {obj.name}"


class TransferForm(forms.Form):
    to_community = CommunityField(
        label=_("new residential area"),
        queryset=Area.objects.none(),
        required=False,
        help_text=_("Any residential area of the district; its sub-district decides."),
    )
    out_of_district = forms.BooleanField(
        label=_("The child moves out of the district"), required=False
    )
    to_district_name = forms.CharField(
        label=_("receiving district"),
        max_length=DISTRICT_NAME_LIMIT,
        required=False,
        help_text=_("Only for a move out of the district, e.g. 徐汇区 or 江苏省南京市鼓楼区."),
    )
    reason = forms.CharField(
        label=_("reason for the move"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please say why the child is moving.")},
        help_text=_(
            "Why and since when the family moves. Do not write the new address here: correct "
            "it on the child's file once the transfer is accepted."
        ),
    )

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.child = child
        self.fields["to_community"].queryset = receiving_communities(child)

    def clean(self):
        # The destination's rules are the service's; said here too, with the other fields.
        cleaned = super().clean()
        errors = destination_errors(
            self.child,
            cleaned.get("to_community"),
            cleaned.get("out_of_district", False),
            (cleaned.get("to_district_name") or "").strip(),
        )
        for field, messages in errors.items():
            if field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return cleaned


class TransferActionForm(forms.Form):
    note = forms.CharField(
        label=_("note"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


NOTE_LABELS = {
    "accept": _("note (optional)"),
    "refuse": _("why the transfer is refused"),
    "cancel": _("why the transfer is cancelled (optional)"),
}


def transfer_action_forms(transfer: Transfer, transitions, bound=None, bound_name=""):
    """One small form per step the user may take, labelled for what it records."""
    result = []
    for transition in transitions:
        if bound is not None and transition.name == bound_name:
            form = bound
        else:
            form = TransferActionForm(prefix=transition.name, initial={"version": transfer.version})
        form.fields["note"].label = NOTE_LABELS[transition.name]
        form.fields["note"].required = transition.name == "refuse"
        if transition.name == "refuse":
            form.fields["note"].error_messages["required"] = _(
                "Please say why the transfer is refused."
            )
        result.append((transition, form))
    return result


STATUS_TABS = [
    (Transfer.Status.REQUESTED.value, Transfer.Status.REQUESTED.label),
    (Transfer.Status.ACCEPTED.value, Transfer.Status.ACCEPTED.label),
    (Transfer.Status.REFUSED.value, Transfer.Status.REFUSED.label),
    (Transfer.Status.CANCELLED.value, Transfer.Status.CANCELLED.label),
    ("all", _("All")),
]
