"""Reads of the staff roster. ONE scope function: staff_visible_to.

Who sees whom (docs/domain.md §2.6): district staff the whole district's roster; a 街镇's
supervisor and station staff the people of their 街镇 (the station and its 居民区); a 儿童主任
the people of their own 居民区 — their 1+1+X team — read-only. Everyone else: nothing (404).
Who keeps (creates, edits, ends): district staff and the 街镇's supervisor and station staff."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from weibao.accounts.models import Role
from weibao.accounts.selectors import (
    area_scope_q,
    districts_managed_by,
    user_role_assignments,
)
from weibao.areas.models import Area
from weibao.core.scope import get_or_404
from weibao.staff.choices import WALL_ROLES, StaffRole
from weibao.staff.models import Honour, StaffMember

# The roles that keep a 街镇's roster (and see its team page).
KEEPER_ROLES = (Role.DISTRICT_STAFF, Role.SUPERVISOR, Role.STATION_STAFF)
# The roster role whose login account each roster role may be given from the roster, and the
# level of area it is bound to (accounts.models.ROLE_AREA_LEVEL).
ACCOUNT_ROLE_OF = {
    StaffRole.DIRECTOR: Role.DIRECTOR,
    StaffRole.SUPERVISOR: Role.SUPERVISOR,
    StaffRole.HEAD: Role.STATION_STAFF,
    StaffRole.FULL_TIME: Role.STATION_STAFF,
}
ROLE_ORDER = {role: i for i, role in enumerate(StaffRole.values)}


def active_q(on: dt.date, prefix: str = "") -> Q:
    """Working on `on`: started, and not ended before it."""
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": on})
    )


# --- scope ------------------------------------------------------------------------------------


def staff_visible_to(user) -> QuerySet[StaffMember]:
    """The one answer to "which roster entries may this user see" (module docstring)."""
    q = area_scope_q(user)
    if q is None:
        return StaffMember.objects.none()
    return StaffMember.objects.filter(q)


def staff_get_for_user(user, pk) -> StaffMember:
    return get_or_404(staff_visible_to(user).select_related("subdistrict", "community", "user"), pk)


def _keeper_subdistrict_ids(user) -> set[int]:
    cached = getattr(user, "_weibao_staff_keeps", None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    for ra in user_role_assignments(user):
        if ra.area is None or ra.role not in KEEPER_ROLES:
            continue
        if ra.area.level == Area.Level.SUBDISTRICT:
            ids.add(ra.area.pk)
        elif ra.area.level == Area.Level.DISTRICT:
            ids |= set(
                Area.objects.filter(parent=ra.area, level=Area.Level.SUBDISTRICT).values_list(
                    "pk", flat=True
                )
            )
    if user.is_authenticated:
        # Cached on the user object, which lives for one request (as its roles are).
        user._weibao_staff_keeps = ids
    return ids


def staff_keeper_subdistricts(user) -> QuerySet[Area]:
    """The 街镇 whose roster (and team page) this user keeps."""
    return Area.objects.filter(pk__in=_keeper_subdistrict_ids(user)).select_related("parent")


def staff_keeper_areas(user) -> QuerySet[Area]:
    """Where this user may place a person: the 街镇 they keep and their 居民区."""
    ids = _keeper_subdistrict_ids(user)
    return Area.objects.filter(Q(pk__in=ids) | Q(parent_id__in=ids)).select_related("parent")


def can_keep_staff_in(user, area: Area | None) -> bool:
    if area is None:
        return False
    subdistrict_id = area.pk if area.level == Area.Level.SUBDISTRICT else area.parent_id
    return subdistrict_id in _keeper_subdistrict_ids(user)


def can_keep_member(user, member: StaffMember) -> bool:
    """The keepers of a person's 街镇 keep them (whichever 居民区 they work in)."""
    return member.subdistrict_id in _keeper_subdistrict_ids(user)


def account_role_for(member: StaffMember) -> str | None:
    """The login role a roster person may be given from the roster (None: none)."""
    return ACCOUNT_ROLE_OF.get(member.role)


def can_open_account_for(user, member: StaffMember, today: dt.date | None = None) -> bool:
    """District staff of the person's district (those who grant the roles there,
    docs/security.md) give an active person without an account one, with the role of their
    post."""
    today = today or timezone.localdate()
    return (
        member.user_id is None
        and account_role_for(member) is not None
        and member.is_active_on(today)
        and member.district_id in {d.pk for d in districts_managed_by(user)}
    )


def can_link_accounts_for(user, member: StaffMember) -> bool:
    return member.district_id in {d.pk for d in districts_managed_by(user)}


# --- for the stations app: the figures of a 街镇's team (contract, see docs/domain.md §2.6) --


def active_staff_role_counts(*, subdistrict: Area, on: dt.date | None = None) -> dict[str, int]:
    """Active people (on `on`, today by default) of the station and of its 居民区, by role
    code (every StaffRole value, 0 where there is nobody). One query."""
    on = on or timezone.localdate()
    counts = dict.fromkeys(StaffRole.values, 0)
    rows = (
        StaffMember.objects.filter(subdistrict=subdistrict)
        .filter(active_q(on))
        .values("role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["role"]] = row["n"]
    return counts


def active_staff_role_counts_many(
    *, subdistricts: Iterable[Area], on: dt.date | None = None
) -> dict[int, dict[str, int]]:
    """active_staff_role_counts for several 街镇 at once (the coverage grid): 街镇 id → counts
    by role code. One query however many 街镇."""
    on = on or timezone.localdate()
    ids = [area.pk for area in subdistricts]
    found = {pk: dict.fromkeys(StaffRole.values, 0) for pk in ids}
    rows = (
        StaffMember.objects.filter(subdistrict_id__in=ids)
        .filter(active_q(on))
        .values("subdistrict_id", "role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        found[row["subdistrict_id"]][row["role"]] = row["n"]
    return found


@dataclass(frozen=True)
class WallPerson:
    """What the public display wall may show of a person: nothing else."""

    name: str
    role_label: str
    community_name: str  # the 居民区 of a 儿童主任; "" for the 督导员
    work_phone: str


def display_wall_people(*, subdistrict: Area) -> list[WallPerson]:
    """The active 儿童督导员 and 儿童主任 of the 街镇 who agreed to be shown on the display wall
    and gave a work phone: the 督导员 first, then the 儿童主任 by 居民区. One query."""
    today = timezone.localdate()
    members = (
        StaffMember.objects.filter(
            subdistrict=subdistrict,
            role__in=list(WALL_ROLES),
            publish_on_display_wall=True,
        )
        .exclude(work_phone="")
        .filter(active_q(today))
        .select_related("community")
        .order_by("community__name", "name", "pk")
    )
    members = sorted(members, key=lambda m: (m.role != StaffRole.SUPERVISOR,))
    return [
        WallPerson(
            name=m.name,
            role_label=str(StaffRole(m.role).label),
            community_name=m.community.name if m.community_id else "",
            work_phone=m.work_phone,
        )
        for m in members
    ]


def honours_of_subdistrict(*, subdistrict: Area, user) -> list[Honour]:
    """The honours of the 街镇's people — at the station and in its 居民区, those who left
    too (an honour stays theirs) — that `user` may see on the roster (staff_visible_to): the
    signed-in station page shows them, newest first. One query."""
    return list(
        Honour.objects.filter(
            member__subdistrict=subdistrict, member__in=staff_visible_to(user).values("pk")
        )
        .select_related("member", "member__community")
        .order_by("-awarded_on", "-pk")
    )


# --- the 1+1+X team (docs/domain.md §2.6) --------------------------------------------------


@dataclass
class CommunityTeam:
    """One 居民区's team: one 儿童主任, one social worker and X volunteers, and the others."""

    community: Area
    directors: list[StaffMember] = field(default_factory=list)
    social_workers: list[StaffMember] = field(default_factory=list)
    volunteers: list[StaffMember] = field(default_factory=list)
    others: list[StaffMember] = field(default_factory=list)

    @property
    def no_director(self) -> bool:
        return not self.directors

    @property
    def no_social_worker(self) -> bool:
        return not self.social_workers

    @property
    def people(self) -> list[StaffMember]:
        return self.directors + self.social_workers + self.volunteers + self.others

    def add(self, member: StaffMember) -> None:
        {
            StaffRole.DIRECTOR: self.directors,
            StaffRole.SOCIAL_WORKER: self.social_workers,
            StaffRole.VOLUNTEER: self.volunteers,
        }.get(member.role, self.others).append(member)


@dataclass
class SubdistrictTeam:
    subdistrict: Area
    station: list[StaffMember]  # the people placed at the 街镇, by role
    communities: list[CommunityTeam]

    # A closed 居民区 (still listed while someone works there) has no gap to fill.
    @property
    def without_director(self) -> list[Area]:
        return [t.community for t in self.communities if t.no_director and t.community.is_open]

    @property
    def without_social_worker(self) -> list[Area]:
        return [t.community for t in self.communities if t.no_social_worker and t.community.is_open]

    @property
    def people(self) -> list[StaffMember]:
        return self.station + [m for t in self.communities for m in t.people]


def _active_members(on: dt.date) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(active_q(on)).select_related("user")


def community_teams(*, communities: list[Area], on: dt.date | None = None) -> list[CommunityTeam]:
    """The teams of these 居民区 (active on `on`, today by default). One query."""
    on = on or timezone.localdate()
    teams = {c.pk: CommunityTeam(community=c) for c in communities}
    members = _active_members(on).filter(community_id__in=list(teams)).order_by("name", "pk")
    for member in members:
        teams[member.community_id].add(member)
    return list(teams.values())


def subdistrict_team(*, subdistrict: Area, on: dt.date | None = None) -> SubdistrictTeam:
    """The 街镇's team: the station's people and each 居民区's 1+1+X — its open 居民区, and a
    closed one only while someone still works there (a closed one has no gap to fill:
    docs/domain.md §1.16). Two queries."""
    on = on or timezone.localdate()
    members = list(_active_members(on).filter(subdistrict=subdistrict).order_by("name", "pk"))
    working = {m.community_id for m in members if m.community_id is not None}
    communities = list(
        Area.objects.filter(parent=subdistrict, level=Area.Level.COMMUNITY)
        .filter(Q(closed_at__isnull=True) | Q(pk__in=working))
        .order_by("code", "name")
    )
    teams = {c.pk: CommunityTeam(community=c) for c in communities}
    station: list[StaffMember] = []
    for member in members:
        if member.community_id is None:
            station.append(member)
        elif member.community_id in teams:
            teams[member.community_id].add(member)
    station.sort(key=lambda m: ROLE_ORDER.get(m.role, 99))
    return SubdistrictTeam(
        subdistrict=subdistrict, station=station, communities=list(teams.values())
    )


@dataclass(frozen=True)
class SubdistrictGaps:
    """One 街镇's line of the district's 1+1+X table."""

    subdistrict: Area
    communities: int
    without_director: int
    without_social_worker: int
    volunteers: int
    station_people: int
    has_supervisor: bool


def district_team_gaps(*, district: Area, on: dt.date | None = None) -> list[SubdistrictGaps]:
    """For each 街镇 of the district: how many 居民区 have no 儿童主任, how many no social
    worker, the volunteers, the station's people. Only open 居民区 count (a closed one has no
    gap to fill), and a closed 街镇 has its line only while someone still works there
    (docs/domain.md §1.16). Three queries, however many 街镇."""
    on = on or timezone.localdate()
    communities: dict[int, int] = {}  # community id → its 街镇's id
    for pk, parent_id in (
        Area.objects.open()
        .filter(parent__parent=district, level=Area.Level.COMMUNITY)
        .values_list("pk", "parent_id")
    ):
        communities[pk] = parent_id
    counts = (
        StaffMember.objects.filter(district=district)
        .filter(active_q(on))
        .values("subdistrict_id", "community_id", "role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    directed: set[int] = set()
    social: set[int] = set()
    volunteers: dict[int, int] = {}
    station: dict[int, int] = {}
    supervised: set[int] = set()
    for row in counts:
        sub, community, role, n = (
            row["subdistrict_id"], row["community_id"], row["role"], row["n"],
        )  # fmt: skip
        if role == StaffRole.VOLUNTEER:
            volunteers[sub] = volunteers.get(sub, 0) + n
        if community is None:
            station[sub] = station.get(sub, 0) + n
            if role == StaffRole.SUPERVISOR:
                supervised.add(sub)
        elif role == StaffRole.DIRECTOR:
            directed.add(community)
        elif role == StaffRole.SOCIAL_WORKER:
            social.add(community)
    subdistricts = list(
        Area.objects.filter(parent=district, level=Area.Level.SUBDISTRICT)
        .filter(Q(closed_at__isnull=True) | Q(pk__in=set(station) | set(volunteers)))
        .order_by("code", "name")
    )
    rows = []
    for sub in subdistricts:
        own = [c for c, parent in communities.items() if parent == sub.pk]
        rows.append(
            SubdistrictGaps(
                subdistrict=sub,
                communities=len(own),
                without_director=sum(1 for c in own if c not in directed),
                without_social_worker=sum(1 for c in own if c not in social),
                volunteers=volunteers.get(sub.pk, 0),
                station_people=station.get(sub.pk, 0),
                has_supervisor=sub.pk in supervised,
            )
        )
    return rows


def team_subdistricts_visible_to(user) -> QuerySet[Area]:
    """The 街镇 whose team page this user may open: those whose roster they keep."""
    return staff_keeper_subdistricts(user)


def team_districts_visible_to(user) -> list[Area]:
    """The districts whose 1+1+X table this user may open: district staff's."""
    return [
        ra.area
        for ra in user_role_assignments(user)
        if ra.role == Role.DISTRICT_STAFF and ra.area is not None
    ]


def director_communities(user) -> list[Area]:
    """The 居民区 where this user is a 儿童主任 (they see those teams, read-only)."""
    return [
        ra.area
        for ra in user_role_assignments(user)
        if ra.role == Role.DIRECTOR and ra.area is not None
    ]
