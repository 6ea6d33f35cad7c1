"""Emergency protection (强制保护) records."""

from django.urls import path

from weibao.protection import views as views

app_name = "protection"

urlpatterns = [
    path("", views.protection_list_view, name="list"),
    path("start/<int:case_id>/", views.protection_start_view, name="start"),
    path("<int:pk>/", views.protection_detail_view, name="detail"),
    path("<int:pk>/assess/", views.protection_assess_view, name="assess"),
    path("<int:pk>/end/", views.protection_end_view, name="end"),
]
