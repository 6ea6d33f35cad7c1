"""/api/v1/ routes of the children's council."""

from rest_framework.routers import SimpleRouter

from weibao.council.api import CouncilViewSet, MeetingViewSet, MemberViewSet

router = SimpleRouter(use_regex_path=False)
router.register("councils", CouncilViewSet, basename="council")
router.register("council/members", MemberViewSet, basename="council-member")
router.register("council/meetings", MeetingViewSet, basename="council-meeting")

urlpatterns = [*router.urls]
