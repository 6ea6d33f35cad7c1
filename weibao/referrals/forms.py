"""Forms of the referral pages."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from weibao.core.forms import DateInput
from weibao.core.text import TEXT_LIMIT
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner
from weibao.partners.selectors import partners_visible_to
from weibao.referrals.models import Referral
from weibao.referrals.services import MAX_ACCEPT_DAYS, transition_text_message


def _deadline_default() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=7)


class ReferralForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("partner"), queryset=Partner.objects.none())
    service_type = forms.ChoiceField(
        label=_("service needed"),
        choices=[("", "---------"), *ServiceType.choices],
        required=False,
    )
    reason = forms.CharField(
        label=_("reason for the referral"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the child needs from the partner, and what they should know."),
    )
    accept_by = forms.DateField(label=_("accept by"), widget=DateInput())

    def __init__(self, *args, actor, **kwargs):
        kwargs.setdefault("initial", {"accept_by": _deadline_default()})
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["accept_by"].help_text = gettext(
            "The partner should answer by this day (at most %(n)d days ahead)."
        ) % {"n": MAX_ACCEPT_DAYS}
        self.fields["accept_by"].widget.attrs.update(
            {
                "min": today.isoformat(),
                "max": (today + dt.timedelta(days=MAX_ACCEPT_DAYS)).isoformat(),
            }
        )
        partners = partners_visible_to(actor).filter(active=True).select_related("area")
        self.fields["partner"].queryset = partners.order_by("name", "pk")
        self.fields["partner"].label_from_instance = lambda p: (
            f"{p.name} · {p.get_kind_display()} · {p.area.name}"
        )


class ReferralActionForm(forms.Form):
    note = forms.CharField(
        label=_("note"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


NOTE_LABELS = {
    "accept": _("note (optional)"),
    "reject": _("the partner's reason"),
    "complete": _("the partner's feedback"),
    "revoke": _("why the referral is revoked"),
}


def referral_action_forms(referral: Referral, transitions, bound=None, bound_name=""):
    """One small form per available transition, labelled for what it records."""
    forms_by_name = []
    for transition in transitions:
        if bound is not None and transition.name == bound_name:
            form = bound
        else:
            form = ReferralActionForm(prefix=transition.name, initial={"version": referral.version})
        note = form.fields["note"]
        note.label = NOTE_LABELS[transition.name]
        note.required = transition.name != "accept"
        note.error_messages["required"] = transition_text_message(transition.name)
        forms_by_name.append((transition, form))
    return forms_by_name


REFERRAL_STATE_CHOICES = [("", _("All")), *Referral.State.choices]
