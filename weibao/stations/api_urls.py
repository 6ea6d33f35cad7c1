"""/api/v1/ routes of the workstations app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from weibao.stations.api import (
    CoverageView,
    EvidenceFileDownloadView,
    StandardItemViewSet,
    StandardViewSet,
    StationPhotoFileView,
    StationViewSet,
    ZoneViewSet,
)

router = SimpleRouter(use_regex_path=False)
router.register("stations", StationViewSet, basename="station")
router.register("station-zones", ZoneViewSet, basename="station-zone")
router.register("standards", StandardViewSet, basename="standard")
router.register("standard-items", StandardItemViewSet, basename="standard-item")

urlpatterns = [
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path(
        "station-photos/<int:pk>/file/", StationPhotoFileView.as_view(), name="station-photo-file"
    ),
    path(
        "evidence-files/<int:pk>/file/",
        EvidenceFileDownloadView.as_view(),
        name="evidence-file-download",
    ),
    *router.urls,
]
