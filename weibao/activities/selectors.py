"""Reads of projects and activities (docs/domain.md §8.3). ONE scope function per type:
projects_visible_to, activities_visible_to, series_visible_to, signups_visible_to,
photos_visible_to, figures_visible_to.

Who [team]: a station's projects and activities are seen by the district's staff, the 街镇's
supervisor and station staff, and the 儿童主任 of its 居民区; the district's own by everyone
with a role in the district. They are kept (created, changed) by district staff (all of the
district's), the 街镇's supervisor and station staff (their station's). A 儿童主任 signs up the
children they see and takes attendance. A child's name shows in a sign-up list only to someone
who sees the child (children_visible_to); others read "a registered child"."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from weibao.accounts.models import Role
from weibao.accounts.selectors import user_role_assignments
from weibao.activities.choices import ActivityState, SignupStatus
from weibao.activities.models import (
    Activity,
    ActivityPhoto,
    MonthFigure,
    Project,
    Series,
    Signup,
)
from weibao.areas.models import Area
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core.dates import years_before
from weibao.core.scope import get_or_404
from weibao.partners.models import Partner
from weibao.partners.selectors import partners_visible_to
from weibao.stations.models import StationZone, Workstation

KEEPING_ROLES = (Role.SUPERVISOR, Role.STATION_STAFF)


@dataclass(frozen=True)
class Reach:
    """The user's areas as this app reads them: districts they staff, 街镇 they keep (as
    supervisor or station staff), 街镇 where they are a 儿童主任, and every district they have
    a role in (whose own projects they see)."""

    districts: frozenset[int]
    keeps: frozenset[int]
    directs: frozenset[int]
    member_of: frozenset[int]

    @property
    def sees_any(self) -> bool:
        return bool(self.member_of)


def reach_of(user) -> Reach:
    districts, keeps, directs, member_of = set(), set(), set(), set()
    if user.is_authenticated and user.is_active:
        for ra in user_role_assignments(user):
            area = ra.area
            if area is None:
                continue
            if ra.role == Role.DISTRICT_STAFF:
                districts.add(area.pk)
                member_of.add(area.pk)
            elif ra.role in KEEPING_ROLES:
                keeps.add(area.pk)
                member_of.add(area.parent_id)
            elif ra.role == Role.DIRECTOR and area.parent is not None:
                directs.add(area.parent_id)
                member_of.add(area.parent.parent_id)
    return Reach(frozenset(districts), frozenset(keeps), frozenset(directs), frozenset(member_of))


def _owned_q(reach: Reach, prefix: str = "") -> Q | None:
    if not reach.sees_any:
        return None
    return (
        Q(**{f"{prefix}district_id__in": reach.districts})
        | Q(**{f"{prefix}subdistrict_id__in": reach.keeps | reach.directs})
        | Q(**{f"{prefix}subdistrict__isnull": True, f"{prefix}district_id__in": reach.member_of})
    )


def projects_visible_to(user) -> QuerySet[Project]:
    q = _owned_q(reach_of(user))
    return Project.objects.filter(q) if q is not None else Project.objects.none()


def project_get_for_user(user, pk) -> Project:
    return get_or_404(
        projects_visible_to(user).select_related("district", "subdistrict", "station"), pk
    )


def activities_visible_to(user) -> QuerySet[Activity]:
    q = _owned_q(reach_of(user))
    return Activity.objects.filter(q) if q is not None else Activity.objects.none()


def activity_get_for_user(user, pk) -> Activity:
    return get_or_404(
        activities_visible_to(user).select_related(
            "district", "subdistrict", "station", "project", "zone", "partner", "series"
        ),
        pk,
    )


def series_visible_to(user) -> QuerySet[Series]:
    q = _owned_q(reach_of(user))
    return Series.objects.filter(q) if q is not None else Series.objects.none()


def signups_visible_to(user) -> QuerySet[Signup]:
    """Sign-ups of the activities the user sees (a name is shown only where the child is
    visible: signup_rows)."""
    return Signup.objects.filter(activity__in=activities_visible_to(user).values("pk"))


def signup_get_for_user(user, pk) -> Signup:
    return get_or_404(signups_visible_to(user).select_related("activity", "child"), pk)


def photos_visible_to(user) -> QuerySet[ActivityPhoto]:
    return ActivityPhoto.objects.filter(activity__in=activities_visible_to(user).values("pk"))


def photo_get_for_user(user, pk) -> ActivityPhoto:
    return get_or_404(photos_visible_to(user).select_related("activity"), pk)


def sees_activities(user) -> bool:
    return reach_of(user).sees_any


def _keeps(reach: Reach, row) -> bool:
    if row.district_id in reach.districts:
        return True
    return row.subdistrict_id is not None and row.subdistrict_id in reach.keeps


def can_keep_project(user, project: Project) -> bool:
    return _keeps(reach_of(user), project)


def can_keep_activity(user, activity: Activity) -> bool:
    return _keeps(reach_of(user), activity)


def can_remove_photo(user, photo: ActivityPhoto) -> bool:
    """The keepers remove any photo of their activities; a 儿童主任 who runs the activity only
    the photos they added (docs/domain.md §8.3: they change nothing else)."""
    if can_keep_activity(user, photo.activity):
        return True
    return photo.uploaded_by_id == user.pk and can_run_activity(user, photo.activity)


def can_run_activity(user, activity: Activity) -> bool:
    """Signs up children and takes attendance: the keepers and the 儿童主任 who see it."""
    reach = reach_of(user)
    if _keeps(reach, activity):
        return True
    if activity.subdistrict_id is None:
        return bool(reach.directs) and activity.district_id in reach.member_of
    return activity.subdistrict_id in reach.directs


def stations_to_own(user) -> QuerySet[Workstation]:
    """The stations a user may make a project or an activity for."""
    reach = reach_of(user)
    if not reach.districts and not reach.keeps:
        return Workstation.objects.none()
    return (
        Workstation.objects.filter(
            Q(district_id__in=reach.districts) | Q(subdistrict_id__in=reach.keeps)
        )
        .exclude(status="closed")
        .select_related("subdistrict")
        .order_by("subdistrict__code", "pk")
    )


def districts_to_own(user) -> QuerySet[Area]:
    """The districts a user may make a district project for (their district staff's)."""
    return Area.objects.filter(pk__in=reach_of(user).districts).order_by("code")


def may_create(user) -> bool:
    reach = reach_of(user)
    return bool(reach.districts or reach.keeps)


def zones_for(user) -> QuerySet[StationZone]:
    return StationZone.objects.filter(
        station__in=stations_to_own(user).values("pk")
    ).select_related("station")


def children_to_sign_up(user, activity: Activity) -> QuerySet[Child]:
    """The registered children the user may sign up: those they see, of the activity's area,
    on the register, of the activity's ages on its day, not signed up yet."""
    day = activity.held_on
    # Aged age_min on the day: born on or before that many years earlier; not yet age_max + 1.
    born_after = years_before(day, activity.age_max + 1)
    qs = children_visible_to(user).filter(
        district_id=activity.district_id,
        status="active",
        birth_date__gt=born_after,
        birth_date__lte=years_before(day, activity.age_min),
    )
    if activity.subdistrict_id:
        qs = qs.filter(subdistrict_id=activity.subdistrict_id)
    return qs.exclude(
        pk__in=Signup.objects.filter(activity=activity, child__isnull=False).values("child_id")
    )


# --- lists --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignupRow:
    signup: Signup
    label: str  # the child's name, the walk-in's given name, or "a registered child"
    named: bool


def signup_rows(user, activity: Activity, statuses=None) -> list[SignupRow]:
    """The activity's sign-ups in first-come order, named where the user sees the child. Two
    queries."""
    qs = Signup.objects.filter(activity=activity).select_related("child")
    if statuses:
        qs = qs.filter(status__in=statuses)
    rows = list(qs.order_by("position", "pk"))
    child_ids = [r.child_id for r in rows if r.child_id]
    visible = (
        set(children_visible_to(user).filter(pk__in=child_ids).values_list("pk", flat=True))
        if child_ids
        else set()
    )
    out = []
    for r in rows:
        if r.child_id is None:
            out.append(
                SignupRow(
                    r,
                    f"{r.walkin_name}（{r.walkin_age}）"
                    if r.walkin_age is not None
                    else r.walkin_name,
                    True,
                )
            )
        elif r.child_id in visible:
            out.append(SignupRow(r, r.child.name, True))
        else:
            out.append(SignupRow(r, _("a registered child"), False))
    return out


def activity_counts(activity: Activity) -> dict[str, int]:
    counts = dict.fromkeys(SignupStatus.values, 0)
    for row in Signup.objects.filter(activity=activity).values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["attended"] = Signup.objects.filter(activity=activity, attended=True).count()
    return counts


def project_results(project: Project) -> dict[str, int]:
    """A project's results, from the kept monthly figures (no scan of the sign-ups) — and the
    distinct children over the whole project, one indexed query."""
    totals = {"held": 0, "attendances": 0, "children_in_difficulty": 0, "walkins": 0}
    for f in MonthFigure.objects.filter(project=project):
        for key in totals:
            totals[key] += getattr(f, key)
    totals["children"] = (
        Signup.objects.filter(activity__project=project, attended=True, child__isnull=False)
        .values("child_id")
        .distinct()
        .count()
    )
    return totals


def child_signups(user, child: Child) -> QuerySet[Signup]:
    """A child's sign-ups on activities the user sees (the child's file and passport)."""
    return (
        signups_visible_to(user)
        .filter(child=child)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("activity", "activity__project")
        .order_by("-activity__held_on", "-pk")
    )


def passport_stamps(user, child: Child) -> list[Signup]:
    """Each activity the child attended (a stamp), oldest first."""
    return list(
        child_signups(user, child)
        .filter(attended=True, activity__state=ActivityState.HELD)
        .order_by("activity__held_on", "pk")
    )


# --- the figures --------------------------------------------------------------------------------


def figure_areas(user) -> list[Area]:
    """The areas whose figures a user reads: their districts (and every 街镇 in them), the
    街镇 they keep."""
    reach = reach_of(user)
    ids = set(reach.districts) | set(reach.keeps)
    ids |= set(
        Area.objects.filter(
            parent_id__in=reach.districts, level=Area.Level.SUBDISTRICT
        ).values_list("pk", flat=True)
    )
    return list(
        Area.objects.filter(pk__in=ids).select_related("parent").order_by("level", "code", "name")
    )


def figures_visible_to(user) -> QuerySet[MonthFigure]:
    reach = reach_of(user)
    if not reach.districts and not reach.keeps:
        return MonthFigure.objects.none()
    return MonthFigure.objects.filter(
        Q(district_id__in=reach.districts) | Q(subdistrict_id__in=reach.keeps)
    )


@dataclass
class FigureTable:
    area: Area
    year: int
    rows: list  # (label, held, attendances, children, in_difficulty, walkins)
    by_month: list
    by_project: list
    by_subdistrict: list
    total: tuple


def figures_table(user, area: Area, year: int) -> FigureTable:
    """The kept figures of `area` (a district or a 街镇) for a year, by month, project and
    街镇. Children are counted per month (a child who came in two months counts in each)."""
    qs = figures_visible_to(user).filter(
        month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 1)
    )
    if area.level == Area.Level.DISTRICT:
        qs = qs.filter(district=area)
    else:
        qs = qs.filter(subdistrict=area)
    rows = list(qs.select_related("project", "subdistrict"))
    keys = ("held", "attendances", "children", "children_in_difficulty", "walkins")

    def group(key_of, label_of):
        sums: dict = defaultdict(lambda: [0] * len(keys))
        labels = {}
        for r in rows:
            k = key_of(r)
            labels[k] = label_of(r)
            for i, name in enumerate(keys):
                sums[k][i] += getattr(r, name)
        return [(labels[k], *sums[k]) for k in sorted(sums, key=lambda k: (k is None, str(k)))]

    by_month = group(lambda r: r.month, lambda r: r.month.strftime("%Y-%m"))
    by_project = group(
        lambda r: r.project_id or 0, lambda r: r.project.name if r.project_id else _("(no project)")
    )
    by_sub = group(
        lambda r: r.subdistrict_id or 0,
        lambda r: r.subdistrict.name if r.subdistrict_id else _("(the district's own)"),
    )
    total = tuple(sum(getattr(r, k) for r in rows) for k in keys)
    return FigureTable(area, year, rows, by_month, by_project, by_sub, total)


# --- the display wall --------------------------------------------------------------------------


def wall_projects(station: Workstation) -> QuerySet[Project]:
    return Project.objects.filter(station=station, status="running").order_by("name")


def wall_upcoming(station: Workstation, today: dt.date, limit: int = 8) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(station=station, state=ActivityState.PLANNED, held_on__gte=today)
        .select_related("zone", "partner", "station", "project")
        .order_by("held_on", "starts_at", "pk")[:limit]
    )


def partners_choice(user) -> QuerySet[Partner]:
    """The partners of the 1+N registry a user may name on a project or as a place."""
    return partners_visible_to(user)
