from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from weibao.front import health
from weibao.front import views as front_views
from weibao.partners import urls as partners_urls
from weibao.referrals import urls as referrals_urls

urlpatterns = [
    path("", front_views.home, name="home"),
    # For a monitor: database, cache, broker and the daily job (docs/deploy.md).
    path("healthz", health.healthz, name="healthz"),
    # Browsers and tools ask the site's root for its icons whatever the pages link to.
    path("favicon.ico", front_views.icon, {"name": "favicon.ico"}),
    path("apple-touch-icon.png", front_views.icon, {"name": "apple-touch-icon.png"}),
    path("accounts/login/", front_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", front_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("weibao.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("security/", include("weibao.security.urls")),
    path("children/", include("weibao.children.urls")),
    path("visits/", include("weibao.visits.urls")),
    path("concerns/", include("weibao.visits.urls_concerns")),
    path("notifications/", include("weibao.notifications.urls")),
    path("report/", include("weibao.reports.urls_public")),
    path("reports/", include("weibao.reports.urls")),
    path("cases/", include("weibao.cases.urls")),
    path("ledger/", include("weibao.ledger.urls")),
    path("protection/", include("weibao.protection.urls")),
    path("transfers/", include("weibao.transfers.urls")),
    path("safekeeping/", include("weibao.safekeeping.urls")),
    path("stations/", include("weibao.stations.urls")),
    path("wall/", include("weibao.stations.urls_public")),
    path("staff/", include("weibao.staff.urls")),
    path("training/", include("weibao.training.urls")),
    path("administration/", include("weibao.administration.urls")),
    path("activities/", include("weibao.activities.urls")),
    path("suggestions/", include("weibao.suggestions.urls")),
    path("board/", include("weibao.suggestions.urls_public")),
    path("inspections/", include("weibao.inspections.urls")),
    path("duplicates/", include("weibao.duplicates.urls")),
    path("council/", include("weibao.council.urls")),
    path("dashboards/", include("weibao.dashboards.urls")),
    path("archive/", include("weibao.archive.urls")),
    path("imports/", include("weibao.imports.urls")),
    # The registry and the referral pages share the "partners" namespace (and URL prefix).
    path(
        "partners/",
        include((partners_urls.urlpatterns + referrals_urls.urlpatterns, "partners")),
    ),
    # The framework admin's own sign-in, sign-out and password pages are the product's: one
    # lockout, one password policy, one audit trail (docs/security.md).
    path("admin/login/", front_views.AdminLoginView.as_view()),
    path("admin/logout/", front_views.LogoutView.as_view()),
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="accounts:password_change"),
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("weibao.front.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script from ?script, so the page needs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="front/api_docs.html"),
        name="api-docs",
    ),
]

handler400 = "weibao.front.views.bad_request"
handler404 = "weibao.front.views.page_not_found"
