"""Forms of the case pages. They check types and sizes and keep what the user typed; the rules
(who may, from which stage, what a step needs) are the services' and come back as
field-level messages."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.accounts.forms import area_filter_fields
from weibao.accounts.models import User
from weibao.cases.choices import NoNeedReason, PlannedServiceStatus, RiskLevel, Stage
from weibao.cases.models import CasePolicy, PlanVersion
from weibao.cases.plans import (
    CANCEL_REASON_LIMIT,
    DESCRIPTION_LIMIT,
    GOALS_LIMIT,
    MAX_SERVICES,
    NOTE_LIMIT,
    PlannedServiceInput,
)
from weibao.cases.selectors import CaseListFilters, eligible_owners, plan_services
from weibao.core.forms import DateInput
from weibao.core.text import TEXT_LIMIT
from weibao.core.versioning import VersionMixin, posted_version
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner
from weibao.partners.selectors import partners_visible_to


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class OwnerChoiceField(forms.ModelChoiceField):
    """A person, with their roles so that two people of the same name can be told apart."""

    def label_from_instance(self, obj: User) -> str:
        roles = sorted({ra.get_role_display() for ra in obj.role_assignments.all()})
        return f"{obj} · {'、'.join(str(r) for r in roles)}" if roles else str(obj)


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Partner) -> str:
        return f"{obj.name} · {obj.get_kind_display()}"


class VersionedForm(VersionMixin, forms.Form):
    """A form acting on a case: carries the case version the user saw (stale → conflict)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# --- list ---------------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("stage"), required=False, choices=[("", _("All")), *Stage.choices]
    )
    risk_level = forms.ChoiceField(
        label=_("risk level"), required=False, choices=[("", _("All")), *RiskLevel.choices]
    )
    subdistrict = forms.ModelChoiceField(
        label=_("sub-district"), queryset=None, required=False, empty_label=_("All")
    )
    community = forms.ModelChoiceField(
        label=_("residential area"), queryset=None, required=False, empty_label=_("All")
    )
    mine = forms.BooleanField(label=_("only cases I own"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        area_filter_fields(self, actor)

    def filters(self) -> CaseListFilters:
        d = self.cleaned_data
        return CaseListFilters(
            stage=d.get("stage", ""),
            risk_level=d.get("risk_level", ""),
            subdistrict=d["subdistrict"].pk if d.get("subdistrict") else None,
            community=d["community"].pk if d.get("community") else None,
            mine=bool(d.get("mine")),
        )


# --- opening --------------------------------------------------------------------------------


class CaseOpenForm(forms.Form):
    owner = OwnerChoiceField(
        label=_("case owner"),
        queryset=User.objects.none(),
        error_messages={"required": _("Please choose the case owner.")},
        help_text=_("The director of the child's residential area, or the sub-district's staff."),
    )
    summary = forms.CharField(
        label=_("what was found"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(4),
        help_text=_("What staff saw or learned that calls for a case."),
    )

    def __init__(self, *args, child, actor, **kwargs):
        super().__init__(*args, **kwargs)
        owners = eligible_owners(child).prefetch_related("role_assignments__area")
        self.fields["owner"].queryset = owners
        if owners.filter(pk=actor.pk).exists():
            self.fields["owner"].initial = actor.pk


# --- actions on a case ----------------------------------------------------------------------


class FileForm(VersionedForm):
    summary = forms.CharField(
        label=_("case summary"),
        max_length=TEXT_LIMIT,
        widget=_textarea(4),
        error_messages={"required": _("Please summarise the case.")},
    )


class AssessForm(VersionedForm):
    risk_level = forms.ChoiceField(
        label=_("risk level"),
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a risk level.")},
    )
    reasons = forms.CharField(
        label=_("reasons for the risk level"),
        max_length=TEXT_LIMIT,
        widget=_textarea(3),
        error_messages={"required": _("Please give the reasons for this level.")},
    )


class AdvanceForm(VersionedForm):
    note = forms.CharField(
        label=_("note"), max_length=TEXT_LIMIT, required=False, widget=_textarea(2)
    )


class RequestCloseForm(VersionedForm):
    # Only offered at 已评估 (see __init__); the service says what else is needed elsewhere.
    no_need_reason = forms.ChoiceField(
        label=_("no protection need: why"),
        choices=[("", "---------"), *NoNeedReason.choices],
        required=False,
        help_text=_(
            "The assessment found that the child needs no protection: the case closes without "
            "a plan, services or follow-up."
        ),
    )
    summary = forms.CharField(
        label=_("closing summary"),
        max_length=TEXT_LIMIT,
        widget=_textarea(4),
        error_messages={"required": _("Please write a closing summary.")},
        help_text=_("How the child is now, and why the case can close."),
    )

    def __init__(self, *args, stage: str, **kwargs):
        super().__init__(*args, **kwargs)
        if stage != Stage.ASSESSED:
            del self.fields["no_need_reason"]


class RestrictForm(VersionedForm):
    """Restrict a case (its 居民区's directors leave the team), or lift the restriction."""

    restricted = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=500,
        required=False,
        widget=_textarea(2),
        help_text=_(
            "E.g. the child director is related to the family. Kept in the case's audit trail."
        ),
    )


class DecideCloseForm(VersionedForm):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve closing")), ("refuse", _("Refuse closing"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("note"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(3),
        help_text=_("Required when refusing: why the case should stay open."),
    )


class ReopenForm(VersionedForm):
    reason = forms.CharField(
        label=_("reason for reopening"),
        max_length=TEXT_LIMIT,
        widget=_textarea(3),
        error_messages={"required": _("Please give the reason for reopening.")},
    )


class AssignForm(VersionedForm):
    owner = OwnerChoiceField(
        label=_("new owner"),
        queryset=User.objects.none(),
        error_messages={"required": _("Please choose the case owner.")},
    )

    def __init__(self, *args, child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = eligible_owners(child).prefetch_related(
            "role_assignments__area"
        )


# --- the plan (一人一策) --------------------------------------------------------------------


class PlanForm(forms.Form):
    goals = forms.CharField(
        label=_("goals"),
        max_length=GOALS_LIMIT,
        widget=_textarea(5),
        help_text=_("One goal per line."),
        error_messages={"required": _("Please write at least one goal.")},
    )
    review_on = forms.DateField(
        label=_("review date"),
        widget=DateInput(),
        error_messages={"required": _("Please give a review date.")},
    )
    change_note = forms.CharField(
        label=_("what changed and why"), max_length=NOTE_LIMIT, required=False
    )
    expected_number = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def posted_number(self) -> int:
        return posted_version(self.data, "expected_number")


class PlannedServiceForm(forms.Form):
    # The blank choice lets an untouched extra row stay empty (and be skipped).
    service_type = forms.ChoiceField(
        label=_("service"), choices=[("", "---------"), *ServiceType.choices]
    )
    responsible_user = OwnerChoiceField(
        label=_("responsible person"), queryset=User.objects.none(), required=False
    )
    responsible_partner = PartnerChoiceField(
        label=_("responsible partner"), queryset=Partner.objects.none(), required=False
    )
    description = forms.CharField(label=_("details"), max_length=DESCRIPTION_LIMIT, required=False)
    due_on = forms.DateField(label=_("due date"), widget=DateInput(), required=False)
    status = forms.ChoiceField(
        label=_("status"),
        choices=PlannedServiceStatus.choices,
        initial=PlannedServiceStatus.PLANNED,
    )
    cancel_reason = forms.CharField(
        label=_("reason for cancelling"),
        max_length=CANCEL_REASON_LIMIT,
        required=False,
        help_text=_("Required when the service is cancelled."),
    )
    # The planned service of the current version this row continues, and the status the page
    # showed for it: a status the user left alone is sent as "" so that the service keeps the
    # progress a service record made meanwhile (plans.PlannedServiceInput).
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    shown_status = forms.ChoiceField(
        widget=forms.HiddenInput,
        required=False,
        choices=[("", ""), *PlannedServiceStatus.choices],
    )

    def __init__(self, *args, users=None, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["responsible_user"].queryset = users
        if partners is not None:
            self.fields["responsible_partner"].queryset = partners

    def to_input(self) -> PlannedServiceInput:
        d = self.cleaned_data
        return PlannedServiceInput(
            service_type=d.get("service_type", ""),
            due_on=d.get("due_on"),
            responsible_user=d.get("responsible_user"),
            responsible_partner=d.get("responsible_partner"),
            description=d.get("description", ""),
            status="" if self.status_untouched() else d.get("status", ""),
            cancel_reason=d.get("cancel_reason", ""),
            id=d.get("id"),
        )

    def status_untouched(self) -> bool:
        """The row continues a planned service and its status is still the one shown."""
        d = self.cleaned_data
        shown = d.get("shown_status")
        return bool(d.get("id") and shown) and d.get("status") == shown


class BasePlannedServiceFormSet(forms.BaseFormSet):
    def rows(self) -> list[tuple[PlannedServiceForm, PlannedServiceInput]]:
        """The rows to save, each with its form (untouched and removed rows are skipped)."""
        return [
            (form, form.to_input())
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


PlannedServiceFormSet = forms.formset_factory(
    PlannedServiceForm,
    formset=BasePlannedServiceFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_SERVICES,
    validate_max=True,
)


def plan_forms(
    *, actor, case, plan: PlanVersion | None, data=None
) -> tuple[PlanForm, BasePlannedServiceFormSet]:
    """The plan form and its service rows, pre-filled from `plan` (the current version)."""
    kept = plan_services(plan)
    users = (
        User.objects.filter(
            Q(pk__in=eligible_owners(case.child).values("pk"))
            | Q(pk__in=[s.responsible_user_id for s in kept if s.responsible_user_id])
        )
        .prefetch_related("role_assignments__area")
        .order_by("full_name", "username")
    )
    partners = Partner.objects.filter(
        Q(pk__in=partners_visible_to(actor).filter(active=True).values("pk"))
        | Q(pk__in=[s.responsible_partner_id for s in kept if s.responsible_partner_id])
    ).order_by("name")
    initial = None
    if plan is not None:
        initial = {
            "goals": plan.goals,
            "review_on": plan.review_on,
            "expected_number": plan.number,
        }
    form = PlanForm(data, initial=initial or {"expected_number": 0})
    formset = PlannedServiceFormSet(
        data,
        prefix="services",
        initial=[
            {
                "service_type": s.service_type,
                "responsible_user": s.responsible_user_id,
                "responsible_partner": s.responsible_partner_id,
                "description": s.description,
                "due_on": s.due_on,
                "status": s.status,
                "cancel_reason": s.cancel_reason,
                "id": s.pk,
                "shown_status": s.status,
            }
            for s in kept
        ],
        form_kwargs={"users": users, "partners": partners},
    )
    return form, formset


# --- the closing rules of a district -------------------------------------------------------


class CasePolicyForm(forms.ModelForm):
    class Meta:
        model = CasePolicy
        fields = ["follow_up_visits"]
