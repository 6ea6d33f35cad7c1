"""Reads of the training work (docs/domain.md §2.7). ONE scope function per type:
sessions_visible_to, topics_visible_to; the rate's areas: rate_areas_visible_to.

Who: district staff see and keep every session of their district and set its topics and rule;
a 街镇's supervisor and station staff see their 街镇's sessions and the district's (their people
attend those), and keep their 街镇's. A 儿童主任 and everyone else: nothing (404)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from weibao.accounts.models import Role
from weibao.accounts.selectors import user_role_assignments
from weibao.areas.models import Area
from weibao.areas.selectors import district_of
from weibao.core.scope import get_or_404
from weibao.staff.choices import StaffRole
from weibao.staff.models import StaffMember
from weibao.staff.selectors import active_q, staff_visible_to
from weibao.training.choices import DEFAULT_MIN_HOURS, DEFAULT_REQUIRED_ROLES, AttendanceStatus
from weibao.training.models import (
    Attendance,
    SessionMaterial,
    TrainingPolicy,
    TrainingSession,
    TrainingTopic,
)

STATION_ROLES = (Role.SUPERVISOR, Role.STATION_STAFF)


def _roles(user) -> tuple[list[Area], list[Area]]:
    """(districts where the user is district staff, 街镇 where they are supervisor or station
    staff)."""
    districts, subdistricts = [], []
    for ra in user_role_assignments(user):
        if ra.area is None:
            continue
        if ra.role == Role.DISTRICT_STAFF:
            districts.append(ra.area)
        elif ra.role in STATION_ROLES:
            subdistricts.append(ra.area)
    return districts, subdistricts


# --- scope ------------------------------------------------------------------------------------


def sessions_visible_to(user) -> QuerySet[TrainingSession]:
    """The one answer to "which sessions may this user see" (module docstring)."""
    districts, subdistricts = _roles(user)
    q = Q()
    for district in districts:
        q |= Q(district_id=district.pk)
    for sub in subdistricts:
        q |= Q(subdistrict_id=sub.pk) | Q(subdistrict__isnull=True, district_id=sub.parent_id)
    if not q:
        return TrainingSession.objects.none()
    return TrainingSession.objects.filter(q)


def session_get_for_user(user, pk) -> TrainingSession:
    return get_or_404(
        sessions_visible_to(user).select_related("topic", "district", "subdistrict"), pk
    )


def materials_visible_to(user) -> QuerySet[SessionMaterial]:
    return SessionMaterial.objects.filter(session__in=sessions_visible_to(user))


def can_keep_session(user, session: TrainingSession) -> bool:
    """District staff keep every session of their district; a 街镇's supervisor and station
    staff keep their 街镇's."""
    districts, subdistricts = _roles(user)
    if session.district_id in {d.pk for d in districts}:
        return True
    return session.subdistrict_id is not None and session.subdistrict_id in {
        s.pk for s in subdistricts
    }


def organiser_areas(user) -> list[Area]:
    """Who a user may organise a session as: their districts, and every 街镇 they keep."""
    districts, subdistricts = _roles(user)
    areas = list(districts)
    if districts:
        areas += list(
            Area.objects.filter(
                parent_id__in=[d.pk for d in districts], level=Area.Level.SUBDISTRICT
            )
            .select_related("parent")
            .order_by("code", "name")
        )
    areas += [s for s in subdistricts if s.pk not in {a.pk for a in areas}]
    return areas


def can_organise_in(user, area: Area | None) -> bool:
    return area is not None and area.pk in {a.pk for a in organiser_areas(user)}


def training_districts(user) -> list[Area]:
    """The districts whose sessions the user sees some of (their topics are the user's)."""
    districts, subdistricts = _roles(user)
    found = {d.pk: d for d in districts}
    for sub in subdistricts:
        found.setdefault(sub.parent_id, sub.parent)
    return list(found.values())


def topics_visible_to(user) -> QuerySet[TrainingTopic]:
    return TrainingTopic.objects.filter(district_id__in=[d.pk for d in training_districts(user)])


def topic_districts_managed_by(user) -> list[Area]:
    """District staff keep their district's topics and training rule."""
    return _roles(user)[0]


def rate_areas_visible_to(user) -> list[Area]:
    """The areas whose training rate the user may read: district staff their districts and
    every 街镇 in them; a supervisor or station staff their 街镇."""
    return organiser_areas(user)


# --- the district's rule --------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...]
    min_hours: Decimal


def training_rule(district: Area) -> Rule:
    """The district's rule, or the defaults while it has none. One query."""
    policy = TrainingPolicy.objects.filter(district=district).first()
    if policy is None:
        return Rule(tuple(str(r) for r in DEFAULT_REQUIRED_ROLES), DEFAULT_MIN_HOURS)
    roles = tuple(r for r in StaffRole.values if r in set(policy.required_roles))
    return Rule(roles, policy.min_hours)


# --- the roll ---------------------------------------------------------------------------------


def roll_candidates(session: TrainingSession) -> QuerySet[StaffMember]:
    """Who may be on the session's roll: the people of its organiser's area working on the
    day of the session."""
    members = StaffMember.objects.filter(active_q(session.held_on))
    if session.subdistrict_id:
        return members.filter(subdistrict_id=session.subdistrict_id)
    return members.filter(district_id=session.district_id)


@dataclass
class RollRow:
    member: StaffMember
    status: str  # "" when not recorded yet
    expected: bool

    @property
    def status_label(self) -> str:
        return str(AttendanceStatus(self.status).label) if self.status else ""


def session_roll(session: TrainingSession, user=None) -> list[RollRow]:
    """The roll-call list: the people expected (the session's audience, working that day) and
    anyone else already recorded, by 街镇 and 居民区, then name. Two queries. With `user`, only
    the people that user may see on the roster (a supervisor reading a district session sees
    their own 街镇's people, not the others')."""
    recorded = {
        a.member_id: a.status
        for a in Attendance.objects.filter(session=session).only("member_id", "status")
    }
    audience = set(session.audience or ())
    members = (
        StaffMember.objects.filter(
            Q(pk__in=list(recorded))
            | (Q(pk__in=roll_candidates(session).values("pk")) & Q(role__in=list(audience)))
        )
        .select_related("subdistrict", "community")
        .order_by("subdistrict__code", "subdistrict__name", "community__name", "name", "pk")
    )
    if user is not None:
        members = members.filter(pk__in=staff_visible_to(user).values("pk"))
    return [
        RollRow(member=m, status=recorded.get(m.pk, ""), expected=m.role in audience)
        for m in members
    ]


def roll_counts(session: TrainingSession) -> dict[str, int]:
    counts = dict.fromkeys(AttendanceStatus.values, 0)
    for status in Attendance.objects.filter(session=session).values_list("status", flat=True):
        counts[status] += 1
    return counts


# --- the training rate (docs/domain.md §2.7) -------------------------------------------------


@dataclass(frozen=True)
class PersonHours:
    member_id: int
    name: str
    role: str
    role_label: str
    subdistrict_id: int
    place_name: str  # their 居民区, or the 街镇 for the station's people
    hours: Decimal


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The rate's period unless one is asked for: this calendar year."""
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


def _percent(trained: int, required: int) -> float | None:
    return None if required == 0 else round(100 * trained / required, 1)


@dataclass(frozen=True)
class RateLine:
    """One 街镇 (or one role) of the rate."""

    key: str
    label: str
    area: Area | None
    required: int
    trained: int
    untrained: tuple[PersonHours, ...]

    @property
    def rate(self) -> float | None:
        return _percent(self.trained, self.required)


@dataclass(frozen=True)
class RateSummary:
    """The training rate of an area over a period: people of the required roles with at least
    `min_hours` of sessions attended (present) in [start, end] ÷ all people of those roles
    working on `as_of` (the period's end, or today while it runs)."""

    area: Area
    start: dt.date
    end: dt.date
    as_of: dt.date
    min_hours: Decimal
    roles: tuple[str, ...]
    required: int
    trained: int
    by_subdistrict: tuple[RateLine, ...]
    by_role: tuple[RateLine, ...]
    untrained: tuple[PersonHours, ...]

    @property
    def rate(self) -> float | None:
        return _percent(self.trained, self.required)


def _area_filter(area: Area) -> Q:
    return Q(**{f"{area.scope_field()}_id": area.pk})


PERSON_COLUMNS = (
    "pk", "name", "role", "subdistrict_id", "subdistrict__name", "community__name", "hours",
)  # fmt: skip


def training_rate(*, area: Area, start: dt.date, end: dt.date) -> RateSummary:
    """The rate of `area` (a district, a 街镇 or a 居民区) over [start, end], by 街镇 and by
    role, with who is not yet trained. The district's rule says which roles and how many hours.
    Four queries however many people: the rule, the 街镇, and one GROUP BY of the people with
    their hours (an indexed join over attendance)."""
    district = district_of(area)
    rule = training_rule(district)
    as_of = min(end, timezone.localdate())
    present = Q(
        attendances__status=AttendanceStatus.PRESENT,
        attendances__session__held_on__gte=start,
        attendances__session__held_on__lte=end,
    )
    people = (
        StaffMember.objects.filter(_area_filter(area), role__in=list(rule.roles))
        .filter(active_q(as_of))
        .annotate(
            hours=Coalesce(
                Sum("attendances__session__hours", filter=present),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=8, decimal_places=1),
            )
        )
        .values(*PERSON_COLUMNS)
        .order_by("subdistrict__code", "community__name", "name", "pk")
    )
    if area.level == Area.Level.DISTRICT:
        subdistricts = list(
            Area.objects.filter(parent=area, level=Area.Level.SUBDISTRICT).order_by("code", "name")
        )
    elif area.level == Area.Level.SUBDISTRICT:
        subdistricts = [area]
    else:
        subdistricts = [area.parent]
    labels = dict(StaffRole.choices)
    everyone: list[PersonHours] = [
        PersonHours(
            member_id=row["pk"],
            name=row["name"],
            role=row["role"],
            role_label=str(labels.get(row["role"], row["role"])),
            subdistrict_id=row["subdistrict_id"],
            place_name=row["community__name"] or row["subdistrict__name"],
            hours=Decimal(row["hours"] or 0),
        )
        for row in people
    ]
    trained_ids = {p.member_id for p in everyone if p.hours >= rule.min_hours}
    untrained = tuple(p for p in everyone if p.member_id not in trained_ids)

    def line(key: str, label: str, area_: Area | None, group: list[PersonHours]) -> RateLine:
        return RateLine(
            key=key,
            label=label,
            area=area_,
            required=len(group),
            trained=sum(1 for p in group if p.member_id in trained_ids),
            untrained=tuple(p for p in group if p.member_id not in trained_ids),
        )

    # A closed 街镇 (merged or closed, docs/domain.md §1.16) has a line only while someone of
    # the required roles still works there.
    by_subdistrict = tuple(
        line(str(s.pk), s.name, s, group)
        for s in subdistricts
        if (group := [p for p in everyone if p.subdistrict_id == s.pk]) or s.is_open
    )
    by_role = tuple(
        line(role, str(labels[role]), None, [p for p in everyone if p.role == role])
        for role in rule.roles
    )
    return RateSummary(
        area=area,
        start=start,
        end=end,
        as_of=as_of,
        min_hours=rule.min_hours,
        roles=rule.roles,
        required=len(everyone),
        trained=len(trained_ids),
        by_subdistrict=by_subdistrict,
        by_role=by_role,
        untrained=untrained,
    )


def member_hours(*, member: StaffMember, start: dt.date, end: dt.date) -> Decimal:
    """A person's hours of training (present) in [start, end]."""
    total = Attendance.objects.filter(
        member=member,
        status=AttendanceStatus.PRESENT,
        session__held_on__gte=start,
        session__held_on__lte=end,
    ).aggregate(h=Sum("session__hours"))["h"]
    return total or Decimal("0")
