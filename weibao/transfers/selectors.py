"""Reads for transfers. ONE scope function, transfers_visible_to; the others start from it."""

from django.db.models import Q, QuerySet

from weibao.accounts.models import Role, User
from weibao.accounts.selectors import area_scope_q, user_role_assignments
from weibao.areas.models import Area
from weibao.cases.models import Case
from weibao.children.models import Child
from weibao.core.scope import get_or_404
from weibao.transfers.models import Transfer
from weibao.transfers.workflow import RECEIVER, SENDER
from weibao.visits.models import Concern, Visit

# The receiving 街镇's roles that see its incoming transfers (the director of the new 居民区
# sees the child once it has arrived, not before).
RECEIVING_ROLES = (Role.SUPERVISOR, Role.STATION_STAFF)


def transfers_visible_to(user) -> QuerySet[Transfer]:
    """THE scope rule for transfers: the sending area's people (its director, the 街镇's
    supervisor and station staff, district staff: the area columns, which stay the sending
    area's) and the receiving 街镇's supervisor and station staff. Every list, detail and API
    call about transfers starts here."""
    if not user.is_authenticated:
        return Transfer.objects.none()
    q = area_scope_q(user) or Q(pk__in=[])
    for ra in user_role_assignments(user):
        if ra.role in RECEIVING_ROLES and ra.area is not None:
            q |= Q(to_subdistrict_id=ra.area_id)
    return Transfer.objects.filter(q)


def transfer_get_for_user(user, pk) -> Transfer:
    """A transfer the user may see, or 404 exactly as if it did not exist."""
    return get_or_404(transfer_list_rows(transfers_visible_to(user)), pk)


def transfer_list_rows(qs: QuerySet[Transfer]) -> QuerySet[Transfer]:
    """What a row of the list (and the detail) shows, in one query."""
    return qs.select_related(
        "child",
        "community",
        "subdistrict",
        "to_community",
        "to_community__parent",
        "requested_by",
        "decided_by",
    )


def transfer_list(user, status: str = "") -> QuerySet[Transfer]:
    """The transfers the user sees, pending first (oldest request first: it has waited
    longest), then the decided ones, newest first."""
    qs = transfers_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    pending_first = (
        ["requested_at", "id"] if status == Transfer.Status.REQUESTED else ["-requested_at", "-id"]
    )
    return transfer_list_rows(qs).order_by(*pending_first)


# --- who is who on a transfer -------------------------------------------------------------


def _holds(user, role: str, area_id: int | None) -> bool:
    return area_id is not None and any(
        ra.role == role and ra.area_id == area_id for ra in user_role_assignments(user)
    )


def is_sender(user, *, district_id, subdistrict_id, community_id) -> bool:
    """The child's director, the 街镇's supervisor or station staff, or district staff."""
    return (
        _holds(user, Role.DIRECTOR, community_id)
        or _holds(user, Role.SUPERVISOR, subdistrict_id)
        or _holds(user, Role.STATION_STAFF, subdistrict_id)
        or _holds(user, Role.DISTRICT_STAFF, district_id)
    )


def may_start(user, child: Child) -> bool:
    """Who may ask for a child's transfer: the people of the child's present area."""
    return user.is_authenticated and is_sender(
        user,
        district_id=child.district_id,
        subdistrict_id=child.subdistrict_id,
        community_id=child.community_id,
    )


def deciding_subdistrict_id(transfer: Transfer) -> int:
    """The 街镇 whose supervisor decides: the receiving one; the sending one for a move out
    of the district (nobody of the other district has an account here)."""
    return transfer.subdistrict_id if transfer.out_of_district else transfer.to_subdistrict_id


def transfer_roles(user, transfer: Transfer) -> set[str]:
    """The user's roles on this transfer, as workflow.TRANSFER names them."""
    roles: set[str] = set()
    if not user.is_authenticated:
        return roles
    if is_sender(
        user,
        district_id=transfer.district_id,
        subdistrict_id=transfer.subdistrict_id,
        community_id=transfer.community_id,
    ):
        roles.add(SENDER)
    if _holds(user, Role.SUPERVISOR, deciding_subdistrict_id(transfer)) or _holds(
        user, Role.DISTRICT_STAFF, transfer.district_id
    ):
        roles.add(RECEIVER)
    return roles


def deciders(transfer: Transfer) -> list[int]:
    """Who to ask for a decision: the deciding 街镇's supervisors, else district staff."""
    ids = _role_holders(Role.SUPERVISOR, deciding_subdistrict_id(transfer))
    ids -= {transfer.requested_by_id}
    return sorted(ids or _role_holders(Role.DISTRICT_STAFF, transfer.district_id))


def supervisor_to_own(transfer: Transfer, accepter) -> User:
    """Who takes a case whose owner does not work in the new area: the accepter if they are
    the receiving supervisor, else the receiving 街镇's first supervisor, else the accepter
    (district staff)."""
    return supervisor_or(transfer.to_subdistrict_id, accepter)


def supervisor_or(subdistrict_id: int, actor) -> User:
    """`actor` if they supervise the 街镇, else its first active supervisor, else `actor`."""
    if _holds(actor, Role.SUPERVISOR, subdistrict_id):
        return actor
    supervisor = (
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.SUPERVISOR,
            role_assignments__area_id=subdistrict_id,
        )
        .order_by("pk")
        .first()
    )
    return supervisor or actor


def is_district_staff_of(user, district_id: int) -> bool:
    return _holds(user, Role.DISTRICT_STAFF, district_id)


def directors_of(community_id: int) -> list[int]:
    return sorted(_role_holders(Role.DIRECTOR, community_id))


def _role_holders(role: str, area_id: int | None) -> set[int]:
    if area_id is None:
        return set()
    return set(
        User.objects.filter(
            is_active=True, role_assignments__role=role, role_assignments__area_id=area_id
        ).values_list("pk", flat=True)
    )


# --- what the forms offer -----------------------------------------------------------------


def destination_communities(user) -> QuerySet[Area]:
    """The 居民区 a user may move a child to: every 居民区 of the districts they work in (a
    director knows of the district's other 居民区 by name; that is all the list shows)."""
    districts = set()
    for ra in user_role_assignments(user):
        area = ra.area
        while area is not None and area.level != Area.Level.DISTRICT:
            area = area.parent
        if area is not None:
            districts.add(area.pk)
    return (
        Area.objects.open()
        .filter(level=Area.Level.COMMUNITY, parent__parent_id__in=districts)
        .select_related("parent")
        .order_by("parent__code", "parent__name", "name")
    )


def receiving_communities(child: Child) -> QuerySet[Area]:
    """The 居民区 of the child's district other than the child's own."""
    return (
        Area.objects.open()
        .filter(level=Area.Level.COMMUNITY, parent__parent_id=child.district_id)
        .exclude(pk=child.community_id)
        .select_related("parent")
        .order_by("parent__code", "parent__name", "name")
    )


# --- the child's side -----------------------------------------------------------------------


def _of_child(child: Child) -> Q:
    # The child's district named on the joined child (a transfer's own area columns stay the
    # sending area's): the children's table is read in one partition, one Citus shard
    # (docs/scale.md).
    return Q(child=child, child__district_id=child.district_id)


def has_pending_transfer(child: Child) -> bool:
    # Whether, not which: no joins to plan (a row of the list's seven joins took PostgreSQL
    # 4.7 ms to plan, on every view of a child's file; docs/performance.md, "Load test").
    return Transfer.objects.filter(_of_child(child), status="requested").exists()


def child_transfers_for_user(user, child: Child) -> QuerySet[Transfer]:
    """The child's transfers the user may see, newest first, with what the child's page shows
    of each (transfers/_child_panel.html; the child is the page's own)."""
    return (
        transfers_visible_to(user)
        .filter(_of_child(child))
        .select_related("community", "to_community__parent", "requested_by")
        .order_by("-requested_at", "-id")
    )


def child_cases(child: Child) -> list[Case]:
    """Every case of the child, open or closed: all of them follow the child."""
    return list(Case.objects.filter(child=child).select_related("owner").order_by("pk"))


def open_case(child: Child) -> Case | None:
    return Case.objects.filter(child=child).exclude(stage="closed").first()


def child_has_records(child: Child) -> bool:
    """A case, a visit (a draft too) or a concern: what a change of 居民区 would leave behind."""
    return (
        Case.objects.filter(child=child).exists()
        or Visit.objects.filter(child=child).exists()
        or Concern.objects.filter(child=child).exists()
    )
