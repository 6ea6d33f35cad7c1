"""Writes of projects and activities (docs/domain.md §8.3). Each runs in one transaction and
writes its audit row there; those that change an activity's state or its attendance recompute
the kept figures of the touched (街镇, month) (figures_recompute)."""

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.activities.choices import OLDEST, ActivityState, AgeBand, ProjectStatus, SignupStatus
from weibao.activities.models import (
    Activity,
    ActivityPhoto,
    Feedback,
    MonthFigure,
    PhotoSubject,
    Project,
    Series,
    Signup,
)
from weibao.activities.selectors import (
    can_keep_activity,
    can_keep_project,
    can_remove_photo,
    can_run_activity,
    children_to_sign_up,
    districts_to_own,
    may_create,
    partners_choice,
    stations_to_own,
    zones_for,
)
from weibao.areas.columns import area_columns_move
from weibao.areas.models import lock_where_read
from weibao.audit.services import audit_record
from weibao.children.categories import IN_DIFFICULTY, Category
from weibao.children.models import Child, ChildCategory
from weibao.children.selectors import children_visible_to
from weibao.core import uploads
from weibao.core.exceptions import ConflictError
from weibao.core.text import clean_text
from weibao.stations.models import Workstation

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTOS_PER_ACTIVITY = 50
SERIES_MAX = 24
EARLIEST = dt.date(2000, 1, 1)


def _too_long(n: int) -> str:
    return _("Please keep this under %(n)d characters.") % {"n": n}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _text(data, field, limit, errors, *, required=False, message="") -> str:
    value = clean_text(data.get(field) or "")
    if len(value) > limit:
        errors[field] = [_too_long(limit)]
    elif required and not value:
        errors[field] = [message]
    return value


def _date(value, field, errors, message) -> dt.date | None:
    if not isinstance(value, dt.date):
        errors[field] = [message]
        return None
    today = timezone.localdate()
    if not EARLIEST <= value <= today + dt.timedelta(days=2 * 366):
        errors[field] = [_("Please give a date between 2000 and two years from now.")]
        return None
    return value


def _set_owner(actor, row, station: Workstation | None, errors: dict) -> None:
    """A station the actor keeps, or (district staff) their district."""
    if station is not None:
        if not stations_to_own(actor).filter(pk=station.pk).exists():
            errors["station"] = [_("You cannot run projects for this station.")]
            return
        row.station, row.district_id, row.subdistrict_id = (
            station,
            station.district_id,
            station.subdistrict_id,
        )
        return
    district = districts_to_own(actor).first()
    if district is None:
        errors["station"] = [_("Choose the station that runs it.")]
        return
    row.station, row.district, row.subdistrict = None, district, None


# --- projects -----------------------------------------------------------------------------------

PROJECT_FIELDS = ("name", "brand", "starts_on", "ends_on", "categories", "age_bands", "goals",
                  "budget", "status")  # fmt: skip


def _clean_project(actor, data: dict, instance: Project | None) -> dict:
    def given(field, default=None):
        if field in data:
            return data[field]
        return getattr(instance, field) if instance is not None else default

    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    src = {f: given(f, "") for f in ("name", "brand", "goals")}
    clean["name"] = _text(src, "name", 100, errors, required=True,
                          message=_("Please give the project's name."))  # fmt: skip
    clean["brand"] = _text(src, "brand", 60, errors)
    clean["goals"] = clean_text(src["goals"], multiline=True)
    if len(clean["goals"]) > 2000:
        errors["goals"] = [_too_long(2000)]
    clean["starts_on"] = _date(given("starts_on"), "starts_on", errors,
                               _("Please give the day the project starts."))  # fmt: skip
    ends = given("ends_on")
    clean["ends_on"] = None
    if ends:
        clean["ends_on"] = _date(ends, "ends_on", errors, _("Please give a date."))
        if clean["ends_on"] and clean["starts_on"] and clean["ends_on"] < clean["starts_on"]:
            errors["ends_on"] = [_("The end cannot come before the start.")]
    categories = given("categories", []) or []
    if not set(categories) <= set(Category.values):
        errors["categories"] = [_("Choose categories from the list.")]
    clean["categories"] = [c for c in Category.values if c in set(categories)]
    bands = given("age_bands", []) or []
    if not set(bands) <= set(AgeBand.values):
        errors["age_bands"] = [_("Choose age bands from the list.")]
    clean["age_bands"] = [b for b in AgeBand.values if b in set(bands)]
    budget = given("budget")
    clean["budget"] = None
    if budget not in (None, ""):
        try:
            clean["budget"] = Decimal(str(budget)).quantize(Decimal("0.01"))
            if not Decimal("0") <= clean["budget"] < Decimal("10000000000"):
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            errors["budget"] = [_("Give the budget in yuan, e.g. 20000 or 1500.50.")]
    status = given("status", ProjectStatus.PLANNED)
    if status not in ProjectStatus.values:
        errors["status"] = [_("Choose a status from the list.")]
    clean["status"] = status
    partners = given("partners", None)
    if partners is None:
        partners = list(instance.partners.all()) if instance is not None else []
    allowed = set(partners_choice(actor).values_list("pk", flat=True))
    if any(p.pk not in allowed for p in partners):
        errors["partners"] = [_("Choose partners from the registry of your areas.")]
    clean["partners"] = list(partners)
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def project_create(*, actor, data: dict[str, Any]) -> Project:
    """A station (or the district) starts a project."""
    if not may_create(actor):
        raise PermissionDenied
    errors: dict = {}
    project = Project(created_by=actor)
    _set_owner(actor, project, data.get("station"), errors)
    try:
        clean = _clean_project(actor, data, None)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        raise ValidationError(errors) from exc
    if errors:
        raise ValidationError(errors)
    for f in PROJECT_FIELDS:
        setattr(project, f, clean[f])
    project.save()
    project.partners.set(clean["partners"])
    audit_record(
        actor=actor,
        action="activities.project_create",
        obj=project,
        changes={f: {"new": _jsonable(clean[f])} for f in PROJECT_FIELDS}
        | {
            "owner": project.station_id or f"district {project.district_id}",
            "partners": [p.pk for p in clean["partners"]],
        },
    )
    return project


@transaction.atomic
def project_update(
    *, actor, project: Project, data: dict[str, Any], expected_version: int | None = None
) -> Project:
    current = lock_where_read(Project.objects, project)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    if not can_keep_project(actor, current):
        raise PermissionDenied
    clean = _clean_project(actor, data, current)
    changes = {}
    for f in PROJECT_FIELDS:
        if getattr(current, f) != clean[f]:
            changes[f] = {"old": _jsonable(getattr(current, f)), "new": _jsonable(clean[f])}
            setattr(current, f, clean[f])
    old_partners = sorted(current.partners.values_list("pk", flat=True))
    new_partners = sorted(p.pk for p in clean["partners"])
    if old_partners != new_partners:
        changes["partners"] = {"old": old_partners, "new": new_partners}
        current.partners.set(clean["partners"])
    if not changes:
        return current
    current.version += 1
    current.save()
    audit_record(actor=actor, action="activities.project_update", obj=current, changes=changes)
    return current


# --- activities -----------------------------------------------------------------------------

ACTIVITY_FIELDS = ("title", "held_on", "starts_at", "ends_at", "zone", "partner", "place_text",
                   "capacity", "age_min", "age_max", "audience")  # fmt: skip


def _clean_activity(actor, data: dict, instance: Activity | None, owner) -> dict:
    def given(field, default=None):
        if field in data:
            return data[field]
        return getattr(instance, field) if instance is not None else default

    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    src = {f: given(f, "") for f in ("title", "place_text", "audience")}
    clean["title"] = _text(src, "title", 100, errors, required=True,
                           message=_("Please give the activity's title."))  # fmt: skip
    clean["place_text"] = _text(src, "place_text", 200, errors)
    clean["audience"] = _text(src, "audience", 100, errors)
    clean["held_on"] = _date(given("held_on"), "held_on", errors,
                             _("Please give the day of the activity."))  # fmt: skip
    starts, ends = given("starts_at"), given("ends_at")
    clean["starts_at"] = starts if isinstance(starts, dt.time) else None
    clean["ends_at"] = ends if isinstance(ends, dt.time) else None
    if clean["starts_at"] and clean["ends_at"] and clean["ends_at"] <= clean["starts_at"]:
        errors["ends_at"] = [_("The end must come after the start.")]
    zone, partner = given("zone"), given("partner")
    kept_zone = instance is not None and zone is not None and instance.zone_id == zone.pk
    if zone is not None and (
        owner.station_id is None
        or zone.station_id != owner.station_id
        or not (kept_zone or zones_for(actor).filter(pk=zone.pk).exists())
    ):
        errors["zone"] = [_("Choose a zone of the station that runs the activity.")]
    kept_partner = (
        instance is not None and partner is not None and instance.partner_id == partner.pk
    )
    if (
        partner is not None
        and not kept_partner
        and not partners_choice(actor).filter(pk=partner.pk).exists()
    ):
        errors["partner"] = [_("Choose partners from the registry of your areas.")]
    if (
        sum(1 for x in (zone, partner, clean["place_text"]) if x) != 1
        and "place_text" not in errors
    ):
        errors["place_text"] = [
            _("Give the place: a zone of the station, a partner's site or words (one of them).")
        ]
    clean["zone"], clean["partner"] = zone, partner
    try:
        capacity = int(given("capacity"))
        if not 1 <= capacity <= 1000:
            raise ValueError
    except (TypeError, ValueError):
        errors["capacity"] = [_("Give the number of places, from 1 to 1000.")]
        capacity = None
    clean["capacity"] = capacity
    ages = []
    for field, default in (("age_min", 0), ("age_max", OLDEST)):
        value = given(field, default)
        try:
            value = int(default if value in (None, "") else value)
            if not 0 <= value <= OLDEST:
                raise ValueError
        except (TypeError, ValueError):
            errors[field] = [_("Give an age from 0 to 17.")]
            value = default
        ages.append(value)
        clean[field] = value
    if ages[0] > ages[1] and "age_max" not in errors:
        errors["age_max"] = [_("The oldest age cannot be below the youngest.")]
    if errors:
        raise ValidationError(errors)
    return clean


def _owner_of(actor, data: dict, project: Project | None) -> Activity:
    probe = Activity()
    if project is not None:
        probe.district_id, probe.subdistrict_id, probe.station_id = (
            project.district_id,
            project.subdistrict_id,
            project.station_id,
        )
        return probe
    errors: dict = {}
    _set_owner(actor, probe, data.get("station"), errors)
    if errors:
        raise ValidationError(errors)
    return probe


@transaction.atomic
def activity_create(
    *, actor, data: dict[str, Any], project: Project | None = None, series: Series | None = None
) -> Activity:
    """An activity under a project (it takes the project's owner) or alone."""
    if project is not None:
        if not can_keep_project(actor, project):
            raise PermissionDenied
        if project.status in (ProjectStatus.FINISHED, ProjectStatus.SUSPENDED):
            raise ValidationError({"project": [_("The project is finished or suspended.")]})
    elif not may_create(actor):
        raise PermissionDenied
    owner = _owner_of(actor, data, project)
    clean = _clean_activity(actor, data, None, owner)
    activity = Activity(
        project=project,
        series=series,
        created_by=actor,
        district_id=owner.district_id,
        subdistrict_id=owner.subdistrict_id,
        station_id=owner.station_id,
    )
    for f in ACTIVITY_FIELDS:
        setattr(activity, f, clean[f])
    activity.save()
    audit_record(
        actor=actor,
        action="activities.activity_create",
        obj=activity,
        changes={f: {"new": _jsonable(clean[f])} for f in ACTIVITY_FIELDS}
        | {"project": project.pk if project else None},
    )
    return activity


def _lock_activity(activity: Activity, expected_version: int | None = None) -> Activity:
    # The activity's own row only: its station and project are optional, and a lock joined
    # to them would not name their district (docs/scale.md, point 9); they are read when asked.
    current = lock_where_read(Activity.objects, activity)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


@transaction.atomic
def activity_update(
    *, actor, activity: Activity, data: dict[str, Any], expected_version: int | None = None
) -> Activity:
    current = _lock_activity(activity, expected_version)
    if not can_keep_activity(actor, current):
        raise PermissionDenied
    clean = _clean_activity(actor, data, current, current)
    changes = {}
    old_month = current.held_on.replace(day=1)
    for f in ACTIVITY_FIELDS:
        if getattr(current, f) != clean[f]:
            changes[f] = {"old": _jsonable(getattr(current, f)), "new": _jsonable(clean[f])}
            setattr(current, f, clean[f])
    if not changes:
        return current
    if (
        "held_on" in changes
        and current.state == ActivityState.HELD
        and current.held_on > timezone.localdate()
    ):
        raise ValidationError({"held_on": [_("A held activity cannot move to a future day.")]})
    current.version += 1
    current.save()
    audit_record(actor=actor, action="activities.activity_update", obj=current, changes=changes)
    if "held_on" in changes:
        _touch(current, old_month)
        _touch(current, current.held_on.replace(day=1))
    return current


# State changes: (from, to). Held is reached when attendance is taken or said so on the page.
TRANSITIONS = {
    (ActivityState.PLANNED, ActivityState.HELD),
    (ActivityState.PLANNED, ActivityState.CANCELLED),
    (ActivityState.CANCELLED, ActivityState.PLANNED),
    (ActivityState.HELD, ActivityState.PLANNED),
}


@transaction.atomic
def activity_set_state(
    *, actor, activity: Activity, state: str, expected_version: int | None = None
) -> Activity:
    current = _lock_activity(activity, expected_version)
    if not can_keep_activity(actor, current):
        raise PermissionDenied
    if state == current.state:
        return current
    if (current.state, state) not in TRANSITIONS:
        raise ValidationError({"state": [_("This activity cannot change to that state.")]})
    if state == ActivityState.HELD and current.held_on > timezone.localdate():
        raise ValidationError({"state": [_("An activity is held on its day, not before.")]})
    if (
        state == ActivityState.PLANNED
        and current.state == ActivityState.HELD
        and current.signups.filter(attended=True).exists()
    ):
        raise ValidationError({"state": [_("Attendance has been taken: clear it first.")]})
    changes = {"state": {"old": current.state, "new": state}}
    current.state = state
    current.version += 1
    current.save()
    audit_record(actor=actor, action="activities.activity_state", obj=current, changes=changes)
    _touch(current, current.held_on.replace(day=1))
    return current


@transaction.atomic
def series_create(
    *, actor, data: dict[str, Any], dates: list[dt.date], project: Project | None = None
) -> Series:
    """A series (e.g. 文化四季: one per season) and its activities, one on each given day, each
    with the series' title, place, places and ages."""
    dates = sorted(set(d for d in dates if isinstance(d, dt.date)))
    if not dates:
        raise ValidationError({"dates": [_("Give at least one date.")]})
    if len(dates) > SERIES_MAX:
        raise ValidationError({"dates": [_("At most 24 dates in a series.")]})
    owner = _owner_of(actor, data, project)
    title = clean_text(data.get("title") or "")
    series = Series(
        project=project,
        title=title[:100],
        district_id=owner.district_id,
        subdistrict_id=owner.subdistrict_id,
        station_id=owner.station_id,
    )
    series.save()
    for day in dates:
        activity_create(actor=actor, data={**data, "held_on": day}, project=project, series=series)
    audit_record(
        actor=actor,
        action="activities.series_create",
        obj=series,
        changes={"title": series.title, "dates": [d.isoformat() for d in dates]},
    )
    return series


# --- sign-up and the waiting list -------------------------------------------------------------


def _age_on(child: Child, day: dt.date) -> int:
    b = child.birth_date
    return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def _next_position(activity: Activity) -> int:
    top = Signup.objects.filter(activity=activity).aggregate(m=Max("position"))["m"]
    return (top or 0) + 1


def _confirmed(activity: Activity) -> int:
    return Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()


def _runnable(actor, activity: Activity) -> Activity:
    current = _lock_activity(activity)
    if not can_run_activity(actor, current):
        raise PermissionDenied
    if current.state == ActivityState.CANCELLED:
        raise ValidationError({"activity": [_("The activity is cancelled.")]})
    return current


@transaction.atomic
def signup_add(*, actor, activity: Activity, child: Child) -> Signup:
    """Sign up a child of the register the actor sees; on the waiting list when full."""
    current = _runnable(actor, activity)
    not_theirs = ValidationError(
        {"child": [_("Choose a child of this activity's area that you see.")]}
    )
    if not children_visible_to(actor).filter(pk=child.pk).exists():
        raise not_theirs
    if Signup.objects.filter(activity=current, child=child).exists():
        raise ValidationError({"child": [_("This child is already signed up.")]})
    age = _age_on(child, current.held_on)
    if not current.age_min <= age <= current.age_max:
        raise ValidationError(
            {
                "child": [
                    _("The child's age (%(age)d) is outside the activity's range %(range)s.")
                    % {"age": age, "range": current.age_range}
                ]
            }
        )
    if not children_to_sign_up(actor, current).filter(pk=child.pk).exists():
        raise not_theirs
    full = _confirmed(current) >= current.capacity
    signup = Signup(
        activity=current,
        child=child,
        status=SignupStatus.WAITING if full else SignupStatus.CONFIRMED,
        position=_next_position(current),
        created_by=actor,
    )
    signup.district_id, signup.subdistrict_id, signup.community_id = (
        child.district_id,
        child.subdistrict_id,
        child.community_id,
    )
    signup.save()
    audit_record(
        actor=actor,
        action="activities.signup",
        obj=signup,
        child=child,
        changes={"activity": current.pk, "status": signup.status},
    )
    return signup


@transaction.atomic
def walkin_add(*, actor, activity: Activity, name: str, age, at_door: bool = False) -> Signup:
    """A child not on the register, by given name and age only. At the door (attendance) the
    child is there: present, whatever the places left."""
    current = _runnable(actor, activity)
    errors: dict = {}
    given_name = clean_text(name or "")
    if not given_name:
        errors["name"] = [_("Give the child's given name.")]
    elif len(given_name) > 20:
        errors["name"] = [_too_long(20)]
    try:
        age = int(age)
        if not 0 <= age <= OLDEST:
            raise ValueError
    except (TypeError, ValueError):
        errors["age"] = [_("Give an age from 0 to 17.")]
    if errors:
        raise ValidationError(errors)
    if at_door and current.held_on > timezone.localdate():
        raise ValidationError({"name": [_("Attendance is taken on the day of the activity.")]})
    full = _confirmed(current) >= current.capacity
    signup = Signup(
        activity=current,
        walkin_name=given_name,
        walkin_age=age,
        status=SignupStatus.WAITING if full and not at_door else SignupStatus.CONFIRMED,
        position=_next_position(current),
        created_by=actor,
        district_id=current.district_id,
        subdistrict_id=current.subdistrict_id,
    )
    if at_door:
        signup.attended, signup.attended_at = True, timezone.now()
    signup.save()
    audit_record(
        actor=actor,
        action="activities.walkin",
        obj=signup,
        changes={"activity": current.pk, "status": signup.status, "at_door": at_door},
    )
    if at_door:
        _mark_held(actor, current)
        _touch(current, current.held_on.replace(day=1))
    return signup


@transaction.atomic
def signup_cancel(*, actor, signup: Signup) -> Signup | None:
    """Take a sign-up off; a place freed goes to the first on the waiting list (returned)."""
    current = _runnable(actor, signup.activity)
    row = lock_where_read(Signup.objects, signup)
    # A 儿童主任 takes off only the children they see (and walk-ins); the keepers anyone.
    if (
        row.child_id is not None
        and not can_keep_activity(actor, current)
        and not children_visible_to(actor).filter(pk=row.child_id).exists()
    ):
        raise PermissionDenied
    if row.status == SignupStatus.CANCELLED:
        return None
    if row.attended:
        raise ValidationError({"signup": [_("The child attended: clear the attendance first.")]})
    freed = row.status == SignupStatus.CONFIRMED
    row.status = SignupStatus.CANCELLED
    row.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="activities.signup_cancel",
        obj=row,
        child=row.child,
        changes={"activity": current.pk},
    )
    promoted = None
    if freed and _confirmed(current) < current.capacity:
        # Read, not locked: every writer of an activity's sign-ups holds the activity's lock
        # first, and the sign-ups lie in their children's districts, which a lock of one
        # query could not name (docs/scale.md, point 9). A sign-up moved with its child
        # meanwhile is a conflict when saved, by the district it was read in.
        promoted = (
            Signup.objects.filter(activity=current, status=SignupStatus.WAITING)
            .order_by("position", "pk")
            .first()
        )
        if promoted is not None:
            promoted.status = SignupStatus.CONFIRMED
            promoted.save(update_fields=["status"])
            audit_record(
                actor=actor,
                action="activities.signup_promote",
                obj=promoted,
                child=promoted.child,
                changes={"activity": current.pk, "status": {"old": "waiting", "new": "confirmed"}},
            )
    return promoted


def signups_move_area(*, actor, child: Child) -> int:
    """A child's sign-ups follow the child to their new 居民区 (transfers.hooks.child_rows_move,
    inside the transfer's transaction; docs/architecture.md "Moving a child's rows"). The
    activities stay where they were held. Returns how many rows moved."""
    moved = area_columns_move(Signup.objects.filter(child=child), to=child)
    if moved:
        audit_record(
            actor=actor, action="activities.signups_move_area", obj=child, child=child,
            changes=moved,
        )  # fmt: skip
    return len(moved.get("rows", []))


def activity_photos_anonymise_child(*, actor, child: Child) -> dict[str, int]:
    """The child's file is anonymised (children.hooks.child_anonymise_parts, inside
    children.services.child_anonymise's transaction, which writes the audit row): every photo
    the child is pictured in is deleted, file and all. The sign-ups stay (they are what the
    figures count) and hold no free text about the child."""
    photos = ActivityPhoto.objects.filter(
        pk__in=PhotoSubject.objects.filter(signup__child=child).values("photo_id")
    )
    files = [p.file for p in photos]
    removed = photos.count()
    photos.delete()
    for file in files:
        transaction.on_commit(lambda f=file: f.delete(save=False))
    return {"activity_photos": removed}


# --- attendance -------------------------------------------------------------------------------


def _mark_held(actor, activity: Activity) -> None:
    if activity.state == ActivityState.PLANNED:
        activity.state = ActivityState.HELD
        activity.version += 1
        activity.save(update_fields=["state", "version", "updated_at"])
        audit_record(
            actor=actor,
            action="activities.activity_state",
            obj=activity,
            changes={"state": {"old": "planned", "new": "held"}, "by": "attendance"},
        )


@transaction.atomic
def attendance_set(*, actor, activity: Activity, marks: dict[int, bool]) -> dict[str, int]:
    """Mark sign-ups present (True) or not (False). A child of the waiting list who came is
    signed up. The first mark makes a planned activity held. Returns how many changed."""
    current = _runnable(actor, activity)
    if current.held_on > timezone.localdate():
        raise ValidationError(
            {"attendance": [_("Attendance is taken on the day of the activity.")]}
        )
    rows = {
        s.pk: s
        # Under the activity's lock, as in signup_cancel: read, not locked.
        for s in Signup.objects.filter(activity=current, pk__in=list(marks))
    }
    unknown = [pk for pk in marks if pk not in rows]
    if unknown:
        raise ValidationError({"attendance": [_("Some sign-ups are not of this activity.")]})
    changes = {}
    for pk, present in marks.items():
        row = rows[pk]
        if row.status == SignupStatus.CANCELLED and present:
            raise ValidationError(
                {"attendance": [_("A cancelled sign-up cannot be marked present.")]}
            )
        if row.attended == bool(present):
            continue
        row.attended = bool(present)
        row.attended_at = timezone.now() if present else None
        if present and row.status == SignupStatus.WAITING:
            row.status = SignupStatus.CONFIRMED
        row.save(update_fields=["attended", "attended_at", "status"])
        changes[str(pk)] = bool(present)
    if changes:
        if any(changes.values()):
            _mark_held(actor, current)
        audit_record(
            actor=actor, action="activities.attendance", obj=current, changes={"marks": changes}
        )
        _touch(current, current.held_on.replace(day=1))
    return {"changed": len(changes)}


# --- photos and feedback ----------------------------------------------------------------------


def _photo_public(photo: ActivityPhoto) -> bool:
    subjects = list(photo.subjects.select_related("signup"))
    for s in subjects:
        if s.signup.child_id is None:
            if not photo.walkins_consent:
                return False
        elif not s.consent:
            return False
    return True


@transaction.atomic
def photo_add(
    *,
    actor,
    activity: Activity,
    upload: UploadedFile,
    caption: str = "",
    pictured: dict[int, bool] | None = None,
    walkins_consent: bool = False,
) -> ActivityPhoto:
    """A photo of the activity: JPEG or PNG by content, written anew without EXIF; `pictured`
    maps each sign-up pictured to its consent (a walk-in's is `walkins_consent`). Public only
    when every child pictured has consent."""
    current = _runnable(actor, activity)
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 10 MB.")]})
    content_type = uploads.sniffed_type(upload)
    if content_type not in (uploads.JPEG, uploads.PNG):
        raise ValidationError({"file": [_("Only JPEG or PNG photos.")]})
    if current.photos.count() >= PHOTOS_PER_ACTIVITY:
        raise ValidationError({"file": [_("At most 50 photos per activity.")]})
    caption = clean_text(caption or "")
    if len(caption) > 100:
        raise ValidationError({"caption": [_too_long(100)]})
    pictured = pictured or {}
    signups = {
        s.pk: s
        for s in Signup.objects.filter(activity=current, pk__in=list(pictured)).exclude(
            status=SignupStatus.CANCELLED
        )
    }
    if set(pictured) - set(signups):
        raise ValidationError({"pictured": [_("Some children pictured are not signed up.")]})
    content = uploads.reencoded_image(upload, content_type)
    photo = ActivityPhoto(
        activity=current,
        token=secrets.token_hex(16),
        original_name=uploads.display_name(upload.name, content_type),
        content_type=content_type,
        size=content.size,
        caption=caption,
        walkins_consent=bool(walkins_consent),
        uploaded_by=actor,
    )
    photo.file.save(photo.token, content, save=False)
    photo.save()
    PhotoSubject.objects.bulk_create(
        [
            PhotoSubject(
                photo=photo, signup=s, consent=bool(pictured[pk]) and s.child_id is not None
            )
            for pk, s in signups.items()
        ]
    )
    photo.public = _photo_public(photo)
    photo.save(update_fields=["public"])
    audit_record(
        actor=actor,
        action="activities.photo_add",
        obj=photo,
        changes={
            "activity": current.pk,
            "pictured": {str(k): bool(v) for k, v in pictured.items()},
            "walkins_consent": bool(walkins_consent),
            "public": photo.public,
        },
    )
    return photo


@transaction.atomic
def photo_remove(*, actor, photo: ActivityPhoto) -> None:
    _runnable(actor, photo.activity)
    if not can_remove_photo(actor, photo):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action="activities.photo_remove",
        obj=photo,
        changes={"activity": photo.activity_id, "name": photo.original_name},
    )
    file = photo.file
    photo.delete()
    transaction.on_commit(lambda: file.delete(save=False))


@transaction.atomic
def feedback_add(*, actor, activity: Activity, text: str, rating) -> Feedback:
    current = _runnable(actor, activity)
    errors: dict = {}
    text = clean_text(text, multiline=True)
    if len(text) > 2000:
        errors["text"] = [_too_long(2000)]
    try:
        rating = int(rating)
        if not 1 <= rating <= 5:
            raise ValueError
    except (TypeError, ValueError):
        errors["rating"] = [_("Give a rating from 1 to 5.")]
    if errors:
        raise ValidationError(errors)
    feedback = Feedback.objects.create(activity=current, text=text, rating=rating, created_by=actor)
    audit_record(
        actor=actor,
        action="activities.feedback",
        obj=feedback,
        district=current.district_id,
        changes={"activity": current.pk, "rating": rating},
    )
    return feedback


# --- the figures ------------------------------------------------------------------------------


def _touch(activity: Activity, month: dt.date) -> None:
    figures_recompute(
        district_id=activity.district_id, subdistrict_id=activity.subdistrict_id, month=month
    )


def figures_recompute(*, district_id: int, subdistrict_id: int | None, month: dt.date) -> int:
    """Rewrite the kept figures of one 街镇 (None: the district's own activities) and month,
    one row per project (and one for activities outside a project). Four queries."""
    month = month.replace(day=1)
    after = (month + dt.timedelta(days=32)).replace(day=1)
    area_q = Q(district_id=district_id) & (
        Q(subdistrict_id=subdistrict_id) if subdistrict_id else Q(subdistrict__isnull=True)
    )
    acts = Activity.objects.filter(
        area_q, state=ActivityState.HELD, held_on__gte=month, held_on__lt=after
    )
    held = {r["project_id"]: r["n"] for r in acts.values("project_id").annotate(n=Count("pk"))}
    present = Signup.objects.filter(activity__in=acts.values("pk"), attended=True)
    per = {
        r["activity__project_id"]: r
        for r in present.values("activity__project_id").annotate(
            att=Count("pk"),
            walkins=Count("pk", filter=Q(child__isnull=True)),
            kids=Count("child_id", distinct=True),
        )
    }
    difficulty = {
        r["activity__project_id"]: r["n"]
        for r in present.filter(
            child_id__in=ChildCategory.objects.filter(category__in=IN_DIFFICULTY).values("child_id")
        )
        .values("activity__project_id")
        .annotate(n=Count("child_id", distinct=True))
    }
    MonthFigure.objects.filter(
        Q(district_id=district_id)
        & (Q(subdistrict_id=subdistrict_id) if subdistrict_id else Q(subdistrict__isnull=True)),
        month=month,
    ).delete()
    rows = []
    for project_id in set(held) | set(per):
        p = per.get(project_id, {})
        rows.append(
            MonthFigure(
                district_id=district_id,
                subdistrict_id=subdistrict_id,
                month=month,
                project_id=project_id,
                held=held.get(project_id, 0),
                attendances=p.get("att", 0),
                walkins=p.get("walkins", 0),
                children=p.get("kids", 0),
                children_in_difficulty=difficulty.get(project_id, 0),
            )
        )
    MonthFigure.objects.bulk_create(rows)
    return len(rows)
