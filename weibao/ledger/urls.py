"""The service ledger (服务台账)."""

from django.urls import path

from weibao.ledger import views as ledger_views

app_name = "ledger"

urlpatterns = [
    path("", ledger_views.ledger_view, name="list"),
    path("export/", ledger_views.ledger_export_view, name="export"),
    path("record/<int:case_id>/", ledger_views.record_view, name="record"),
    path("void/<int:pk>/", ledger_views.void_view, name="void"),
]
