"""Web pages of the inspection teams (docs/domain.md §8.2): the teams with their open findings
per 居民区, a team's page (members, patrols, findings, meetings), recording a patrol and what it
found (a phone page), the 四位一体 meeting with its agenda and decisions, each finding's steps,
and the outcome page the 儿童主任 shows the children.

Everything comes through the selectors' scope functions: out of scope is a 404, as for an id
that does not exist. Everyone who sees a team keeps it, so there is no 403 here but a step out
of turn (the workflow's table)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.core.versioning import save_versioned
from weibao.core.views_helpers import apply_errors, page_of, query_without_page
from weibao.inspections import services
from weibao.inspections.choices import OPEN_STATES, FindingState, Party
from weibao.inspections.forms import (
    STEP_FORMS,
    FindingFilterForm,
    FindingForm,
    LeaveForm,
    MeetingForm,
    MemberForm,
    PatrolForm,
    TeamForm,
)
from weibao.inspections.models import Finding
from weibao.inspections.selectors import (
    communities_without_team,
    finding_get_for_user,
    findings_visible_to,
    given_name,
    meeting_get_for_user,
    member_candidates,
    member_get_for_user,
    member_rows,
    sees_inspections,
    team_counts,
    team_get_for_user,
    team_roles,
    teams_visible_to,
)
from weibao.inspections.workflow import FINDING

PAGE_SIZE = 50
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _require(user) -> None:
    if not sees_inspections(user):
        raise Http404


def conflict_message() -> str:
    return _(
        "Someone else changed this finding while you were editing. Your entries are kept "
        "below; check the current state and save again to apply them."
    )


# --- teams ------------------------------------------------------------------------------------


@login_required
@require_GET
def team_list_view(request: HttpRequest) -> HttpResponse:
    """The teams of the user's scope with their findings counted per 居民区 (the 街镇's list of
    open findings), and the 居民区 without a team yet."""
    _require(request.user)
    rows = team_counts(request.user)
    return render(
        request,
        "inspections/list.html",
        {
            "rows": rows,
            "totals": {
                "open": sum(r.open for r in rows),
                "overdue": sum(r.overdue for r in rows),
                "resolved": sum(r.resolved for r in rows),
            },
            "can_start": communities_without_team(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_create_view(request: HttpRequest) -> HttpResponse:
    _require(request.user)
    communities = communities_without_team(request.user)
    form = TeamForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(
                actor=request.user,
                community=form.cleaned_data["community"],
                name=form.cleaned_data.get("name", ""),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The team is started. Add its members now."))
            return redirect("inspections:team", pk=team.pk)
    return render(request, "inspections/team_form.html", {"form": form})


@login_required
@require_GET
def team_view(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_get_for_user(request.user, pk)
    members = team.members.select_related("child").order_by("left_on", "joined_on", "pk")
    rows = member_rows(request.user, members)
    patrols = list(
        team.patrols.annotate(n_members=Count("members", distinct=True)).order_by(
            "-patrolled_on", "-pk"
        )[:20]
    )
    findings = list(team.findings.select_related("patrol", "meeting").order_by("-pk")[:100])
    meetings = list(
        team.meetings.annotate(n_items=Count("agenda", distinct=True)).order_by("-held_on", "-pk")[
            :20
        ]
    )
    return render(
        request,
        "inspections/team.html",
        {
            "team": team,
            "active": [r for r in rows if r.member.active],
            "former": [r for r in rows if not r.member.active],
            "patrols": patrols,
            "findings": findings,
            "meetings": meetings,
            "leave_form": LeaveForm(initial={"left_on": timezone.localdate()}),
        },
    )


# --- members ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_get_for_user(request.user, pk)
    today = timezone.localdate()
    form = MemberForm(
        request.POST or None,
        candidates=member_candidates(request.user, team),
        initial={"consent_on": today, "joined_on": today},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        child = data.pop("child")
        try:
            services.member_add(actor=request.user, team=team, child=child, data=data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The child is on the team."))
            return redirect("inspections:team", pk=team.pk)
    return render(
        request,
        "inspections/member_form.html",
        {"team": team, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def member_leave_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_get_for_user(request.user, pk)
    form = LeaveForm(request.POST)
    left_on = form.cleaned_data.get("left_on") if form.is_valid() else None
    try:
        services.member_leave(actor=request.user, member=member, left_on=left_on)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Recorded that the child left the team."))
    return redirect("inspections:team", pk=member.team_id)


# --- patrols and findings ---------------------------------------------------------------------


def _member_labels(user, members) -> dict[int, str]:
    return {
        row.member.pk: row.name or _("Member no. %(n)s") % {"n": row.member.pk}
        for row in member_rows(user, members)
    }


@login_required
@require_http_methods(["GET", "POST"])
def patrol_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_get_for_user(request.user, pk)
    members = team.members.filter(left_on__isnull=True).select_related("child")
    form = PatrolForm(
        request.POST or None,
        members=members,
        labels=_member_labels(request.user, members),
        initial={"patrolled_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["members"] = list(data["members"])
        try:
            services.patrol_create(actor=request.user, team=team, data=data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The patrol is recorded. Record what it found."))
            return redirect("inspections:finding_create", pk=team.pk)
    return render(
        request,
        "inspections/patrol_form.html",
        {"team": team, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_get_for_user(request.user, pk)
    patrols = team.patrols.order_by("-patrolled_on", "-pk")
    labels = {p.pk: f"{p.patrolled_on:%Y-%m-%d} · {p.route[:30]}" for p in patrols}
    first = next(iter(labels), None)
    form = FindingForm(
        request.POST or None,
        request.FILES or None,
        patrols=patrols,
        labels=labels,
        initial={"patrol": first},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo = data.pop("photo", None)
        try:
            finding = services.finding_create(actor=request.user, team=team, data=data, photo=photo)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The finding is recorded."))
            if request.POST.get("another"):
                return redirect("inspections:finding_create", pk=team.pk)
            return redirect("inspections:finding", pk=finding.pk)
    return render(
        request,
        "inspections/finding_form.html",
        {"team": team, "form": form, "has_patrols": first is not None},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def finding_list_view(request: HttpRequest) -> HttpResponse:
    """The findings of the user's scope: the open ones unless a state is asked for, overdue
    first; filter by 居民区."""
    _require(request.user)
    teams = teams_visible_to(request.user).select_related("community").order_by("community__name")
    form = FindingFilterForm(request.GET or None, teams=teams)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    findings = findings_visible_to(request.user).select_related("community", "meeting", "patrol")
    state = data.get("state") or ""
    if state == "overdue":
        findings = findings.filter(state=FindingState.IN_PROGRESS, due_on__lt=timezone.localdate())
    elif state:
        findings = findings.filter(state=state)
    else:
        findings = findings.filter(state__in=list(OPEN_STATES))
    if data.get("team"):
        findings = findings.filter(team=data["team"])
    page = page_of(request, findings.order_by("due_on", "-pk"), PAGE_SIZE)
    return render(
        request,
        "inspections/findings.html",
        {"form": form, "page": page, "query": query_without_page(request)},
    )


def _step_forms(user, finding: Finding, bound_name: str = "", bound=None) -> list:
    """(transition, form) for each step the user may take now."""
    rows = []
    for transition in FINDING.available(finding.state, team_roles(user, finding.team)):
        if transition.name == bound_name and bound is not None:
            rows.append((transition, bound))
            continue
        rows.append((transition, _step_form(transition.name, finding, None)))
    return rows


def _step_form(name: str, finding: Finding, data):
    form_class = STEP_FORMS[name]
    initial = {"version": finding.version}
    if name == "resolve":
        initial["resolved_on"] = timezone.localdate()
    prefix = f"s{finding.pk}-{name}"
    if name == "agenda":
        meetings = finding.team.meetings.order_by("-held_on", "-pk")
        return form_class(data, meetings=meetings, initial=initial, prefix=prefix)
    return form_class(data, initial=initial, prefix=prefix)


def _finding_page(request, finding: Finding, steps, status: int = 200) -> HttpResponse:
    return render(
        request,
        "inspections/finding.html",
        {
            "finding": finding,
            "steps": steps,
            "members": _member_labels(
                request.user, finding.patrol.members.select_related("child")
            ).values(),
        },
        status=status,
    )


@login_required
@require_GET
def finding_view(request: HttpRequest, pk: int) -> HttpResponse:
    finding = finding_get_for_user(request.user, pk)
    return _finding_page(request, finding, _step_forms(request.user, finding))


@login_required
@require_GET
def finding_photo_view(request: HttpRequest, pk: int) -> HttpResponse:
    finding = finding_get_for_user(request.user, pk)
    if not finding.photo:
        raise Http404
    try:
        handle = finding.photo.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=finding.photo_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def finding_step_view(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    finding = finding_get_for_user(request.user, pk)
    if name not in STEP_FORMS:
        raise Http404
    form = _step_form(name, finding, request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        saved = save_versioned(
            request,
            form,
            lambda: services.finding_transition(
                actor=request.user,
                finding=finding,
                name=name,
                expected_version=form.cleaned_data.get("version"),
                **data,
            ),
            current=lambda: Finding.objects.get(pk=finding.pk),
            message=conflict_message(),
        )
        if saved.ok:
            messages.success(
                request, _("Saved: %(state)s.") % {"state": saved.result.get_state_display()}
            )
            back = request.POST.get("back", "")
            if back == "meeting" and saved.result.meeting_id:
                return redirect("inspections:meeting", pk=saved.result.meeting_id)
            return redirect("inspections:finding", pk=finding.pk)
        finding = finding_get_for_user(request.user, pk)
    return _finding_page(request, finding, _step_forms(request.user, finding, name, form), 400)


# --- meetings ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_get_for_user(request.user, pk)
    waiting = team.findings.filter(state=FindingState.FOUND).order_by("pk")
    form = MeetingForm(
        request.POST or None,
        findings=waiting,
        initial={"held_on": timezone.localdate(), "findings": [f.pk for f in waiting]},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = list(data.pop("findings", []))
        try:
            meeting = services.meeting_create(
                actor=request.user, team=team, data=data, findings=chosen
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The meeting is recorded with its agenda."))
            return redirect("inspections:meeting", pk=meeting.pk)
    return render(
        request,
        "inspections/meeting_form.html",
        {"team": team, "form": form, "meeting": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get_for_user(request.user, pk)
    initial = {"held_on": meeting.held_on, "parties": meeting.parties, "notes": meeting.notes}
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(actor=request.user, meeting=meeting, data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("inspections:meeting", pk=meeting.pk)
    return render(
        request,
        "inspections/meeting_form.html",
        {"team": meeting.team, "form": form, "meeting": meeting},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def meeting_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting and its agenda: each finding with the step to take now (record the decision,
    mark resolved) in place, so the meeting is minuted on one page, on a phone."""
    meeting = meeting_get_for_user(request.user, pk)
    roles = team_roles(request.user, meeting.team)
    items = []
    for finding in meeting.agenda.select_related("team").order_by("pk"):
        finding.team = meeting.team
        steps = [
            (t, _step_form(t.name, finding, None))
            for t in FINDING.available(finding.state, roles)
            if t.name in ("decide", "resolve")
        ]
        items.append((finding, steps))
    labels = dict(Party.choices)
    return render(
        request,
        "inspections/meeting.html",
        {
            "meeting": meeting,
            "items": items,
            "present": [labels[p] for p in meeting.parties if p in labels],
            "absent": [label for p, label in Party.choices if p not in meeting.parties],
        },
    )


# --- the outcome page -------------------------------------------------------------------------


@login_required
@require_GET
def outcome_view(request: HttpRequest, pk: int) -> HttpResponse:
    """What the team found and what became of it, in large words for the children: no child's
    data but the given names of its members (where the viewer may see them)."""
    team = team_get_for_user(request.user, pk)
    members = team.members.filter(left_on__isnull=True).select_related("child")
    names = [given_name(row.name) for row in member_rows(request.user, members) if row.name]
    findings = list(
        team.findings.exclude(state=FindingState.CLOSED)
        .select_related("patrol")
        .order_by("-patrol__patrolled_on", "-pk")[:30]
    )
    return render(
        request,
        "inspections/outcome.html",
        {
            "team": team,
            "names": [n for n in names if n],
            "findings": findings,
            "resolved": sum(1 for f in findings if f.state == FindingState.RESOLVED),
        },
    )
