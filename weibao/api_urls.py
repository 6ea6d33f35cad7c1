"""/api/v1/: token auth, the current user, areas and children."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from weibao.accounts.api import MeView, TokenView
from weibao.areas.api import AreaViewSet
from weibao.children.api import ChildViewSet

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("children", ChildViewSet, basename="child")
router.register("areas", AreaViewSet, basename="area")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
