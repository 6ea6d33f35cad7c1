"""/api/v1/dashboards/: the same figures as the dashboard pages (dashboards.board)."""

import datetime as dt

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from weibao.core.api import (
    INVALID,
    AnyAcceptNegotiation,
    NeverCacheMixin,
    RecordViewSetMixin,
    StrictQueryMixin,
)
from weibao.core.scope import get_or_404
from weibao.dashboards.board import area_link, below_rows, board_sections, chosen_month
from weibao.dashboards.selectors import (
    dashboard_area_get_for_user,
    figures_for,
    monthly_reports_visible_to,
    report_areas_for,
)
from weibao.dashboards.serializers import (
    DashboardQuerySerializer,
    DashboardSerializer,
    MonthlyReportMakeSerializer,
    MonthlyReportSerializer,
)
from weibao.dashboards.services import monthly_report_make
from weibao.dashboards.views import report_file_response


class DashboardView(StrictQueryMixin, NeverCacheMixin, APIView):
    @extend_schema(
        summary="An area's dashboard: its figures for a month with their twelve-month trends, "
        "and the areas below it",
        parameters=[DashboardQuerySerializer],
        responses={
            200: DashboardSerializer,
            400: INVALID,
            404: OpenApiResponse(description="No such area, or not one whose figures you see."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        area = dashboard_area_get_for_user(request.user, pk)
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        month, problem = chosen_month(query.validated_data.get("month"), timezone.localdate())
        if problem:
            raise exceptions.ValidationError({"month": [problem]})
        figures = figures_for(area, month)
        link = area_link(month)
        data = {
            "area": area, "month": f"{month:%Y-%m}", "computed_at": figures.computed_at,
            "frozen": figures.frozen, "sections": board_sections(figures, link),
            "below": below_rows(figures, link),
        }  # fmt: skip
        return Response(DashboardSerializer(data).data)


_NO_REPORTS = OpenApiResponse(description="You see no district's or 街镇's figures.")
_REPORT_404 = OpenApiResponse(description="No such report, or not one you may read.")


def _report_areas(user):
    areas = report_areas_for(user)
    if not areas:
        raise Http404
    return areas


@extend_schema_view(
    list=extend_schema(
        summary="Monthly reports (月报) of the district and 街镇 whose figures you see",
        responses={200: MonthlyReportSerializer(many=True), 400: INVALID, 404: _NO_REPORTS},
    ),
    retrieve=extend_schema(
        summary="One monthly report", responses={200: MonthlyReportSerializer, 404: _REPORT_404}
    ),
    create=extend_schema(
        summary="Make (or make again) the monthly report of a district or a 街镇",
        request=MonthlyReportMakeSerializer,
        responses={201: MonthlyReportSerializer, 400: INVALID, 404: _NO_REPORTS},
    ),
)
class MonthlyReportViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = MonthlyReportSerializer

    def get_queryset(self):
        return monthly_reports_visible_to(self.request.user)

    def list(self, request: Request) -> Response:
        _report_areas(request.user)
        return self.paginated(self.get_queryset().order_by("-month", "area__level", "area_id"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(get_or_404(self.get_queryset(), pk)).data)

    def create(self, request: Request) -> Response:
        areas = {a.pk: a for a in _report_areas(request.user)}
        data = self.validated(MonthlyReportMakeSerializer)
        area = areas.get(data["area"])
        if area is None:
            raise exceptions.ValidationError(
                {"area": [_("Choose a district or a 街镇 whose figures you see.")]}
            )
        month = dt.datetime.strptime(data["month"], "%Y-%m").date()
        report = monthly_report_make(
            actor=request.user, area=area, month=month, today=timezone.localdate()
        )
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)


def _file_schema(content_type: str):
    return extend_schema(
        summary=f"Download the monthly report as {content_type.rsplit('.', 1)[-1]}",
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            404: _REPORT_404,
        },
    )


class _ReportFileView(StrictQueryMixin, NeverCacheMixin, APIView):
    content_negotiation_class = AnyAcceptNegotiation
    kind = ""

    def get(self, request: Request, pk: int) -> FileResponse:
        report = get_or_404(monthly_reports_visible_to(request.user), pk)
        return report_file_response(report, self.kind)


class MonthlyReportXlsxView(_ReportFileView):
    kind = "xlsx"

    @_file_schema("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    def get(self, request: Request, pk: int) -> FileResponse:
        return super().get(request, pk)


class MonthlyReportPdfView(_ReportFileView):
    kind = "pdf"

    @_file_schema("application/pdf")
    def get(self, request: Request, pk: int) -> FileResponse:
        return super().get(request, pk)
