"""Forms of the activities pages. They check types and lengths; the rules (who may, which
station, the place, ages, places) are the services' and come back as field errors."""

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.activities.choices import OLDEST, ActivityState, AgeBand, ProjectStatus
from weibao.activities.models import Activity, Project
from weibao.children.categories import Category
from weibao.core.forms import DateInput


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, station) -> str:
        return f"{station.name}（{station.subdistrict.name}）"


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return getattr(obj, "name", str(obj))


def _owner_field(stations, may_district: bool) -> StationChoiceField:
    return StationChoiceField(
        label=_("run by"),
        queryset=stations,
        required=not may_district or False,
        empty_label=_("The district") if may_district else None,
        help_text=_("The station that runs it, or the district."),
    )


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("project name"), max_length=100)
    brand = forms.CharField(
        label=_("brand"), max_length=60, required=False, help_text=_("e.g. 艺润童心")
    )
    starts_on = forms.DateField(label=_("starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("ends on"), widget=DateInput(), required=False)
    categories = forms.MultipleChoiceField(
        label=_("target categories"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    age_bands = forms.MultipleChoiceField(
        label=_("age bands"),
        choices=AgeBand.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    goals = forms.CharField(label=_("goals"), widget=forms.Textarea(attrs={"rows": 3}),
                            max_length=2000, required=False)  # fmt: skip
    budget = forms.DecimalField(
        label=_("budget (yuan)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    status = forms.ChoiceField(label=_("status"), choices=ProjectStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, stations=None, may_district=False, partners, project=None, **kw):
        super().__init__(*args, **kw)
        if project is None:
            self.fields["station"] = _owner_field(stations, may_district)
        self.fields["partners"] = forms.ModelMultipleChoiceField(
            label=_("partner organisations"),
            queryset=partners.order_by("name"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.order_fields(["station", "name", "brand", "starts_on", "ends_on", "status"])

    @staticmethod
    def initial_from(project: Project) -> dict:
        return {
            "name": project.name,
            "brand": project.brand,
            "starts_on": project.starts_on,
            "ends_on": project.ends_on,
            "categories": project.categories,
            "age_bands": project.age_bands,
            "goals": project.goals,
            "budget": project.budget,
            "status": project.status,
            "partners": list(project.partners.all()),
            "version": project.version,
        }

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["partners"] = list(data.get("partners") or [])
        return data


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=100)
    held_on = forms.DateField(label=_("date"), widget=DateInput())
    starts_at = forms.TimeField(label=_("starts at"), widget=TimeInput(), required=False)
    ends_at = forms.TimeField(label=_("ends at"), widget=TimeInput(), required=False)
    place_text = forms.CharField(
        label=_("place (in words)"),
        max_length=200,
        required=False,
        help_text=_("Or choose a zone of the station or a partner's site."),
    )
    capacity = forms.IntegerField(label=_("places"), min_value=1, max_value=1000)
    age_min = forms.IntegerField(label=_("youngest age"), min_value=0, max_value=OLDEST, initial=0)
    age_max = forms.IntegerField(label=_("oldest age"), min_value=0, max_value=OLDEST,
                                 initial=OLDEST)  # fmt: skip
    audience = forms.CharField(label=_("audience"), max_length=100, required=False,
                               help_text=_("e.g. children and their parents"))  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, stations=None, may_district=False, zones, partners,
                 owned=True, series=False, **kw):  # fmt: skip
        super().__init__(*args, **kw)
        if not owned:
            self.fields["station"] = _owner_field(stations, may_district)
        self.fields["zone"] = NamedChoiceField(
            label=_("zone of the station"), queryset=zones, required=False
        )
        self.fields["partner"] = NamedChoiceField(
            label=_("partner's site"), queryset=partners.order_by("name"), required=False
        )
        if series:
            del self.fields["held_on"]
            self.fields["dates"] = forms.CharField(
                label=_("dates"),
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("One activity on each date, e.g. 2026-03-21 2026-06-21 (up to 24)."),
            )
        self.order_fields(["station", "title", "dates", "held_on", "starts_at", "ends_at", "zone",
                           "partner", "place_text"])  # fmt: skip

    def clean_dates(self) -> list[dt.date]:
        out = []
        for part in re.split(r"[\s,，;；]+", self.cleaned_data.get("dates", "").strip()):
            if not part:
                continue
            try:
                out.append(dt.date.fromisoformat(part))
            except ValueError as exc:
                raise forms.ValidationError(
                    _("“%(value)s” is not a date: write it as 2026-03-21."),
                    params={"value": part[:20]},
                ) from exc
        return out

    @staticmethod
    def initial_from(activity: Activity) -> dict:
        fields = ("title", "held_on", "starts_at", "ends_at", "place_text", "capacity", "age_min",
                  "age_max", "audience", "version")  # fmt: skip
        data = {f: getattr(activity, f) for f in fields}
        data["zone"], data["partner"] = activity.zone_id, activity.partner_id
        return data

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "dates")}


class StateForm(forms.Form):
    state = forms.ChoiceField(choices=ActivityState.choices)
    version = forms.IntegerField(required=False)


class SignupForm(forms.Form):
    def __init__(self, *args, children, **kw):
        super().__init__(*args, **kw)
        self.fields["child"] = forms.ModelChoiceField(
            label=_("a child of the register"), queryset=children
        )
        self.fields["child"].label_from_instance = lambda c: f"{c.name} · {c.birth_date:%Y-%m-%d}"


class WalkinForm(forms.Form):
    name = forms.CharField(label=_("given name"), max_length=20)
    age = forms.IntegerField(label=_("age"), min_value=0, max_value=OLDEST)


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("photo (JPEG or PNG, up to 10 MB)"))
    caption = forms.CharField(label=_("caption"), max_length=100, required=False)
    walkins_consent = forms.BooleanField(
        label=_("the walk-ins pictured have their guardians' consent"), required=False
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("rating"),
        choices=[(i, "★" * i) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(label=_("feedback"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000, required=False)  # fmt: skip


class FiguresForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, areas, **kw):
        super().__init__(*args, **kw)
        self.fields["area"] = NamedChoiceField(
            label=_("area"), queryset=areas, required=False, empty_label=None
        )
