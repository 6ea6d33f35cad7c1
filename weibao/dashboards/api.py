"""/api/v1/dashboards/: the same figures as the dashboard pages (dashboards.board)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from weibao.core.api import INVALID, NeverCacheMixin, StrictQueryMixin
from weibao.dashboards.board import area_link, below_rows, board_sections, chosen_month
from weibao.dashboards.selectors import dashboard_area_get_for_user, figures_for
from weibao.dashboards.serializers import DashboardQuerySerializer, DashboardSerializer


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
