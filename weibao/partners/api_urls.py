"""/api/v1/ routes of the partners app."""

from rest_framework.routers import SimpleRouter

from weibao.partners.api import PartnerViewSet

router = SimpleRouter(use_regex_path=False)
router.register("partners", PartnerViewSet, basename="partner")

urlpatterns = router.urls
