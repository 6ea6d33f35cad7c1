"""/api/v1/ for services delivered (服务台账): the ledger's records, recording a service, and a
case's services. Routes are registered in weibao/partners/api_urls.py. Every record comes
through service_records_visible_to, every case through case_get_for_user: out of scope is a
404. Reading one record, or a case's records, is a read of the child's file and is logged."""

import re

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext_lazy as _
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
from weibao.audit.services import access_log_record
from weibao.cases.api import CaseRecordsView, case_records_schema
from weibao.cases.models import PlannedService
from weibao.cases.serializers import VisibleCaseField
from weibao.core.api import (
    INVALID,
    MAX_DB_INT,
    NeverCacheMixin,
    RecordViewSetMixin,
    StrictFieldsMixin,
    post_action,
)
from weibao.core.text import TEXT_LIMIT
from weibao.ledger.models import ServiceRecord
from weibao.ledger.selectors import service_records_visible_to
from weibao.ledger.services import (
    MAX_MINUTES,
    LedgerFilters,
    ledger_records,
    parse_provider,
    service_record_create,
    service_record_void,
)
from weibao.partners.models import Partner
from weibao.partners.serializers import service_type_field

User = get_user_model()
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
PROVIDER_HELP = '"user:<id>" for a staff member, "partner:<id>" for a partner.'


# --- serializers ----------------------------------------------------------------------------


class ProviderPartnerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ServiceRecordSerializer(serializers.ModelSerializer):
    child_name = serializers.CharField(source="child.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    service_type = service_type_field(read_only=True)
    service_type_display = serializers.CharField(source="get_service_type_display", read_only=True)
    provider_user = PersonSerializer(read_only=True, allow_null=True)
    provider_partner = ProviderPartnerSerializer(read_only=True, allow_null=True)
    provider = serializers.SerializerMethodField()
    recorded_by = PersonSerializer(read_only=True)
    voided_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "case",
            "child",
            "child_name",
            "community",
            "community_name",
            "delivered_on",
            "service_type",
            "service_type_display",
            "provider",
            "provider_user",
            "provider_partner",
            "duration_minutes",
            "notes",
            "planned_service",
            "completes_item",
            "recorded_by",
            "recorded_at",
            "voided_at",
            "voided_by",
            "void_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text=PROVIDER_HELP))
    def get_provider(self, record: ServiceRecord) -> str:
        if record.provider_partner_id:
            return f"partner:{record.provider_partner_id}"
        return f"user:{record.provider_user_id}"


class ServiceFieldsSerializer(StrictFieldsMixin, serializers.Serializer):
    delivered_on = serializers.DateField(
        help_text="Not in the future, and at most 30 days before the case was opened."
    )
    service_type = service_type_field()
    provider_user = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="Id of the staff member who provided the service (or give provider_partner).",
    )
    provider_partner = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="Id of the partner who provided the service (or give provider_user).",
    )
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_MINUTES)
    notes = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True, required=False)
    planned_service = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text=(
            "Id of the planned service this record delivers: one of the case's current plan "
            "that is not done or cancelled. It is then in progress, or done with completes_item."
        ),
    )
    completes_item = serializers.BooleanField(
        required=False, default=False, help_text="The record completes the planned service."
    )

    def service_arguments(self) -> dict:
        """Keyword arguments of service_record_create. An id that names no row becomes an unsaved
        stand-in nobody can reach, so the service refuses it exactly as it refuses a person,
        partner or planned service out of reach (same key, same words, same other errors):
        probing ids tells nothing."""
        data = self.validated_data
        user_id, partner_id = data.get("provider_user"), data.get("provider_partner")
        item_id = data.get("planned_service")
        user = partner = item = None
        if user_id is not None:
            user = User.objects.filter(pk=user_id).first() or User(is_active=False)
        if partner_id is not None:
            partner = Partner.objects.filter(pk=partner_id).first() or Partner(active=False)
        if item_id is not None:
            item = PlannedService.objects.filter(pk=item_id).first() or PlannedService()
        return {
            "delivered_on": data["delivered_on"],
            "service_type": data["service_type"],
            "duration_minutes": data["duration_minutes"],
            "notes": data.get("notes", ""),
            "provider_user": user,
            "provider_partner": partner,
            "planned_service": item,
            "completes_item": data.get("completes_item", False),
        }


class ServiceRecordVoidSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(
        max_length=TEXT_LIMIT, help_text="Why the record is wrong (kept with the record)."
    )


class ServiceRecordCreateSerializer(ServiceFieldsSerializer):
    case = VisibleCaseField(help_text="Id of an open case in your areas.")


class ServiceRecordFilterSerializer(serializers.Serializer):
    month = serializers.RegexField(
        MONTH_RE, required=False, help_text="YYYY-MM: services delivered in that month."
    )
    service_type = service_type_field(required=False)
    provider = serializers.CharField(required=False, max_length=40, help_text=PROVIDER_HELP)
    case = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    community = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    subdistrict = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)

    def validate_month(self, value: str) -> str:
        year, month = (int(x) for x in MONTH_RE.match(value).groups())
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise serializers.ValidationError(_("Give a month as YYYY-MM."))
        return value

    def validate_provider(self, value: str) -> str:
        if parse_provider(value) is None:
            raise serializers.ValidationError(_('Give "user:<id>" or "partner:<id>".'))
        return value

    def to_filters(self) -> LedgerFilters:
        data = self.validated_data
        year = month = None
        if data.get("month"):
            year, month = (int(x) for x in data["month"].split("-"))
        return LedgerFilters(
            year=year,
            month=month,
            service_type=data.get("service_type") or "",
            provider=data.get("provider") or "",
            case_id=data.get("case"),
            community_id=data.get("community"),
            subdistrict_id=data.get("subdistrict"),
        )


# --- views ----------------------------------------------------------------------------------

_NOT_FOUND = OpenApiResponse(description="No such service record, or its case is not yours.")
_VOID_FORBIDDEN = OpenApiResponse(
    description="Only whoever recorded it (while the case is open), or the supervisor or the "
    "district on the case, may void a record."
)


def _log_read(request: Request, child, field: str) -> None:
    access_log_record(user=request.user, child=child, channel=AccessLog.Channel.API, field=field)


def _queryset(user):
    return service_records_visible_to(user).select_related(
        "child",
        "case",
        "community",
        "provider_user",
        "provider_partner",
        "recorded_by",
        "voided_by",
    )


@extend_schema_view(
    list=extend_schema(
        summary="Services delivered on the cases you can see (the service ledger)",
        parameters=[ServiceRecordFilterSerializer],
        responses={200: ServiceRecordSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One service record", responses={200: ServiceRecordSerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Record a service delivered on an open case",
        request=ServiceRecordCreateSerializer,
        responses={201: ServiceRecordSerializer, 400: INVALID},
    ),
)
class ServiceRecordViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = ServiceRecordSerializer

    def get_queryset(self):
        return _queryset(self.request.user)

    def list(self, request: Request) -> Response:
        params = ServiceRecordFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        records = ledger_records(request.user, params.to_filters()).select_related("recorded_by")
        return self.paginated(records)

    def retrieve(self, request: Request, pk: int) -> Response:
        record = self.get_queryset().filter(pk=pk).first()
        if record is None:
            raise Http404
        _log_read(request, record.child, "service_record")
        return Response(self.get_serializer(record).data)

    def create(self, request: Request) -> Response:
        serializer = ServiceRecordCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        record = service_record_create(
            actor=request.user,
            case=serializer.validated_data["case"],
            **serializer.service_arguments(),
        )
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @post_action(
        "Void a record entered by mistake: it leaves the ledger and the totals, stays on the "
        "case with the reason",
        ServiceRecordVoidSerializer,
        {200: ServiceRecordSerializer, 400: INVALID, 403: _VOID_FORBIDDEN, 404: _NOT_FOUND},
    )
    def void(self, request: Request, pk: int) -> Response:
        record = self.get_queryset().filter(pk=pk).first()
        if record is None:
            raise Http404
        data = self.validated(ServiceRecordVoidSerializer)
        service_record_void(actor=request.user, record=record, reason=data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)


@case_records_schema(
    list_summary="A case's services delivered, newest first",
    create_summary="Record a service delivered on this case",
    record=ServiceRecordSerializer,
    create_request=ServiceFieldsSerializer,
)
class CaseServiceRecordListView(CaseRecordsView):
    serializer_class = ServiceRecordSerializer

    def get_queryset(self):
        case = self.get_case()
        if self.request.method == "GET":
            _log_read(self.request, case.child, "service_records")
        return _queryset(self.request.user).filter(case=case).order_by("-delivered_on", "-pk")

    def create(self, request: Request, *args, **kwargs) -> Response:
        case = self.get_case()
        serializer = ServiceFieldsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = service_record_create(
            actor=request.user, case=case, **serializer.service_arguments()
        )
        return self.created(record)
