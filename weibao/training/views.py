"""Web pages of the training work (docs/domain.md §2.7): sessions, the roll-call (a phone
page: a big tap target per person and answer, saved by a plain form POST), materials, the
training rate, the district's topics and rule.

Every session comes through sessions_visible_to: out of scope is a 404, as for someone with no
training role (a 儿童主任). In scope but not allowed (a supervisor changing a district session)
is a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.core.scope import get_or_404
from weibao.core.uploads import stored_file_response
from weibao.core.versioning import posted_version, save_versioned
from weibao.core.views_helpers import apply_errors, page_of, query_without_page
from weibao.training import services
from weibao.training.choices import AttendanceStatus
from weibao.training.forms import (
    MaterialForm,
    PolicyForm,
    RateForm,
    SessionFilterForm,
    SessionForm,
    TopicForm,
)
from weibao.training.models import TrainingSession, TrainingTopic
from weibao.training.selectors import (
    can_keep_session,
    default_period,
    materials_visible_to,
    organiser_areas,
    rate_areas_visible_to,
    roll_candidates,
    roll_counts,
    session_get_for_user,
    session_roll,
    sessions_visible_to,
    topic_districts_managed_by,
    topics_visible_to,
    training_districts,
    training_rate,
    training_rule,
)

PAGE_SIZE = 50


def require_training(user) -> None:
    """Someone who keeps no session and sees none (a 儿童主任, no role): every page is a 404."""
    if not training_districts(user):
        raise Http404


def conflict_message() -> str:
    return _(
        "Someone else changed this record while you were editing. Your entries are kept "
        "below; check the current version and save again to apply them."
    )


def _ensure_topics(user) -> None:
    # A district made after the data migration gets its default topics the first time its
    # people open a training form.
    with transaction.atomic():
        for district in training_districts(user):
            services.topics_ensure_defaults(district=district, actor=user)


# --- sessions ---------------------------------------------------------------------------------


@login_required
@require_GET
def session_list_view(request: HttpRequest) -> HttpResponse:
    require_training(request.user)
    form = SessionFilterForm(request.GET or None, topics=topics_visible_to(request.user))
    if form.is_bound:
        form.is_valid()
    sessions = (
        form.filter(sessions_visible_to(request.user))
        .select_related("topic", "district", "subdistrict")
        .annotate(
            present=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT))
        )
        .order_by("-held_on", "-pk")
    )
    page = page_of(request, sessions, PAGE_SIZE)
    return render(
        request,
        "training/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_create": bool(organiser_areas(request.user)),
            "manages_topics": bool(topic_districts_managed_by(request.user)),
        },
    )


def _render_form(request, form: SessionForm, session: TrainingSession | None) -> HttpResponse:
    return render(request, "training/form.html", {"form": form, "session": session})


@login_required
@require_http_methods(["GET", "POST"])
def session_create_view(request: HttpRequest) -> HttpResponse:
    require_training(request.user)
    organisers = organiser_areas(request.user)
    if not organisers:
        raise PermissionDenied
    _ensure_topics(request.user)
    initial = {
        "held_on": timezone.localdate(),
        "audience": list(training_rule(training_districts(request.user)[0]).roles),
        "organiser": organisers[-1].pk if len(organisers) == 1 else organisers[0].pk,
    }
    form = SessionForm(
        request.POST or None,
        organisers=organisers,
        topics=topics_visible_to(request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The session has been recorded. Take the roll now."))
            return redirect("training:roll", pk=session.pk)
    return _render_form(request, form, None)


@login_required
@require_GET
def session_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get_for_user(request.user, pk)
    keeps = can_keep_session(request.user, session)
    rows = session_roll(session, request.user)
    return render(
        request,
        "training/detail.html",
        {
            "session": session,
            "can_keep": keeps,
            "counts": roll_counts(session),
            "recorded": [r for r in rows if r.status],
            "materials": list(session.materials.all()),
            "material_form": MaterialForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get_for_user(request.user, pk)
    if not can_keep_session(request.user, session):
        raise PermissionDenied
    organisers = organiser_areas(request.user)
    topics = topics_visible_to(request.user)
    if request.method == "GET":
        form = SessionForm(
            initial=SessionForm.initial_from(session),
            organisers=organisers,
            topics=topics,
            session=session,
        )
        return _render_form(request, form, session)
    form = SessionForm(request.POST, organisers=organisers, topics=topics, session=session)
    if form.is_valid():
        saved = save_versioned(
            request,
            form,
            lambda: services.session_update(
                actor=request.user,
                session=session,
                data=form.service_data(),
                expected_version=posted_version(request.POST),
            ),
            current=lambda: TrainingSession.objects.get(pk=session.pk),
            message=conflict_message(),
        )
        if saved.ok:
            messages.success(request, _("Changes saved."))
            return redirect("training:detail", pk=session.pk)
    return _render_form(request, form, session)


@login_required
@require_POST
def session_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get_for_user(request.user, pk)
    if not can_keep_session(request.user, session):
        raise PermissionDenied
    services.session_delete(actor=request.user, session=session)
    messages.success(request, _("The session has been removed, with its roll and files."))
    return redirect("training:list")


# --- the roll-call ----------------------------------------------------------------------------


def _posted_marks(request: HttpRequest, rows) -> dict[int, str]:
    marks: dict[int, str] = {}
    for row in rows:
        value = request.POST.get(f"m{row.member.pk}", "")
        if value in AttendanceStatus.values:
            marks[row.member.pk] = value
    return marks


@login_required
@require_http_methods(["GET", "POST"])
def roll_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The roll-call: everyone expected, each with present / absent / excused as three big
    buttons; one Save, and "mark everyone present" (the answers tapped are kept, everyone
    without one is present). Works without JavaScript, at a phone's width."""
    session = session_get_for_user(request.user, pk)
    if not can_keep_session(request.user, session):
        raise PermissionDenied
    rows = session_roll(session, request.user)
    error = ""
    if request.method == "POST":
        marks = _posted_marks(request, rows)
        extra = request.POST.get("add", "")
        if extra.isdigit():
            marks.setdefault(int(extra), AttendanceStatus.PRESENT)
        try:
            if request.POST.get("everyone") == "present":
                services.session_roll_all_present(actor=request.user, session=session, marks=marks)
            else:
                services.session_roll_set(actor=request.user, session=session, marks=marks)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("The roll is saved: %(present)d present.")
                % {"present": roll_counts(session)[AttendanceStatus.PRESENT]},
            )
            return redirect("training:roll", pk=session.pk)
        # Keep what was tapped.
        posted = _posted_marks(request, rows)
        for row in rows:
            row.status = posted.get(row.member.pk, row.status)
    listed = {r.member.pk for r in rows}
    others = (
        roll_candidates(session)
        .exclude(pk__in=listed)
        .select_related("subdistrict", "community")
        .order_by("subdistrict__code", "community__name", "name")
    )
    return render(
        request,
        "training/roll.html",
        {
            "session": session,
            "rows": rows,
            "others": others,
            "statuses": AttendanceStatus.choices,
            "error": error,
            "counts": roll_counts(session),
        },
        status=400 if error else 200,
    )


# --- materials --------------------------------------------------------------------------------


@login_required
@require_POST
def material_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get_for_user(request.user, pk)
    if not can_keep_session(request.user, session):
        raise PermissionDenied
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please choose a file to attach."))
    else:
        try:
            material = services.material_add(
                actor=request.user, session=session, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Attached %(name)s.") % {"name": material.original_name})
    return redirect("training:detail", pk=session.pk)


@login_required
@require_GET
def material_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_or_404(materials_visible_to(request.user), pk)
    return stored_file_response(
        material.file, filename=material.original_name, content_type=material.content_type
    )


@login_required
@require_POST
def material_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_or_404(materials_visible_to(request.user).select_related("session"), pk)
    if not can_keep_session(request.user, material.session):
        raise PermissionDenied
    services.material_remove(actor=request.user, material=material)
    messages.success(request, _("The file has been removed."))
    return redirect("training:detail", pk=material.session_id)


# --- the training rate ------------------------------------------------------------------------


@login_required
@require_GET
def rate_view(request: HttpRequest) -> HttpResponse:
    areas = rate_areas_visible_to(request.user)
    if not areas:
        raise Http404
    today = timezone.localdate()
    start, end = default_period(today)
    area = areas[0]
    form = RateForm(
        request.GET or None, areas=areas, initial={"area": area.pk, "start": start, "end": end}
    )
    if form.is_bound and form.is_valid():
        area = form.cleaned_data.get("area") or area
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or max(end, start)
    elif form.is_bound and "area" in form.errors:
        raise Http404  # an area out of scope answers as one that does not exist
    summary = training_rate(area=area, start=start, end=end)
    return render(
        request,
        "training/rate.html",
        {
            "form": form,
            "summary": summary,
            "periods": [
                (_("This year"), default_period(today)),
                (_("Last year"), default_period(today.replace(year=today.year - 1, day=1))),
            ],
            "area": area,
        },
    )


# --- the district's topics and rule -----------------------------------------------------------


def _districts_or_404(request: HttpRequest):
    districts = topic_districts_managed_by(request.user)
    if not districts:
        raise Http404
    return districts


def _render_settings(request, districts, bound=None, bound_pk=None, status=200):
    blocks = []
    for district in districts:
        if bound is not None and bound_pk == district.pk:
            form = bound
        else:
            rule = training_rule(district)
            form = PolicyForm(
                initial={"required_roles": list(rule.roles), "min_hours": rule.min_hours},
                prefix=f"d{district.pk}",
            )
        topics = list(TrainingTopic.objects.filter(district=district).order_by("-active", "pk"))
        blocks.append({"district": district, "form": form, "topics": topics})
    return render(
        request,
        "training/settings.html",
        {"blocks": blocks, "topic_form": TopicForm()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    districts = _districts_or_404(request)
    _ensure_topics(request.user)
    if request.method == "GET":
        return _render_settings(request, districts)
    district = next((d for d in districts if str(d.pk) == request.POST.get("district")), None)
    if district is None:
        raise Http404
    form = PolicyForm(request.POST, prefix=f"d{district.pk}")
    if form.is_valid():
        try:
            services.training_policy_update(
                actor=request.user,
                district=district,
                required_roles=form.cleaned_data["required_roles"],
                min_hours=form.cleaned_data["min_hours"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The training rule is saved."))
            return redirect("training:settings")
    return _render_settings(request, districts, bound=form, bound_pk=district.pk)


@login_required
@require_POST
def topic_create_view(request: HttpRequest) -> HttpResponse:
    districts = _districts_or_404(request)
    district = next((d for d in districts if str(d.pk) == request.POST.get("district")), None)
    if district is None:
        raise Http404
    form = TopicForm(request.POST)
    if form.is_valid():
        try:
            services.topic_create(
                actor=request.user, district=district, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The topic is added."))
    else:
        messages.error(request, _("Please give the topic."))
    return redirect("training:settings")


@login_required
@require_POST
def topic_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    districts = _districts_or_404(request)
    topic = get_or_404(TrainingTopic.objects.filter(district__in=[d.pk for d in districts]), pk)
    name = request.POST.get("name")
    active = {"1": True, "0": False}.get(request.POST.get("active", ""))
    try:
        services.topic_update(actor=request.user, topic=topic, name=name, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The topic is saved."))
    return redirect("training:settings")
