"""The public door: /report/ and /report/status/ (no login)."""

from django.urls import path

from weibao.reports import views

app_name = "public_report"

urlpatterns = [
    path("", views.public_report_view, name="new"),
    path("done/", views.public_done_view, name="done"),
    path("done/forget/", views.public_done_forget_view, name="forget"),
    path("status/", views.public_status_view, name="status"),
]
