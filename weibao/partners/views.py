"""Web pages of the "1+N" partner registry and of referrals (转介).

Every partner comes through partners_visible_to, every referral through referrals_visible_to,
every case through case_get_for_user: out of scope is a 404. In scope but not allowed (a
director editing the registry) is a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.accounts.selectors import user_scope_areas
from weibao.cases.selectors import case_get_for_user, case_roles
from weibao.core.exceptions import ConflictError
from weibao.core.views_helpers import apply_errors, page_of, query_without_page
from weibao.ledger.selectors import service_records_visible_to
from weibao.ledger.views import case_url
from weibao.partners import services
from weibao.partners.forms import (
    REFERRAL_STATE_CHOICES,
    PartnerActiveForm,
    PartnerFilterForm,
    PartnerForm,
    ReferralActionForm,
    ReferralForm,
    posted_version,
    referral_action_forms,
)
from weibao.partners.models import Partner, Referral
from weibao.partners.selectors import (
    areas_managed_by,
    partner_get_for_user,
    partners_visible_to,
    referral_get_for_user,
    referrals_visible_to,
)
from weibao.partners.workflow import REFERRAL

PAGE_SIZE = 50


def _require_areas(user) -> None:
    """Someone with no area sees no partner and no case: every page here is a 404 to them."""
    if not user_scope_areas(user):
        raise Http404


def _conflict_message() -> str:
    return _(
        "Someone else changed this record while you were editing. Your entries are kept "
        "below; check the current version and save again to apply them."
    )


# --- the registry ---------------------------------------------------------------------------


@login_required
@require_GET
def partner_list_view(request: HttpRequest) -> HttpResponse:
    _require_areas(request.user)
    form = PartnerFilterForm(request.GET or None, actor=request.user)
    if form.is_bound:
        form.is_valid()
    partners = form.filter(partners_visible_to(request.user).select_related("area"))
    page = page_of(request, partners.order_by("name", "pk"), PAGE_SIZE)
    return render(
        request,
        "partners/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_create": areas_managed_by(request.user).exists(),
        },
    )


@login_required
@require_GET
def partner_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_get_for_user(request.user, pk)
    referrals = (
        referrals_visible_to(request.user)
        .filter(partner=partner)
        .select_related("case", "case__child")
        .order_by("-created_at", "-pk")
    )
    records = (
        service_records_visible_to(request.user)
        .filter(provider_partner=partner, voided_at__isnull=True)
        .select_related("child")
        .order_by("-delivered_on", "-pk")
    )
    return render(
        request,
        "partners/detail.html",
        {
            "partner": partner,
            "referrals": referrals[:100],
            "records": records[:50],
            "can_manage": services.can_manage_partner(request.user, partner),
            "active_form": PartnerActiveForm(initial={"version": partner.version}),
        },
    )


def _render_form(request, form: PartnerForm, partner: Partner | None, status: int = 200):
    return render(request, "partners/form.html", {"form": form, "partner": partner}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def partner_create_view(request: HttpRequest) -> HttpResponse:
    _require_areas(request.user)
    if not areas_managed_by(request.user).exists():
        raise PermissionDenied
    form = PartnerForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_create(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The partner has been registered."))
            return redirect("partners:detail", pk=partner.pk)
    return _render_form(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_get_for_user(request.user, pk)
    if not services.can_manage_partner(request.user, partner):
        raise PermissionDenied
    if request.method == "GET":
        form = PartnerForm(initial=PartnerForm.initial_from(partner), actor=request.user)
        return _render_form(request, form, partner)
    form = PartnerForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            services.partner_update(
                actor=request.user,
                partner=partner,
                data=form.service_data(),
                expected_version=posted_version(request.POST),
            )
        except ConflictError:
            messages.error(request, _conflict_message())
            form.data = form.data.copy()
            form.data["version"] = str(Partner.objects.get(pk=partner.pk).version)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("partners:detail", pk=partner.pk)
    return _render_form(request, form, partner)


@login_required
@require_POST
def partner_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (there is no delete) or reactivate."""
    partner = partner_get_for_user(request.user, pk)
    if not services.can_manage_partner(request.user, partner):
        raise PermissionDenied
    form = PartnerActiveForm(request.POST)
    form.is_valid()
    active = request.POST.get("active") == "1"
    try:
        services.partner_set_active(
            actor=request.user,
            partner=partner,
            active=active,
            note=form.cleaned_data.get("note", ""),
            expected_version=posted_version(request.POST),
        )
    except ConflictError:
        messages.error(request, _conflict_message())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("The partner is active again."))
        else:
            messages.success(
                request,
                _("The partner is deactivated: it keeps its history but gets no new referrals."),
            )
    return redirect("partners:detail", pk=partner.pk)


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
        "partners/refer.html",
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
    _require_areas(request.user)
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
        "partners/referral_list.html",
        {"page": page, "state": state, "states": REFERRAL_STATE_CHOICES, "overdue": overdue},
    )


def _render_referral(request, referral: Referral, bound=None, bound_name="", status=200):
    roles = case_roles(request.user, referral.case)
    transitions = REFERRAL.available(referral.state, roles)
    return render(
        request,
        "partners/referral_detail.html",
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
            services.referral_transition(
                actor=request.user,
                referral=referral,
                name=name,
                note=form.cleaned_data["note"],
                expected_version=posted_version(form.cleaned_data),
            )
        except ConflictError:
            messages.error(
                request,
                _(
                    "This referral was changed by someone else since you opened it. What you "
                    "typed is kept below; check the referral and submit again."
                ),
            )
            referral = referral_get_for_user(request.user, pk)
            form.data = form.data.copy()
            form.data[f"{name}-version"] = str(referral.version)
        except ValidationError as exc:
            apply_errors(form, exc)
            if "state" in exc.message_dict:
                for message in exc.message_dict["state"]:
                    messages.error(request, message)
        else:
            messages.success(request, _("The referral has been updated."))
            return redirect("partners:referral", pk=referral.pk)
    return _render_referral(request, referral, form, name)


def _bound_action_form(request: HttpRequest, name: str) -> ReferralActionForm:
    return ReferralActionForm(request.POST, prefix=name)
