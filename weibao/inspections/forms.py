"""Forms of the inspection teams' pages. They check types and lengths; the rules (whose
children, which dates, which states) are the services' and come back as field errors."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weibao.core.forms import DateInput
from weibao.inspections.choices import OWNER_OTHER, Category, ConsentMethod, FindingState, Party


class LabelledChoiceField(forms.ModelChoiceField):
    """A choice among objects, each with the label given for it (a child's name, a patrol's day)."""

    def __init__(self, *args, labels: dict, **kwargs):
        self.labels = labels
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return self.labels.get(obj.pk, str(obj))


class LabelledMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, labels: dict, **kwargs):
        self.labels = labels
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return self.labels.get(obj.pk, str(obj))


class TeamForm(forms.Form):
    name = forms.CharField(
        label=_("team name"),
        max_length=60,
        required=False,
        help_text=_("Optional: “<residential area>儿童考察团” when empty."),
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = forms.ModelChoiceField(
            label=_("residential area"), queryset=communities
        )
        self.order_fields(["community", "name"])


class MemberForm(forms.Form):
    consent_by = forms.CharField(
        label=_("consent given by"),
        max_length=64,
        help_text=_("The guardian who agreed, e.g. 母亲 王某."),
    )
    consent_on = forms.DateField(label=_("consent given on"), widget=DateInput())
    consent_how = forms.ChoiceField(
        label=_("how consent was given"), choices=ConsentMethod.choices, widget=forms.RadioSelect
    )
    joined_on = forms.DateField(label=_("joined on"), widget=DateInput())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"] = LabelledChoiceField(
            label=_("child"),
            queryset=candidates,
            labels={c.pk: f"{c.name}（{c.birth_date:%Y}）" for c in candidates},
            empty_label=_("Choose a child"),
        )
        self.order_fields(["child", "consent_by", "consent_on", "consent_how", "joined_on"])


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=_("left on"), widget=DateInput())


class PatrolForm(forms.Form):
    patrolled_on = forms.DateField(label=_("date of the patrol"), widget=DateInput())
    route = forms.CharField(
        label=_("route"), max_length=300, help_text=_("e.g. 东门 → 儿童游乐场 → 地下车库入口")
    )
    adults = forms.CharField(
        label=_("adults accompanying"),
        max_length=200,
        help_text=_("Who went with the children, e.g. 儿童主任、两位家长志愿者."),
    )

    def __init__(self, *args, members, labels: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"] = LabelledMultipleChoiceField(
            label=_("members who went"),
            queryset=members,
            labels=labels,
            widget=forms.CheckboxSelectMultiple,
        )


class FindingForm(forms.Form):
    what = forms.CharField(
        label=_("what was found"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    place = forms.CharField(
        label=pgettext_lazy("finding", "where"),
        max_length=200,
        help_text=_(
            "A place in the residential area (a gate, a playground): never a child's home."
        ),
    )
    place_general = forms.CharField(
        label=_("where, in general words"),
        max_length=60,
        required=False,
        help_text=_("Shown on the public display wall once resolved, e.g. 小区东门附近."),
    )
    category = forms.ChoiceField(
        label=_("category"), choices=Category.choices, widget=forms.RadioSelect
    )
    photo = forms.FileField(
        label=_("photo (JPEG or PNG, up to 5 MB; optional)"),
        required=False,
        help_text=_("Of the place, with no one in it."),
    )

    def __init__(self, *args, patrols, labels: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patrol"] = LabelledChoiceField(
            label=_("found on the patrol of"), queryset=patrols, labels=labels
        )
        self.order_fields(["patrol", "what", "place", "place_general", "category", "photo"])


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("date of the meeting"), widget=DateInput())
    parties = forms.MultipleChoiceField(
        label=_("parties present"),
        choices=Party.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, findings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if findings is not None:
            self.fields["findings"] = LabelledMultipleChoiceField(
                label=_("findings for its agenda"),
                queryset=findings,
                labels={f.pk: f"{f.get_category_display()}：{f.what[:60]}" for f in findings},
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AgendaForm(StepForm):
    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"] = LabelledChoiceField(
            label=_("meeting"),
            queryset=meetings,
            labels={m.pk: f"{m.held_on:%Y-%m-%d}" for m in meetings},
        )


OWNER_CHOICES = [*Party.choices, (OWNER_OTHER, _("Someone else"))]


class DecideForm(StepForm):
    decision = forms.CharField(
        label=_("the meeting's decision"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ChoiceField(
        label=_("who does it"), choices=OWNER_CHOICES, widget=forms.RadioSelect
    )
    owner_other = forms.CharField(label=_("who does it (other)"), max_length=60, required=False)
    due_on = forms.DateField(label=_("due by"), widget=DateInput())


class ResolveForm(StepForm):
    outcome = forms.CharField(
        label=_("what was done"),
        max_length=300,
        help_text=_("Shown on the public display wall: no names."),
    )
    resolved_on = forms.DateField(label=_("resolved on"), widget=DateInput())


class CloseForm(StepForm):
    reason = forms.CharField(label=_("why it is not actionable"), max_length=300)


STEP_FORMS = {"agenda": AgendaForm, "unlist": StepForm, "decide": DecideForm,
              "resolve": ResolveForm, "close": CloseForm}  # fmt: skip


class FindingFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("state"),
        choices=[("", _("All open")), *FindingState.choices, ("overdue", _("Overdue"))],
        required=False,
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = LabelledChoiceField(
            label=_("residential area"),
            queryset=teams,
            labels={t.pk: t.community.name for t in teams},
            required=False,
            empty_label=_("All"),
        )
        self.order_fields(["team", "state"])
