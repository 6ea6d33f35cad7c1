"""Web pages of projects and activities (docs/domain.md §8.3): the list, a project and an
activity with their forms, sign-up and the waiting list, attendance (a phone page: one big tap
per child, walk-ins added at the door), photos with consent, feedback, the child's passport
(printed on A5), the figures and their spreadsheet; and the two panels this app adds to lower
pages: the child's activities on their file, the station's projects on its display wall.

Everything comes through the scope functions: out of scope is a 404; in scope but not allowed
(a 儿童主任 editing a project) is a 403."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weibao.activities import services
from weibao.activities.choices import ActivityState, AgeBand, ProjectStatus, SignupStatus
from weibao.activities.forms import (
    ActivityForm,
    FeedbackForm,
    FiguresForm,
    PhotoForm,
    ProjectForm,
    SignupForm,
    StateForm,
    WalkinForm,
)
from weibao.activities.models import Activity, Project
from weibao.activities.selectors import (
    activities_visible_to,
    activity_counts,
    activity_get_for_user,
    can_keep_activity,
    can_keep_project,
    can_remove_photo,
    can_run_activity,
    child_signups,
    children_to_sign_up,
    districts_to_own,
    figure_areas,
    figures_table,
    may_create,
    partners_choice,
    passport_stamps,
    photo_get_for_user,
    project_get_for_user,
    project_results,
    projects_visible_to,
    sees_activities,
    signup_get_for_user,
    signup_rows,
    stations_to_own,
    wall_projects,
    wall_upcoming,
    zones_for,
)
from weibao.areas.models import Area
from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.children.categories import Category
from weibao.children.models import Child
from weibao.children.selectors import child_get_for_user
from weibao.core.exceptions import ConflictError
from weibao.core.hooks import Panel
from weibao.core.versioning import posted_version, save_versioned
from weibao.core.views_helpers import apply_errors, page_of, posted_id
from weibao.core.xlsx import file_name_part, ledger_workbook, xlsx_response
from weibao.stations.evidence import shown_count

PAGE_SIZE = 50


def require_activities(user) -> None:
    if not sees_activities(user):
        raise Http404


def conflict_message() -> str:
    return _(
        "Someone else changed this record while you were editing. Your entries are kept "
        "below; check the current version and save again to apply them."
    )


# --- the list -----------------------------------------------------------------------------------


@login_required
@require_GET
def list_view(request: HttpRequest) -> HttpResponse:
    require_activities(request.user)
    today = timezone.localdate()
    projects = (
        projects_visible_to(request.user)
        .select_related("district", "station")
        .annotate(n_activities=Count("activities"))
        .order_by("-starts_on", "-pk")
    )
    status = request.GET.get("status", "")
    if status in ProjectStatus.values:
        projects = projects.filter(status=status)
    upcoming = (
        activities_visible_to(request.user)
        .filter(held_on__gte=today, state=ActivityState.PLANNED)
        .select_related("project", "station", "zone", "partner", "district")
        .annotate(n_signed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)))
        .order_by("held_on", "starts_at", "pk")[:30]
    )
    return render(
        request,
        "activities/list.html",
        {
            "page": page_of(request, projects, PAGE_SIZE),
            "upcoming": list(upcoming),
            "statuses": ProjectStatus.choices,
            "status": status,
            "can_create": may_create(request.user),
            "sees_figures": bool(figure_areas(request.user)),
        },
    )


# --- projects -----------------------------------------------------------------------------------


def _project_form(request, data=None, project=None, **kw) -> ProjectForm:
    return ProjectForm(
        data,
        stations=stations_to_own(request.user),
        may_district=districts_to_own(request.user).exists(),
        partners=partners_choice(request.user),
        project=project,
        **kw,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create_view(request: HttpRequest) -> HttpResponse:
    require_activities(request.user)
    if not may_create(request.user):
        raise PermissionDenied
    form = _project_form(
        request,
        request.POST or None,
        initial={"starts_on": timezone.localdate(), "status": ProjectStatus.PLANNED},
    )
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The project has been created. Add its activities now."))
            return redirect("activities:project", pk=project.pk)
    return render(request, "activities/project_form.html", {"form": form, "project": None})


@login_required
@require_GET
def project_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get_for_user(request.user, pk)
    activities = list(
        project.activities.select_related("zone", "partner", "station")
        .annotate(
            n_signed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
            n_present=Count("signups", filter=Q(signups__attended=True)),
        )
        .order_by("held_on", "starts_at", "pk")
    )
    return render(
        request,
        "activities/project_detail.html",
        {
            "project": project,
            "activities": activities,
            "partners": list(project.partners.all()),
            "results": project_results(project),
            "can_keep": can_keep_project(request.user, project),
            "category_labels": _labels(project.categories, "categories"),
            "band_labels": _labels(project.age_bands, "age_bands"),
        },
    )


def _labels(values: list[str], kind: str) -> list[str]:
    choices = dict(Category.choices if kind == "categories" else AgeBand.choices)
    return [str(choices.get(v, v)) for v in values]


@login_required
@require_http_methods(["GET", "POST"])
def project_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get_for_user(request.user, pk)
    if not can_keep_project(request.user, project):
        raise PermissionDenied
    if request.method == "GET":
        form = _project_form(request, project=project, initial=ProjectForm.initial_from(project))
    else:
        form = _project_form(request, request.POST, project=project)
        if form.is_valid():
            saved = save_versioned(
                request,
                form,
                lambda: services.project_update(
                    actor=request.user,
                    project=project,
                    data=form.service_data(),
                    expected_version=posted_version(request.POST),
                ),
                current=lambda: Project.objects.get(pk=project.pk),
                message=conflict_message(),
            )
            if saved.ok:
                messages.success(request, _("Changes saved."))
                return redirect("activities:project", pk=project.pk)
    return render(request, "activities/project_form.html", {"form": form, "project": project})


# --- activities ---------------------------------------------------------------------------------


def _activity_form(request, data=None, *, owned, series=False, **kw) -> ActivityForm:
    return ActivityForm(
        data,
        stations=stations_to_own(request.user),
        may_district=districts_to_own(request.user).exists(),
        zones=zones_for(request.user),
        partners=partners_choice(request.user),
        owned=owned,
        series=series,
        **kw,
    )


def _project_of(request) -> Project | None:
    raw = request.GET.get("project") or request.POST.get("project")
    if not raw:
        return None
    project = project_get_for_user(request.user, raw)
    if not can_keep_project(request.user, project):
        raise PermissionDenied
    return project


@login_required
@require_http_methods(["GET", "POST"])
def activity_create_view(request: HttpRequest) -> HttpResponse:
    """A new activity (under ?project=…, or alone); with ?series=1, a series of them."""
    require_activities(request.user)
    if not may_create(request.user):
        raise PermissionDenied
    project = _project_of(request)
    series = request.GET.get("series") == "1" or request.POST.get("series") == "1"
    initial = {"held_on": timezone.localdate(), "capacity": 20, "age_min": 0, "age_max": 17}
    if project is not None:
        initial["title"] = project.name
    form = _activity_form(
        request, request.POST or None, owned=project is not None, series=series, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            if series:
                made = services.series_create(
                    actor=request.user,
                    data=form.service_data(),
                    dates=form.cleaned_data["dates"],
                    project=project,
                )
                messages.success(request, _("The series and its activities have been created."))
                first = made.activities.order_by("held_on").first()
                return redirect("activities:activity", pk=first.pk)
            activity = services.activity_create(
                actor=request.user, data=form.service_data(), project=project
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The activity has been created. Sign children up now."))
            return redirect("activities:activity", pk=activity.pk)
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "activity": None, "project": project, "series": series},
    )


@login_required
@require_GET
def activity_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk)
    runs = can_run_activity(request.user, activity)
    keeps = can_keep_activity(request.user, activity)
    rows = signup_rows(request.user, activity)
    photos = list(activity.photos.all())
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "confirmed": [r for r in rows if r.signup.status == SignupStatus.CONFIRMED],
            "waiting": [r for r in rows if r.signup.status == SignupStatus.WAITING],
            "counts": activity_counts(activity),
            "can_keep": keeps,
            "can_run": runs,
            "signup_form": SignupForm(
                children=children_to_sign_up(request.user, activity).order_by("name")
            )
            if runs
            else None,
            "walkin_form": WalkinForm() if runs else None,
            "photo_form": PhotoForm() if runs else None,
            "feedback_form": FeedbackForm() if runs else None,
            "photos": photos,
            # can_remove_photo, for every photo at once.
            "removable": {
                p.pk for p in photos if keeps or (runs and p.uploaded_by_id == request.user.pk)
            },
            "feedback": list(activity.feedback.all()[:50]),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk)
    if not can_keep_activity(request.user, activity):
        raise PermissionDenied
    if request.method == "GET":
        form = _activity_form(request, owned=True, initial=ActivityForm.initial_from(activity))
    else:
        form = _activity_form(request, request.POST, owned=True)
        if form.is_valid():
            saved = save_versioned(
                request,
                form,
                lambda: services.activity_update(
                    actor=request.user,
                    activity=activity,
                    data=form.service_data(),
                    expected_version=posted_version(request.POST),
                ),
                current=lambda: Activity.objects.get(pk=activity.pk),
                message=conflict_message(),
            )
            if saved.ok:
                messages.success(request, _("Changes saved."))
                return redirect("activities:activity", pk=activity.pk)
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "activity": activity, "project": activity.project, "series": False},
    )


@login_required
@require_POST
def activity_state_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk)
    if not can_keep_activity(request.user, activity):
        raise PermissionDenied
    form = StateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a state from the list."))
    else:
        try:
            services.activity_set_state(
                actor=request.user,
                activity=activity,
                state=form.cleaned_data["state"],
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ConflictError:
            messages.error(request, conflict_message())
        else:
            messages.success(request, _("Changes saved."))
    return redirect("activities:activity", pk=activity.pk)


# --- sign-up ------------------------------------------------------------------------------------


def _runnable(request, pk) -> Activity:
    activity = activity_get_for_user(request.user, pk)
    if not can_run_activity(request.user, activity):
        raise PermissionDenied
    return activity


@login_required
@require_POST
def signup_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _runnable(request, pk)
    form = SignupForm(request.POST, children=children_to_sign_up(request.user, activity))
    if not form.is_valid():
        messages.error(request, _("Choose a child of this activity's area that you see."))
    else:
        try:
            signup = services.signup_add(
                actor=request.user, activity=activity, child=form.cleaned_data["child"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if signup.status == SignupStatus.WAITING:
                messages.warning(
                    request, _("The activity is full: the child is on the waiting list.")
                )
            else:
                messages.success(request, _("The child is signed up."))
    return redirect("activities:activity", pk=activity.pk)


@login_required
@require_POST
def walkin_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A walk-in by given name and age; from the attendance page (`door=1`) present at once."""
    activity = _runnable(request, pk)
    at_door = request.POST.get("door") == "1"
    form = WalkinForm(request.POST)
    target = "activities:attendance" if at_door else "activities:activity"
    if not form.is_valid():
        messages.error(request, _("Give the child's given name and an age from 0 to 17."))
    else:
        try:
            services.walkin_add(
                actor=request.user,
                activity=activity,
                name=form.cleaned_data["name"],
                age=form.cleaned_data["age"],
                at_door=at_door,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(name)s has been added.") % {"name": form.cleaned_data["name"]}
            )
    return redirect(target, pk=activity.pk)


@login_required
@require_POST
def signup_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    signup = signup_get_for_user(request.user, pk)
    if not can_run_activity(request.user, signup.activity):
        raise PermissionDenied
    try:
        promoted = services.signup_cancel(actor=request.user, signup=signup)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The sign-up has been cancelled."))
        if promoted is not None:
            messages.info(request, _("The first child on the waiting list now has the place."))
    return redirect("activities:activity", pk=signup.activity_id)


# --- attendance ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def attendance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One big button per child: a tap marks them present (or clears the mark) and comes back
    here. Works without JavaScript at a phone's width."""
    activity = _runnable(request, pk)
    if request.method == "POST":
        signup_id = posted_id(request.POST.get("toggle", ""))
        present = request.POST.get("present") == "1"
        if signup_id is not None:
            try:
                services.attendance_set(
                    actor=request.user, activity=activity, marks={signup_id: present}
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return redirect("activities:attendance", pk=activity.pk)
    rows = signup_rows(
        request.user, activity, statuses=[SignupStatus.CONFIRMED, SignupStatus.WAITING]
    )
    return render(
        request,
        "activities/attendance.html",
        {
            "activity": activity,
            "rows": rows,
            "present": sum(1 for r in rows if r.signup.attended),
            "walkin_form": WalkinForm(),
            "early": activity.held_on > timezone.localdate(),
        },
    )


# --- photos and feedback ------------------------------------------------------------------------


@login_required
@require_POST
def photo_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _runnable(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please choose a photo."))
        return redirect("activities:activity", pk=activity.pk)
    pictured: dict[int, bool] = {}
    for key in request.POST.getlist("pictured"):
        if (signup_id := posted_id(key)) is not None:
            pictured[signup_id] = request.POST.get(f"consent_{key}") == "1"
    try:
        photo = services.photo_add(
            actor=request.user,
            activity=activity,
            upload=form.cleaned_data["file"],
            caption=form.cleaned_data["caption"],
            pictured=pictured,
            walkins_consent=form.cleaned_data["walkins_consent"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if photo.public:
            messages.success(request, _("The photo is added; every child pictured has consent."))
        else:
            messages.success(
                request,
                _("The photo is added; it stays internal (a child pictured has no consent)."),
            )
    return redirect("activities:activity", pk=activity.pk)


@login_required
@require_GET
def photo_view(request: HttpRequest, pk: int) -> HttpResponse:
    photo = photo_get_for_user(request.user, pk)
    try:
        handle = photo.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = HttpResponse(handle.read(), content_type=photo.content_type)
    handle.close()
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def photo_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    photo = photo_get_for_user(request.user, pk)
    if not can_remove_photo(request.user, photo):
        raise PermissionDenied
    try:
        services.photo_remove(actor=request.user, photo=photo)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The photo has been removed."))
    return redirect("activities:activity", pk=photo.activity_id)


@login_required
@require_POST
def feedback_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _runnable(request, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a rating from 1 to 5."))
    else:
        try:
            services.feedback_add(
                actor=request.user,
                activity=activity,
                text=form.cleaned_data["text"],
                rating=form.cleaned_data["rating"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you: the feedback is recorded."))
    return redirect("activities:activity", pk=activity.pk)


# --- the passport -------------------------------------------------------------------------------


@login_required
@require_GET
def passport_view(request: HttpRequest, child_id: int) -> HttpResponse:
    """The child's passport (the art passport of 艺润童心): each activity attended as a stamp,
    with its date and project; printed on A5. A read of the child's file: access-logged."""
    child = child_get_for_user(request.user, child_id)
    access_log_record(
        user=request.user, child=child, channel=AccessLog.Channel.WEB, field="activities_passport"
    )
    return render(
        request,
        "activities/passport.html",
        {"child": child, "stamps": passport_stamps(request.user, child)},
    )


# --- the figures --------------------------------------------------------------------------------


def _figures(request) -> tuple[FiguresForm, object]:
    areas = figure_areas(request.user)
    if not areas:
        raise Http404
    form = FiguresForm(
        request.GET or None,
        areas=Area.objects.filter(pk__in=[a.pk for a in areas]).order_by("level", "code", "name"),
    )
    area, year = areas[0], timezone.localdate().year
    if form.is_bound and form.is_valid():
        area = form.cleaned_data.get("area") or area
        year = form.cleaned_data.get("year") or year
    return form, figures_table(request.user, area, year)


@login_required
@require_GET
def figures_view(request: HttpRequest) -> HttpResponse:
    form, table = _figures(request)
    return render(request, "activities/figures.html", {"form": form, "table": table})


@login_required
@require_GET
def figures_export_view(request: HttpRequest) -> HttpResponse:
    _form, table = _figures(request)
    headers = [
        (_("month"), 10),
        (_("sub-district or town"), 16),
        (_("project"), 24),
        (_("activities held"), 12),
        (_("attendances"), 12),
        (_("children served"), 12),
        (_("children in difficulty"), 12),
        (_("walk-ins"), 10),
    ]
    rows = [
        [
            r.month,
            r.subdistrict.name if r.subdistrict_id else _("(the district's own)"),
            r.project.name if r.project_id else _("(no project)"),
            r.held,
            r.attendances,
            r.children,
            r.children_in_difficulty,
            r.walkins,
        ]
        for r in sorted(
            table.rows, key=lambda r: (r.month, r.subdistrict_id or 0, r.project_id or 0)
        )
    ]
    data = ledger_workbook(
        sheet=_("Activities"),
        title=f"{table.area.name} {table.year}",
        headers=headers,
        rows=rows,
        date_column=1,
        footer=lambda: [_("Total"), "", "", *table.total],
    )
    name = file_name_part(f"{table.area.name}-活动统计-{table.year}.xlsx", "activities.xlsx")
    return xlsx_response(data, filename=name, fallback=f"activities-{table.year}.xlsx")


# --- panels on lower pages ----------------------------------------------------------------------


def child_activities_panel(request: HttpRequest, child: Child) -> Panel | None:
    """The activities part of a child's file (children.hooks.child_page_panels): what they
    signed up for and attended, and the link to their passport."""
    if not sees_activities(request.user):
        return None
    signups = list(child_signups(request.user, child)[:50])
    return Panel(
        "activities/_child_panel.html",
        {"activity_signups": signups, "activity_child": child},
    )


def wall_activities_panel(*, station, today: dt.date, poster: bool = False) -> Panel:
    """The display wall's section (stations.hooks.wall_panels): the station's running projects
    and upcoming activities — title, date, place, ages; no child's data, counts under 5 shown
    as "<5"."""
    projects = list(wall_projects(station))
    upcoming = list(wall_upcoming(station, today, limit=4 if poster else 8))
    held = Activity.objects.filter(
        station=station, state=ActivityState.HELD, held_on__year=today.year
    ).count()
    return Panel(
        "activities/_wall_panel.html",
        {
            "wall_projects": projects,
            "wall_upcoming": upcoming,
            "wall_activities_held": shown_count(held),
        },
    )
