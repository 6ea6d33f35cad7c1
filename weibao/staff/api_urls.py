"""/api/v1/ routes of the staff app."""

from rest_framework.routers import SimpleRouter

from weibao.staff.api import StaffMemberViewSet

router = SimpleRouter(use_regex_path=False)
router.register("staff", StaffMemberViewSet, basename="staff")

urlpatterns = router.urls
