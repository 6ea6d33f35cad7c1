from django.urls import path

from weibao.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("<int:pk>/", views.area_view, name="area"),
    path("<int:pk>/export/", views.area_export_view, name="export"),
    path("reports/", views.reports_view, name="reports"),
    path("reports/<int:pk>/<str:kind>/", views.report_file_view, name="report_file"),
]
