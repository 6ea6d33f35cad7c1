from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.forms import area_filter_fields
from weibao.accounts.selectors import communities_to_pick
from weibao.areas.models import Area
from weibao.children.categories import IN_DIFFICULTY_FILTER, Category
from weibao.children.choices import AGED_OUT, AGED_OUT_LABEL, AgeBand, Relation, Sex, Status
from weibao.children.hooks import community_change_guards
from weibao.children.models import Child
from weibao.children.selectors import category_rows_of, guardian_rows_of
from weibao.children.services import PLAIN_FIELDS, GuardianInput
from weibao.children.validation import validate_child_data
from weibao.core import crypto
from weibao.core.forms import DateInput


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent else obj.name


class ChildForm(forms.Form):
    """The 一人一档 form. Validation rules live in validate_child_data, shared with the API."""

    def __init__(self, *args, actor, instance: Child | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.instance = actor, instance
        model_fields = forms.fields_for_model(
            Child,
            fields=PLAIN_FIELDS,
            widgets={
                "birth_date": DateInput(),
                "health_notes": forms.Textarea(attrs={"rows": 2}),
                "family_situation": forms.Textarea(attrs={"rows": 3}),
                "notes": forms.Textarea(attrs={"rows": 2}),
            },
        )
        self.fields.update(model_fields)
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["id_number"] = forms.CharField(
            label=_("ID number"),
            max_length=30,
            required=instance is None,
            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
            help_text=_("Leave empty to keep the current number (%(masked)s).")
            % {"masked": instance.id_number_masked}
            if instance
            else _("18 characters; a lowercase x is fine."),
        )
        self.fields["address"] = forms.CharField(
            label=_("home address"),
            max_length=200,
            required=False,
            help_text=_("Leave empty to keep the current address.") if instance else "",
        )
        self.fields["community"] = CommunityChoiceField(
            label=_("residential area"),
            # The child's own 居民区 is always among them (a user who sees a child sees its
            # area), even once closed; no other closed one is offered (docs/domain.md §1.10).
            queryset=communities_to_pick(
                actor, keep=instance.community_id if instance else None
            ).select_related("parent"),
        )
        self.fields["categories"] = forms.MultipleChoiceField(
            label=_("categories"),
            choices=Category.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        communities = self.fields["community"].queryset
        if instance is None and not self.is_bound and communities.count() == 1:
            self.initial["community"] = communities.get().pk  # a director has one 居民区
        if instance is not None:
            # Said before the user tries: this child moves through a transfer, not this field.
            refusal = community_change_guards.first(child=instance)
            if refusal:
                self.fields["community"].help_text = refusal
        if instance is not None and not self.is_bound:
            self.initial.update({f: getattr(instance, f) for f in PLAIN_FIELDS})
            self.initial["community"] = instance.community_id
            self.initial["categories"] = [r.category for r in category_rows_of(instance)]

    def clean(self):
        cleaned = super().clean()
        data = dict(cleaned)
        if self.instance is not None and not data.get("address"):
            data.pop("address", None)
        for field, messages in validate_child_data(
            actor=self.actor, data=data, instance=self.instance, link_duplicates=True
        ).items():
            target = field if field in self.fields else None
            if target in self.errors:
                continue  # already explained by the field's own check (e.g. required)
            for message in messages:
                self.add_error(target, message)
        return cleaned

    def service_data(self) -> dict:
        data = {f: self.cleaned_data[f] for f in PLAIN_FIELDS}
        data["community"] = self.cleaned_data["community"]
        if self.cleaned_data.get("id_number"):
            data["id_number"] = self.cleaned_data["id_number"]
        if self.instance is None or self.cleaned_data.get("address"):
            data["address"] = self.cleaned_data.get("address", "")
        return data


class GuardianForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("name"), max_length=64)
    # The blank choice lets an untouched extra row stay empty (and be skipped).
    relation = forms.ChoiceField(
        label=_("relation"), choices=[("", "---------"), *Relation.choices]
    )
    phone = forms.RegexField(
        label=_("phone"),
        regex=r"^\+?[\d\s-]{5,20}$",
        required=False,
        error_messages={"invalid": _("A phone number has only digits, spaces, + and -.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    work_location = forms.CharField(label=_("work location"), max_length=100, required=False)
    is_entrusted_carer = forms.BooleanField(label=_("entrusted carer"), required=False)
    able_to_guard = forms.BooleanField(label=_("able to guard"), required=False, initial=True)
    notes = forms.CharField(label=_("notes"), max_length=200, required=False)

    def __init__(self, *args, masked_phone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if masked_phone:
            self.fields["phone"].widget.attrs["placeholder"] = masked_phone
            self.fields["phone"].help_text = _("Leave empty to keep %(masked)s.") % {
                "masked": masked_phone
            }

    def to_input(self, keep_phone_when_empty: bool) -> GuardianInput:
        d = self.cleaned_data
        phone = crypto.normalize_phone(d.get("phone") or "")
        return GuardianInput(
            id=d.get("id"),
            name=d["name"].strip(),
            relation=d["relation"],
            phone=None if (keep_phone_when_empty and d.get("id") and not phone) else phone,
            work_location=d.get("work_location", ""),
            is_entrusted_carer=d.get("is_entrusted_carer", False),
            able_to_guard=d.get("able_to_guard", False),
            notes=d.get("notes", ""),
        )


class BaseGuardianFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": _("Please list at most %(num)d guardians."),
    }

    def __init__(self, *args, masked_phones: dict[int, str] | None = None, **kwargs):
        self.masked_phones = masked_phones or {}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        initials = self.initial or []
        initial = initials[index] if index is not None and index < len(initials) else None
        if initial and initial.get("id") in self.masked_phones:
            kwargs["masked_phone"] = self.masked_phones[initial["id"]]
        return kwargs

    def inputs(self, keep_phone_when_empty: bool) -> list[GuardianInput]:
        # Untouched extra rows come back with empty cleaned_data and are skipped.
        return [
            form.to_input(keep_phone_when_empty)
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


GuardianFormSet = forms.formset_factory(
    GuardianForm,
    formset=BaseGuardianFormSet,
    extra=1,
    can_delete=True,
    max_num=10,
    validate_max=True,
)


def guardian_formset(data=None, child: Child | None = None) -> BaseGuardianFormSet:
    if child is None:
        return GuardianFormSet(data, prefix="guardians")
    guardians = list(guardian_rows_of(child))
    initial = [
        {
            "id": g.pk,
            "name": g.name,
            "relation": g.relation,
            "work_location": g.work_location,
            "is_entrusted_carer": g.is_entrusted_carer,
            "able_to_guard": g.able_to_guard,
            "notes": g.notes,
        }
        for g in guardians
    ]
    return GuardianFormSet(
        data,
        prefix="guardians",
        initial=initial,
        masked_phones={g.pk: g.phone_masked for g in guardians if g.phone_masked},
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=Status.choices)
    date = forms.DateField(label=_("date"), widget=DateInput())
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=[("id_number", ""), ("address", ""), ("guardian_phone", "")],
        widget=forms.HiddenInput,
    )
    guardian = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("reason"), max_length=200)


STATUS_FILTER_CHOICES = [("", _("All")), *Status.choices, (AGED_OUT, AGED_OUT_LABEL)]


class ChildFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    subdistrict = forms.ModelChoiceField(
        label=_("sub-district"), queryset=Area.objects.none(), required=False, empty_label=_("All")
    )
    community = CommunityChoiceField(
        label=_("residential area"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    category = forms.ChoiceField(
        label=_("category"),
        required=False,
        choices=[
            ("", _("All")),
            (IN_DIFFICULTY_FILTER, _("Children in difficulty (all kinds)")),
            *Category.choices,
        ],
    )
    sex = forms.ChoiceField(label=_("sex"), required=False, choices=[("", _("All")), *Sex.choices])
    age_band = forms.ChoiceField(
        label=_("age"), required=False, choices=[("", _("All")), *AgeBand.choices]
    )
    status = forms.ChoiceField(label=_("status"), required=False, choices=STATUS_FILTER_CHOICES)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        area_filter_fields(self, actor)
