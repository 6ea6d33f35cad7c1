"""/api/v1/: token auth, API tokens and signed-in devices, the current user, areas and
children, home visits, concerns, visit rules, notifications, mandatory reports, cases, partners,
transfers, workstations, the staff roster and training, projects and activities, the suggestion
board, the inspection teams, the children's council, the child's archive (PDF), the dashboards
and monthly reports, spreadsheet imports and the possible duplicates."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from weibao.accounts.api import MeView, PersonViewSet
from weibao.administration.api import AreaViewSet
from weibao.children.api import ChildViewSet
from weibao.notifications.api import NotificationViewSet
from weibao.security.api import ApiTokenViewSet, SignedInDeviceViewSet, TokenView
from weibao.visits.api import (
    ChildDueView,
    ChildReturnedHomeView,
    ChildVisitListView,
    ConcernViewSet,
    VisitAttachmentDownloadView,
    VisitRuleViewSet,
    VisitViewSet,
    WorklistViewSet,
)

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("children", ChildViewSet, basename="child")
router.register("areas", AreaViewSet, basename="area")
router.register("people", PersonViewSet, basename="person")
router.register("worklist", WorklistViewSet, basename="worklist")
router.register("visits", VisitViewSet, basename="visit")
router.register("concerns", ConcernViewSet, basename="concern")
router.register("visit-rules", VisitRuleViewSet, basename="visit-rule")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("auth/tokens", ApiTokenViewSet, basename="api-token")
router.register("auth/devices", SignedInDeviceViewSet, basename="signed-in-device")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path(
        "visits/attachments/<int:pk>/",
        VisitAttachmentDownloadView.as_view(),
        name="visit-attachment-download",
    ),
    path("children/<int:id>/visits/", ChildVisitListView.as_view(), name="child-visits"),
    path("children/<int:id>/due/", ChildDueView.as_view(), name="child-due"),
    path(
        "children/<int:id>/returned-home/",
        ChildReturnedHomeView.as_view(),
        name="child-returned-home",
    ),
    *router.urls,
    path("", include("weibao.reports.api_urls")),
    path("", include("weibao.cases.api_urls")),
    path("", include("weibao.protection.api_urls")),
    path("", include("weibao.partners.api_urls")),
    path("", include("weibao.referrals.api_urls")),
    path("", include("weibao.ledger.api_urls")),
    path("", include("weibao.transfers.api_urls")),
    path("", include("weibao.stations.api_urls")),
    path("", include("weibao.staff.api_urls")),
    path("", include("weibao.training.api_urls")),
    path("", include("weibao.activities.api_urls")),
    path("", include("weibao.dashboards.api_urls")),
    path("", include("weibao.suggestions.api_urls")),
    path("", include("weibao.inspections.api_urls")),
    path("", include("weibao.duplicates.api_urls")),
    path("", include("weibao.council.api_urls")),
    path("", include("weibao.archive.api_urls")),
    path("", include("weibao.imports.api_urls")),
]
