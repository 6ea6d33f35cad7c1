from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults

from weibao.accounts.lockout import login_attempt, login_succeeded
from weibao.accounts.models import Role
from weibao.accounts.selectors import user_is_sysadmin, user_role_assignments
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


def work_counts(user) -> dict[str, int]:
    """What needs doing now, each through its own scope function."""
    now = timezone.now()
    queue = triage_queue(user)
    mine = cases_visible_to(user).filter(owner=user).exclude(stage=Stage.CLOSED)
    counts = {
        "concerns_open": concerns_visible_to(user).filter(state=Concern.State.OPEN).count(),
        "visits_overdue": 0,
        "visits_week": 0,
    }
    # The visit worklist is the directors' and supervisors' work (its counts read one 居民区's
    # or one 街镇's dues); district staff follow visits through the completion tables.
    if {ra.role for ra in user_role_assignments(user)} & {Role.DIRECTOR, Role.SUPERVISOR}:
        visits = worklist_counts(user)
        counts.update(visits_overdue=visits["overdue"], visits_week=visits["week"])
    return counts | {
        "reports_open": queue.count(),
        "reports_late": queue.filter(next_due__lt=now).count(),
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


class LoginView(auth_views.LoginView):
    """Django's login, with a pause after repeated failures so passwords cannot be guessed."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Counted as a failure before the password is checked; given back when it was right.
        self.attempt = login_attempt(request, request.POST.get("username"))
        if self.attempt is None:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many failed attempts. Please try again in 15 minutes."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        login_succeeded(self.attempt)
        return super().form_valid(form)


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
