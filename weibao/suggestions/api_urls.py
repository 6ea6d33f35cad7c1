"""/api/v1/ routes of the suggestion board (staff only; the public board has no API)."""

from rest_framework.routers import SimpleRouter

from weibao.suggestions.api import SuggestionViewSet

router = SimpleRouter(use_regex_path=False)
router.register("suggestions", SuggestionViewSet, basename="suggestion")

urlpatterns = [*router.urls]
