"""Web pages for mandatory reports: the public door (/report/, no login), staff entry, one
click from a visit concern, the triage queue, a report's page with its actions, and the
district's clock policy.

Every report comes through selectors.report_get_for_user: out of scope is a 404. In scope but
not allowed to act is a 403 (the services raise PermissionDenied)."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.audit.models import AccessLog
from weibao.audit.sealing import opened, opened_note
from weibao.children import idnumber
from weibao.children.models import Child
from weibao.children.selectors import child_search, children_visible_to, id_number_owner
from weibao.core import crypto
from weibao.core.dates import years_before
from weibao.core.versioning import save_versioned
from weibao.core.views_helpers import (
    capped_page_of,
    page_of,
    per_district_forms,
    per_district_post,
    query_without_page,
    row_url,
)
from weibao.reports import ratelimit, services, workflow
from weibao.reports.choices import Channel, Situation
from weibao.reports.export import report_export_response
from weibao.reports.forms import (
    ClockPolicyForm,
    CloseForm,
    LinkForm,
    LinkSearchForm,
    OpenCaseForm,
    PoliceForm,
    ReportForm,
    StatusForm,
    UnidentifiedForm,
    VersionForm,
)
from weibao.reports.hooks import case_visible, open_case_of_child
from weibao.reports.models import Report
from weibao.reports.selectors import (
    OPEN_STATES,
    can_decide_no_case,
    can_see_child_address,
    can_see_reporter,
    can_triage_somewhere,
    clock_words,
    own_area_choice,
    report_clocks,
    report_concerns,
    report_get_for_user,
    report_roles,
    report_timeline,
    reports_visible_to,
    situation_labels,
    triage_queue,
)
from weibao.reports.text import normalize_reference
from weibao.visits.selectors import concern_get_for_user

PAGE_SIZE = 50
# From this row on, a page of "all reports" reads its ids first (core.views_helpers.
# CappedPaginator): at 2,500,000 children, the 50th page took 21 ms to join 2,500 rows and
# keep 50, and 1.6 ms to read its ids from the index (docs/performance.md, "The report queue").
# Before it, reading the page in one statement is the cheaper.
DEEP_PAGE_ROWS = 1000
# The encrypted free text of a report the list page does not show (reports/queue.html).
LIST_UNSHOWN = (
    "description", "place", "child_address", "reporter_name", "reporter_phone", "reporter_org",
    "outcome_message",
)  # fmt: skip
CANDIDATE_LIMIT = 20
# A child registered this recently by the user is offered as "just registered for this report".
RECENT_REGISTRATION_HOURS = 24
SESSION_DONE = "weibao.reports.public_done"
# How long the done page keeps showing the reference and code in the reporter's browser
# session, so that a reload or a wrong tap does not lose them (docs/domain.md §5.6). The code
# is kept encrypted, and forgotten sooner when the reporter says they have saved it.
DONE_KEEP = dt.timedelta(minutes=30)
SESSION_STAFF_CODE = "weibao.reports.staff_code"

# Lazy: read in the language of each request, not of the first one.
ACTION_LABELS = {
    "report.create": gettext_lazy("Report received"),
    "report.acknowledge": gettext_lazy("Acknowledged"),
    "report.police": gettext_lazy("Police notification recorded"),
    "report.link_child": gettext_lazy("Linked to a child"),
    "report.unidentified": gettext_lazy("Child marked as unidentified"),
    "report.open_case": gettext_lazy("Case opened"),
    "report.attach_case": gettext_lazy("Attached to the child's open case"),
    "report.close": gettext_lazy("Outcome sent to the reporter; closed"),
    "report.escalate": gettext_lazy("Clock missed: escalated to the district"),
    "report.concern_join": gettext_lazy("A concern of the same visit joined the report"),
}


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] = "private, no-store"
    return response


def _too_big(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.REPORT_PUBLIC_MAX_BODY


def _too_big_message() -> str:
    return _(
        "What you sent is too large. Please shorten the description (at most %(n)s characters) "
        "and send it again."
    ) % {"n": f"{services.DESCRIPTION_LIMIT:,}"}


def _unknown_fields_message() -> str:
    return _("The form contained fields this page does not know. Nothing was saved.")


# --- the public door ------------------------------------------------------------------------


def _render_public(
    request: HttpRequest, form: ReportForm, status: int = 200, error: str = ""
) -> HttpResponse:
    return _no_store(
        render(
            request,
            "reports/public_form.html",
            {"form": form, "other_value": Situation.OTHER, "page_error": error},
            status=status,
        )
    )


@require_http_methods(["GET", "POST"])
def public_report_view(request: HttpRequest) -> HttpResponse:
    """/report/: anyone reports suspected harm to a minor (no login)."""
    if request.method == "GET":
        return _render_public(request, ReportForm())
    if _too_big(request):
        return _render_public(request, ReportForm(), status=413, error=_too_big_message())
    address = ratelimit.client_address(request)
    form = ReportForm(request.POST)
    try:
        if (wait := ratelimit.is_limited(address, ratelimit.REPORT)) is not None:
            raise ratelimit.Limited(wait)
        ratelimit.take(ratelimit.POST, address)
    except ratelimit.Limited as limited:
        return _refuse_too_many(request, form, limited.wait)
    if form.unknown_fields():
        form.is_valid()
        form.add_error(None, _unknown_fields_message())
        return _render_public(request, form, status=400)
    if form.full_check():
        try:
            place = ratelimit.take(ratelimit.REPORT, address)
        except ratelimit.Limited as limited:
            return _refuse_too_many(request, form, limited.wait)
        try:
            report, code = services.report_create(data=form.report_input(), channel=Channel.PUBLIC)
        except ValidationError as exc:
            place.give_back()  # refused: it was no report
            form.apply_service_errors(exc.message_dict)
        else:
            request.session[SESSION_DONE] = {
                "reference": report.reference,
                "code": crypto.encrypt(code),
                "until": (timezone.now() + DONE_KEEP).timestamp(),
            }
            return redirect("public_report:done")
    return _render_public(request, form)


def _refuse_too_many(request: HttpRequest, form: ReportForm, wait: int) -> HttpResponse:
    """429 with what was typed kept and only the limit's message above it."""
    form.is_valid()
    form.errors.clear()
    form.add_error(None, ratelimit.limit_message(wait))
    return _render_public(request, form, status=429)


def _done_keys(request: HttpRequest) -> tuple[str, str] | None:
    """The reference and code of the report just made in this browser session, while they
    are kept (DONE_KEEP); None once they are gone or unreadable."""
    done = request.session.get(SESSION_DONE)
    try:
        if timezone.now().timestamp() < float(done["until"]):
            return str(done["reference"]), crypto.decrypt(done["code"])
    except (KeyError, TypeError, ValueError):
        pass  # nothing kept, an older shape, or a key rotated away: as if expired
    request.session.pop(SESSION_DONE, None)
    return None


@require_GET
def public_done_view(request: HttpRequest) -> HttpResponse:
    """The reference and the secret code, with ways to keep them (copy, print, save as a
    picture). The code is not stored in clear: this page is the reporter's only chance, so it
    survives a reload for DONE_KEEP in the same browser session."""
    keys = _done_keys(request)
    context: dict = {
        "status_url": request.build_absolute_uri(reverse("public_report:status")),
        "keep_minutes": int(DONE_KEEP.total_seconds() // 60),
    }
    if keys:
        reference, code = keys
        context.update({"reference": reference, "code": services.format_code(code)})
    return _no_store(render(request, "reports/public_done.html", context))


@require_POST
def public_done_forget_view(request: HttpRequest) -> HttpResponse:
    """ "I have saved them": the reference and code are no longer shown in this browser."""
    if request.session.pop(SESSION_DONE, None) is not None:
        messages.success(
            request, _("The reference number and code are no longer shown in this browser.")
        )
    return redirect("public_report:done")


def _progress(report: Report) -> list[dict]:
    steps = [
        (Report.State.RECEIVED, report.received_at),
        (Report.State.ACKNOWLEDGED, report.acknowledged_at),
        (Report.State.HANDLING, report.handling_at),
        (Report.State.CLOSED, report.outcome_sent_at),
    ]
    rows = []
    for state, at in steps:
        if state == Report.State.HANDLING and at is None and report.state == "closed":
            continue  # closed without a case: no "being handled" step
        rows.append({"label": Report.State(state).label, "at": at, "done": at is not None})
    return rows


@require_http_methods(["GET", "POST"])
def public_status_view(request: HttpRequest) -> HttpResponse:
    """/report/status/: reference + code → the report's progress and outcome, never details."""
    if request.method == "POST":
        form = StatusForm(request.POST)
    else:  # the "check its progress" link of the done page brings the reference along
        form = StatusForm(initial={"reference": normalize_reference(request.GET.get("reference"))})
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        address = ratelimit.client_address(request)
        wait = ratelimit.is_limited(address, ratelimit.STATUS)
        if _too_big(request):
            context.update({"form": StatusForm(), "page_error": _too_big_message()})
            status = 413
        elif wait is not None:
            form.is_valid()
            form.errors.clear()
            form.add_error(None, ratelimit.limit_message(wait))
            status = 429
        elif form.is_valid():
            report, status = _status_guess(form, address)
            if report is not None:
                context.update(
                    {
                        "found": report,
                        "progress": _progress(report),
                        "form": StatusForm(initial={"reference": report.reference}),
                    }
                )
    return _no_store(render(request, "reports/public_status.html", context, status=status))


def _status_guess(form: StatusForm, address: str) -> tuple[Report | None, int]:
    """The report of a valid status form, counted as a wrong guess before the code is checked
    and given back when it is right; errors are added to the form (404, or 429 when the
    guesses are used up)."""
    try:
        place = ratelimit.take(ratelimit.STATUS, address)
    except ratelimit.Limited as limited:
        form.errors.clear()
        form.add_error(None, ratelimit.limit_message(limited.wait))
        return None, 429
    report = services.report_status(form.cleaned_data["reference"], form.cleaned_data["code"])
    if report is None:
        form.add_error(None, _not_found_message())
        return None, 404
    place.give_back()
    return report, 200


def _not_found_message() -> str:
    return _(
        "No report matches this reference number and code. Check both (they are not case "
        "sensitive) and try again."
    )


# --- staff entry and one click from a concern -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_new_view(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, an empty one too: `request.POST or None` would leave an empty post
    # unbound, and the checks below read a bound form's cleaned data.
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        staff=True,
        initial={"area": own_area_choice(request.user)},
    )
    status = 200
    if request.method == "POST":
        if form.unknown_fields():
            form.is_valid()
            form.add_error(None, _unknown_fields_message())
            status = 400
        elif form.full_check():
            try:
                report, code = services.report_create(
                    data=form.report_input(), channel=Channel.STAFF, actor=request.user
                )
            except PermissionDenied as exc:
                raise Http404 from exc
            except ValidationError as exc:
                form.apply_service_errors(exc.message_dict)
            else:
                request.session[SESSION_STAFF_CODE] = {"pk": report.pk, "code": code}
                messages.success(
                    request,
                    _("Report %(reference)s has been received and sent for triage.")
                    % {"reference": report.reference},
                )
                return redirect("reports:detail", pk=report.pk)
    return render(
        request,
        "reports/staff_form.html",
        {"form": form, "other_value": Situation.OTHER},
        status=status,
    )


@login_required
@require_POST
def report_from_concern_view(request: HttpRequest, concern_id: int) -> HttpResponse:
    concern = concern_get_for_user(request.user, concern_id)
    try:
        filing = services.report_from_concern(actor=request.user, concern=concern)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("concerns:detail", pk=concern.pk)
    report = filing.report
    if filing.created:
        n = len(filing.merged)
        messages.success(
            request,
            ngettext(
                "%(n)s concern was merged into report %(reference)s and sent for triage; it is "
                "marked as handled.",
                "%(n)s concerns were merged into report %(reference)s and sent for triage; they "
                "are marked as handled.",
                n,
            )
            % {"n": n, "reference": report.reference},
        )
    elif filing.joined:
        messages.success(
            request,
            _(
                "This concern joined report %(reference)s, already filed for the same visit; "
                "it is marked as handled."
            )
            % {"reference": report.reference},
        )
    else:
        messages.info(
            request,
            _("This concern was already filed as report %(reference)s.")
            % {"reference": report.reference},
        )
    return redirect("reports:detail", pk=report.pk)


# --- the queue ----------------------------------------------------------------------------------


TAG_LENGTH = 40


def _tags(report: Report) -> list[str]:
    """The report's situations as the list's tags, cut at 40 characters (`|truncatechars:40`,
    which asks gettext for its "…" on every call, for the few that are longer)."""
    return [
        label if len(label) <= TAG_LENGTH else Truncator(label).chars(TAG_LENGTH)
        for label in situation_labels(report)
    ]


def _queue_count(user, page, tab: str, state: str) -> int:
    """The length of the user's triage queue: the page's own count when the page is the whole
    queue, so that it is not counted twice."""
    if tab == "queue" and not state:
        return page.paginator.count
    return triage_queue(user).count()


@login_required
@require_GET
def queue_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    triager = can_triage_somewhere(user)
    tab = request.GET.get("tab", "")
    if tab not in ("queue", "all"):
        tab = "queue" if triager else "all"
    state = request.GET.get("state", "")
    if tab == "queue":
        qs = triage_queue(user)
        if state not in OPEN_STATES:
            state = ""
    else:
        qs = reports_visible_to(user).select_related(
            "district", "subdistrict", "community", "child"
        )
        qs = qs.order_by("-received_at", "-id")
        if state not in Report.State.values:
            state = ""
    if state:
        qs = qs.filter(state=state)
    # The list shows none of these: left unread, they are not decrypted row by row.
    qs = qs.defer(*LIST_UNSHOWN)
    qs = qs.prefetch_related("situation_rows")
    # "All reports" grows with the district (its count read every report of it: docs/
    # performance.md, "The report queue"): counted to a cap, as the registry's list is, and the
    # export has every row. The queue is short, and its length is its tab's badge: exact.
    if tab == "all":
        page = capped_page_of(request, qs, PAGE_SIZE, ids_first=False, deep=DEEP_PAGE_ROWS)
    else:
        page = page_of(request, qs, PAGE_SIZE)
    now = timezone.now()
    words = clock_words()
    detail_url = row_url("reports:detail")
    rows = [
        (report, detail_url(report.pk), report_clocks(report, now, words), _tags(report))
        for report in page
    ]
    state_choices = (
        [(s, Report.State(s).label) for s in OPEN_STATES]
        if tab == "queue"
        else list(Report.State.choices)
    )
    return render(
        request,
        "reports/queue.html",
        {
            "rows": rows,
            "page": page,
            "tab": tab,
            "state": state,
            "state_choices": state_choices,
            "triager": triager,
            "queue_count": _queue_count(user, page, tab, state) if triager else 0,
            "show_clock_settings": bool(services.clock_policy_districts(user)),
            "query": query_without_page(request),
            "now": now,
            "clock_words": words,
        },
    )


@login_required
@require_GET
def export_view(request: HttpRequest) -> HttpResponse:
    """The list as the page shows it (tab and state), as xlsx, streamed; every export is
    recorded in the audit log."""
    user = request.user
    tab = request.GET.get("tab", "")
    if tab not in ("queue", "all"):
        tab = "queue" if can_triage_somewhere(user) else "all"
    state = request.GET.get("state", "")
    allowed = OPEN_STATES if tab == "queue" else Report.State.values
    if state and state not in allowed:
        messages.warning(request, _("Some filters were not understood: nothing was exported."))
        return redirect(f"{reverse('reports:queue')}?{request.GET.urlencode()}")
    return report_export_response(
        user, queue=tab == "queue", state=state, channel=AccessLog.Channel.WEB
    )


# --- a report -----------------------------------------------------------------------------------


def _case_url(case_id: int) -> str:
    try:
        return reverse("cases:detail", args=[case_id])
    except NoReverseMatch:
        return f"/cases/{case_id}/"


def _timeline(report: Report) -> list[dict]:
    rows = []
    for event in report_timeline(report):
        # The values and notes sealed in the row (audit.sealing), opened for the report's readers.
        changes = opened(event.changes or {})
        detail = ""
        if event.action == "report.escalate":
            clock = (changes.get("clock") or {}).get("new")
            detail = {
                "ack": _("acknowledgement"),
                "police": _("police notification"),
                "outcome": _("outcome to the reporter"),
            }.get(clock, clock or "")
        elif event.action == "report.link_child":
            link = (changes.get("link_state") or {}).get("new")
            detail = str(dict(Report.Link.choices).get(link, ""))
        elif event.action == "report.police":
            detail = _("%(told)s, receipt %(receipt)s") % {
                "told": (changes.get("police_told") or {}).get("new", ""),
                "receipt": (changes.get("police_receipt_no") or {}).get("new", ""),
            }
        elif event.action in ("report.open_case", "report.attach_case"):
            detail = (changes.get("case") or {}).get("new", "")
        elif event.action == "report.create":
            channel = (changes.get("channel") or {}).get("new")
            detail = str(dict(Channel.choices).get(channel, ""))
        rows.append(
            {
                "at": event.at,
                "actor": event.actor
                or (_("the reporter") if event.action == "report.create" else _("automatic check")),
                "label": ACTION_LABELS.get(event.action, event.action),
                "detail": detail,
                "note": opened_note(event.note),
            }
        )
    return rows


def _render_detail(request: HttpRequest, report: Report, status: int = 200, **forms):
    user = request.user
    roles = report_roles(user, report)
    triage = workflow.TRIAGE in roles
    is_open = report.state != Report.State.CLOSED
    version_initial = {"version": report.version}
    open_case = None
    if report.child_id and report.case_id is None:
        open_case = open_case_of_child.first(report.child)
    code = None
    pending = request.session.get(SESSION_STAFF_CODE)
    if pending and pending.get("pk") == report.pk:
        code = services.format_code(request.session.pop(SESSION_STAFF_CODE)["code"])
    sees_case = bool(report.case_id and case_visible.first(user, report.case_id))
    child_visible = bool(
        report.child_id and children_visible_to(user).filter(pk=report.child_id).exists()
    )
    context = {
        "report": report,
        "situations": situation_labels(report),
        "concerns": report_concerns(user, report) if report.channel == Channel.CONCERN else [],
        "clocks": report_clocks(report),
        "clock_words": clock_words(),
        "timeline": _timeline(report),
        "show_reporter": can_see_reporter(user, report),
        "child_address": report.child_address
        if can_see_child_address(user, report)
        else crypto.mask_address(report.child_address),
        "triage": triage,
        "is_open": is_open,
        "can_acknowledge": triage and report.state == Report.State.RECEIVED,
        "can_link": triage and is_open and report.case_id is None,
        "can_open_case": triage
        and report.state == Report.State.ACKNOWLEDGED
        and report.link_state in (Report.Link.LINKED, Report.Link.REGISTERED),
        "can_close": triage and report.state in (Report.State.ACKNOWLEDGED, Report.State.HANDLING),
        "needs_no_case": services.needs_no_case_decision(report),
        "may_decide_no_case": can_decide_no_case(user, report),
        "police_missing": report.police_required and report.police_notified_at is None,
        "open_case": open_case,
        "case_url": _case_url(report.case_id) if sees_case else None,
        "child_visible": child_visible,
        "code": code,
        "ack_form": forms.get("ack_form") or VersionForm(initial=version_initial),
        "police_form": forms.get("police_form")
        or PoliceForm(
            initial={
                **version_initial,
                "told": report.police_told,
                "receipt_no": report.police_receipt_no,
                "notified_at": timezone.localtime(report.police_notified_at or timezone.now()),
            }
        ),
        "open_case_form": forms.get("open_case_form")
        or OpenCaseForm(initial=version_initial, child=report.child, actor=user),
        "unidentified_form": forms.get("unidentified_form")
        or UnidentifiedForm(initial=version_initial),
        "close_form": forms.get("close_form") or CloseForm(initial=version_initial),
        "action_errors": [error for form in forms.values() for error in form.non_field_errors()],
        # The action forms are far down the page: their field errors are listed at the top too,
        # each linking to its field.
        "action_field_errors": [
            (form[name].auto_id, error)
            for form in forms.values()
            for name, errors in form.errors.items()
            if name in form.fields and not form[name].is_hidden
            for error in errors
        ],
        "police_open": "police_form" in forms,
        "close_open": "close_form" in forms,
        "unidentified_open": "unidentified_form" in forms,
    }
    response = render(request, "reports/detail.html", context, status=status)
    return _no_store(response) if code else response


@login_required
@require_GET
def detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, report_get_for_user(request.user, pk))


def _conflict_message() -> str:
    return _(
        "This report was changed by someone else while you were looking at it. Check the "
        "current report below; what you typed is kept: send it again if it still applies."
    )


def _action(
    request: HttpRequest, pk: int, form_name: str, form, service, fields: tuple[str, ...], success
):
    """The common shape of a report action: valid form → service (with the form's `fields` and
    the posted version) → message and back to the report; errors → the report page with the
    form and the user's input. `success` is the message, or a function of the service's result
    giving the message and the page to go to."""
    report = report_get_for_user(request.user, pk)
    if workflow.TRIAGE not in report_roles(request.user, report):
        raise PermissionDenied
    if form.is_valid():
        d = form.cleaned_data
        saved = save_versioned(
            request,
            form,
            lambda: service(
                actor=request.user,
                report=report,
                **{name: d[name] for name in fields},
                expected_version=d["version"],
            ),
            current=lambda: report_get_for_user(request.user, pk),
            message=_conflict_message(),
        )
        if saved.conflict:
            return _render_detail(request, saved.current, status=409, **{form_name: form})
        if saved.ok:
            if callable(success):
                text, url = success(saved.result)
            else:
                text, url = success, reverse("reports:detail", args=[report.pk])
            messages.success(request, text)
            return redirect(url)
    for error in form.errors.get("version", []):
        form.add_error(None, error)
    return _render_detail(request, report, **{form_name: form})


def _action_view(form_name: str, form_class, service, fields: tuple[str, ...], success):
    """The POST view of a report action whose form needs nothing but the posted data."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _action(request, pk, form_name, form_class(request.POST), service, fields, success)

    return view


acknowledge_view = _action_view(
    "ack_form", VersionForm, services.report_acknowledge, (), gettext_lazy("Report acknowledged.")
)
police_view = _action_view(
    "police_form",
    PoliceForm,
    services.report_record_police,
    ("told", "notified_at", "receipt_no"),
    gettext_lazy("Police notification recorded."),
)
unidentified_view = _action_view(
    "unidentified_form",
    UnidentifiedForm,
    services.report_mark_unidentified,
    ("note",),
    gettext_lazy("The child is recorded as unidentified."),
)
close_view = _action_view(
    "close_form",
    CloseForm,
    services.report_close,
    ("outcome_message", "no_case_reason"),
    gettext_lazy("The outcome message is on the reporter's status page; the report is closed."),
)


@login_required
@require_POST
def open_case_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(request.user, pk)
    form = OpenCaseForm(request.POST, child=report.child, actor=request.user)

    def success(result) -> tuple[str, str]:
        case, attached = result
        if attached:
            text = _("The report has joined %(case)s, the case already open for this child.") % {
                "case": case.reference
            }
        else:
            text = _("Case %(case)s opened for this report.") % {"case": case.reference}
        # The case is where the work goes on; someone who may not see it stays on the report.
        if case_visible.first(request.user, case.pk):
            return text, _case_url(case.pk)
        return text, reverse("reports:detail", args=[pk])

    return _action(
        request, pk, "open_case_form", form, services.report_open_case, ("owner",), success
    )


# --- linking the child ------------------------------------------------------------------------


def _candidates(request: HttpRequest, form: LinkSearchForm) -> tuple[list[Child], str]:
    """Children matching the search (in the user's scope), and a note for the user."""
    d = form.cleaned_data
    visible = children_visible_to(request.user)
    if d.get("id_number"):
        number = idnumber.normalize(d["id_number"])
        problems = idnumber.format_errors(number)
        if problems:
            form.add_error("id_number", problems[0])
            return [], ""
        owner = id_number_owner(request.user, number)
        if owner is None:
            return [], _("No child with this ID number is registered.")
        if owner.child is None:
            return [], _(
                "A child with this ID number is registered in an area you do not work in. "
                "Ask the district staff to link the report."
            )
        return [owner.child], ""
    qs = child_search(visible, d["name"])
    if d.get("birth_date"):
        qs = qs.filter(birth_date=d["birth_date"])
    if d.get("age") is not None:
        # A reporter's age is a guess: a year either side (today's age, not a birth year).
        today = timezone.localdate()
        qs = qs.filter(
            birth_date__gt=years_before(today, d["age"] + 2),
            birth_date__lte=years_before(today, max(d["age"] - 1, 0)),
        )
    if d.get("community"):
        qs = qs.filter(community=d["community"])
    found = list(qs.select_related("community").order_by("name_pinyin", "id")[:CANDIDATE_LIMIT])
    return found, "" if found else _("No child in your areas matches.")


def _report_search(report: Report) -> dict:
    """What the reporter said that the registry search reads: the page opens with it."""
    known = {}
    if report.child_name:
        known["name"] = report.child_name
    if report.child_age is not None:
        known["age"] = report.child_age
    return known


def _render_link(request: HttpRequest, report: Report, link_form=None, status: int = 200):
    known = _report_search(report)
    if request.GET:
        search = LinkSearchForm(request.GET, actor=request.user)
    elif known.get("name"):  # the first search runs on what the reporter said
        search = LinkSearchForm(known, actor=request.user)
    else:
        search = LinkSearchForm(initial=known, actor=request.user)
    candidates, note = [], ""
    if search.is_bound and search.is_valid() and search.has_query():
        candidates, note = _candidates(request, search)
    since = timezone.now() - dt.timedelta(hours=RECENT_REGISTRATION_HOURS)
    recent = list(
        children_visible_to(request.user)
        .filter(created_by=request.user, created_at__gte=since)
        .select_related("community")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "reports/link.html",
        {
            "report": report,
            "search": search,
            "searched": search.is_bound and search.has_query(),
            "candidates": candidates,
            "note": note,
            "recent": recent,
            "link_form": link_form,
            "version": report.version,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def link_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Find the report's child in the registry and confirm it; or register the child; or say
    the child cannot be identified (on the report page)."""
    report = report_get_for_user(request.user, pk)
    if workflow.TRIAGE not in report_roles(request.user, report):
        raise PermissionDenied
    if report.state == Report.State.CLOSED or report.case_id is not None:
        # Reached by the back button or a bookmark: the child can no longer change here.
        messages.info(
            request,
            _("This report is closed.")
            if report.state == Report.State.CLOSED
            else _("This report is handled in a case: its child can no longer change."),
        )
        return redirect("reports:detail", pk=report.pk)
    if request.method == "GET":
        return _render_link(request, report)
    form = LinkForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        child = children_visible_to(request.user).filter(pk=d["child"]).first()
        if child is None:
            form.add_error(None, _("No such child in your areas."))
        else:
            saved = save_versioned(
                request,
                form,
                lambda: services.report_link_child(
                    actor=request.user,
                    report=report,
                    child=child,
                    link_state=d["link_state"],
                    expected_version=d["version"],
                ),
                current=lambda: report_get_for_user(request.user, pk),
                message=_conflict_message(),
            )
            if saved.conflict:
                return _render_link(request, saved.current, link_form=form, status=409)
            if saved.ok:
                messages.success(
                    request,
                    _("The report is linked to %(child)s.") % {"child": child.name},
                )
                return redirect("reports:detail", pk=report.pk)
    return _render_link(request, report, link_form=form)


# --- the clocks (district staff) ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def clocks_view(request: HttpRequest) -> HttpResponse:
    districts = services.clock_policy_districts(request.user)
    if not districts:
        raise Http404
    bound_pk, bound = None, None
    if request.method == "POST":
        district, form, saved = per_district_post(
            request,
            districts,
            services.clock_policy_for,
            ClockPolicyForm,
            lambda district, data: services.clock_policy_update(
                actor=request.user,
                district=district,
                ack_minutes=data["ack_minutes"],
                police_hours=data["police_hours"],
                outcome_days=data["outcome_days"],
            ),
        )
        if saved:
            messages.success(
                request,
                _("Clocks of %(district)s saved; they apply to reports received from now.")
                % {"district": district.name},
            )
            return redirect("reports:clocks")
        bound_pk, bound = district.pk, form
    return render(
        request,
        "reports/clocks.html",
        {
            "rows": per_district_forms(
                services.clock_policy_districts(request.user),
                services.clock_policy_for,
                ClockPolicyForm,
                bound_pk,
                bound,
            )
        },
    )
