"""Forms of the workstations' pages. They check types and lengths; the rules (who may, dates,
one operating station per 街镇, four eyes) are the services' and come back as field errors."""

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.core.forms import DateInput
from weibao.core.text import TEXT_LIMIT
from weibao.core.versioning import VersionMixin
from weibao.stations.choices import (
    ComputedKind,
    HostFacility,
    ReviewDecision,
    SelfAssessment,
    ZoneKind,
)

AREA_HELP = _("In square metres, e.g. 120 or 35.5.")


class StationForm(VersionMixin, forms.Form):
    name = forms.CharField(label=_("station name"), max_length=100)
    host_facility = forms.ChoiceField(
        label=_("host facility"),
        choices=[("", "---------"), *HostFacility.choices],
        help_text=_("一址多用: the existing facility the station shares."),
    )
    host_facility_other = forms.CharField(
        label=_("host facility (other)"), max_length=100, required=False
    )
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    floor_area = forms.CharField(
        label=_("floor area (m²)"), max_length=12, required=False, help_text=AREA_HELP
    )
    opening_hours = forms.CharField(
        label=_("opening hours"),
        max_length=200,
        required=False,
        help_text=_("For example: 周一至周五 9:00–17:00，周六 9:00–12:00."),
    )
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.fields if name != "version"}

    @staticmethod
    def initial_from(station) -> dict:
        return {
            "name": station.name,
            "host_facility": station.host_facility,
            "host_facility_other": station.host_facility_other,
            "address": station.address,
            "floor_area": "" if station.floor_area is None else str(station.floor_area),
            "opening_hours": station.opening_hours,
            "phone": station.phone,
            "version": station.version,
        }


class StationCreateForm(StationForm):
    planned_on = forms.DateField(
        label=_("planned on"), required=False, widget=DateInput(), help_text=_("Today if empty.")
    )

    def __init__(self, *args, subdistricts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"] = forms.ModelChoiceField(
            queryset=subdistricts, label=_("sub-district or town")
        )
        self.order_fields(["subdistrict", "name"])

    def service_data(self) -> dict:
        data = super().service_data()
        data.pop("subdistrict", None)
        return data


class TransitionForm(VersionMixin, forms.Form):
    on = forms.DateField(label=_("date"), required=False, widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PublishForm(VersionMixin, forms.Form):
    published = forms.BooleanField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ZoneForm(forms.Form):
    name = forms.CharField(label=_("zone name"), max_length=60)
    kind = forms.ChoiceField(
        label=_("kind of zone"), choices=[("", "---------"), *ZoneKind.choices]
    )
    purpose = forms.CharField(label=_("purpose"), max_length=300, required=False)
    area = forms.CharField(label=_("area (m²)"), max_length=12, required=False, help_text=AREA_HELP)

    @staticmethod
    def initial_from(zone) -> dict:
        return {
            "name": zone.name,
            "kind": zone.kind,
            "purpose": zone.purpose,
            "area": "" if zone.area is None else str(zone.area),
        }


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("photo"))
    caption = forms.CharField(label=_("caption"), max_length=100, required=False)
    on_wall = forms.BooleanField(
        label=_("Show on the public page (it shows the place, and no child's face)"),
        required=False,
    )


class PhotoUpdateForm(forms.Form):
    caption = forms.CharField(label=_("caption"), max_length=100, required=False)
    on_wall = forms.BooleanField(
        label=_("Show on the public page (it shows the place, and no child's face)"),
        required=False,
    )


class EvidenceForm(VersionMixin, forms.Form):
    self_assessment = forms.ChoiceField(
        label=_("self-assessment"), choices=SelfAssessment.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("note"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the station has for this item, where it is, what is still missing."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EvidenceFileForm(forms.Form):
    file = forms.FileField(label=_("photo or document"))


class ReviewForm(VersionMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"), choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("note"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the item needs work: say what."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        # The item page shows this form under the evidence form, whose fields share its names
        # (note, version): its own ids, so each label names its own box.
        kwargs.setdefault("auto_id", "id_review_%s")
        super().__init__(*args, **kwargs)


class StandardVersionForm(forms.Form):
    name = forms.CharField(label=_("standard"), max_length=60)
    version_name = forms.CharField(label=_("version"), max_length=60)
    starts_on = forms.DateField(label=_("in force from"), widget=DateInput())


class StandardItemForm(forms.Form):
    code = forms.CharField(
        label=_("code"),
        max_length=32,
        help_text=_(
            "Keep the code while the requirement stays the same (earlier reviews then count); "
            "give a changed requirement a new code."
        ),
    )
    wording = forms.CharField(label=_("wording"), max_length=200)
    source = forms.CharField(label=_("source"), max_length=300, required=False)
    required = forms.BooleanField(label=_("required"), required=False, initial=True)
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=999, required=False)
    computed = forms.ChoiceField(
        label=_("computed evidence"),
        choices=[("", _("None")), *ComputedKind.choices],
        required=False,
    )
    threshold = forms.IntegerField(
        label=_("threshold"),
        min_value=0,
        max_value=100_000,
        required=False,
        help_text=_(
            "What the computed evidence must reach: people for a team, m² for the venue, "
            "service records for the ledger, per cent for the archive. Empty: the usual."
        ),
    )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("order") is None:
            data.pop("order", None)
        return data

    @staticmethod
    def initial_from(item) -> dict:
        return {name: getattr(item, name) for name in (
            "code", "wording", "source", "required", "order", "computed", "threshold")}  # fmt: skip


class CoverageForm(forms.Form):
    district = forms.IntegerField(required=False, min_value=1)
