"""/api/v1/ routes of the service ledger."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from weibao.ledger.api import CaseServiceRecordListView, ServiceRecordViewSet

router = SimpleRouter(use_regex_path=False)
router.register("service-records", ServiceRecordViewSet, basename="service-record")

urlpatterns = [
    path(
        "cases/<int:id>/service-records/",
        CaseServiceRecordListView.as_view(),
        name="case-service-records",
    ),
    *router.urls,
]
