"""Forms of the children's council. They check shapes; the rules and their messages are the
services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.core.forms import DateInput
from weibao.core.versioning import VersionMixin
from weibao.council.choices import ConsentHow
from weibao.council.selectors import shown_name
from weibao.council.services import AGENDA_LIMIT, CONSENT_BY_LIMIT, DECISION_LIMIT, MINUTES_LIMIT


def _too_long(limit: int) -> dict:
    return {"max_length": _("Please keep this under %(n)d characters.") % {"n": limit}}


def _date(label, required_message) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DateInput,
        error_messages={
            "required": required_message,
            "invalid": _("Give a date, e.g. 2026-12-31."),
        },
    )


class MemberForm(VersionMixin, forms.Form):
    child = forms.ModelChoiceField(
        label=_("child"),
        queryset=None,
        error_messages={
            "required": _("Choose a registered child from your areas."),
            "invalid_choice": _("Choose a registered child from your areas."),
        },
    )
    term_start = _date(_("term starts"), _("Please give the day the term starts."))
    term_end = _date(_("term ends"), _("Please give the day the term ends."))
    consent_by = forms.CharField(
        label=_("consent given by (the guardian)"),
        max_length=CONSENT_BY_LIMIT,
        error_messages={
            "required": _("Please say which guardian gave their consent."),
            **_too_long(CONSENT_BY_LIMIT),
        },
    )
    consent_on = _date(
        _("consent given on"), _("Please give the day of the consent (not in the future).")
    )
    consent_how = forms.ChoiceField(
        label=_("how consent was given"),
        choices=ConsentHow.choices,
        error_messages={"required": _("Choose how the consent was given.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, children=None, **kwargs):
        super().__init__(*args, **kwargs)
        if children is None:
            del self.fields["child"]
        else:
            self.fields["child"].queryset = children
            self.fields["child"].label_from_instance = lambda c: f"{c.name}（{c.community.name}）"

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class MeetingForm(VersionMixin, forms.Form):
    held_on = _date(_("held on"), _("Please give the day of the meeting."))
    agenda = forms.CharField(
        label=_("agenda"),
        max_length=AGENDA_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please write the agenda."), **_too_long(AGENDA_LIMIT)},
    )
    present = forms.ModelMultipleChoiceField(
        label=_("members present"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose members of this council.")},
    )
    minutes = forms.CharField(
        label=_("minutes"),
        max_length=MINUTES_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_too_long(MINUTES_LIMIT),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, members, named: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members
        self.fields["present"].label_from_instance = lambda m: shown_name(m, named)

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("decision (published on the suggestion board)"),
        max_length=DECISION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please write the decision."), **_too_long(DECISION_LIMIT)},
    )
    community = forms.ModelChoiceField(
        label=_("about which 居民区 (optional)"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose a 居民区 of this 街镇.")},
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].label_from_instance = lambda a: a.name
