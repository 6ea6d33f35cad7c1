"""Web pages for home visits (一月一访), the worklist, concerns, visit rules and the ledger.

Every object comes through the selectors' scope functions: out of scope is a 404, exactly as if
the object did not exist."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.accounts.models import Role
from weibao.accounts.selectors import (
    areas_visible_to,
    communities_visible_to,
    is_district_staff,
    user_role_assignments,
    user_scope_areas,
)
from weibao.areas.models import Area
from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.children.models import Child
from weibao.children.selectors import child_get_for_user
from weibao.children.services import child_mark_returned_home
from weibao.children.views import render_child_page
from weibao.core.dates import parse_month, shift_month
from weibao.core.exceptions import ConflictError
from weibao.core.hooks import Panel, with_panels
from weibao.core.scope import get_or_404
from weibao.core.uploads import stored_file_response
from weibao.core.versioning import save_versioned
from weibao.core.views_helpers import apply_errors, row_url
from weibao.core.xlsx import xlsx_response
from weibao.visits import services
from weibao.visits.export import (
    ledger_filename,
    ledger_title,
    visit_ledger_workbook,
    visit_list_response,
)
from weibao.visits.forms import (
    AttachmentForm,
    ConcernHandleForm,
    ReturnedHomeForm,
    VisitForm,
    VisitListFilterForm,
    VisitRuleForm,
)
from weibao.visits.hooks import concern_page_panels
from weibao.visits.models import (
    RETURNED_HOME,
    RULE_KEY_CHOICES,
    Concern,
    Visit,
    VisitAttachment,
    VisitDue,
    VisitRule,
)
from weibao.visits.selectors import (
    BUCKETS,
    Horizon,
    VisitListFilters,
    child_open_due,
    child_visits,
    completion_table,
    concern_get_for_user,
    concerns_visible_to,
    ledger,
    visit_get_for_user,
    visit_rules,
    visits_visible_to,
    worklist,
    worklist_counts,
)

PAGE_SIZE = 50
# What a worklist row shows and links to (worklist_rows, visits/worklist.html): the due, the
# child's name and the 居民区's. The child's other columns (30 of 37, the encrypted ones
# among them) were read for each of a page's 50 rows: a third of fetching the page
# (docs/performance.md, "The load test's knee: three workers, not five").
WORKLIST_ROW_FIELDS = (
    "due_date", "reason", "child_id", "community_id", "district_id",
    "child__id", "child__name", "community__id", "community__name",
)  # fmt: skip
REASON_LABELS = dict(RULE_KEY_CHOICES)


# --- shared display helpers ---------------------------------------------------------------


def interval_text(rule: VisitRule | None) -> str:
    if rule is None:
        return ""
    n = rule.interval_months
    every = ngettext("every month", "every %(n)s months", n) % {"n": n}
    if rule.key == RETURNED_HOME and rule.duration_months:
        return _("%(every)s for %(duration)s months after returning home") % {
            "every": every,
            "duration": rule.duration_months,
        }
    return every


@dataclass(frozen=True)
class DueInfo:
    due: VisitDue
    bucket: str
    days_overdue: int
    reason_label: str
    interval: str


def due_info(
    due: VisitDue,
    rules: dict[str, VisitRule],
    today: dt.date,
    words: dict[str, tuple[str, str]] | None = None,
) -> DueInfo:
    """`words`: a dict kept for a whole list, so that each reason's label and interval are
    translated once per page rather than once per row."""
    words = {} if words is None else words
    if due.reason not in words:
        words[due.reason] = (
            str(REASON_LABELS.get(due.reason, due.reason)),
            interval_text(rules.get(due.reason)),
        )
    reason_label, interval = words[due.reason]
    return DueInfo(
        due=due,
        bucket=Horizon.of(today).bucket(due.due_date),
        days_overdue=max((today - due.due_date).days, 0),
        reason_label=reason_label,
        interval=interval,
    )


@dataclass(frozen=True)
class WorklistRow:
    info: DueInfo
    has_draft: bool
    child_url: str
    start_url: str
    overdue: str  # "Overdue by 3 days" in the overdue list's rows
    due: str  # "due 2026-12-05"


def worklist_rows(page, rules, today: dt.date, drafts: set[int]) -> list[WorklistRow]:
    """The worklist's rows with their words and links made once for the page: a list of 50
    rows gave each its own URL reversals and translations (docs/performance.md, "Where the
    slow pages' CPU goes")."""
    child_url, start_url = row_url("children:detail"), row_url("visits:start")
    due_words = _("due %(date)s")
    reasons: dict[str, tuple[str, str]] = {}
    overdue: dict[int, str] = {}
    rows = []
    for due in page:
        info = due_info(due, rules, today, reasons)
        n = info.days_overdue
        if info.bucket == "overdue" and n not in overdue:
            overdue[n] = ngettext("Overdue by %(n)s day", "Overdue by %(n)s days", n) % {"n": n}
        rows.append(
            WorklistRow(
                info=info,
                has_draft=due.child_id in drafts,
                child_url=child_url(due.child_id),
                start_url=start_url(due.child_id),
                overdue=overdue.get(n, "") if info.bucket == "overdue" else "",
                due=due_words % {"date": f"{due.due_date:%Y-%m-%d}"},
            )
        )
    return rows


def child_visits_panel(request: HttpRequest, child: Child) -> Panel:
    """What the child's file shows about visits: the next due visit with its reason, the
    user's own draft, and the timeline of completed visits (newest first)."""
    visits = list(child_visits(request.user, child).prefetch_related("concerns")[:100])
    open_due = child_open_due(child)
    today = timezone.localdate()
    return Panel(
        "visits/_child_panel.html",
        {
            "visit_drafts": [v for v in visits if v.state == Visit.State.DRAFT],
            "visit_timeline": [v for v in visits if v.state == Visit.State.COMPLETED],
            "next_due": due_info(open_due, visit_rules(), today) if open_due else None,
            "returned_home_form": ReturnedHomeForm(initial={"date": today}, prefix="returned"),
        },
    )


# --- worklist -----------------------------------------------------------------------------


def _table_subdistricts(user) -> list[Area]:
    """The 街镇 whose completion tables the user can see (a director sees their own 居民区's
    row only; the table query is scoped too)."""
    areas = user_scope_areas(user)
    if areas and all(area.level == Area.Level.COMMUNITY for area in areas):
        # A 儿童主任's 街镇 are the parents of their 居民区, read with their roles: the same
        # answer as the query below, without it, on the page they open most
        # (docs/performance.md, "The load that saturates two cores").
        parents = {area.parent_id: area.parent for area in areas}
        return sorted(parents.values(), key=lambda area: (area.code, area.name))
    return list(
        areas_visible_to(user)
        .filter(level=Area.Level.SUBDISTRICT)
        .filter(pk__in=communities_visible_to(user).values("parent_id"))
        .order_by("code", "name")
    )


def _exportable_subdistricts(user) -> QuerySet[Area]:
    """The 街镇 whose ledger the user may export: supervisors and workstation staff of that
    街镇, and district staff of its district. A director may not."""
    q_ids: set[int] = set()
    district_ids: set[int] = set()
    for ra in user_role_assignments(user):
        if ra.area is None:
            continue
        if ra.role in (Role.SUPERVISOR, Role.STATION_STAFF):
            q_ids.add(ra.area_id)
        elif ra.role == Role.DISTRICT_STAFF:
            district_ids.add(ra.area_id)
    if not q_ids and not district_ids:
        return Area.objects.none()
    visible = areas_visible_to(user).filter(level=Area.Level.SUBDISTRICT)
    return (visible.filter(pk__in=q_ids) | visible.filter(parent_id__in=district_ids)).order_by(
        "code", "name"
    )


def _may_export(user, subdistrict: Area) -> bool:
    """Whether `subdistrict`, one the user sees (from _table_subdistricts), is among
    _exportable_subdistricts(user): read from the cached roles, without that query."""
    for ra in user_role_assignments(user):
        if ra.role in (Role.SUPERVISOR, Role.STATION_STAFF) and ra.area_id == subdistrict.pk:
            return True
        if ra.role == Role.DISTRICT_STAFF and ra.area_id == subdistrict.parent_id:
            return True
    return False


def _pick_area(areas: list[Area], raw: str | None) -> Area | None:
    if raw:
        for area in areas:
            if str(area.pk) == raw.strip():
                return area
    return areas[0] if areas else None


@login_required
@require_GET
def worklist_view(request: HttpRequest) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    bucket = request.GET.get("bucket", "")
    if bucket not in BUCKETS:
        bucket = ""
    counts = worklist_counts(user, today)
    dues = worklist(user, today, bucket).only(*WORKLIST_ROW_FIELDS)
    paginator = Paginator(dues, PAGE_SIZE)
    # The counts above are the list's length, read from the dues' own index: the list's COUNT
    # would join the children (the district-carrying join, docs/scale.md) for nothing.
    paginator.count = counts.of(bucket)
    page = paginator.get_page(request.GET.get("page"))
    rules = visit_rules()
    child_ids = [due.child_id for due in page]
    drafts = set(
        visits_visible_to(user)
        .filter(state=Visit.State.DRAFT, author=user, child_id__in=child_ids)
        .values_list("child_id", flat=True)
    )
    rows = worklist_rows(page, rules, today, drafts)

    year, month, understood = parse_month(request.GET.get("month"), today)
    if not understood:
        messages.warning(request, _("The month was not understood; showing the current month."))
    subdistricts = _table_subdistricts(user)
    chosen = _pick_area(subdistricts, request.GET.get("subdistrict"))
    table, totals = [], None
    if chosen is not None:
        table = completion_table(user, subdistrict=chosen, year=year, month=month, today=today)
        totals = {
            "due": sum(r.due for r in table),
            "on_time": sum(r.on_time for r in table),
            "late": sum(r.late for r in table),
            "overdue": sum(r.overdue for r in table),
        }
        totals["rate"] = totals["on_time"] / totals["due"] if totals["due"] else None
    exportable = chosen is not None and _may_export(user, chosen)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "visits/worklist.html",
        {
            "export_form": VisitListFilterForm(actor=user, subdistrict=chosen),
            "rows": rows,
            "page": page,
            "bucket": bucket,
            "counts": counts,
            "total": counts.of(),
            "query": query.urlencode(),
            "subdistricts": subdistricts,
            "chosen": chosen,
            "table": table,
            "totals": totals,
            "month_value": f"{year:04d}-{month:02d}",
            "prev_month": shift_month(year, month, -1),
            "next_month": shift_month(year, month, 1),
            "exportable": exportable,
        },
    )


# --- recording a visit --------------------------------------------------------------------


def _own_visit(request: HttpRequest, pk) -> Visit:
    """A visit the user wrote (a draft is only ever visible to its author anyway)."""
    visit = visit_get_for_user(request.user, pk)
    if visit.author_id != request.user.pk:
        raise Http404
    return visit


def _submitted(request: HttpRequest, visit: Visit) -> HttpResponse:
    messages.info(request, _("This visit has already been submitted."))
    return redirect("visits:detail", pk=visit.pk)


def _conflict_message() -> str:
    return _(
        "This draft was changed in another window or on another device. What you typed is "
        "still on this page; check the other copy, then save again to keep this version."
    )


def _render_edit(request: HttpRequest, visit: Visit, form: VisitForm, status: int = 200):
    return render(
        request,
        "visits/edit.html",
        {
            "visit": visit,
            "child": visit.child,
            "form": form,
            "attachments": visit.attachments.all(),
            "attachment_form": AttachmentForm(),
        },
        status=status,
    )


@login_required
@require_POST
def visit_start_view(request: HttpRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(request.user, child_id)
    try:
        visit = services.visit_start(actor=request.user, child=child)
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect("visits:edit", pk=visit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft form. POST is the no-JavaScript "save draft"; with JavaScript the page saves
    itself through the autosave endpoint."""
    visit = _own_visit(request, pk)
    if visit.state != Visit.State.DRAFT:
        return _submitted(request, visit)
    if request.method == "GET":
        return _render_edit(request, visit, VisitForm(initial=VisitForm.initial_from(visit)))
    form = VisitForm(request.POST)
    form.is_valid()
    try:
        saved = save_versioned(
            request,
            form,
            lambda: services.visit_save_draft(
                actor=request.user,
                visit=visit,
                expected_version=form.posted_version(),
                data=form.valid_data(),
            ),
            current=lambda: visit_get_for_user(request.user, pk),
            message=_conflict_message(),
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    if saved.conflict:
        return _render_edit(request, saved.current, form)
    visit = saved.result
    if form.errors:
        return _render_edit(request, visit, form.with_version(visit.version))
    messages.success(request, _("Draft saved."))
    return redirect("visits:edit", pk=visit.pk)


def _tab(request: HttpRequest) -> dict:
    """The autosaving tab's id and save count (visit.js), when sent and well formed."""
    tab, seq = request.POST.get("tab", ""), request.POST.get("tab_seq", "")
    if not (0 < len(tab) <= 40 and tab.isascii() and seq.isascii() and seq.isdigit()):
        return {}
    return {"tab": tab, "tab_seq": min(int(seq), 2**31 - 1)}


@login_required
@require_POST
def visit_autosave_view(request: HttpRequest, pk: int) -> JsonResponse:
    visit = _own_visit(request, pk)
    if visit.state != Visit.State.DRAFT:
        return JsonResponse(
            {
                "error": "submitted",
                "message": _("This visit has already been submitted; this page was not saved."),
            },
            status=409,
        )
    form = VisitForm(request.POST)
    form.is_valid()
    try:
        visit = services.visit_save_draft(
            actor=request.user,
            visit=visit,
            expected_version=form.posted_version(),
            data=form.valid_data(),
            **_tab(request),
        )
    except ConflictError:
        current = visit_get_for_user(request.user, pk)
        return JsonResponse(
            {"error": "conflict", "message": _conflict_message(), "version": current.version},
            status=409,
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    return JsonResponse(
        {
            "version": visit.version,
            "saved_at": timezone.localtime(visit.updated_at).strftime("%H:%M:%S"),
            "errors": {f: [str(m) for m in msgs] for f, msgs in form.errors.items()},
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        # Reached after logging in again from an expired session: back to the form, whose
        # unsaved text the page restores from the tab's session storage.
        return redirect("visits:edit", pk=pk)
    visit = _own_visit(request, pk)
    if visit.state != Visit.State.DRAFT:
        return _submitted(request, visit)
    form = VisitForm(request.POST)
    version = form.posted_version()
    if form.is_valid():
        try:
            saved = save_versioned(
                request,
                form,
                lambda: services.visit_complete(
                    actor=request.user,
                    visit=visit,
                    expected_version=version,
                    data=form.valid_data(),
                ),
                current=lambda: visit_get_for_user(request.user, pk),
                message=_conflict_message(),
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        if saved.conflict:
            return _render_edit(request, saved.current, form)
        if saved.ok:
            visit = saved.result
            messages.success(request, _("The visit has been recorded."))
            raised = visit.concerns.count()
            if raised:
                messages.warning(
                    request,
                    ngettext(
                        "%(n)s concern was raised and sent to the director and supervisor.",
                        "%(n)s concerns were raised and sent to the director and supervisor.",
                        raised,
                    )
                    % {"n": raised},
                )
            return redirect("visits:detail", pk=visit.pk)
    # Not complete yet: keep what was typed, on the page and in the draft.
    try:
        visit = services.visit_save_draft(
            actor=request.user, visit=visit, expected_version=version, data=form.valid_data()
        )
        version = visit.version
    except ConflictError:
        pass  # the form keeps the user's version: the next submit reports the conflict
    return _render_edit(request, visit, form.with_version(version))


@login_required
@require_POST
def visit_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _own_visit(request, pk)
    if visit.state != Visit.State.DRAFT:
        return _submitted(request, visit)
    child_id = visit.child_id
    try:
        services.visit_discard_draft(actor=request.user, visit=visit)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, _("The draft has been discarded."))
    return redirect("children:detail", pk=child_id)


@login_required
@require_POST
def visit_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _own_visit(request, pk)
    if visit.state != Visit.State.DRAFT:
        return _submitted(request, visit)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please choose a file to attach."))
    else:
        try:
            attachment = services.visit_attach(
                actor=request.user, visit=visit, upload=form.cleaned_data["file"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Attached %(name)s.") % {"name": attachment.original_name})
    return redirect(reverse("visits:edit", args=[visit.pk]) + "#attachments")


@login_required
@require_GET
def attachment_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_or_404(
        VisitAttachment.objects.select_related("visit__child").filter(
            visit__in=visits_visible_to(request.user)
        ),
        pk,
    )
    response = stored_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
    access_log_record(
        user=request.user,
        child=attachment.visit.child,
        channel=AccessLog.Channel.WEB,
        field="visit_attachment",
    )
    return response


@login_required
@require_GET
def visit_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_get_for_user(request.user, pk)
    if visit.state == Visit.State.DRAFT:
        return redirect("visits:edit", pk=visit.pk)
    access_log_record(
        user=request.user, child=visit.child, channel=AccessLog.Channel.WEB, field="visit"
    )
    return render(
        request,
        "visits/detail.html",
        {
            "visit": visit,
            "child": visit.child,
            "form": VisitForm(initial=VisitForm.initial_from(visit)),
            "attachments": visit.attachments.all(),
            "concerns": concerns_visible_to(request.user).filter(visit=visit),
        },
    )


# --- returned home ------------------------------------------------------------------------


@login_required
@require_POST
def returned_home_view(request: HttpRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(request.user, child_id)
    form = ReturnedHomeForm(request.POST, prefix="returned")
    if form.is_valid():
        try:
            child_mark_returned_home(
                actor=request.user, child=child, date=form.cleaned_data["date"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Recorded as returned home. Follow-up visits have been scheduled.")
            )
            return redirect("children:detail", pk=child.pk)
    # The child's file again, with this form open and its errors shown.
    return render_child_page(request, child, returned_home_form=form, returned_home_open=True)


# --- concerns -----------------------------------------------------------------------------


@login_required
@require_GET
def concern_list_view(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    qs = concerns_visible_to(request.user).select_related("child", "community", "raised_by")
    if state in Concern.State.values:
        qs = qs.filter(state=state)
    else:
        state = ""
    qs = qs.annotate(
        open_first=Case(
            When(state=Concern.State.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", "-raised_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/concern_list.html",
        {
            "page": page,
            "state": state,
            "open_count": concerns_visible_to(request.user).filter(state="open").count(),
        },
    )


def _render_concern(request: HttpRequest, concern: Concern, form=None) -> HttpResponse:
    context = {"concern": concern, "child": concern.child, "form": form or ConcernHandleForm()}
    with_panels(context, concern_page_panels.call(request, concern), "concern_panels")
    return render(request, "visits/concern_detail.html", context)


@login_required
@require_GET
def concern_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_concern(request, concern_get_for_user(request.user, pk))


@login_required
@require_POST
def concern_handle_view(request: HttpRequest, pk: int) -> HttpResponse:
    concern = concern_get_for_user(request.user, pk)
    form = ConcernHandleForm(request.POST)
    if form.is_valid():
        try:
            services.concern_handle(
                actor=request.user, concern=concern, note=form.cleaned_data["note"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The concern is marked as handled."))
            return redirect("concerns:detail", pk=concern.pk)
    return _render_concern(request, concern, form)


# --- visit rules (district staff) ---------------------------------------------------------


def _rule_form(rule: VisitRule, data=None) -> VisitRuleForm:
    return VisitRuleForm(
        data,
        prefix=f"rule{rule.pk}",
        initial={
            "interval_months": rule.interval_months,
            "duration_months": rule.duration_months,
            "active": rule.active,
        },
    )


def _render_rules(request: HttpRequest, bound: VisitRuleForm | None = None, bound_pk=None):
    rows = []
    for rule in VisitRule.objects.all():
        form = bound if bound is not None and rule.pk == bound_pk else _rule_form(rule)
        rows.append((rule, form))
    return render(request, "visits/rules.html", {"rows": rows, "returned_home": RETURNED_HOME})


@login_required
@require_GET
def rules_view(request: HttpRequest) -> HttpResponse:
    if not is_district_staff(request.user):
        raise Http404
    return _render_rules(request)


@login_required
@require_POST
def rule_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_district_staff(request.user):
        raise Http404
    rule = get_or_404(VisitRule.objects.all(), pk)
    form = _rule_form(rule, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.visit_rule_update(
                actor=request.user,
                rule=rule,
                interval_months=d["interval_months"],
                active=d["active"],
                duration_months=d.get("duration_months"),
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Rule “%(rule)s” saved; due dates have been recalculated.")
                % {"rule": rule.get_key_display()},
            )
            return redirect("visits:rules")
    return _render_rules(request, form, rule.pk)


# --- ledger export ------------------------------------------------------------------------


@login_required
@require_GET
def ledger_export_view(request: HttpRequest) -> HttpResponse:
    """The month's 走访台账 of one 街镇 as xlsx; every export is recorded."""
    today = timezone.localdate()
    allowed = list(_exportable_subdistricts(request.user))
    raw = request.GET.get("subdistrict")
    if raw:
        subdistrict = next((a for a in allowed if str(a.pk) == raw.strip()), None)
    else:
        subdistrict = allowed[0] if len(allowed) == 1 else None
    if subdistrict is None:
        raise Http404
    year, month, understood = parse_month(request.GET.get("month"), today)
    if not understood:
        messages.warning(request, _("The month was not understood: nothing was exported."))
        return redirect("visits:worklist")
    title = ledger_title(subdistrict.name, year, month)
    data, count = visit_ledger_workbook(
        ledger(request.user, subdistrict=subdistrict, year=year, month=month).iterator(
            chunk_size=1000
        ),
        title=title,
    )
    services.visit_ledger_exported(
        actor=request.user, subdistrict=subdistrict, year=year, month=month, rows=count
    )
    return xlsx_response(
        data,
        filename=ledger_filename(subdistrict.name, year, month),
        fallback=f"visit-ledger-{year:04d}-{month:02d}.xlsx",
    )


@login_required
@require_GET
def visit_list_export_view(request: HttpRequest) -> HttpResponse:
    """The completed visits the user may see, filtered, as xlsx (streamed); every export is
    recorded in the audit log."""
    form = VisitListFilterForm(request.GET or None, actor=request.user)
    if form.is_bound and not form.is_valid():
        messages.warning(request, _("Some filters were not understood: nothing was exported."))
        return redirect("visits:worklist")
    filters = form.filters() if form.is_bound else VisitListFilters()
    return visit_list_response(request.user, filters, AccessLog.Channel.WEB)
