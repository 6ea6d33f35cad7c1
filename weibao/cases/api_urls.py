"""/api/v1/ routes of the cases app."""

from rest_framework.routers import SimpleRouter

from weibao.cases.api import CaseViewSet

router = SimpleRouter(use_regex_path=False)
router.register("cases", CaseViewSet, basename="case")

urlpatterns: list = [*router.urls]
