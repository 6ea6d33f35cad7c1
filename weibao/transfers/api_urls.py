"""/api/v1/ routes of transfers."""

from rest_framework.routers import SimpleRouter

from weibao.transfers.api import TransferViewSet

router = SimpleRouter(use_regex_path=False)
router.register("transfers", TransferViewSet, basename="transfer")

urlpatterns = router.urls
