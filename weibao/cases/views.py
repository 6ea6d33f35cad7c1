"""Web pages for cases (建档 onwards): the list, opening a case from a child's file, the case page
with its stage loop, plan, timeline and the actions the workflow allows, and the plan
(一人一策) with its versions.

Every case comes through selectors.case_get_for_user: out of scope is a 404. In scope but not
allowed to take a step is a 403 (the services raise PermissionDenied)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form, Textarea
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.cases import services, workflow
from weibao.cases.blockers import case_blockers
from weibao.cases.choices import Stage
from weibao.cases.export import case_export_response
from weibao.cases.forms import (
    AdvanceForm,
    AssessForm,
    AssignForm,
    CaseFilterForm,
    CaseOpenForm,
    CasePolicyForm,
    DecideCloseForm,
    FileForm,
    PlanForm,
    ReopenForm,
    RequestCloseForm,
    RestrictForm,
    plan_forms,
)
from weibao.cases.hooks import case_page_panels, child_panel_parts
from weibao.cases.models import Case
from weibao.cases.plans import plan_save
from weibao.cases.selectors import (
    CaseListFilters,
    case_get_for_user,
    case_list,
    case_list_count,
    case_list_ids,
    case_policy_districts,
    case_roles,
    case_team,
    cases_visible_to,
    child_cases_for_user,
    current_plan,
    open_case_for_child,
    plan_services,
    plan_version_get,
    plan_versions_of,
    supervisor_names,
)
from weibao.cases.timeline import case_timeline
from weibao.children.models import Child
from weibao.children.selectors import child_get_for_user, child_visible
from weibao.core.hooks import Panel
from weibao.core.versioning import save_versioned
from weibao.core.views_helpers import (
    apply_errors,
    page_of,
    per_district_forms,
    per_district_post,
    query_without_page,
    row_url,
)

PAGE_SIZE = 50

# The loop as users know it; "closing" is the last step waiting for approval.
LOOP = [
    (Stage.DISCOVERED,),
    (Stage.FILED,),
    (Stage.ASSESSED,),
    (Stage.INTERVENING,),
    (Stage.SERVING,),
    (Stage.TRACKING,),
    (Stage.CLOSING, Stage.CLOSED),
]
LOOP_LABELS = [
    gettext_lazy("Discovered"),
    gettext_lazy("Filed"),
    gettext_lazy("Assessed"),
    gettext_lazy("Intervention"),
    gettext_lazy("Services"),
    gettext_lazy("Follow-up"),
    gettext_lazy("Closed"),
]


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"


def stage_steps(case: Case) -> list[Step]:
    current = next(i for i, stages in enumerate(LOOP) if case.stage in stages)
    steps = []
    for i, label in enumerate(LOOP_LABELS):
        state = "done" if i < current else "current" if i == current else "todo"
        if case.stage == Stage.CLOSED and i == current:
            state = "done current"
        if case.stage == Stage.CLOSING and i == current:
            label = Stage.CLOSING.label  # not closed yet: the approval is awaited
        steps.append(Step(str(label), state))
    return steps


def report_url(pk: int) -> str:
    try:
        return reverse("reports:detail", args=[pk])
    except NoReverseMatch:
        return f"/reports/{pk}/"


def _conflict_message() -> str:
    return _(
        "This case was changed by someone else since you opened this page. What you typed is "
        "still below; check the case as it is now, then send it again."
    )


# --- list -----------------------------------------------------------------------------------


@login_required
@require_GET
def case_list_view(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None, actor=request.user)
    filters = form.filters() if form.is_bound and form.is_valid() else CaseListFilters()
    page = page_of(
        request,
        case_list(request.user, filters),
        PAGE_SIZE,
        counter=lambda: case_list_count(request.user, filters),
        ids=case_list_ids(request.user, filters),
    )
    detail_url = row_url("cases:detail")
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(case, detail_url(case.pk)) for case in page],
            "query": query_without_page(request),
            "show_policy_settings": bool(case_policy_districts(request.user)),
        },
    )


@login_required
@require_GET
def case_export_view(request: HttpRequest) -> HttpResponse:
    """The filtered list as xlsx, streamed; every export is recorded in the audit log."""
    form = CaseFilterForm(request.GET or None, actor=request.user)
    if form.is_bound and not form.is_valid():
        messages.warning(request, _("Some filters were not understood: nothing was exported."))
        return redirect(f"{reverse('cases:list')}?{request.GET.urlencode()}")
    filters = form.filters() if form.is_bound else CaseListFilters()
    return case_export_response(request.user, filters, AccessLog.Channel.WEB)


# --- opening a case -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_open_view(request: HttpRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(request.user, child_id)
    existing = open_case_for_child(child)
    form = CaseOpenForm(
        request.POST if request.method == "POST" else None, child=child, actor=request.user
    )
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            case = services.case_open(
                actor=request.user,
                child=child,
                owner=form.cleaned_data["owner"],
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            existing = open_case_for_child(child)
        else:
            if case.owner_id == request.user.pk:
                messages.success(request, _("The case has been opened."))
            else:
                messages.success(
                    request,
                    _("The case has been opened and assigned to %(owner)s.")
                    % {"owner": case.owner},
                )
            if cases_visible_to(request.user).filter(pk=case.pk).exists():
                return redirect("cases:detail", pk=case.pk)
            return redirect("children:detail", pk=child.pk)
    existing_visible = (
        existing is not None and cases_visible_to(request.user).filter(pk=existing.pk).exists()
    )
    return render(
        request,
        "cases/open.html",
        {
            "child": child,
            "form": form,
            "existing": existing,
            "existing_visible": existing_visible,
            "supervisors": supervisor_names(existing)
            if existing and not existing_visible and not existing.restricted
            else [],
        },
    )


# --- the case page --------------------------------------------------------------------------


def _reassess_allowed(case: Case, roles: set[str]) -> bool:
    return case.stage in services.REASSESS_STAGES and bool(
        roles & workflow.CASE.get("assess").roles
    )


ADVANCE_LABELS = {
    "intervene": workflow.CASE.get("intervene").label,
    "serve": workflow.CASE.get("serve").label,
    "track": workflow.CASE.get("track").label,
    "resume_services": workflow.CASE.get("resume_services").label,
}


def _form_for(key: str, case: Case, data=None) -> Form:
    prefix = key
    initial = {"version": case.version}
    if key == "file":
        return FileForm(data, prefix=prefix, initial={**initial, "summary": case.summary})
    if key == "assess":
        return AssessForm(data, prefix=prefix, initial=initial)
    if key in ADVANCE_LABELS:
        return AdvanceForm(data, prefix=prefix, initial=initial)
    if key == "request_close":
        return RequestCloseForm(data, prefix=prefix, initial=initial, stage=case.stage)
    if key == "decide_close":
        return DecideCloseForm(data, prefix=prefix, initial=initial)
    if key == "reopen":
        return ReopenForm(data, prefix=prefix, initial=initial)
    if key == "assign":
        return AssignForm(data, prefix=prefix, initial=initial, child=case.child)
    if key == "restrict":
        restrict = "0" if case.restricted else "1"
        return RestrictForm(data, prefix=prefix, initial={**initial, "restricted": restrict})
    raise KeyError(key)


def available_actions(user, case: Case, roles: set[str]) -> list[str]:
    """The action forms to show: exactly what workflow.CASE allows this user now (plus
    re-assessing, and the owner change of supervisors and district staff)."""
    keys: list[str] = []
    own_request = case.stage == Stage.CLOSING and case.close_requested_by_id == user.pk
    for t in workflow.CASE.available(case.stage, roles):
        key = "decide_close" if t.name in ("approve_close", "reject_close") else t.name
        if key == "decide_close" and own_request:
            continue  # four eyes: someone else decides (services.case_decide_close)
        if key not in keys:
            keys.append(key)
    if "assess" not in keys and _reassess_allowed(case, roles):
        keys.insert(0, "assess")
    if case.is_open and roles & workflow.APPROVERS:
        keys += ["assign", "restrict"]
    return keys


def _typed(form: Form) -> list[tuple[str, str]]:
    """The free text typed into a bound form's text areas, as (label, text)."""
    return [
        (str(field.label), text)
        for name, field in form.fields.items()
        if isinstance(field.widget, Textarea)
        and (text := str(form.data.get(form.add_prefix(name), "")).strip())
    ]


def step_label(key: str, case: Case) -> str:
    """A step's title on the case page (the link that opens it, or its <summary>)."""
    if key == "assess":
        return _("Assess the risk again") if case.risk_level else _("Record the assessment")
    if key == "restrict":
        return _("Lift the restriction") if case.restricted else _("Restrict the case")
    if key in ADVANCE_LABELS:
        return str(ADVANCE_LABELS[key])
    return str(STEP_TITLES[key])


STEP_TITLES = {
    "file": gettext_lazy("File the case"),
    "request_close": gettext_lazy("Ask to close"),
    "decide_close": gettext_lazy("Approve or refuse closing"),
    "reopen": gettext_lazy("Reopen"),
    "assign": gettext_lazy("Change the owner"),
}


def _render_detail(
    request: HttpRequest, case: Case, bound: dict[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    roles = case_roles(user, case)
    keys = available_actions(user, case, roles)
    bound = bound or {}
    # Only the step opened (?step=<key>, or the one just sent back with errors) has its form
    # built and rendered; the others are links that open them. Every step's form on every view
    # was about half of the page's rendering (docs/performance.md, "Where the slow pages' CPU
    # goes").
    opened = next(iter(bound), "") or request.GET.get("step", "")
    forms: dict[str, Form | None] = {
        key: (bound.get(key) or _form_for(key, case)) if key == opened else None for key in keys
    }
    blocked = case_blockers(case, keys)
    # A step no longer offered (the stage moved on meanwhile): say why it was not taken.
    stray_errors = [
        str(message)
        for key, form in bound.items()
        if key not in forms
        for messages_ in form.errors.values()
        for message in messages_
    ]
    # ...and give back what was typed into it, since its form is gone from the page.
    stray_input = [item for key, form in bound.items() if key not in forms for item in _typed(form)]
    plan = current_plan(case)
    reports = [(r, report_url(r.pk)) for r in case.reports.order_by("received_at", "id")]
    own_close_request = case.stage == Stage.CLOSING and case.close_requested_by_id == user.pk
    page_url = reverse("cases:detail", args=[case.pk])
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "child": case.child,
            "case_roles": roles,
            "steps": stage_steps(case),
            "actions": keys,
            "forms": forms,
            # (step, its title, its form or None when closed, why it cannot be taken yet or "",
            # the link that opens it)
            "action_rows": [
                (
                    key,
                    step_label(key, case),
                    form,
                    blocked.get(key, ""),
                    f"{page_url}?step={key}#step-{key}",
                )
                for key, form in forms.items()
            ],
            "open_action": opened if opened in forms else "",
            "advance_labels": ADVANCE_LABELS,
            "plan": plan,
            "plan_services": plan_services(plan),
            "reports": reports,
            "case_panels": case_page_panels.call(),
            "team": case_team(case),
            "timeline": case_timeline(case),
            "own_close_request": own_close_request,
            "stray_errors": stray_errors,
            "stray_input": stray_input,
        },
        status=status,
    )


@login_required
@require_GET
def case_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for_user(request.user, pk)
    access_log_record(
        user=request.user, child=case.child, channel=AccessLog.Channel.WEB, field="case"
    )
    return _render_detail(request, case)


@login_required
@require_GET
def case_timeline_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for_user(request.user, pk)
    return render(
        request,
        "cases/timeline.html",
        {"case": case, "child": case.child, "timeline": case_timeline(case)},
    )


def _act(
    request: HttpRequest,
    pk: int,
    key: str,
    service: Callable[..., Case],
    arguments: Callable[[dict], dict],
    done: Callable[[HttpRequest, Case], str],
) -> HttpResponse:
    """One action: look the case up in scope, check the form, call the service with
    `arguments(cleaned_data)` and the posted version; on error show the case page again with the
    form open, the messages and what was typed. `done` gives the success message."""
    case = case_get_for_user(request.user, pk)
    form = _form_for(key, case, request.POST)
    if form.is_valid():
        saved = save_versioned(
            request,
            form,
            lambda: service(
                actor=request.user,
                case=case,
                expected_version=form.posted_version(),
                **arguments(form.cleaned_data),
            ),
            current=lambda: case_get_for_user(request.user, pk),
            message=_conflict_message(),
        )
        if saved.conflict:
            return _render_detail(request, saved.current, {key: form})
        if saved.ok:
            case = saved.result
            messages.success(request, done(request, case))
            if cases_visible_to(request.user).filter(pk=case.pk).exists():
                return redirect("cases:detail", pk=case.pk)
            return redirect("children:detail", pk=case.child_id)
    return _render_detail(request, case, {key: form})


def _step_view(key: str, service, arguments, done) -> Callable[..., HttpResponse]:
    """The POST view of the case page's action `key` (its form: _form_for)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(request, pk, key, service, arguments, done)

    return view


def _request_close_done(request: HttpRequest, case: Case) -> str:
    if case_roles(request.user, case) & workflow.APPROVERS:
        return _(
            "Closing is requested; someone other than you (another supervisor or the district) "
            "must approve it."
        )
    return _("Closing is requested; the supervisor has been asked to approve it.")


case_file_view = _step_view(
    "file",
    services.case_file,
    lambda d: {"summary": d["summary"]},
    lambda request, case: _("The case is filed."),
)
case_assess_view = _step_view(
    "assess",
    services.case_assess,
    lambda d: {"risk_level": d["risk_level"], "reasons": d["reasons"]},
    lambda request, case: (
        _("The assessment is recorded: risk level %(level)s.")
        % {"level": case.get_risk_level_display()}
    ),
)
case_request_close_view = _step_view(
    "request_close",
    services.case_request_close,
    lambda d: {"summary": d["summary"], "no_need_reason": d.get("no_need_reason", "")},
    _request_close_done,
)
case_decide_close_view = _step_view(
    "decide_close",
    services.case_decide_close,
    lambda d: {"approve": d["decision"] == "approve", "note": d["note"]},
    lambda request, case: (
        _("The case is closed.")
        if case.stage == Stage.CLOSED
        else _("Closing was refused; the case stays open.")
    ),
)
case_reopen_view = _step_view(
    "reopen",
    services.case_reopen,
    lambda d: {"reason": d["reason"]},
    lambda request, case: _("The case is reopened."),
)
case_assign_view = _step_view(
    "assign",
    services.case_assign,
    lambda d: {"owner": d["owner"]},
    lambda request, case: _("The case is now owned by %(owner)s.") % {"owner": case.owner},
)

case_restrict_view = _step_view(
    "restrict",
    services.case_restrict,
    lambda d: {"restricted": d["restricted"], "reason": d["reason"]},
    lambda request, case: (
        _("The case is restricted: the residential area's child directors no longer see it.")
        if case.restricted
        else _("The restriction is lifted: the residential area's child directors see the case.")
    ),
)


@login_required
@require_POST
def case_advance_view(request: HttpRequest, pk: int, transition: str) -> HttpResponse:
    if transition not in ADVANCE_LABELS:
        raise Http404
    return _act(
        request,
        pk,
        transition,
        services.case_advance,
        lambda d: {"transition": transition, "note": d["note"]},
        lambda request, case: (
            _("The case is now at the stage: %(stage)s.") % {"stage": case.get_stage_display()}
        ),
    )


# --- the plan (一人一策) --------------------------------------------------------------------


def _render_plan(request: HttpRequest, case: Case, form, formset, extra_errors=()):
    plan = current_plan(case)
    return render(
        request,
        "cases/plan_edit.html",
        {
            "case": case,
            "child": case.child,
            "plan": plan,
            "form": form,
            "formset": formset,
            "service_errors": list(extra_errors),
        },
    )


def _apply_plan_errors(form: PlanForm, rows, error: ValidationError) -> list[str]:
    """Put each message next to its field; "services.<n>.<field>" goes to the n-th saved row.
    Returns messages about the service list as a whole."""
    general: list[str] = []
    for field, msgs in error.message_dict.items():
        for message in msgs:
            if field.startswith("services."):
                _, n, name = [*field.split(".", 2), "", ""][:3]
                try:
                    row_form = rows[int(n)][0]
                except (ValueError, IndexError):
                    general.append(message)
                    continue
                # A hidden field (the service a row continues) has no place to show it.
                shown = name in row_form.fields and not row_form.fields[name].widget.is_hidden
                row_form.add_error(name if shown else None, message)
            elif field == "services":
                general.append(message)
            else:
                form.add_error(field if field in form.fields else None, message)
    return general


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for_user(request.user, pk)
    plan = current_plan(case)
    if request.method == "GET":
        form, formset = plan_forms(actor=request.user, case=case, plan=plan)
        return _render_plan(request, case, form, formset)
    form, formset = plan_forms(actor=request.user, case=case, plan=plan, data=request.POST)
    form_ok, formset_ok = form.is_valid(), formset.is_valid()
    if not (form_ok and formset_ok):
        return _render_plan(request, case, form, formset)
    rows = formset.rows()
    d = form.cleaned_data
    try:
        saved = save_versioned(
            request,
            form,
            lambda: plan_save(
                actor=request.user,
                case=case,
                goals=d["goals"],
                review_on=d["review_on"],
                services=[item for _form, item in rows],
                change_note=d["change_note"],
                expected_number=form.posted_number(),
            ),
            current=lambda: current_plan(case),
            version_of=lambda latest: latest.number if latest else 0,
            field="expected_number",
            place_errors=False,
            message=_(
                "Someone saved a newer version of this plan while you were editing it. What "
                "you typed is still below; compare it with the current plan, then save again "
                "to make yours the next version."
            ),
        )
    except ValidationError as exc:
        # A plan's errors may name a row of its services.
        general = _apply_plan_errors(form, rows, exc)
        return _render_plan(request, case, form, formset, general)
    if not saved.ok:
        return _render_plan(request, case, form, formset)
    messages.success(request, _("The plan is saved as version %(n)s.") % {"n": saved.result.number})
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_GET
def plan_versions_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for_user(request.user, pk)
    versions = plan_versions_of(case).select_related("created_by")
    return render(
        request,
        "cases/plan_versions.html",
        {"case": case, "child": case.child, "versions": versions},
    )


@login_required
@require_GET
def plan_version_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    case = case_get_for_user(request.user, pk)
    version = plan_version_get(case, number)
    latest = current_plan(case)
    return render(
        request,
        "cases/plan_version.html",
        {
            "case": case,
            "child": case.child,
            "version": version,
            "services": plan_services(version),
            "is_current": latest is not None and latest.pk == version.pk,
            "previous_number": version.number - 1 if version.number > 1 else None,
            "next_number": version.number + 1
            if latest is not None and version.number < latest.number
            else None,
        },
    )


# --- the closing rules of a district (district staff) ---------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_policy_view(request: HttpRequest) -> HttpResponse:
    """What closing a case needs in the district (as reports.views.clocks_view for the report
    clocks): district staff set it, nobody else sees the page."""
    districts = case_policy_districts(request.user)
    if not districts:
        raise Http404
    bound_pk, bound = None, None
    if request.method == "POST":
        district, form, saved = per_district_post(
            request,
            districts,
            services.case_policy_for,
            CasePolicyForm,
            lambda district, data: services.case_policy_update(
                actor=request.user,
                district=district,
                follow_up_visits=data["follow_up_visits"],
            ),
        )
        if saved:
            messages.success(
                request,
                _("Closing rules of %(district)s saved; they apply to closings from now.")
                % {"district": district.name},
            )
            return redirect("cases:policy")
        bound_pk, bound = district.pk, form
    return render(
        request,
        "cases/policy.html",
        {
            "rows": per_district_forms(
                case_policy_districts(request.user),
                services.case_policy_for,
                CasePolicyForm,
                bound_pk,
                bound,
            )
        },
    )


# --- the case part of a child's page ------------------------------------------------------


def child_cases_panel(request: HttpRequest, child: Child) -> Panel:
    """The cases part of a child's file (children.hooks.child_page_panels), for the user
    viewing it."""
    user = request.user
    cases = list(child_cases_for_user(user, child))
    # A child has one open case at most (case_one_open_per_child): when the user sees it, it is
    # in the list already; only otherwise is it read, to say that it exists elsewhere.
    open_case = next((c for c in cases if c.stage != "closed"), None) or open_case_for_child(child)
    sees_child = child_visible(user, child)
    parts = child_panel_parts.call(user, child, cases)
    hidden = open_case if open_case and all(c.pk != open_case.pk for c in cases) else None
    return Panel(
        "cases/_child_panel.html",
        {
            "cases": cases,
            # The latest services and the temporary guardianship, from the apps that keep them.
            "services": [],
            "protection": None,
            **{k: v for part in parts for k, v in part.items()},
            "can_open": sees_child and open_case is None,
            # The child has an open case this user does not see: who to ask (not for a
            # restricted one, which says only that it exists).
            "open_elsewhere": hidden,
            "supervisors": supervisor_names(hidden) if hidden and not hidden.restricted else [],
        },
    )
