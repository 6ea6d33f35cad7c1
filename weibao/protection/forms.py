"""Forms of emergency protection (强制保护). They check types and lengths; the rules (dates,
who may act, the assessment before return home) are the services' and come back from them as
field errors."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.forms import DateInput
from weibao.core.text import TEXT_LIMIT
from weibao.core.versioning import VersionMixin
from weibao.protection.choices import CapacityResult, Placement, ProtectionEnd, ProtectionGround
from weibao.protection.models import ProtectionRecord
from weibao.protection.services import PLACEMENT_DETAIL_LIMIT


def _label(name: str):
    return ProtectionRecord._meta.get_field(name).verbose_name


def _not_future(value):
    # Also checked by the services; here so it shows with the form's other errors at once.
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))
    return value


class ProtectionStartForm(forms.Form):
    ground = forms.ChoiceField(
        label=_label("ground"), choices=ProtectionGround.choices, widget=forms.RadioSelect
    )
    placement = forms.ChoiceField(
        label=_label("placement"), choices=Placement.choices, widget=forms.RadioSelect
    )
    placement_detail = forms.CharField(
        label=_label("placement_detail"),
        required=False,
        max_length=PLACEMENT_DETAIL_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The family's or institution's name, address and contact. Shown only on the "
            "record's own page; every reading is logged."
        ),
    )
    started_on = forms.DateField(label=_label("started_on"), widget=DateInput())

    def clean_started_on(self):
        return _not_future(self.cleaned_data.get("started_on"))


class CapacityAssessmentForm(VersionMixin, forms.Form):
    assessed_on = forms.DateField(label=_("assessed on"), widget=DateInput())
    result = forms.ChoiceField(
        label=_label("capacity_result"),
        choices=CapacityResult.choices,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_label("capacity_notes"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the assessment found and on what it is based (visits, interviews…)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_assessed_on(self):
        return _not_future(self.cleaned_data.get("assessed_on"))


class ProtectionEndForm(VersionMixin, forms.Form):
    ended_on = forms.DateField(label=_label("ended_on"), widget=DateInput())
    end_reason = forms.ChoiceField(
        label=_label("end_reason"), choices=ProtectionEnd.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_label("end_note"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for long-term guardianship and other endings."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_ended_on(self):
        return _not_future(self.cleaned_data.get("ended_on"))
