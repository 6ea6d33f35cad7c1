"""/api/v1/ routes for protection records."""

from rest_framework.routers import SimpleRouter

from weibao.protection.api import ProtectionViewSet

router = SimpleRouter(use_regex_path=False)
router.register("protections", ProtectionViewSet, basename="protection")

urlpatterns = router.urls
