"""/api/v1/ routes of the partners app: partners and referrals."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from weibao.partners.api import CaseReferralListView, PartnerViewSet, ReferralViewSet

router = SimpleRouter(use_regex_path=False)
router.register("partners", PartnerViewSet, basename="partner")
router.register("referrals", ReferralViewSet, basename="referral")

urlpatterns = [
    path("cases/<int:id>/referrals/", CaseReferralListView.as_view(), name="case-referrals"),
    *router.urls,
]
