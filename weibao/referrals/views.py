"""Web pages of referrals (转介). Every referral comes through referrals_visible_to and every
case through case_get_for_user: out of scope is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.cases.selectors import case_get_for_user, case_roles, case_url
from weibao.core.versioning import posted_version, save_versioned
from weibao.core.views_helpers import apply_errors, page_of
from weibao.partners.views import PAGE_SIZE, require_areas
from weibao.referrals import services
from weibao.referrals.forms import (
    REFERRAL_STATE_CHOICES,
    ReferralActionForm,
    ReferralForm,
    referral_action_forms,
)
from weibao.referrals.models import Referral
from weibao.referrals.selectors import referral_get_for_user, referrals_visible_to
from weibao.referrals.workflow import REFERRAL

# --- referrals ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def refer_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for_user(request.user, case_id)
    form = ReferralForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.referral_create(
                actor=request.user,
                case=case,
                partner=d["partner"],
                service_type=d["service_type"],
                reason=d["reason"],
                accept_by=d["accept_by"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The referral has been recorded."))
            return redirect(case_url(case) + "#referrals")
    return render(
        request,
        "referrals/refer.html",
        {
            "case": case,
            "child": case.child,
            "form": form,
            "case_url": case_url(case),
            "referrals": case.referrals.select_related("partner").order_by("-created_at"),
        },
    )


def overdue_first(qs):
    """Pending referrals past their deadline first, then other pending ones, then the rest,
    newest first."""
    today = timezone.localdate()
    return qs.annotate(
        urgency=CaseWhen(
            When(Q(state=Referral.State.PENDING, accept_by__lt=today), then=Value(0)),
            When(state=Referral.State.PENDING, then=Value(1)),
            When(state=Referral.State.ACCEPTED, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("urgency", "accept_by", "-created_at", "-pk")


@login_required
@require_GET
def referral_list_view(request: HttpRequest) -> HttpResponse:
    require_areas(request.user)
    state = request.GET.get("state", "")
    if state not in Referral.State.values:
        state = ""
    qs = referrals_visible_to(request.user).select_related("case", "case__child", "partner")
    if state:
        qs = qs.filter(state=state)
    page = page_of(request, overdue_first(qs), PAGE_SIZE)
    overdue = (
        referrals_visible_to(request.user)
        .filter(state=Referral.State.PENDING, accept_by__lt=timezone.localdate())
        .count()
    )
    return render(
        request,
        "referrals/referral_list.html",
        {"page": page, "state": state, "states": REFERRAL_STATE_CHOICES, "overdue": overdue},
    )


def _render_referral(request, referral: Referral, bound=None, bound_name="", status=200):
    roles = case_roles(request.user, referral.case)
    transitions = REFERRAL.available(referral.state, roles)
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "case": referral.case,
            "child": referral.case.child,
            "case_url": case_url(referral.case),
            "actions": referral_action_forms(referral, transitions, bound, bound_name),
        },
        status=status,
    )


@login_required
@require_GET
def referral_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_referral(request, referral_get_for_user(request.user, pk))


@login_required
@require_POST
def referral_action_view(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    referral = referral_get_for_user(request.user, pk)
    if name not in services.TRANSITION_TEXT:
        raise Http404
    [(_transition, form)] = referral_action_forms(
        referral,
        [REFERRAL.get(name)],
        bound=_bound_action_form(request, name),
        bound_name=name,
    )
    if form.is_valid():
        try:
            saved = save_versioned(
                request,
                form,
                lambda: services.referral_transition(
                    actor=request.user,
                    referral=referral,
                    name=name,
                    note=form.cleaned_data["note"],
                    expected_version=posted_version(form.cleaned_data),
                ),
                current=lambda: referral_get_for_user(request.user, pk),
                message=_(
                    "This referral was changed by someone else since you opened it. What you "
                    "typed is kept below; check the referral and submit again."
                ),
                place_errors=False,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            # A refused transition is about the referral, not a field: say it above the page.
            for message in exc.message_dict.get("state", []):
                messages.error(request, message)
        else:
            if saved.ok:
                messages.success(request, _("The referral has been updated."))
                return redirect("partners:referral", pk=referral.pk)
            referral = saved.current
    return _render_referral(request, referral, form, name)


def _bound_action_form(request: HttpRequest, name: str) -> ReferralActionForm:
    return ReferralActionForm(request.POST, prefix=name)
