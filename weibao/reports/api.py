"""/api/v1/ for mandatory reports: the public door (create a report, check its status, the
places one can report about) and the staff side (list, read, create, and the triage actions).
Scope and rules come from the selectors and services; these views only translate HTTP."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from weibao.areas.models import Area
from weibao.audit.models import AccessLog
from weibao.core.api import (
    INVALID,
    NeverCacheMixin,
    RecordViewSetMixin,
    StrictQueryMixin,
    post_action,
    step_responses,
    xlsx_export_action,
)
from weibao.core.parsers import SafeJSONParser
from weibao.reports import ratelimit, services
from weibao.reports.choices import Channel
from weibao.reports.export import report_export_response
from weibao.reports.models import Report
from weibao.reports.selectors import report_get_for_user, reports_visible_to, triage_queue
from weibao.reports.serializers import (
    CloseSerializer,
    LinkChildSerializer,
    OpenCaseSerializer,
    PoliceSerializer,
    PublicReportCreatedSerializer,
    PublicStatusSerializer,
    ReportCreatedSerializer,
    ReportFilterSerializer,
    ReportInputSerializer,
    ReportSerializer,
    StatusRequestSerializer,
    UnidentifiedSerializer,
    VersionSerializer,
)

_NOT_FOUND = OpenApiResponse(description="No such report, or not in your areas.")
_FORBIDDEN = OpenApiResponse(description="You may see this report but not take this action.")
_CONFLICT = OpenApiResponse(
    description="The report changed since the given version; reload it and try again."
)
_TOO_LARGE = OpenApiResponse(description="The request body is too large.")
_TOO_MANY = OpenApiResponse(description="Too many requests from this address; try again later.")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        super().__init__(
            _(
                "What you sent is too large. Please shorten the description (at most "
                "%(n)s characters) and send it again."
            )
            % {"n": f"{services.DESCRIPTION_LIMIT:,}"}
        )


class TooManyRequests(exceptions.Throttled):
    def __init__(self, wait: int | None):
        super().__init__(detail=ratelimit.limit_message(wait))
        self.wait = wait  # sent as Retry-After


# --- the public door --------------------------------------------------------------------------


class PublicMixin(StrictQueryMixin, NeverCacheMixin):
    """No login, no session (so no CSRF), JSON only, small bodies, limits per client address."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (SafeJSONParser,)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = settings.REPORT_PUBLIC_MAX_BODY + 1
            if length > settings.REPORT_PUBLIC_MAX_BODY:
                raise PayloadTooLarge


class PublicReportCreateView(PublicMixin, APIView):
    @extend_schema(
        summary="Report suspected harm to a minor (no login)",
        description=(
            "Anyone may report. The answer holds a reference number and a secret code: keep "
            "both to check the report's progress. Limited per client address."
        ),
        request=ReportInputSerializer,
        responses={
            201: PublicReportCreatedSerializer,
            400: INVALID,
            413: _TOO_LARGE,
            429: _TOO_MANY,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        address = ratelimit.client_address(request)
        wait = ratelimit.is_limited(address, ratelimit.REPORT)
        if wait is not None:
            raise TooManyRequests(wait)
        try:
            ratelimit.take(ratelimit.POST, address)
        except ratelimit.Limited as limited:
            raise TooManyRequests(limited.wait) from limited
        serializer = ReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            place = ratelimit.take(ratelimit.REPORT, address)
        except ratelimit.Limited as limited:
            raise TooManyRequests(limited.wait) from limited
        try:
            report, code = services.report_create(
                data=serializer.report_input(), channel=Channel.PUBLIC
            )
        except ValidationError:
            place.give_back()  # refused: it was no report
            raise
        return Response(
            {"reference": report.reference, "code": services.format_code(code)},
            status=status.HTTP_201_CREATED,
        )


class PublicReportStatusView(PublicMixin, APIView):
    @extend_schema(
        summary="The progress of a report, from its reference number and secret code",
        description=(
            "Never the report's details. A wrong code and an unknown reference both answer "
            "404. Wrong guesses are limited per client address."
        ),
        request=StatusRequestSerializer,
        responses={
            200: PublicStatusSerializer,
            400: INVALID,
            404: OpenApiResponse(description="No report matches this reference and code."),
            413: _TOO_LARGE,
            429: _TOO_MANY,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        address = ratelimit.client_address(request)
        wait = ratelimit.is_limited(address, ratelimit.STATUS)
        if wait is not None:
            raise TooManyRequests(wait)
        serializer = StatusRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Counted as a wrong guess before the code is checked, given back when it is right.
        try:
            place = ratelimit.take(ratelimit.STATUS, address)
        except ratelimit.Limited as limited:
            raise TooManyRequests(limited.wait) from limited
        report = services.report_status(
            serializer.validated_data["reference"], serializer.validated_data["code"]
        )
        if report is None:
            raise exceptions.NotFound(
                _("No report matches this reference number and code. Check both and try again.")
            )
        place.give_back()
        return Response(PublicStatusSerializer(report).data)


class PublicSubdistrictSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class PublicDistrictSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    subdistricts = PublicSubdistrictSerializer(many=True, read_only=True)


class PublicAreasView(PublicMixin, APIView):
    @extend_schema(
        summary="The districts and their 街镇 a report can be about (no login)",
        responses={200: PublicDistrictSerializer(many=True)},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        subs: dict[int, list[dict]] = {}
        areas = Area.objects.open().filter(level=Area.Level.SUBDISTRICT).order_by("code", "name")
        for area in areas:
            subs.setdefault(area.parent_id, []).append({"id": area.pk, "name": area.name})
        districts = Area.objects.filter(level=Area.Level.DISTRICT).order_by("code", "name")
        data = [{"id": d.pk, "name": d.name, "subdistricts": subs.get(d.pk, [])} for d in districts]
        return Response(PublicDistrictSerializer(data, many=True).data)


# --- staff ----------------------------------------------------------------------------------------


def _action_schema(summary: str, request, **action_kwargs):
    responses = step_responses(
        ReportSerializer, forbidden=_FORBIDDEN, not_found=_NOT_FOUND, conflict=_CONFLICT
    )
    return post_action(summary, request, responses, **action_kwargs)


@extend_schema_view(
    list=extend_schema(
        summary="Mandatory reports you may see (or, with queue=true, your triage queue)",
        parameters=[ReportFilterSerializer],
        responses={200: ReportSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One report", responses={200: ReportSerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Enter a report received by staff (phone, visit, letter)",
        request=ReportInputSerializer,
        responses={201: ReportCreatedSerializer, 400: INVALID},
    ),
)
class ReportViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    record_keyword = "report"
    serializer_class = ReportSerializer

    def get_queryset(self):
        return (
            reports_visible_to(self.request.user)
            .select_related("case", "created_by")
            .prefetch_related("situation_rows")
        )

    def get_object(self) -> Report:
        return report_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def _represent(self, report: Report, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=report.pk).first() or report
        return Response(self.get_serializer(fresh).data, status=status_code)

    def list(self, request: Request) -> Response:
        params = ReportFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        if params.validated_data.get("queue"):
            qs = triage_queue(request.user).select_related("case", "created_by")
            qs = qs.prefetch_related("situation_rows")
        else:
            qs = self.get_queryset().order_by("-received_at", "-id")
        if params.validated_data.get("state"):
            qs = qs.filter(state=params.validated_data["state"])
        return self.paginated(qs)

    @xlsx_export_action(
        summary="The list of reports as xlsx, with the list's filters (recorded in the audit log)",
        description="The reporter's name and organisation only for the supervisor and above of "
        "the report's area; others read —.",
        parameters=[ReportFilterSerializer],
    )
    def export(self, request: Request) -> FileResponse:
        params = ReportFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return report_export_response(
            request.user,
            queue=params.validated_data.get("queue", False),
            state=params.validated_data.get("state", ""),
            channel=AccessLog.Channel.API,
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        return self._represent(self.get_object())

    def create(self, request: Request) -> Response:
        serializer = ReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report, code = services.report_create(
            data=serializer.report_input(), channel=Channel.STAFF, actor=request.user
        )
        fresh = self.get_queryset().get(pk=report.pk)
        context = {**self.get_serializer_context(), "code": services.format_code(code)}
        return Response(
            ReportCreatedSerializer(fresh, context=context).data, status=status.HTTP_201_CREATED
        )

    @_action_schema("Acknowledge a report (stops the acknowledgement clock)", VersionSerializer)
    def acknowledge(self, request: Request, pk: int) -> Response:
        return self.step(VersionSerializer, services.report_acknowledge)

    @_action_schema("Record (or correct) the police notification", PoliceSerializer)
    def police(self, request: Request, pk: int) -> Response:
        return self.step(
            PoliceSerializer, services.report_record_police, "told", "notified_at", "receipt_no"
        )

    @_action_schema(
        "Link the report to a child of the registry", LinkChildSerializer, url_path="link-child"
    )
    def link_child(self, request: Request, pk: int) -> Response:
        return self.step(LinkChildSerializer, services.report_link_child, "child", "link_state")

    @_action_schema("Record that the child cannot be identified", UnidentifiedSerializer)
    def unidentified(self, request: Request, pk: int) -> Response:
        return self.step(UnidentifiedSerializer, services.report_mark_unidentified, note="")

    @_action_schema(
        "Open a case for the report's child, or attach the report to the child's open case",
        OpenCaseSerializer,
        url_path="open-case",
    )
    def open_case(self, request: Request, pk: int) -> Response:
        report = self.get_object()
        d = self.validated(OpenCaseSerializer)
        services.report_open_case(
            actor=request.user,
            report=report,
            owner=d.get("owner"),
            expected_version=d["version"],
        )
        return self._represent(report)

    @_action_schema("Send the outcome message to the reporter and close", CloseSerializer)
    def close(self, request: Request, pk: int) -> Response:
        return self.step(
            CloseSerializer, services.report_close, "outcome_message", no_case_reason=""
        )
