import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

from weibao.accounts.lockout import login_attempt, login_locked, login_succeeded
from weibao.accounts.middleware import session_limits_start
from weibao.accounts.models import Role
from weibao.accounts.selectors import user_is_sysadmin, user_role_assignments
from weibao.accounts.services import sign_in_failure_record, sign_in_record, sign_out_record
from weibao.areas.selectors import area_path
from weibao.cases.choices import Stage
from weibao.cases.selectors import case_roles, cases_visible_to
from weibao.cases.workflow import APPROVERS
from weibao.children.categories import IN_DIFFICULTY_FILTER, Category
from weibao.children.selectors import category_counts
from weibao.referrals.models import Referral
from weibao.referrals.selectors import referrals_visible_to
from weibao.reports.selectors import triage_queue
from weibao.visits.models import Concern
from weibao.visits.selectors import concerns_visible_to, worklist_counts


def work_counts(user) -> dict[str, int | tuple[str, ...]]:
    """What needs doing now, each through its own scope function."""
    now = timezone.now()
    queue = triage_queue(user)
    mine = cases_visible_to(user).filter(owner=user).exclude(stage=Stage.CLOSED)
    counts = {
        "concerns_open": concerns_visible_to(user).filter(state=Concern.State.OPEN).count(),
        "visits_overdue": 0,
        "visits_week": 0,
        "visits_capped": (),
    }
    # The visit worklist is the directors' and supervisors' work (its counts read one 居民区's
    # or one 街镇's dues); district staff follow visits through the completion tables.
    if {ra.role for ra in user_role_assignments(user)} & {Role.DIRECTOR, Role.SUPERVISOR}:
        visits = worklist_counts(user)
        counts.update(
            visits_overdue=visits.overdue, visits_week=visits.week, visits_capped=visits.capped
        )
    return counts | {
        "reports_open": queue.count(),
        "reports_late": queue.filter(next_due_at__lt=now).count(),
        "cases_mine": mine.count(),
        "cases_to_approve": _closing_to_approve(user),
        "referrals_overdue": referrals_visible_to(user)
        .filter(state=Referral.State.PENDING, accept_by__lt=timezone.localdate())
        .count(),
    }


def _closing_to_approve(user) -> int:
    # Few cases wait for approval at a time: checking each one's roles is cheap and keeps the
    # rule in one place (workflow.CASE via case_roles).
    return sum(
        1
        for case in cases_visible_to(user)
        .filter(stage=Stage.CLOSING)
        .exclude(close_requested_by=user)[:100]
        if case_roles(user, case) & APPROVERS
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roles = [
        (ra.get_role_display(), area_path(ra.area) if ra.area else "")
        for ra in user_role_assignments(request.user)
    ]
    counts = category_counts(request.user)
    cards = [(c.value, c.label, counts[c.value]) for c in Category]
    work = work_counts(request.user)
    return render(
        request,
        "home.html",
        {
            "roles": roles,
            "has_scope": any(ra.area for ra in user_role_assignments(request.user)),
            "is_sysadmin": user_is_sysadmin(request.user),
            "total": counts["total"],
            "in_difficulty": counts[IN_DIFFICULTY_FILTER],
            "in_difficulty_key": IN_DIFFICULTY_FILTER,
            "cards": cards,
            "work": work,
        },
    )


def icon(request: HttpRequest, name: str) -> HttpResponse:
    """/favicon.ico and /apple-touch-icon.png: the icons the pages link to, in the static files."""
    return redirect(static(f"weibao/{name}"), permanent=True)


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


class LoginView(auth_views.LoginView):
    """Django's login, with a pause after repeated failures so passwords cannot be guessed, and
    every sign-in, failure and lockout in the audit trail."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    channel = "web"

    def get_context_data(self, **kwargs):
        # The demo turns two-factor sign-in off; the page says so.
        return super().get_context_data(**kwargs) | {
            "two_factor_required": settings.WEIBAO_2FA_REQUIRED
        }

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username")
        # Counted as a failure before the password is checked; given back when it was right.
        self.attempt = login_attempt(request, username)
        if self.attempt is None:
            sign_in_failure_record(
                username=username,
                address=_address(request),
                channel=self.channel,
                locked=True,
                lockout=False,
            )
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many failed attempts. Please try again in 15 minutes."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        login_succeeded(self.attempt)
        response = super().form_valid(form)
        session_limits_start(self.request.session, time.time())
        sign_in_record(user=form.get_user(), address=_address(self.request), channel=self.channel)
        return response

    def form_invalid(self, form):
        username = self.request.POST.get("username")
        # The failure was counted before the check (login_attempt).
        sign_in_failure_record(
            username=username,
            address=_address(self.request),
            channel=self.channel,
            locked=False,
            lockout=login_locked(self.request, username),
        )
        return super().form_invalid(form)


class AdminLoginView(LoginView):
    """/admin/login/: the product's sign-in in place of the framework admin's own, so that
    both doors share one lockout and one audit trail. It shows the form to a signed-in user
    too: the admin sends a signed-in user who may not use it here, and redirecting them on
    would loop."""

    channel = "admin"
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("admin:index")


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            sign_out_record(user=request.user, address=_address(request), reason="user")
        return super().post(request, *args, **kwargs)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    # Reached for requests Django refuses before any view runs, such as an oversized body.
    if _is_api(request):
        return JsonResponse(
            {"detail": _("The request could not be read: it is too large or malformed.")},
            status=400,
        )
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
