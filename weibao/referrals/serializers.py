"""API shapes of referrals."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.accounts.serializers import PersonSerializer
from weibao.cases.selectors import case_roles
from weibao.cases.serializers import VisibleCaseField
from weibao.core.api import MAX_DB_INT, NamedChoiceField, StrictFieldsMixin
from weibao.core.text import TEXT_LIMIT
from weibao.partners.serializers import VisiblePartnerField, service_type_field
from weibao.referrals.models import Referral
from weibao.referrals.workflow import REFERRAL


def referral_state_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Referral.State.choices, enum_name="ReferralStateEnum", **kwargs)


# --- referrals ------------------------------------------------------------------------------


class ReferralSerializer(serializers.ModelSerializer):
    child = serializers.IntegerField(source="case.child_id", read_only=True)
    child_name = serializers.CharField(source="case.child.name", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    service_type = service_type_field(allow_blank=True, read_only=True)
    state = referral_state_field(read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    created_by = PersonSerializer(read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "child",
            "child_name",
            "partner",
            "partner_name",
            "service_type",
            "reason",
            "state",
            "state_display",
            "accept_by",
            "overdue",
            "created_by",
            "created_at",
            "responded_at",
            "response_note",
            "completed_at",
            "feedback",
            "revoked_at",
            "revoke_reason",
            "version",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=list(REFERRAL.transitions)),
            help_text="The transitions you may take now (POST /referrals/{id}/<action>/).",
        )
    )
    def get_actions(self, referral: Referral) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        roles = case_roles(request.user, referral.case)
        return [t.name for t in REFERRAL.available(referral.state, roles)]


class ReferralFieldsSerializer(StrictFieldsMixin, serializers.Serializer):
    partner = VisiblePartnerField(help_text="Id of an active partner in your areas.")
    service_type = service_type_field(required=False, allow_blank=True)
    reason = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True)
    accept_by = serializers.DateField(
        help_text="The day by which the partner should accept: today to 60 days ahead."
    )


class ReferralCreateSerializer(ReferralFieldsSerializer):
    case = VisibleCaseField(help_text="Id of an open case in your areas.")


class ReferralActionSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(
        max_length=TEXT_LIMIT,
        allow_blank=True,
        required=False,
        default="",
        help_text=(
            "accept: optional note; reject: the partner's reason; complete: the partner's "
            "feedback; revoke: why. Required except for accept."
        ),
    )
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        help_text="The version of the referral the client last read; a stale version gives 409.",
    )


class ReferralFilterSerializer(serializers.Serializer):
    state = referral_state_field(required=False)
    case = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    partner = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only pending referrals past their accept-by day (true), or none of them.",
    )

    def filter(self, qs):
        data = self.validated_data
        if data.get("state"):
            qs = qs.filter(state=data["state"])
        if data.get("case"):
            qs = qs.filter(case_id=data["case"])
        if data.get("partner"):
            qs = qs.filter(partner_id=data["partner"])
        if data.get("overdue") is not None:
            overdue = {"state": Referral.State.PENDING, "accept_by__lt": timezone.localdate()}
            qs = qs.filter(**overdue) if data["overdue"] else qs.exclude(**overdue)
        return qs
