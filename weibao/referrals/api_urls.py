"""/api/v1/ routes of referrals."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from weibao.referrals.api import CaseReferralListView, ReferralViewSet

router = SimpleRouter(use_regex_path=False)
router.register("referrals", ReferralViewSet, basename="referral")

urlpatterns = [
    path("cases/<int:id>/referrals/", CaseReferralListView.as_view(), name="case-referrals"),
    *router.urls,
]
