"""Web pages of the "1+N" partner registry and of referrals (转介).

Every partner comes through partners_visible_to, every referral through referrals_visible_to,
every case through case_get_for_user: out of scope is a 404. In scope but not allowed (a
director editing the registry) is a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.accounts.selectors import user_scope_areas
from weibao.core.hooks import with_panels
from weibao.core.versioning import posted_version, save_versioned
from weibao.core.views_helpers import apply_errors, page_of, query_without_page
from weibao.partners import services
from weibao.partners.forms import PartnerActiveForm, PartnerFilterForm, PartnerForm
from weibao.partners.hooks import partner_list_links, partner_page_panels
from weibao.partners.models import Partner
from weibao.partners.selectors import areas_managed_by, partner_get_for_user, partners_visible_to

PAGE_SIZE = 50


def require_areas(user) -> None:
    """Someone with no area sees no partner and no case: every page here is a 404 to them."""
    if not user_scope_areas(user):
        raise Http404


def conflict_message() -> str:
    return _(
        "Someone else changed this record while you were editing. Your entries are kept "
        "below; check the current version and save again to apply them."
    )


# --- the registry ---------------------------------------------------------------------------


@login_required
@require_GET
def partner_list_view(request: HttpRequest) -> HttpResponse:
    require_areas(request.user)
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
            "partner_links": partner_list_links.call(),
        },
    )


@login_required
@require_GET
def partner_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_get_for_user(request.user, pk)
    context = {
        "partner": partner,
        "can_manage": services.can_manage_partner(request.user, partner),
        "active_form": PartnerActiveForm(initial={"version": partner.version}),
    }
    # The partner's referrals and services, from the apps that keep them.
    with_panels(context, partner_page_panels.call(request.user, partner), "partner_panels")
    return render(request, "partners/detail.html", context)


def _render_form(request, form: PartnerForm, partner: Partner | None, status: int = 200):
    return render(request, "partners/form.html", {"form": form, "partner": partner}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def partner_create_view(request: HttpRequest) -> HttpResponse:
    require_areas(request.user)
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
        form = PartnerForm(
            initial=PartnerForm.initial_from(partner), actor=request.user, keep_area=partner.area_id
        )
        return _render_form(request, form, partner)
    form = PartnerForm(request.POST, actor=request.user, keep_area=partner.area_id)
    if form.is_valid():
        saved = save_versioned(
            request,
            form,
            lambda: services.partner_update(
                actor=request.user,
                partner=partner,
                data=form.service_data(),
                expected_version=posted_version(request.POST),
            ),
            current=lambda: Partner.objects.get(pk=partner.pk),
            message=conflict_message(),
        )
        if saved.ok:
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
    # The buttons sit on the partner's page: messages go above it, there is no form to rebase.
    saved = save_versioned(
        request,
        None,
        lambda: services.partner_set_active(
            actor=request.user,
            partner=partner,
            active=active,
            note=form.cleaned_data.get("note", ""),
            expected_version=posted_version(request.POST),
        ),
        current=lambda: partner,
        message=conflict_message(),
    )
    if saved.ok:
        if active:
            messages.success(request, _("The partner is active again."))
        else:
            messages.success(
                request,
                _("The partner is deactivated: it keeps its history but gets no new referrals."),
            )
    return redirect("partners:detail", pk=partner.pk)
