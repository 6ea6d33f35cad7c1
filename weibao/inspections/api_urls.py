"""/api/v1/ routes of the inspection teams."""

from rest_framework.routers import SimpleRouter

from weibao.inspections.api import (
    FindingViewSet,
    MeetingViewSet,
    MemberViewSet,
    PatrolViewSet,
    TeamViewSet,
)

router = SimpleRouter(use_regex_path=False)
router.register("inspections/teams", TeamViewSet, basename="inspection-team")
router.register("inspections/members", MemberViewSet, basename="inspection-member")
router.register("inspections/patrols", PatrolViewSet, basename="inspection-patrol")
router.register("inspections/findings", FindingViewSet, basename="inspection-finding")
router.register("inspections/meetings", MeetingViewSet, basename="inspection-meeting")

urlpatterns = router.urls
