"""Forms of the suggestion board: the child's (a phone page in simple words) and the staff's
steps. The forms check shapes; the rules and their messages are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.core.forms import DateInput
from weibao.core.versioning import VersionMixin
from weibao.suggestions.choices import State
from weibao.suggestions.services import (
    ANSWER_LIMIT,
    DEPARTMENT_LIMIT,
    MAX_AGE,
    MIN_AGE,
    REASON_LIMIT,
    TEXT_LIMIT,
)

AGE_MESSAGE = _("Give an age from %(min)d to %(max)d.") % {"min": MIN_AGE, "max": MAX_AGE}


def _too_long(limit: int) -> dict:
    return {"max_length": _("Please keep this under %(n)d characters.") % {"n": limit}}


def _area_label(area) -> str:
    return area.name


class BoardForm(forms.Form):
    """What a child writes on the board. Nothing else is taken (the view refuses other
    fields)."""

    text = forms.CharField(
        label=_("Your idea for your community"),
        max_length=TEXT_LIMIT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Please write your suggestion."), **_too_long(TEXT_LIMIT)},
        help_text=_("Please do not write your full name, address, school or phone number."),
    )
    given_name = forms.CharField(
        label=_("Your given name (you may leave it empty)"),
        max_length=20,
        required=False,
        help_text=_("Only your given name, e.g. 小明. It is never shown on the board."),
        error_messages=_too_long(20),
    )
    age = forms.IntegerField(
        label=_("Your age (you may leave it empty)"),
        required=False,
        min_value=MIN_AGE,
        max_value=MAX_AGE,
        error_messages={
            "invalid": AGE_MESSAGE,
            "min_value": AGE_MESSAGE,
            "max_value": AGE_MESSAGE,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    community = forms.ModelChoiceField(
        label=_("Which 居民区 is it about? (you may leave it empty)"),
        queryset=None,
        required=False,
        empty_label=_("— not sure —"),
        error_messages={"invalid_choice": _("Choose a 居民区 from the list.")},
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].label_from_instance = _area_label

    def unknown_fields(self) -> list[str]:
        if not self.is_bound:
            return []
        return sorted(set(self.data) - set(self.fields) - {"csrfmiddlewaretoken"})


class CheckForm(forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=32,
        error_messages={"required": _("Please type your code."), **_too_long(32)},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


# --- staff ---------------------------------------------------------------------------------------


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=[("", _("all")), *State.choices]
    )
    late = forms.BooleanField(label=_("late only"), required=False)
    station = forms.ModelChoiceField(label=_("station"), queryset=None, required=False)

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations

    def filter(self, queryset):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("late"):
            queryset = queryset.filter(is_late=True)
        if data.get("station"):
            queryset = queryset.filter(station=data["station"])
        return queryset


class StepForm(VersionMixin, forms.Form):
    """A step on one suggestion: carries the version the user saw. Each step's form has its
    own prefix (several are on one page)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31)

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def _textarea(label, limit: int, *, required: bool = True, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=_too_long(limit),
    )


class ApproveForm(StepForm):
    public_text = _textarea(
        _("Text to publish (remove names, addresses, schools, phone numbers)"), TEXT_LIMIT
    )


class EditPublicForm(ApproveForm):
    pass


class RejectForm(StepForm):
    reason = _textarea(_("Why it is not published (the child reads this)"), REASON_LIMIT, rows=2)


class RouteForm(StepForm):
    department = forms.CharField(
        label=_("responsible department (e.g. 居委会, 物业, 街道市容所)"),
        max_length=DEPARTMENT_LIMIT,
        required=False,
        error_messages=_too_long(DEPARTMENT_LIMIT),
    )
    routed_community = forms.ModelChoiceField(
        label=_("or a 居民区"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose a 居民区 of this 街镇.")},
    )
    deadline = forms.DateField(
        label=_("answer by"),
        widget=DateInput,
        error_messages={
            "required": _("Please give the date by which it is to be answered."),
            "invalid": _("Give a date, e.g. 2026-12-31."),
        },
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["routed_community"].queryset = communities
        self.fields["routed_community"].label_from_instance = _area_label


class StartForm(StepForm):
    note = _textarea(_("progress note (optional)"), REASON_LIMIT, required=False, rows=2)


class AnswerForm(StepForm):
    answer = _textarea(_("Answer (published on the board)"), ANSWER_LIMIT)


class DeclineForm(StepForm):
    reason = _textarea(_("Why it is declined (published on the board)"), REASON_LIMIT, rows=2)


STEP_FORMS = {
    "approve": ApproveForm,
    "reject": RejectForm,
    "edit": EditPublicForm,
    "route": RouteForm,
    "start": StartForm,
    "answer": AnswerForm,
    "decline": DeclineForm,
}
