from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.accounts.selectors import may_reveal
from weibao.audit.models import AccessLog
from weibao.children import services
from weibao.children.categories import Category
from weibao.children.export import child_export_response
from weibao.children.forms import (
    ChildFilterForm,
    ChildForm,
    RevealForm,
    StatusForm,
    guardian_formset,
)
from weibao.children.history import action_label, child_history, describe
from weibao.children.hooks import child_page_panels, registration_source
from weibao.children.models import Child
from weibao.children.selectors import (
    ChildFilters,
    category_rows_of,
    child_access_log_visible,
    child_get_for_user,
    child_list,
    guardian_rows_of,
)
from weibao.core import crypto
from weibao.core.hooks import with_panels
from weibao.core.versioning import posted_version, save_versioned
from weibao.core.views_helpers import apply_errors, capped_page_of

PAGE_SIZE = 25


def _list_filters(request: HttpRequest) -> tuple[ChildFilterForm, ChildFilters]:
    """The list's filters as the page and its export read them."""
    form = ChildFilterForm(request.GET or None, actor=request.user)
    filters = ChildFilters()
    if form.is_bound:
        form.is_valid()
        d = form.cleaned_data  # only the valid filters: one bad value drops itself, not all
        filters = ChildFilters(
            subdistrict=d["subdistrict"].pk if d.get("subdistrict") else None,
            community=d["community"].pk if d.get("community") else None,
            category=d.get("category", ""),
            sex=d.get("sex", ""),
            age_band=d.get("age_band", ""),
            status=d.get("status", ""),
            q=d.get("q", ""),
        )
    return form, filters


@login_required
@require_GET
def child_list_view(request: HttpRequest) -> HttpResponse:
    form, filters = _list_filters(request)
    # Counted to 10,000 at most: a 街镇's or a district's whole register is not read for a
    # count (docs/performance.md, "Registry reads at a city's scale").
    page = capped_page_of(request, child_list(request.user, filters), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "children/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "category_labels": dict(Category.choices),
        },
    )


@login_required
@require_GET
def child_export_view(request: HttpRequest) -> HttpResponse:
    """The filtered list as xlsx, streamed; every export is recorded in the audit log."""
    form, filters = _list_filters(request)
    if form.errors:
        # A file is no place for a warning: the list says which filter was not understood.
        messages.warning(request, _("Some filters were not understood: nothing was exported."))
        return redirect(f"{reverse('children:list')}?{request.GET.urlencode()}")
    return child_export_response(request.user, filters, AccessLog.Channel.WEB)


@login_required
@require_http_methods(["GET", "POST"])
def child_create_view(request: HttpRequest) -> HttpResponse:
    # Registering the child of a record (a report's link page): the form starts from what the
    # record says, and saving goes back to it to confirm the link.
    source = registration_source.first(request.user, request.GET.get("report"))
    report = source.record if source else None
    initial = source.initial if source else None
    form = ChildForm(request.POST or None, actor=request.user, initial=initial)
    for name, hint in (source.hints if source else {}).items():
        if name in form.fields:
            form.fields[name].help_text = hint
    guardians = guardian_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and guardians.is_valid():
        try:
            child = services.child_create(
                actor=request.user,
                data=form.service_data(),
                categories=form.cleaned_data["categories"],
                guardians=guardians.inputs(keep_phone_when_empty=False),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if source is not None:
                messages.success(request, source.message)
                return redirect(source.return_url)
            messages.success(request, _("The child's file has been created."))
            return redirect("children:detail", pk=child.pk)
    if not form.fields["community"].queryset.exists():
        messages.warning(request, _("You have no residential area in which to register children."))
    return render(
        request,
        "children/form.html",
        {"form": form, "guardians": guardians, "child": None, "source": source, "report": report},
    )


@login_required
@require_GET
def child_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(request.user, pk)
    services.child_record_view(actor=request.user, child=child, channel=AccessLog.Channel.WEB)
    return render_child_page(request, child)


def render_child_page(request: HttpRequest, child: Child, **extra) -> HttpResponse:
    # An anonymised file's history says what was done and when, not the values: its audit rows
    # keep the old values as the legal record (docs/security.md), the page does not show them.
    lines = (lambda e: []) if child.anonymised_at else describe
    history = [(e, action_label(e), lines(e)) for e in child_history(child)[:100]]
    categories = [r.get_category_display() for r in category_rows_of(child)]
    context = {
        "child": child,
        "categories": categories,
        "guardians": guardian_rows_of(child),
        "history": history,
        "address_masked": crypto.mask_address(child.address),
        "can_reveal": may_reveal(request.user),
        "can_see_access_log": child_access_log_visible(request.user, child),
        "status_form": StatusForm(
            initial={"status": child.status, "version": child.version},
        ),
    }
    with_panels(context, child_page_panels.call(request, child), "child_panels")
    context.update(extra)
    return render(request, "children/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def child_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(request.user, pk)
    if child.anonymised_at:
        messages.error(request, services.anonymised_message())
        return redirect("children:detail", pk=child.pk)
    form = ChildForm(request.POST or None, actor=request.user, instance=child)
    guardians = guardian_formset(request.POST or None, child=child)
    version = child.version
    if request.method == "POST":
        version = posted_version(request.POST)
        if form.is_valid() and guardians.is_valid():
            saved = save_versioned(
                request,
                form,
                lambda: services.child_update(
                    actor=request.user,
                    child=child,
                    expected_version=version,
                    data=form.service_data(),
                    categories=form.cleaned_data["categories"],
                    guardians=guardians.inputs(keep_phone_when_empty=True),
                ),
                current=lambda: Child.objects.get(pk=child.pk),
                message=_(
                    "Someone else changed this file while you were editing. Your entries "
                    "are kept below; check the current file (opens in a new tab) and save "
                    "again to apply them."
                ),
            )
            if saved.ok:
                messages.success(request, _("Changes saved."))
                return redirect("children:detail", pk=child.pk)
            if saved.conflict:
                version = saved.current.version
    return render(
        request,
        "children/form.html",
        {"form": form, "guardians": guardians, "child": child, "version": version},
    )


@login_required
@require_POST
def child_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(request.user, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        saved = save_versioned(
            request,
            form,
            lambda: services.child_change_status(
                actor=request.user,
                child=child,
                expected_version=d["version"],
                status=d["status"],
                date=d["date"],
                reason=d["reason"],
            ),
            current=lambda: child_get_for_user(request.user, pk),
            message=_("Someone else changed this file; check it and save again."),
            on_form=True,
        )
        if saved.ok:
            messages.success(request, _("Status updated."))
            return redirect("children:detail", pk=child.pk)
        child = saved.current or child
    return render_child_page(request, child, status_form=form, status_open=True)


@login_required
@require_POST
def child_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_user(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say why you need to see it in full."))
        return redirect("children:detail", pk=child.pk)
    try:
        value = services.child_reveal(
            actor=request.user,
            child=child,
            field=form.cleaned_data["field"],
            guardian_id=form.cleaned_data.get("guardian"),
            reason=form.cleaned_data["reason"],
            channel=AccessLog.Channel.WEB,
        )
    except PermissionDenied:
        messages.error(request, _("You do not have permission to see this in full."))
        return redirect("children:detail", pk=child.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("children:detail", pk=child.pk)
    return render(
        request,
        "children/revealed.html",
        {"child": child, "value": value, "field": form.cleaned_data["field"]},
    )
