"""Web pages of the children's council (docs/domain.md §8.1): the councils, a station's council
(members in term and past, meetings), a member's form, a meeting's page (attendance, minutes,
decisions with their state on the suggestion board) and form.

Every row comes through its scope function: out of scope is a 404. A 儿童主任 reads their
街镇's council (children of other 居民区 not named); writing is the station keepers' (403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.areas.models import Area
from weibao.children.selectors import children_visible_to
from weibao.core.versioning import posted_version, save_versioned
from weibao.core.views_helpers import apply_errors
from weibao.council import services
from weibao.council.forms import DecisionForm, MeetingForm, MemberForm
from weibao.council.models import CouncilMeeting, CouncilMember
from weibao.council.selectors import (
    can_keep,
    council_get_for_user,
    council_summary,
    councils_visible_to,
    decisions_of,
    meeting_get_for_user,
    meetings_visible_to,
    member_get_for_user,
    members_of,
    members_visible_to,
    named_member_ids,
    sees_councils,
    shown_name,
)


def conflict_message() -> str:
    return _(
        "Someone else changed this record while you were editing. Your entries are kept "
        "below; check the current version and save again to apply them."
    )


@login_required
@require_GET
def council_list_view(request: HttpRequest) -> HttpResponse:
    if not sees_councils(request.user):
        raise Http404
    today = timezone.localdate()
    councils = council_summary(
        councils_visible_to(request.user).select_related("subdistrict"), today
    ).order_by("subdistrict__code", "id")
    return render(request, "council/list.html", {"councils": councils})


@login_required
@require_GET
def council_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    station = council_get_for_user(request.user, pk)
    today = timezone.localdate()
    visible = set(
        members_visible_to(request.user).filter(station=station).values_list("pk", flat=True)
    )
    members = [
        m for m in members_of(station).order_by("-term_end", "child__name") if m.pk in visible
    ]
    named = named_member_ids(request.user, members_of(station))
    for m in members:
        m.shown_name = shown_name(m, named)
    return render(
        request,
        "council/detail.html",
        {
            "station": station,
            "current": [m for m in members if m.in_term(today)],
            "past": [m for m in members if not m.in_term(today)],
            "hidden": members_of(station).filter(term_start__lte=today, term_end__gte=today).count()
            - len([m for m in members if m.in_term(today)]),
            "meetings": list(
                meetings_visible_to(request.user).filter(station=station).order_by("-held_on")[:50]
            ),
            "can_keep": can_keep(request.user, station),
        },
    )


def _children_for(user, station):
    return (
        children_visible_to(user)
        .filter(subdistrict_id=station.subdistrict_id)
        .select_related("community")
        .order_by("community__code", "community__name", "name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    station = council_get_for_user(request.user, pk)
    if not can_keep(request.user, station):
        raise PermissionDenied
    children = _children_for(request.user, station)
    today = timezone.localdate()
    form = MemberForm(
        request.POST or None,
        children=children,
        initial={
            "term_start": today,
            "consent_on": today,
            "term_end": today.replace(year=today.year + 1),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(actor=request.user, station=station, data=form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The child is on the council."))
            return redirect("council:detail", pk=station.pk)
    return render(request, "council/member_form.html", {"form": form, "station": station})


@login_required
@require_http_methods(["GET", "POST"])
def member_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_get_for_user(request.user, pk)
    if not can_keep(request.user, member.station):
        raise PermissionDenied
    if request.method == "GET":
        form = MemberForm(
            initial={
                "term_start": member.term_start,
                "term_end": member.term_end,
                "consent_by": member.consent_by,
                "consent_on": member.consent_on,
                "consent_how": member.consent_how,
                "version": member.version,
            }
        )
    else:
        form = MemberForm(request.POST)
        if form.is_valid():
            saved = save_versioned(
                request,
                form,
                lambda: services.member_update(
                    actor=request.user,
                    member=member,
                    data=form.service_data(),
                    expected_version=posted_version(request.POST),
                ),
                current=lambda: CouncilMember.objects.get(pk=member.pk),
                message=conflict_message(),
            )
            if saved.ok:
                messages.success(request, _("Changes saved."))
                return redirect("council:detail", pk=member.station_id)
    return render(
        request,
        "council/member_form.html",
        {"form": form, "station": member.station, "member": member},
    )


def _meeting_form(request, station, data=None, initial=None):
    members = members_of(station).order_by("child__name")
    named = named_member_ids(request.user, members_of(station))
    return MeetingForm(data, members=members, named=named, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    station = council_get_for_user(request.user, pk)
    if not can_keep(request.user, station):
        raise PermissionDenied
    form = _meeting_form(
        request, station, request.POST or None, initial={"held_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(
                actor=request.user, station=station, data=form.service_data()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The meeting is recorded. Record its decisions now."))
            return redirect("council:meeting", pk=meeting.pk)
    return render(request, "council/meeting_form.html", {"form": form, "station": station})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get_for_user(request.user, pk)
    station = meeting.station
    if not can_keep(request.user, station):
        raise PermissionDenied
    if request.method == "GET":
        form = _meeting_form(
            request,
            station,
            initial={
                "held_on": meeting.held_on,
                "agenda": meeting.agenda,
                "minutes": meeting.minutes,
                "present": list(meeting.present.values_list("pk", flat=True)),
                "version": meeting.version,
            },
        )
    else:
        form = _meeting_form(request, station, request.POST)
        if form.is_valid():
            saved = save_versioned(
                request,
                form,
                lambda: services.meeting_update(
                    actor=request.user,
                    meeting=meeting,
                    data=form.service_data(),
                    expected_version=posted_version(request.POST),
                ),
                current=lambda: CouncilMeeting.objects.get(pk=meeting.pk),
                message=conflict_message(),
            )
            if saved.ok:
                messages.success(request, _("Changes saved."))
                return redirect("council:meeting", pk=meeting.pk)
    return render(
        request,
        "council/meeting_form.html",
        {"form": form, "station": station, "meeting": meeting},
    )


def _decision_form(meeting, data=None) -> DecisionForm:
    communities = (
        Area.objects.open()
        .filter(level=Area.Level.COMMUNITY, parent_id=meeting.subdistrict_id)
        .order_by("code", "name")
    )
    return DecisionForm(data, communities=communities, prefix="decision")


def _render_meeting(request, meeting, form=None, status=200) -> HttpResponse:
    visible = named_member_ids(request.user, members_visible_to(request.user))
    present = list(meeting.present.select_related("child").order_by("child__name"))
    keeps = can_keep(request.user, meeting.station)
    return render(
        request,
        "council/meeting.html",
        {
            "meeting": meeting,
            "station": meeting.station,
            "named": [m for m in present if m.pk in visible],
            "unnamed": len([m for m in present if m.pk not in visible]),
            "decisions": decisions_of(meeting),
            "can_keep": keeps,
            "form": (form or _decision_form(meeting)) if keeps else None,
        },
        status=status,
    )


@login_required
@require_GET
def meeting_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_meeting(request, meeting_get_for_user(request.user, pk))


@login_required
@require_POST
def decision_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get_for_user(request.user, pk)
    if not can_keep(request.user, meeting.station):
        raise PermissionDenied
    form = _decision_form(meeting, request.POST)
    if form.is_valid():
        try:
            services.decision_record(
                actor=request.user,
                meeting=meeting,
                text=form.cleaned_data["text"],
                community=form.cleaned_data["community"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("The decision is on the suggestion board, to be routed and answered.")
            )
            return redirect("council:meeting", pk=meeting.pk)
    return _render_meeting(request, meeting, form)
