from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.selectors import communities_visible_to
from weibao.areas.models import Area
from weibao.core.forms import DateInput, RiskRadioSelect
from weibao.core.versioning import VersionMixin
from weibao.visits.models import Visit
from weibao.visits.selectors import VisitListFilters
from weibao.visits.services import CHECK_FIELDS, RISK_ANSWER

# Free-text answers are long enough for a thorough note, short enough that a stray paste
# cannot bloat a child's record.
TEXT_MAX = 4000


def _text(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _answer(label) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=Visit.Answer.choices,
        widget=RiskRadioSelect(risk_values=[RISK_ANSWER]),
    )


@dataclass(frozen=True)
class CheckAnswer:
    """One legal check as the visit page shows it: the question, the answer's words and whether
    it is the risk answer."""

    label: str
    answer: str
    risk: bool


class VisitForm(VersionMixin, forms.Form):
    """The visit record. Nothing is required here: a draft may be half filled. What a
    completed visit needs is decided by services.completion_errors, shown next to the fields."""

    visit_date = forms.DateField(
        label=Visit._meta.get_field("visit_date").verbose_name,
        required=False,
        widget=DateInput(),
    )
    kind = forms.ChoiceField(
        label=Visit._meta.get_field("kind").verbose_name,
        choices=Visit.Kind.choices,
        widget=forms.RadioSelect,
    )
    met_with = forms.CharField(
        label=Visit._meta.get_field("met_with").verbose_name,
        required=False,
        max_length=200,
        help_text=_("For example: the child and the grandmother."),
    )
    psychology = _text(Visit._meta.get_field("psychology").verbose_name)
    study = _text(Visit._meta.get_field("study").verbose_name)
    family_economy = _text(Visit._meta.get_field("family_economy").verbose_name)
    guardianship = _text(Visit._meta.get_field("guardianship").verbose_name)
    under8_unattended = _answer(Visit._meta.get_field("under8_unattended").verbose_name)
    under16_alone = _answer(Visit._meta.get_field("under16_alone").verbose_name)
    away_without_carer = _answer(Visit._meta.get_field("away_without_carer").verbose_name)
    no_weekly_contact = _answer(Visit._meta.get_field("no_weekly_contact").verbose_name)
    policy_publicity = forms.BooleanField(
        label=Visit._meta.get_field("policy_publicity").verbose_name, required=False
    )
    guardianship_guidance = forms.BooleanField(
        label=Visit._meta.get_field("guardianship_guidance").verbose_name, required=False
    )
    concern_marked = forms.BooleanField(
        label=Visit._meta.get_field("concern_marked").verbose_name,
        required=False,
        help_text=_("A concern is sent to the director and the supervisor when you submit."),
    )
    findings = _text(Visit._meta.get_field("findings").verbose_name)
    next_steps = _text(Visit._meta.get_field("next_steps").verbose_name)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    CHECKS = CHECK_FIELDS
    NARRATIVE = ("psychology", "study", "family_economy", "guardianship")

    @classmethod
    def initial_from(cls, visit: Visit) -> dict:
        initial = {name: getattr(visit, name) for name in cls.base_fields if name != "version"}
        initial["version"] = visit.version
        return initial

    def valid_data(self) -> dict:
        """The fields that passed their own checks (call after is_valid()): a draft saves
        whatever it can and reports the rest."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}

    def checks(self):
        return [self[name] for name in self.CHECKS]

    def check_answers(self) -> list[CheckAnswer]:
        """The answers of the visit the form was made from (initial_from), for its page."""
        answers = dict(Visit.Answer.choices)
        return [
            CheckAnswer(
                label=self[name].label,
                answer=answers.get(self.initial.get(name, ""), ""),
                risk=self.initial.get(name) == RISK_ANSWER,
            )
            for name in self.CHECKS
        ]

    def narrative(self):
        return [self[name] for name in self.NARRATIVE]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("photo or document"))


class ConcernHandleForm(forms.Form):
    note = forms.CharField(
        label=_("how it was handled"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReturnedHomeForm(forms.Form):
    date = forms.DateField(label=_("returned home on"), widget=DateInput())


class VisitRuleForm(forms.Form):
    interval_months = forms.IntegerField(label=_("visit every (months)"), min_value=1, max_value=12)
    duration_months = forms.IntegerField(
        label=_("follow-up period (months)"),
        min_value=3,
        max_value=12,
        required=False,
        help_text=_("How long follow-up visits continue: 3 to 12 months."),
    )
    active = forms.BooleanField(label=_("active"), required=False)


class VisitListFilterForm(forms.Form):
    """The filters of the list of completed visits handed out as xlsx."""

    # Not "from"/"to" alone: those words are the transfers' places (转出地, 转入地).
    date_from = forms.DateField(label=_("visited on or after"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("visited on or before"), required=False, widget=DateInput)
    community = forms.ModelChoiceField(
        label=_("residential area"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("Every residential area I see"),
    )

    def __init__(self, *args, actor, subdistrict: Area | None = None, **kwargs):
        """`subdistrict`: the 街镇 the page shows, whose 居民区 alone the select offers (a
        district's hundreds would cost the page more than the rest of it: docs/performance.md,
        "The district's 居民区 as a condition, not a list"). Any 居民区 the user sees is
        still accepted."""
        super().__init__(*args, **kwargs)
        communities = communities_visible_to(actor).order_by("code", "name")
        self.fields["community"].queryset = communities
        if subdistrict is not None:
            self.fields["community"].queryset = communities.filter(parent_id=subdistrict.pk)

    def filters(self) -> VisitListFilters:
        d = self.cleaned_data
        return VisitListFilters(
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            community=d["community"].pk if d.get("community") else None,
        )
