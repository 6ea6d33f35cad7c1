"""/api/v1/ routes of the partners app: partners, referrals, and the service records of the
service ledger (views in weibao/cases/api_services.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from weibao.cases.api_services import CaseServiceRecordListView, ServiceRecordViewSet
from weibao.partners.api import CaseReferralListView, PartnerViewSet, ReferralViewSet

router = SimpleRouter(use_regex_path=False)
router.register("partners", PartnerViewSet, basename="partner")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("service-records", ServiceRecordViewSet, basename="service-record")

urlpatterns = [
    path(
        "cases/<int:id>/service-records/",
        CaseServiceRecordListView.as_view(),
        name="case-service-records",
    ),
    path("cases/<int:id>/referrals/", CaseReferralListView.as_view(), name="case-referrals"),
    *router.urls,
]
