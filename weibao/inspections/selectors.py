"""Reads of the inspection teams (docs/domain.md §8.2). ONE scope function per type:
teams_visible_to, members_visible_to, patrols_visible_to, findings_visible_to,
meetings_visible_to — each the area scope (accounts.selectors.area_scope_q) over the row's area
columns, so a 居民区's team is seen and kept by its 儿童主任, by the 街镇's supervisor and station
staff, and by district staff; a 儿童主任 of another 居民区, and anyone without an area, gets 404.

A child's name shows only to someone who may see the child (children_visible_to): a member who
moved out of the viewer's scope is "a member" with a number."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from weibao.accounts.selectors import area_scope_q, communities_to_pick, user_scope_areas
from weibao.areas.models import Area
from weibao.children.choices import Status
from weibao.children.models import Child, adult_cutoff
from weibao.children.selectors import children_visible_to
from weibao.core.scope import get_or_404
from weibao.inspections.choices import OPEN_STATES, Category, FindingState
from weibao.inspections.models import Finding, Meeting, Member, Patrol, Team
from weibao.inspections.workflow import KEEPER


def _scoped(model, user) -> QuerySet:
    q = area_scope_q(user)
    if q is None:
        return model.objects.none()
    return model.objects.filter(q)


# --- scope ------------------------------------------------------------------------------------


def teams_visible_to(user) -> QuerySet[Team]:
    """The one answer to "which teams may this user see" (module docstring)."""
    return _scoped(Team, user)


def team_get_for_user(user, pk) -> Team:
    return get_or_404(teams_visible_to(user).select_related("community", "subdistrict"), pk)


def members_visible_to(user) -> QuerySet[Member]:
    return _scoped(Member, user)


def member_get_for_user(user, pk) -> Member:
    return get_or_404(members_visible_to(user).select_related("team", "child"), pk)


def patrols_visible_to(user) -> QuerySet[Patrol]:
    return _scoped(Patrol, user)


def patrol_get_for_user(user, pk) -> Patrol:
    return get_or_404(patrols_visible_to(user).select_related("team", "community"), pk)


def findings_visible_to(user) -> QuerySet[Finding]:
    return _scoped(Finding, user)


def finding_get_for_user(user, pk) -> Finding:
    return get_or_404(
        findings_visible_to(user).select_related("team", "community", "patrol", "meeting"), pk
    )


def meetings_visible_to(user) -> QuerySet[Meeting]:
    return _scoped(Meeting, user)


def meeting_get_for_user(user, pk) -> Meeting:
    return get_or_404(meetings_visible_to(user).select_related("team", "community"), pk)


def sees_inspections(user) -> bool:
    """Whether the user has the inspection teams' pages at all: anyone with an area role (a
    儿童主任 sees their own 居民区's team, or starts it)."""
    return bool(user_scope_areas(user))


def team_roles(user, team: Team) -> set[str]:
    """The user's roles in the finding workflow's table: everyone who sees a team keeps it."""
    return {KEEPER} if teams_visible_to(user).filter(pk=team.pk).exists() else set()


def communities_without_team(user) -> QuerySet[Area]:
    """The open 居民区 of the user's scope that have no team yet (to start one)."""
    return (
        communities_to_pick(user)
        .exclude(pk__in=Team.objects.values("community_id"))
        .select_related("parent")
        .order_by("parent__code", "parent__name", "name")
    )


# --- members ----------------------------------------------------------------------------------


def member_candidates(user, team: Team) -> QuerySet[Child]:
    """The children the user may put on the team: registered minors of the team's 居民区 whom
    the user may see, not on it already."""
    on_team = Member.objects.filter(team=team, left_on__isnull=True).values("child_id")
    return (
        children_visible_to(user)
        .filter(community_id=team.community_id, status=Status.ACTIVE, birth_date__gt=adult_cutoff())
        .exclude(pk__in=on_team)
        .order_by("name_pinyin", "pk")
    )


def visible_child_ids(user, child_ids) -> set[int]:
    """Which of these children the user may see (one query)."""
    ids = list(set(child_ids))
    if not ids:
        return set()
    return set(children_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def given_name(name: str) -> str:
    """The given name of a name (a Han name without its one-character surname; the first part of
    a name written with "·"), as the outcome page shows members; "" for an anonymised file."""
    name = (name or "").strip()
    if not name or name.startswith("已匿名"):
        return ""
    if "·" in name:  # 阿依古丽·买买提: the given name comes first
        return name.split("·")[0]
    return name[1:] if len(name) >= 2 else name


@dataclass(frozen=True)
class MemberRow:
    member: Member
    name: str  # the child's name where the viewer may see the child, else ""


def member_rows(user, members) -> list[MemberRow]:
    members = list(members)
    seen = visible_child_ids(user, [m.child_id for m in members])
    return [MemberRow(m, m.child.name if m.child_id in seen else "") for m in members]


# --- open findings per 居民区 -----------------------------------------------------------------


@dataclass(frozen=True)
class CommunityCounts:
    team: Team
    found: int
    on_agenda: int
    in_progress: int
    overdue: int
    resolved: int
    closed: int
    members: int

    @property
    def open(self) -> int:
        return self.found + self.on_agenda + self.in_progress


def _state_count(state: str) -> Count:
    return Count("findings", filter=Q(findings__state=state), distinct=True)


def team_counts(user, today: dt.date | None = None) -> list[CommunityCounts]:
    """Each team the user sees with its findings counted by state (and how many are overdue)
    and its members: two queries however many teams."""
    today = today or timezone.localdate()
    teams = list(
        teams_visible_to(user)
        .select_related("community", "subdistrict")
        .annotate(
            n_found=_state_count(FindingState.FOUND),
            n_on_agenda=_state_count(FindingState.ON_AGENDA),
            n_in_progress=_state_count(FindingState.IN_PROGRESS),
            n_resolved=_state_count(FindingState.RESOLVED),
            n_closed=_state_count(FindingState.CLOSED),
            n_overdue=Count(
                "findings",
                filter=Q(findings__state=FindingState.IN_PROGRESS, findings__due_on__lt=today),
                distinct=True,
            ),
        )
        .order_by("subdistrict__code", "subdistrict__name", "community__name", "pk")
    )
    members = dict(
        Member.objects.filter(team__in=[t.pk for t in teams], left_on__isnull=True)
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    return [
        CommunityCounts(
            team=t,
            found=t.n_found,
            on_agenda=t.n_on_agenda,
            in_progress=t.n_in_progress,
            overdue=t.n_overdue,
            resolved=t.n_resolved,
            closed=t.n_closed,
            members=members.get(t.pk, 0),
        )
        for t in teams
    ]


def open_findings(user) -> QuerySet[Finding]:
    return findings_visible_to(user).filter(state__in=list(OPEN_STATES))


# --- the display wall -------------------------------------------------------------------------

WALL_MONTHS = 12
WALL_ROWS = 8


@dataclass(frozen=True)
class WallFinding:
    category: str
    place: str  # in general words: the 居民区 and the words its keepers chose for the public
    outcome: str


def wall_resolved(subdistrict_id: int, today: dt.date) -> tuple[list[WallFinding], dict[str, int]]:
    """The 街镇's findings resolved in the last 12 months, newest first (at most 8), and how many
    of each category: what the public display wall shows. No child, no photo, no exact place."""
    since = today - dt.timedelta(days=365)
    resolved = Finding.objects.filter(
        subdistrict_id=subdistrict_id,
        state=FindingState.RESOLVED,
        resolved_on__gte=since,
        resolved_on__lte=today,
    )
    counts = dict.fromkeys(Category.values, 0)
    for category, n in (
        resolved.values("category").annotate(n=Count("pk")).values_list("category", "n")
    ):
        counts[category] = n
    labels = dict(Category.choices)
    rows = [
        WallFinding(
            category=str(labels.get(f.category, f.category)),
            place=" · ".join(part for part in (f.community.name, f.place_general) if part),
            outcome=f.outcome,
        )
        for f in resolved.select_related("community").order_by("-resolved_on", "-pk")[:WALL_ROWS]
    ]
    return rows, counts
