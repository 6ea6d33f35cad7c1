"""Reads for cases and everything that hangs off a case (plans, services, protection). ONE
scope function, cases_visible_to; the others start from it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.selectors import (
    area_q,
    same_district_as_child,
    user_district_ids,
    user_role_assignments,
)
from weibao.areas.models import Area
from weibao.cases import workflow
from weibao.cases.choices import PlannedServiceStatus
from weibao.cases.models import (
    FOLLOW_UP_VISITS_DEFAULT,
    Case,
    CaseMember,
    CasePolicy,
    PlannedService,
    PlanVersion,
)
from weibao.children.models import Child
from weibao.core.fields import EncryptedTextField
from weibao.core.scope import get_or_404, in_subquery
from weibao.reports.models import Report

# Services and protection may be recorded for days this long before the case was opened:
# what was done just before a case was filed (emergency care, a first counselling session)
# belongs to it; anything older belongs to no case.
BACKDATE_DAYS = 30


def case_rows_to_lock() -> QuerySet[Case]:
    """The cases a service locks with their child (areas.models.lock_where_read): the child
    joined on the district too, so the locked rows are one district's (docs/scale.md, "What
    changes in the code", point 9)."""
    return Case.objects.select_for_update().select_related("child").filter(same_district_as_child())


def earliest_date(case: Case) -> dt.date:
    """The earliest day a service of this case may be recorded for."""
    opened = timezone.localdate(case.opened_at) if case.opened_at else timezone.localdate()
    earliest = opened - dt.timedelta(days=BACKDATE_DAYS)
    birth = getattr(case.child, "birth_date", None)
    return max(earliest, birth) if birth else earliest


# The roles that see every case of their area; a director sees only the cases they own.
AREA_ROLES = {
    Role.SUPERVISOR: workflow.SUPERVISOR,
    Role.STATION_STAFF: workflow.STAFF,
    Role.DISTRICT_STAFF: workflow.DISTRICT,
}


def cases_visible_to(user) -> QuerySet[Case]:
    """THE scope rule for cases: the case team (CaseMember: the owner, the people named in the
    plan, the 儿童主任 of the child's 居民区 unless the case is restricted), and the
    supervisor, station staff and district staff of the case's area. Anyone else — another
    居民区's director, or a director kept off a restricted case — does not see it."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(_visible_q(user))


def _visible_q(user) -> Q:
    """The condition of cases_visible_to over a case's own columns (and its team's index)."""
    # A member works in the case's area (cases.services._team_move keeps it so), hence in one
    # of their own districts: naming them keeps the read inside those districts (docs/scale.md).
    districts = user_district_ids(user)
    areas = [
        ra.area
        for ra in user_role_assignments(user)
        if ra.role in AREA_ROLES and ra.area is not None
    ]
    whole = {a.pk for a in areas if a.level == Area.Level.DISTRICT}
    if districts and whole.issuperset(districts):
        # Every case the user is on lies in one of their districts, which they see whole: the
        # team adds nothing, and without it the district's list is one index range walked in
        # the list's order (docs/performance.md, "The case team").
        q = Q()
        for area in areas:
            q |= area_q(area)
        return q
    teams = CaseMember.objects.filter(user=user)
    if districts:
        teams = teams.filter(district_id__in=districts)
    covered = Q()
    for area in areas:
        covered |= area_q(area)
    if covered:
        members = _team_cases_outside(teams, covered)
    else:
        members = in_subquery("pk", teams.values("case_id"))
    if members is None:
        return covered
    if districts:
        members &= Q(district_id__in=districts)
    return members | covered


# More team cases outside a worker's areas than this are read as a subquery, not a list.
TEAM_OUTSIDE_LIST = 100


def _team_cases_outside(teams: QuerySet[CaseMember], covered: Q) -> Q | None:
    """ "On the team" for a worker who also sees whole areas: only the team's cases outside
    those areas add anything (a member row has its case's area columns, cases.services keeps
    them so), and a worker is seldom on one. Read here, so that when there is none the
    condition is the areas alone: PostgreSQL then reads a 街镇's list from its index in the
    list's order. With the team as a subquery under an OR it walked the whole district's
    list, 9–14 ms for a supervisor at 2,500,000 children (docs/performance.md, "A
    supervisor's list without the team's cases of their own 街镇"). None when there is none."""
    outside = teams.exclude(covered).order_by()
    ids = list(outside.values_list("case_id", flat=True)[: TEAM_OUTSIDE_LIST + 1])
    if not ids:
        return None
    if len(ids) > TEAM_OUTSIDE_LIST:
        return in_subquery("pk", outside.values("case_id"))
    return Q(pk__in=ids)


@dataclass(frozen=True)
class CaseListFilters:
    """The filters of the list of cases (the page, its export and the API's)."""

    stage: str = ""
    risk_level: str = ""
    subdistrict: int | None = None
    community: int | None = None
    mine: bool = False


def _case_list_matches(user, filters: CaseListFilters) -> QuerySet[Case]:
    qs = cases_visible_to(user)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.risk_level:
        qs = qs.filter(risk_level=filters.risk_level)
    if filters.subdistrict:
        qs = qs.filter(subdistrict_id=filters.subdistrict)
    if filters.community:
        qs = qs.filter(community_id=filters.community)
    if filters.mine:
        qs = qs.filter(owner=user)
    return qs


# Newest first; the districts' index (district, opened_at, id) has this order.
LIST_ORDER = ("-opened_at", "-id")


def case_list(user, filters: CaseListFilters) -> QuerySet[Case]:
    """The cases the user may see (cases_visible_to), filtered, newest first, with the names
    the list shows joined in."""
    return (
        _case_list_matches(user, filters)
        .filter(same_district_as_child())
        .select_related("child", "owner", "community", "subdistrict")
        .order_by(*LIST_ORDER)
    )


def case_list_ids(user, filters: CaseListFilters) -> QuerySet[Case]:
    """The ids of case_list in its order, read on the cases alone: a deep page's ids
    (core.paging.CountedPaginator), from the index where one has the order."""
    return _case_list_matches(user, filters).order_by(*LIST_ORDER).values_list("pk", flat=True)


def case_list_count(user, filters: CaseListFilters) -> int:
    """How many cases case_list holds, counted on the cases alone: the join with the children
    that case_list makes on the district (same_district_as_child, always true) would make the
    count read a child for every case of the district (docs/performance.md, "The case team")."""
    return _case_list_matches(user, filters).count()


def case_get_for_user(user, pk) -> Case:
    return get_or_404(
        cases_visible_to(user)
        .filter(same_district_as_child())
        .select_related("child", "owner", "community", "subdistrict"),
        pk,
    )


def case_roles(user, case: Case) -> set[str]:
    """The user's roles on this case, as the workflow tables name them."""
    roles: set[str] = set()
    if not user.is_authenticated:
        return roles
    if case.owner_id == user.pk:
        roles.add(workflow.OWNER)
    area_of = {
        "district": case.district_id,
        "subdistrict": case.subdistrict_id,
        "community": case.community_id,
    }
    for ra in user_role_assignments(user):
        in_area = ra.area is not None and area_of[ra.area.scope_field()] == ra.area_id
        if ra.role in AREA_ROLES and in_area:
            roles.add(AREA_ROLES[ra.role])
    # A member's role adds nothing to a worker's: ask the team only when it could matter.
    if not roles and case_member(user, case):
        roles.add(workflow.MEMBER)
    return roles


def case_member(user, case: Case) -> bool:
    team = getattr(case, "prefetched_team", None)  # a list's teams, read in one query
    if team is not None:
        return any(m.user_id == user.pk for m in team)
    return CaseMember.objects.filter(case=case, user=user).exists()


def team_order(case: Case, members) -> list[CaseMember]:
    """The owner first, then by when they joined."""
    return sorted(members, key=lambda m: (m.user_id != case.owner_id, m.added_at, m.pk))


def case_team(case: Case) -> list[CaseMember]:
    """The case's team as listed on its page and in the API."""
    return team_order(case, CaseMember.objects.filter(case=case).select_related("user"))


def team_prefetch() -> Prefetch:
    """The teams of a list of cases in one query (CaseSerializer.get_team reads it)."""
    return Prefetch(
        "members", queryset=CaseMember.objects.select_related("user"), to_attr="prefetched_team"
    )


# What a case's row in the API shows of its child is the name: the file's encrypted texts (ID
# number, address, notes), read with the child, would each be decrypted for every row and never
# shown (docs/performance.md, "The case team").
CHILD_TEXTS = tuple(
    f"child__{field.name}"
    for field in Child._meta.concrete_fields
    if isinstance(field, EncryptedTextField)
)


def reports_prefetch() -> Prefetch:
    """The reports handed to a list of cases, in one query, with what CaseSerializer shows of
    each (id, reference, received): not a report's encrypted texts (what happened, the
    reporter, the child's address), which would be decrypted for every report of the page."""
    return Prefetch(
        "reports", queryset=Report.objects.only("id", "case_id", "reference", "received_at")
    )


def kept_off_restricted_case(case: Case) -> list[int]:
    """The 居民区's directors a restriction keeps off the case (those not on its team)."""
    if not case.restricted:
        return []
    return list(
        RoleAssignment.objects.filter(role=Role.DIRECTOR, area_id=case.community_id)
        .exclude(user_id__in=CaseMember.objects.filter(case=case).values("user_id"))
        .values_list("user_id", flat=True)
    )


def supervisor_names(case: Case) -> list[str]:
    """Who to ask about a case one cannot see: the supervisors of its 街镇."""
    users = User.objects.filter(
        is_active=True,
        role_assignments__role=Role.SUPERVISOR,
        role_assignments__area_id=case.subdistrict_id,
    ).distinct()
    return [str(u) for u in users.order_by("full_name", "username")]


def open_case_for_child(child) -> Case | None:
    # A case lies in its child's district (cases.services.case_move_area moves it with the
    # child): naming it reads one partition, one Citus shard (docs/scale.md). Not called while
    # a move is half done (transfers.selectors.open_case reads by the child alone).
    return (
        Case.objects.filter(child=child, district_id=child.district_id)
        .exclude(stage="closed")
        .first()
    )


def plan_versions_of(case: Case) -> QuerySet[PlanVersion]:
    """The case's plan versions, newest first, read with the case's district (their own copy
    of it, PlanVersion.district): the key that routes the read to one partition or Citus
    worker (docs/scale.md). Ordered by number alone: the model's ordering leads with the case,
    which would join the cases to order by the case's own ordering."""
    return PlanVersion.objects.filter(district_id=case.district_id, case=case).order_by("-number")


def current_plan(case: Case) -> PlanVersion | None:
    return plan_versions_of(case).first()


def current_plan_number(district_ids: list[int]) -> Subquery:
    """The number of a listed case's current plan (None without one), an annotation of a list
    of cases in `district_ids` (the reader's: user_district_ids): a subquery on the case's
    district and id, where a join with every version and a GROUP BY over the case's columns
    would name no district. The districts are said as constants as well: a district taken
    from the outer row alone is known only when the subquery runs, so PostgreSQL would plan a
    read of every partition (tests/children/test_partition_pruning.py)."""
    versions = PlanVersion.objects.filter(
        district_id__in=district_ids, district_id=OuterRef("district_id"), case=OuterRef("pk")
    )
    return Subquery(versions.order_by("-number").values("number")[:1])


# --- additions: owners, a child's cases, plan versions ------------------------------------


def eligible_owner_q(child) -> Q:
    """Role assignments that make someone a possible owner of a case of this child: the
    director of its 居民区, the supervisor or station staff of its 街镇, district staff."""
    return (
        Q(role=Role.DIRECTOR, area_id=child.community_id)
        | Q(role__in=[Role.SUPERVISOR, Role.STATION_STAFF], area_id=child.subdistrict_id)
        | Q(role=Role.DISTRICT_STAFF, area_id=child.district_id)
    )


def eligible_owners(child) -> QuerySet[User]:
    """Who may own (or be responsible in the plan of) a case of this child."""
    assignments = RoleAssignment.objects.filter(eligible_owner_q(child))
    return (
        User.objects.filter(is_active=True, pk__in=assignments.values("user_id"))
        .prefetch_related("role_assignments")
        .order_by("full_name", "username")
    )


def child_cases_for_user(user, child) -> QuerySet[Case]:
    """The child's cases this user may see, open ones first, newest first."""
    return (
        cases_visible_to(user)
        .filter(child=child, district_id=child.district_id)
        .select_related("owner")
        .order_by("closed_at", "-opened_at", "-id")
    )


def plan_version_get(case: Case, number) -> PlanVersion:
    return get_or_404(plan_versions_of(case).select_related("created_by"), number, field="number")


def plan_services(plan: PlanVersion | None) -> list:
    if plan is None:
        return []
    return list(plan.services.select_related("responsible_user", "responsible_partner"))


# A planned service still to be delivered; done and cancelled ones are settled.
UNSETTLED = (PlannedServiceStatus.PLANNED, PlannedServiceStatus.IN_PROGRESS)


def open_plan_items(case: Case) -> QuerySet[PlannedService]:
    """The planned services of the case's current plan still to be delivered: those a service
    record may say it delivers."""
    plan = current_plan(case)
    if plan is None:
        return PlannedService.objects.none()
    return plan.services.filter(status__in=UNSETTLED).order_by("due_on", "id")


# --- the closing rules of a district (CasePolicy) ---------------------------------------------


def follow_up_visits_required(case: Case) -> int:
    """How many completed home visits the follow-up needs before the case closes: its
    district's setting, or the default when the district has set nothing. A read, so it does
    not create the district's row (services.case_policy_for does, when it is edited)."""
    setting = (
        CasePolicy.objects.filter(district_id=case.district_id)
        .values_list("follow_up_visits", flat=True)
        .first()
    )
    return FOLLOW_UP_VISITS_DEFAULT if setting is None else setting


def case_policy_districts(user) -> list[Area]:
    """The districts whose closing rules this user sets: district staff of that district."""
    return [
        ra.area
        for ra in user_role_assignments(user)
        if ra.role == Role.DISTRICT_STAFF and ra.area is not None
    ]


def case_url(case: Case) -> str:
    """The case's page."""
    return reverse("cases:detail", args=[case.pk])


def case_visible(user, case_id: int) -> bool:
    return cases_visible_to(user).filter(pk=case_id).exists()


def reports_of_hidden_cases(user) -> Q:
    """The reports a user may not see although they lie in their area: those handed to a
    restricted case the user is not on (reports.hooks.hidden_reports). The restricted cases
    the user does not see are found first (few, from their partial index), not by joining every
    report of the queue to its case (docs/performance.md, "The report queue")."""
    if not user.is_authenticated:
        return Q(case__restricted=True)
    hidden = Case.objects.filter(restricted=True).exclude(_visible_q(user))
    return Q(case_id__in=hidden.values("pk"))
