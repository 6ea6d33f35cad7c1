"""/api/v1/protections/: temporary guardianship records (强制保护), scoped through
protections_visible_to / case_get_for_user (404 outside). The rules, and who may act (the
case's supervisor and district staff; 403 for others who see the record), are the services'
(cases.protection)."""

from typing import Any

from django.db.models import F
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.accounts.serializers import PersonSerializer
from weibao.audit.models import AccessLog
from weibao.cases.selectors import case_get_for_user
from weibao.core.api import (
    INVALID,
    MAX_DB_INT,
    NamedChoiceField,
    NeverCacheMixin,
    RecordViewSetMixin,
    StrictFieldsMixin,
    post_action,
    step_responses,
)
from weibao.core.text import TEXT_LIMIT
from weibao.protection import services as protection
from weibao.protection.choices import CapacityResult, Placement, ProtectionEnd, ProtectionGround
from weibao.protection.limits import limit_state
from weibao.protection.models import ProtectionRecord
from weibao.protection.selectors import protection_get_for_user, protections_visible_to

LIMIT_STATES = [
    ("past", "past the one-year limit"),
    ("near", "within a month of the limit"),
    ("", "not near the limit, or ended"),
]


def _ground(**kw) -> NamedChoiceField:
    return NamedChoiceField(
        choices=ProtectionGround.choices, enum_name="ProtectionGroundEnum", **kw
    )


def _placement(**kw) -> NamedChoiceField:
    return NamedChoiceField(choices=Placement.choices, enum_name="ProtectionPlacementEnum", **kw)


def _capacity(**kw) -> NamedChoiceField:
    return NamedChoiceField(choices=CapacityResult.choices, enum_name="CapacityResultEnum", **kw)


def _end_reason(**kw) -> NamedChoiceField:
    return NamedChoiceField(
        choices=ProtectionEnd.choices, enum_name="ProtectionEndReasonEnum", **kw
    )


# --- Output ---------------------------------------------------------------------------------


class ProtectionSerializer(serializers.ModelSerializer):
    """A record as lists show it: never the placement details."""

    case_reference = serializers.CharField(source="case.reference", read_only=True)
    child_name = serializers.CharField(source="child.name", read_only=True)
    ground = _ground(read_only=True)
    ground_display = serializers.CharField(source="get_ground_display", read_only=True)
    placement = _placement(read_only=True)
    placement_display = serializers.CharField(source="get_placement_display", read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    limit_state = serializers.SerializerMethodField()
    capacity_result = _capacity(read_only=True, allow_blank=True)
    capacity_result_display = serializers.CharField(
        source="get_capacity_result_display", read_only=True
    )
    end_reason = _end_reason(read_only=True, allow_blank=True)
    end_reason_display = serializers.CharField(source="get_end_reason_display", read_only=True)
    recorded_by = PersonSerializer(read_only=True)

    class Meta:
        model = ProtectionRecord
        fields = [
            "id",
            "case",
            "case_reference",
            "child",
            "child_name",
            "community",
            "ground",
            "ground_display",
            "placement",
            "placement_display",
            "started_on",
            "limit_on",
            "is_active",
            "limit_state",
            "limit_alert_sent_at",
            "capacity_assessed_on",
            "capacity_result",
            "capacity_result_display",
            "ended_on",
            "end_reason",
            "end_reason_display",
            "recorded_by",
            "created_at",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(
        NamedChoiceField(
            choices=LIMIT_STATES, enum_name="ProtectionLimitStateEnum", allow_blank=True
        )
    )
    def get_limit_state(self, record: ProtectionRecord) -> str:
        return limit_state(record, self.context.get("today"))


class ProtectionDetailSerializer(ProtectionSerializer):
    """One record, with the placement details and the notes (the reading is logged)."""

    capacity_assessed_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta(ProtectionSerializer.Meta):
        fields = [
            *ProtectionSerializer.Meta.fields,
            "placement_detail",
            "capacity_notes",
            "capacity_assessed_by",
            "end_note",
        ]
        read_only_fields = fields


# --- Input ----------------------------------------------------------------------------------


class ProtectionFilterSerializer(serializers.Serializer):
    active = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only active records; false: only ended ones.",
    )


class ProtectionCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    case = serializers.IntegerField(
        min_value=1, max_value=MAX_DB_INT, help_text="Id of the child's open case."
    )
    ground = _ground(help_text="Legal ground, Minors Protection Law Art. 92.")
    placement = _placement(help_text="Placement, Art. 93.")
    placement_detail = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=protection.PLACEMENT_DETAIL_LIMIT,
        help_text="Name, address and contact of the family or institution (confidential).",
    )
    started_on = serializers.DateField()


class ProtectionAssessSerializer(StrictFieldsMixin, serializers.Serializer):
    assessed_on = serializers.DateField()
    result = _capacity()
    notes = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True)
    version = serializers.IntegerField(help_text="The record's version you are changing.")


class ProtectionEndSerializer(StrictFieldsMixin, serializers.Serializer):
    ended_on = serializers.DateField()
    end_reason = _end_reason()
    note = serializers.CharField(
        max_length=TEXT_LIMIT,
        allow_blank=True,
        required=False,
        default="",
        help_text="Required for long_term and other.",
    )
    version = serializers.IntegerField(help_text="The record's version you are changing.")


# --- Views ----------------------------------------------------------------------------------

_NOT_FOUND = OpenApiResponse(description="No such record, or not in a case you see.")
_FORBIDDEN = OpenApiResponse(
    description="You see the record but may not act: only the case's supervisor and district "
    "staff record temporary guardianship."
)
_CONFLICT = OpenApiResponse(
    description="The record changed since the given version; reload it and try again."
)
_STEP_RESPONSES = step_responses(
    ProtectionDetailSerializer, forbidden=_FORBIDDEN, not_found=_NOT_FOUND, conflict=_CONFLICT
)


@extend_schema_view(
    list=extend_schema(
        summary="Temporary guardianships of the cases you see (active first, nearest limit first)",
        parameters=[ProtectionFilterSerializer],
        responses={200: ProtectionSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One temporary guardianship record, with the placement details (logged)",
        responses={200: ProtectionDetailSerializer, 404: _NOT_FOUND},
    ),
    create=extend_schema(
        summary="Record temporary guardianship by civil affairs on a case",
        request=ProtectionCreateSerializer,
        responses={
            201: ProtectionDetailSerializer,
            400: INVALID,
            403: _FORBIDDEN,
            404: OpenApiResponse(description="No such case, or not one you see."),
        },
    ),
)
class ProtectionViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    record_keyword = "record"
    serializer_class = ProtectionSerializer

    def get_queryset(self):
        return protections_visible_to(self.request.user).select_related(
            "case", "child", "recorded_by", "capacity_assessed_by"
        )

    def get_object(self) -> ProtectionRecord:
        return protection_get_for_user(self.request.user, self.kwargs["pk"])

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _represent(self, record: ProtectionRecord, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(
            ProtectionDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=code,
        )

    def list(self, request: Request) -> Response:
        params = ProtectionFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        records = self.get_queryset()
        active = params.validated_data.get("active")
        if active is not None:
            records = records.filter(ended_on__isnull=active)
        records = records.order_by(F("ended_on").desc(nulls_first=True), "limit_on", "id")
        return self.paginated(records)

    def retrieve(self, request: Request, pk: int) -> Response:
        record = self.get_object()
        protection.protection_record_view(
            actor=request.user, record=record, channel=AccessLog.Channel.API
        )
        return self._represent(record)

    def create(self, request: Request) -> Response:
        serializer = ProtectionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = case_get_for_user(request.user, data.pop("case"))
        record = protection.protection_start(actor=request.user, case=case, **data)
        return self._represent(record, status.HTTP_201_CREATED)

    @post_action(
        "Record the guardianship-capacity assessment (can be redone; the latest counts)",
        ProtectionAssessSerializer,
        _STEP_RESPONSES,
    )
    def assess(self, request: Request, pk: int) -> Response:
        return self.step(
            ProtectionAssessSerializer,
            protection.protection_assess_capacity,
            "assessed_on",
            "result",
            "notes",
        )

    @post_action(
        "End temporary guardianship: returned_home (needs a favourable capacity "
        "assessment; starts the monthly follow-up visits), long_term or other (with a note)",
        ProtectionEndSerializer,
        _STEP_RESPONSES,
    )
    def end(self, request: Request, pk: int) -> Response:
        return self.step(
            ProtectionEndSerializer, protection.protection_end, "ended_on", "end_reason", "note"
        )
