from django.urls import path

from weibao.safekeeping import views

app_name = "safekeeping"

urlpatterns = [
    path("retention/", views.retention_view, name="retention"),
]
