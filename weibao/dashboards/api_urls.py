"""/api/v1/ routes of the dashboards app."""

from django.urls import path

from weibao.dashboards.api import DashboardView

urlpatterns = [
    path("dashboards/<int:pk>/", DashboardView.as_view(), name="dashboard"),
]
