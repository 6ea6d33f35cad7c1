"""API shapes of partners and referrals. Input serializers check types and lengths; the rules
(who may, which area, unique names, deadlines, transitions) are the services' and come back as
field-level messages."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.accounts.selectors import areas_visible_to
from weibao.accounts.serializers import PersonSerializer
from weibao.areas.models import Area
from weibao.cases.models import Case
from weibao.cases.selectors import case_roles, cases_visible_to
from weibao.core.api import MAX_DB_INT, NamedChoiceField, StrictFieldsMixin
from weibao.core.text import TEXT_LIMIT
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner, PartnerKind, Referral
from weibao.partners.selectors import partners_visible_to
from weibao.partners.workflow import REFERRAL


def service_type_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=ServiceType.choices, enum_name="CaseServiceTypeEnum", **kwargs)


def partner_kind_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=PartnerKind.choices, enum_name="PartnerKindEnum", **kwargs)


def referral_state_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Referral.State.choices, enum_name="ReferralStateEnum", **kwargs)


# --- scoped id fields -----------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class ScopedIdField(serializers.PrimaryKeyRelatedField):
    """An object picked by id among those the user may see. One outside the user's scope gets
    the same answer as an id that does not exist, so probing ids tells nothing."""

    default_error_messages = {
        "does_not_exist": _("No such item in your areas."),
        "incorrect_type": _("Give an id (a whole number)."),
    }

    def scoped(self, user):  # pragma: no cover - overridden
        raise NotImplementedError

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.scoped(None).none()
        return self.scoped(request.user)

    def to_internal_value(self, data):
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_DB_INT:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class VisibleAreaField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such area in your areas.")}

    def scoped(self, user):
        return areas_visible_to(user) if user is not None else Area.objects.none()


class VisiblePartnerField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such partner in your areas.")}

    def scoped(self, user):
        return partners_visible_to(user) if user is not None else Partner.objects.none()


class VisibleCaseField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such case in your areas.")}

    def scoped(self, user):
        return cases_visible_to(user) if user is not None else Case.objects.none()


# --- partners -------------------------------------------------------------------------------


class PartnerSerializer(serializers.ModelSerializer):
    kind = partner_kind_field(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "area",
            "area_name",
            "services",
            "address",
            "contact_name",
            "contact_phone",
            "notes",
            "active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, **kwargs)


class PartnerCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = partner_kind_field()
    area = VisibleAreaField(help_text="Id of the area the partner serves (one you manage).")
    services = _text(300, required=False)
    address = _text(200, required=False)
    contact_name = _text(64, required=False)
    contact_phone = _text(30, required=False)
    notes = _text(TEXT_LIMIT, required=False)


class PartnerUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """PATCH: the fields to change, and the version last read. `active` false deactivates
    (partners are never deleted)."""

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass

    name = serializers.CharField(max_length=100, required=False)
    kind = partner_kind_field(required=False)
    area = VisibleAreaField(required=False, help_text="Id of an area you manage.")
    services = _text(300, required=False)
    address = _text(200, required=False)
    contact_name = _text(64, required=False)
    contact_phone = _text(30, required=False)
    notes = _text(TEXT_LIMIT, required=False)
    active = serializers.BooleanField(required=False)
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        help_text="The version of the partner the client last read; a stale version gives 409.",
    )


class PartnerFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, help_text="Part of the name.")
    kind = partner_kind_field(required=False)
    area = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)

    def filter(self, qs):
        data = self.validated_data
        if data.get("q"):
            qs = qs.filter(name__icontains=data["q"].strip())
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("area"):
            qs = qs.filter(area_id=data["area"])
        if data.get("active") is not None:
            qs = qs.filter(active=data["active"])
        return qs


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
