"""/api/v1/ routes of the reports app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from weibao.reports.api import (
    PublicAreasView,
    PublicReportCreateView,
    PublicReportStatusView,
    ReportViewSet,
)

router = SimpleRouter(use_regex_path=False)
router.register("reports", ReportViewSet, basename="report")

urlpatterns: list = [
    path("public/reports/", PublicReportCreateView.as_view(), name="public-report-create"),
    path("public/reports/status/", PublicReportStatusView.as_view(), name="public-report-status"),
    path("public/areas/", PublicAreasView.as_view(), name="public-areas"),
    *router.urls,
]
