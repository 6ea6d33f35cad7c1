"""/api/v1/ routes of the activities app."""

from rest_framework.routers import SimpleRouter

from weibao.activities.api import ActivityViewSet, ProjectViewSet, SignupViewSet

router = SimpleRouter(use_regex_path=False)
router.register("activities/projects", ProjectViewSet, basename="activity-project")
router.register("activities/signups", SignupViewSet, basename="activity-signup")
router.register("activities", ActivityViewSet, basename="activity")

urlpatterns = router.urls
