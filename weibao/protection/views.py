"""Web pages for emergency protection (强制保护): the list of active temporary guardianships,
a record's page, and the forms to start it, record the capacity assessment and end it.

Records come through protections_visible_to / case_get_for_user: out of scope is a 404. A user
who sees the record but may not act (the case owner, station staff) gets 403 on the forms."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from weibao.audit.models import AccessLog
from weibao.cases.models import Case
from weibao.cases.selectors import case_get_for_user
from weibao.core.versioning import save_versioned
from weibao.core.views_helpers import apply_errors, page_of
from weibao.protection import services as protection
from weibao.protection.forms import CapacityAssessmentForm, ProtectionEndForm, ProtectionStartForm
from weibao.protection.limits import limit_state
from weibao.protection.models import ProtectionRecord
from weibao.protection.selectors import protection_get_for_user, protections_visible_to

PAGE_SIZE = 50
TABS = ("active", "ended")


def _conflict_message() -> str:
    return _(
        "This record was changed by someone else since you opened this page. What you typed is "
        "kept below; check the record, then save again to apply it."
    )


# --- list and detail ----------------------------------------------------------------------


@login_required
@require_GET
def protection_list_view(request: HttpRequest) -> HttpResponse:
    """Temporary guardianships of the cases the user sees: active ones nearest their one-year
    limit first, or the ended ones."""
    tab = request.GET.get("state", "active")
    if tab not in TABS:
        tab = "active"
    visible = protections_visible_to(request.user)
    qs = visible.select_related("child", "case", "community")
    if tab == "active":
        qs = qs.filter(ended_on__isnull=True).order_by("limit_on", "id")
    else:
        qs = qs.filter(ended_on__isnull=False).order_by(F("ended_on").desc(), "-id")
    page = page_of(request, qs, PAGE_SIZE)
    today = timezone.localdate()
    return render(
        request,
        "protection/list.html",
        {
            "page": page,
            "rows": [(r, limit_state(r, today)) for r in page],
            "tab": tab,
            "active_count": visible.filter(ended_on__isnull=True).count(),
        },
    )


@login_required
@require_GET
def protection_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = protection_get_for_user(request.user, pk)
    protection.protection_record_view(
        actor=request.user, record=record, channel=AccessLog.Channel.WEB
    )
    return render(
        request,
        "protection/detail.html",
        {
            "record": record,
            "case": record.case,
            "child": record.child,
            "limit_state": limit_state(record),
            "can_assess": record.is_active and protection.can_assess(request.user, record),
            "can_end": record.is_active and protection.can_end(request.user, record),
        },
    )


# --- start --------------------------------------------------------------------------------


def _render_start(request, case: Case, form, status: int = 200) -> HttpResponse:
    return render(
        request,
        "protection/start.html",
        {
            "case": case,
            "child": case.child,
            "form": form,
            "blocker": protection.start_blocker(case),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def protection_start_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for_user(request.user, case_id)
    if not protection.can_start(request.user, case):
        raise PermissionDenied
    if request.method == "GET":
        return _render_start(
            request, case, ProtectionStartForm(initial={"started_on": timezone.localdate()})
        )
    form = ProtectionStartForm(request.POST)
    if form.is_valid():
        try:
            record = protection.protection_start(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Temporary guardianship recorded. Its one-year limit is %(date)s.")
                % {"date": record.limit_on.isoformat()},
            )
            return redirect("protection:detail", pk=record.pk)
    return _render_start(request, case, form)


# --- capacity assessment and end ----------------------------------------------------------


def _actionable(request: HttpRequest, pk: int, allowed) -> ProtectionRecord:
    record = protection_get_for_user(request.user, pk)
    if not allowed(request.user, record):
        raise PermissionDenied
    return record


def _ended(request: HttpRequest, record: ProtectionRecord) -> HttpResponse:
    messages.info(request, _("This temporary guardianship has ended."))
    return redirect("protection:detail", pk=record.pk)


def _render_action(request, template: str, record: ProtectionRecord, form) -> HttpResponse:
    return render(
        request,
        template,
        {"record": record, "case": record.case, "child": record.child, "form": form},
    )


def _record_action(
    request: HttpRequest,
    pk: int,
    *,
    allowed: Callable,
    form_class,
    template: str,
    date_field: str,
    service: Callable[..., ProtectionRecord],
    fields: tuple[str, ...],
    done: Callable[[ProtectionRecord], str],
) -> HttpResponse:
    """A form changing an active record: GET shows it (date_field: today), POST calls the
    service with the form's `fields` and the posted version. On a conflict or an error the form
    comes back with what was typed; on success `done(record)` is said on the record's page."""
    record = _actionable(request, pk, allowed)
    if not record.is_active:
        return _ended(request, record)
    if request.method == "GET":
        initial = {date_field: timezone.localdate(), "version": record.version}
        return _render_action(request, template, record, form_class(initial=initial))
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        saved = save_versioned(
            request,
            form,
            lambda: service(
                actor=request.user,
                record=record,
                **{name: data[name] for name in fields},
                expected_version=form.posted_version(),
            ),
            current=lambda: protection_get_for_user(request.user, pk),
            message=_conflict_message(),
        )
        if saved.ok:
            messages.success(request, done(saved.result))
            return redirect("protection:detail", pk=saved.result.pk)
        record = saved.current or record
    return _render_action(request, template, record, form)


def _end_done(record: ProtectionRecord) -> str:
    if record.end_reason == "returned_home":
        return _("The child has returned home. Monthly follow-up visits have been scheduled.")
    return _("The temporary guardianship has ended.")


@login_required
@require_http_methods(["GET", "POST"])
def protection_assess_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_action(
        request,
        pk,
        allowed=protection.can_assess,
        form_class=CapacityAssessmentForm,
        template="protection/assess.html",
        date_field="assessed_on",
        service=protection.protection_assess_capacity,
        fields=("assessed_on", "result", "notes"),
        done=lambda record: _("The guardianship-capacity assessment is recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def protection_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_action(
        request,
        pk,
        allowed=protection.can_end,
        form_class=ProtectionEndForm,
        template="protection/end.html",
        date_field="ended_on",
        service=protection.protection_end,
        fields=("ended_on", "end_reason", "note"),
        done=_end_done,
    )
