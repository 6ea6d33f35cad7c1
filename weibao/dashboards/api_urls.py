"""/api/v1/ routes of the dashboards app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from weibao.dashboards.api import (
    DashboardView,
    MonthlyReportPdfView,
    MonthlyReportViewSet,
    MonthlyReportXlsxView,
)

router = SimpleRouter(use_regex_path=False)
router.register("dashboards/reports", MonthlyReportViewSet, basename="monthly-report")

urlpatterns = [
    path("dashboards/<int:pk>/", DashboardView.as_view(), name="dashboard"),
    path(
        "dashboards/reports/<int:pk>/xlsx/",
        MonthlyReportXlsxView.as_view(),
        name="monthly-report-xlsx",
    ),
    path(
        "dashboards/reports/<int:pk>/pdf/",
        MonthlyReportPdfView.as_view(),
        name="monthly-report-pdf",
    ),
    *router.urls,
]
