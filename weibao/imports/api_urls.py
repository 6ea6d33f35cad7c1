"""/api/v1/ routes of the imports app."""

from rest_framework.routers import SimpleRouter

from weibao.imports.api import ImportJobViewSet

router = SimpleRouter(use_regex_path=False)
router.register("imports", ImportJobViewSet, basename="import")

urlpatterns = [*router.urls]
