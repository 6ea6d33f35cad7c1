"""/api/v1/ routes of the possible duplicates."""

from rest_framework.routers import SimpleRouter

from weibao.duplicates.api import PossibleDuplicateViewSet

router = SimpleRouter(use_regex_path=False)
router.register("duplicates", PossibleDuplicateViewSet, basename="duplicate")

urlpatterns = router.urls
