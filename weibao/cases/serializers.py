"""API shapes of cases, their plan (一人一策) and timeline. Input serializers only check types
and sizes; the rules (who may take a step, from which stage, what a step needs) are the
services' and come back from them as field-level messages, 403 or 409."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.accounts.serializers import PersonSerializer
from weibao.cases import workflow
from weibao.cases.choices import NoNeedReason, PlannedServiceStatus, RiskLevel, Stage
from weibao.cases.models import Case, CaseMember, PlannedService, PlanVersion
from weibao.cases.plans import (
    CANCEL_REASON_LIMIT,
    DESCRIPTION_LIMIT,
    GOALS_LIMIT,
    MAX_SERVICES,
    NOTE_LIMIT,
)
from weibao.cases.selectors import (
    CaseListFilters,
    case_roles,
    case_team,
    cases_visible_to,
    current_plan,
    team_order,
)
from weibao.cases.services import REASSESS_STAGES, SIMPLE_TRANSITIONS
from weibao.cases.timeline import HIDDEN_CHANGE_KEYS
from weibao.core.api import (
    MAX_DB_INT,
    ChoiceDisplayField,
    NamedChoiceField,
    ScopedIdField,
    StrictFieldsMixin,
    rows_serializer,
)
from weibao.core.text import TEXT_LIMIT
from weibao.partners.choices import ServiceType
from weibao.visits.serializers import VisibleChildField


def _stage(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Stage.choices, enum_name="CaseStageEnum", **kwargs)


def _risk(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=RiskLevel.choices, enum_name="RiskLevelEnum", **kwargs)


def _service_type(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=ServiceType.choices, enum_name="ServiceTypeEnum", **kwargs)


def _no_need_reason(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=NoNeedReason.choices, enum_name="NoNeedReasonEnum", **kwargs)


def _planned_status(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=PlannedServiceStatus.choices, enum_name="PlannedServiceStatusEnum", **kwargs
    )


ACTION_CHOICES = [
    ("file", _("File the case")),
    ("assess", _("Record the assessment")),
    ("intervene", _("Start the intervention")),
    ("serve", _("Start services")),
    ("track", _("Start follow-up")),
    ("resume_services", _("Resume services")),
    ("request_close", _("Ask to close")),
    ("approve_close", _("Approve closing")),
    ("reject_close", _("Refuse closing")),
    ("reopen", _("Reopen")),
    ("assign", _("Change the owner")),
    ("restrict", _("Restrict the case or lift the restriction")),
]


# --- Output ---------------------------------------------------------------------------------


class CaseReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    received_at = serializers.DateTimeField(read_only=True)


class CaseMemberSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)
    why = NamedChoiceField(choices=CaseMember.Why.choices, enum_name="CaseMemberWhyEnum")
    why_display = ChoiceDisplayField(source="get_why_display")

    class Meta:
        model = CaseMember
        fields = ["user", "why", "why_display", "added_at"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    child_name = serializers.CharField(source="child.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    owner = PersonSerializer(read_only=True)
    opened_by = PersonSerializer(read_only=True)
    stage = _stage(read_only=True)
    stage_display = ChoiceDisplayField(source="get_stage_display")
    risk_level = _risk(read_only=True, allow_blank=True)
    risk_level_display = ChoiceDisplayField(source="get_risk_level_display")
    close_requested_by = PersonSerializer(read_only=True, allow_null=True)
    closed_by = PersonSerializer(read_only=True, allow_null=True)
    close_no_need_reason = _no_need_reason(
        read_only=True,
        allow_blank=True,
        help_text="Set when the case closes after its assessment for no protection need.",
    )
    close_no_need_reason_display = ChoiceDisplayField(source="get_close_no_need_reason_display")
    reports = CaseReportSerializer(many=True, read_only=True)
    plan_version = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "child",
            "child_name",
            "community",
            "community_name",
            "owner",
            "stage",
            "stage_display",
            "risk_level",
            "risk_level_display",
            "risk_reasons",
            "assessed_at",
            "summary",
            "opened_at",
            "opened_by",
            "tracking_since",
            "close_summary",
            "close_no_need_reason",
            "close_no_need_reason_display",
            "close_requested_at",
            "close_requested_by",
            "closed_at",
            "closed_by",
            "reopened_count",
            "restricted",
            "team",
            "reports",
            "plan_version",
            "available_actions",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_plan_version(self, case: Case) -> int | None:
        """The number of the current plan version (null: no plan yet)."""
        if hasattr(case, "current_plan_number"):  # annotated by the list
            return case.current_plan_number
        plan = current_plan(case)
        return plan.number if plan is not None else None

    @extend_schema_field(
        serializers.ListField(
            child=NamedChoiceField(choices=ACTION_CHOICES, enum_name="CaseActionEnum")
        )
    )
    def get_available_actions(self, case: Case) -> list[str]:
        """What the requesting user may do now (the workflow table; approving needs someone
        other than who asked)."""
        request = self.context.get("request")
        if request is None:
            return []
        roles = case_roles(request.user, case)
        names = [t.name for t in workflow.CASE.available(case.stage, roles)]
        # A later assessment keeps the stage (services.case_assess), as the case page offers.
        if (
            "assess" not in names
            and case.stage in REASSESS_STAGES
            and roles & workflow.CASE.get("assess").roles
        ):
            names.insert(0, "assess")
        if case.close_requested_by_id == request.user.pk:
            names = [n for n in names if n not in ("approve_close", "reject_close")]
        if case.is_open and roles & workflow.APPROVERS:
            names += ["assign", "restrict"]
        return names

    @extend_schema_field(CaseMemberSerializer(many=True))
    def get_team(self, case: Case) -> list[dict]:
        """The case team: the owner, the people named in the plan, the 居民区's child directors
        (not on a restricted case). The area's supervisor, station and district staff see the
        case without being listed."""
        members = getattr(case, "prefetched_team", None)
        members = case_team(case) if members is None else team_order(case, members)
        return rows_serializer(self, CaseMemberSerializer).to_representation(members)


class PartnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class PlannedServiceSerializer(serializers.ModelSerializer):
    service_type = _service_type(read_only=True)
    service_type_display = serializers.CharField(source="get_service_type_display", read_only=True)
    responsible_user = PersonSerializer(read_only=True, allow_null=True)
    responsible_partner = PartnerRefSerializer(read_only=True, allow_null=True)
    status = _planned_status(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PlannedService
        fields = [
            "id",
            "service_type",
            "service_type_display",
            "responsible_user",
            "responsible_partner",
            "description",
            "due_on",
            "status",
            "status_display",
            "cancel_reason",
        ]
        read_only_fields = fields


class PlanVersionSummarySerializer(serializers.ModelSerializer):
    created_by = PersonSerializer(read_only=True)

    class Meta:
        model = PlanVersion
        fields = ["number", "review_on", "change_note", "created_by", "created_at"]
        read_only_fields = fields


class PlanVersionSerializer(PlanVersionSummarySerializer):
    goals = serializers.SerializerMethodField()
    services = PlannedServiceSerializer(many=True, read_only=True)

    class Meta(PlanVersionSummarySerializer.Meta):
        fields = [*PlanVersionSummarySerializer.Meta.fields, "goals", "services"]
        read_only_fields = fields

    def get_goals(self, plan: PlanVersion) -> list[str]:
        """The goals, one per item."""
        return [line for line in plan.goals.splitlines() if line.strip()]


class PlanSerializer(serializers.Serializer):
    current = PlanVersionSerializer(read_only=True, allow_null=True)
    versions = PlanVersionSummarySerializer(many=True, read_only=True)


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(read_only=True)
    action = serializers.CharField(
        read_only=True, help_text="The action code, such as case.file or plan.save."
    )
    label = serializers.CharField(read_only=True, help_text="The action in words.")
    actor = PersonSerializer(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)
    discovery = serializers.BooleanField(
        read_only=True, help_text="The discovery step: a report received, a concern raised."
    )
    changes = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_changes(self, entry) -> dict[str, Any]:
        return {k: v for k, v in entry.changes.items() if k not in HIDDEN_CHANGE_KEYS}


# --- Input ----------------------------------------------------------------------------------


def _version() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        required=False,
        write_only=True,
        help_text="The case version the client last read; a stale version gives 409.",
    )


def _text(help_text: str = "", required: bool = True) -> serializers.CharField:
    return serializers.CharField(
        max_length=TEXT_LIMIT, allow_blank=True, required=required, help_text=help_text
    )


class UserIdField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_DB_INT)
        super().__init__(**kwargs)


class CaseFilterSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only the cases you own."
    )
    subdistrict = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_DB_INT, help_text="Sub-district (街镇) id."
    )
    community = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_DB_INT, help_text="Residential area id."
    )
    child = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)

    def filter(self, qs):
        data = self.validated_data
        for name in ("stage", "risk_level"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("subdistrict"):
            qs = qs.filter(subdistrict_id=data["subdistrict"])
        if data.get("community"):
            qs = qs.filter(community_id=data["community"])
        if data.get("child"):
            qs = qs.filter(child_id=data["child"])
        if data.get("mine"):
            qs = qs.filter(owner=self.context["request"].user)
        return qs

    def to_filters(self) -> CaseListFilters:
        data = self.validated_data
        return CaseListFilters(
            stage=data.get("stage", ""),
            risk_level=data.get("risk_level", ""),
            subdistrict=data.get("subdistrict"),
            community=data.get("community"),
            mine=data.get("mine", False),
        )


class CaseCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    child = VisibleChildField(help_text="Id of the child.")
    owner = UserIdField(
        required=False, help_text="Id of the case owner (default: you); must work in the area."
    )
    summary = _text("What was found.", required=False)


class CaseFileSerializer(StrictFieldsMixin, serializers.Serializer):
    summary = _text("A summary of what is known.")
    version = _version()


class CaseAssessSerializer(StrictFieldsMixin, serializers.Serializer):
    risk_level = _risk()
    reasons = _text("Why this level.")
    version = _version()


class CaseAdvanceSerializer(StrictFieldsMixin, serializers.Serializer):
    transition = NamedChoiceField(
        choices=[(name, workflow.CASE.get(name).label) for name in SIMPLE_TRANSITIONS],
        enum_name="CaseAdvanceEnum",
    )
    note = _text(required=False)
    version = _version()


class CaseRequestCloseSerializer(StrictFieldsMixin, serializers.Serializer):
    summary = _text("The closing summary.")
    no_need_reason = _no_need_reason(
        required=False,
        allow_blank=True,
        help_text=(
            "Only at the stage assessed, and required there: why the child needs no protection "
            "(the case then closes without plan, services or follow-up)."
        ),
    )
    version = _version()


class CaseDecideCloseSerializer(StrictFieldsMixin, serializers.Serializer):
    approve = serializers.BooleanField()
    note = _text("Required when refusing.", required=False)
    version = _version()


class CaseReopenSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = _text("Why the case is reopened.")
    version = _version()


class CaseRestrictSerializer(StrictFieldsMixin, serializers.Serializer):
    restricted = serializers.BooleanField(
        help_text="true: the residential area's child directors leave the team; false: they rejoin."
    )
    reason = _text("Why the case is restricted (required to restrict).", required=False)
    version = _version()


class CaseAssignSerializer(StrictFieldsMixin, serializers.Serializer):
    owner = UserIdField(help_text="Id of the new owner; must work in the child's area.")
    version = _version()


class PlannedServiceInputSerializer(StrictFieldsMixin, serializers.Serializer):
    service_type = _service_type()
    responsible_user = UserIdField(
        required=False, allow_null=True, help_text="A person working in the child's area."
    )
    responsible_partner = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="A partner serving your areas.",
    )
    description = serializers.CharField(
        max_length=DESCRIPTION_LIMIT, allow_blank=True, required=False
    )
    due_on = serializers.DateField()
    status = _planned_status(
        required=False,
        help_text="Left out: the status of the service `id` continues (planned for a new one).",
    )
    cancel_reason = serializers.CharField(
        max_length=CANCEL_REASON_LIMIT,
        allow_blank=True,
        required=False,
        help_text="Required when the status is cancelled.",
    )
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text=(
            "The planned service of the current version this one continues (its id in GET "
            "plan): its progress is carried forward."
        ),
    )


class PlanSaveSerializer(StrictFieldsMixin, serializers.Serializer):
    goals = serializers.CharField(
        max_length=GOALS_LIMIT, allow_blank=True, help_text="One goal per line."
    )
    review_on = serializers.DateField()
    services = PlannedServiceInputSerializer(many=True, max_length=MAX_SERVICES)
    change_note = serializers.CharField(max_length=NOTE_LIMIT, allow_blank=True, required=False)
    expected_number = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        required=False,
        help_text="The plan version the client started from (0: none); a newer one gives 409.",
    )


class VisibleCaseField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such case in your areas.")}

    def scoped(self, user):
        return cases_visible_to(user) if user is not None else Case.objects.none()
