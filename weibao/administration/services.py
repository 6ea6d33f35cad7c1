"""Merging and closing 街镇 and 居民区 (docs/domain.md §1.16), each in one transaction:
what lives in the area moves first, each part through the service of the app that owns it —
the roles (accounts), the children with their visits, cases and what hangs off them
(transfers, as an accepted transfer moves them, each child's history saying "居民区合并/撤销")
— then the area closes (areas.services.area_close, which refuses while anything is left,
through areas.hooks.area_close_guards). Creating and renaming are areas.services' own."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.accounts.models import RoleAssignment
from weibao.accounts.services import role_assignment_move, role_assignment_revoke
from weibao.administration.selectors import roster_people_of
from weibao.areas.models import Area
from weibao.areas.services import (
    area_close,
    area_close_refusals,
    area_create,
    area_may_manage,
    merge_target_problem,
)
from weibao.children.selectors import children_on_register_in
from weibao.staff.services import staff_update
from weibao.transfers.services import children_move_administratively


def _assert_manager(actor, area: Area) -> None:
    # The district itself is never closed here (areas.services refuses it too; checked first,
    # before any role on it is touched).
    if area.level == Area.Level.DISTRICT or not area_may_manage(actor, area):
        raise PermissionDenied


def _roles_on(area: Area) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(area=area).select_related("user", "area").order_by("pk")
    )


@transaction.atomic
def community_merge(*, actor, community: Area, into: Area) -> Area:
    """居民区 `community` becomes part of `into` (another 居民区 of its 街镇): its directors'
    roles and the people of its roster still at work move to `into`, its children on the
    register move there with everything that follows them, and it closes, merged. Returns the
    closed area."""
    _assert_manager(actor, community)
    problem = merge_target_problem(community, into)
    if problem:
        raise ValidationError({"into": [problem]})
    return _merge_community(actor=actor, community=community, into=into)


def _merge_community(
    *, actor, community: Area, into: Area, across_subdistricts: bool = False
) -> Area:
    # Roles first: a case whose owner still works in the new 居民区 stays theirs.
    for assignment in _roles_on(community):
        role_assignment_move(actor=actor, assignment=assignment, area=into)
    # The people of its roster still at work now work there (the team page has no closed
    # 居民区 to fill).
    for member in roster_people_of(community):
        staff_update(actor=actor, member=member, data={"area": into})
    children_move_administratively(
        actor=actor,
        children=children_on_register_in(community).order_by("pk"),
        community=into,
        across_subdistricts=across_subdistricts,
    )
    return area_close(
        actor=actor, area=community, merged_into=into, across_subdistricts=across_subdistricts
    )


@transaction.atomic
def area_close_moving(*, actor, area: Area, move_to: Area | None = None) -> Area:
    """Close a 街镇 or 居民区. The roles on it end; the children on a 居民区's register move to
    `move_to` (another open 居民区 of the same 街镇), required when there are any. A 街镇
    closes once its 居民区 have all closed. Returns the closed area."""
    _assert_manager(actor, area)
    children = children_on_register_in(area).order_by("pk")
    has_children = area.level == Area.Level.COMMUNITY and children.exists()
    if has_children:
        if move_to is None:
            raise ValidationError(
                {"move_to": [_("Choose the residential area its children move to.")]}
            )
        problem = merge_target_problem(area, move_to)
        if problem:
            raise ValidationError({"move_to": [problem]})
    for assignment in _roles_on(area):
        role_assignment_revoke(actor=actor, assignment=assignment)
    if has_children:
        children_move_administratively(actor=actor, children=children, community=move_to)
    return area_close(actor=actor, area=area)


def subdistrict_merge_problems(subdistrict: Area, into: Area) -> list[str]:
    """Why 街镇 `subdistrict` cannot merge into `into` now (empty when it can): the target,
    a name its 居民区 would repeat there, and what keeps the 街镇 or one of its 居民区 from
    closing once its children and roles have moved (area_close_refusals: an open report, a
    pending transfer, an open case of a file no longer on the register, an operating
    station)."""
    problem = merge_target_problem(subdistrict, into)
    if problem:
        return [problem]
    problems = []
    taken = set(Area.objects.filter(parent=into).values_list("name", flat=True))
    communities = list(subdistrict.children.open().order_by("code", "name", "pk"))
    for community in communities:
        if community.name in taken:
            problems.append(
                _("%(into)s already has a residential area named %(name)s: rename one first.")
                % {"into": into.name, "name": community.name}
            )
    return problems + subdistrict_merge_blockers(subdistrict)


def subdistrict_merge_blockers(subdistrict: Area) -> list[str]:
    """What keeps a 街镇 from merging into any other, whichever: what would keep it, or one of
    its open 居民区, from closing once its children and roles have moved."""
    blockers = [
        exc.message
        for exc in area_close_refusals(
            subdistrict, skip=frozenset({"roles", "communities", "children", "cases"})
        )
    ]
    for community in subdistrict.children.open().order_by("code", "name", "pk"):
        skip = frozenset({"roles", "children", "cases"})
        blockers += [exc.message for exc in area_close_refusals(community, skip=skip)]
    return blockers


@transaction.atomic
def subdistrict_merge(*, actor, subdistrict: Area, into: Area) -> Area:
    """街镇 `subdistrict` becomes part of `into` (another 街镇 of its district). Each of its
    open 居民区 moves under `into` as a 居民区 of the same name made there (a 居民区's code
    begins with its 街镇's, so the new one starts without one): its directors' roles, the
    people of its roster still at work and its children on the register (with everything
    that follows them, as an accepted transfer moves them) move to it, and the old one closes,
    merged into it. Then the roles on the 街镇 itself end and it closes, merged into `into`.
    Refused before anything moves while subdistrict_merge_problems names a reason. Returns the
    closed 街镇."""
    _assert_manager(actor, subdistrict)
    if subdistrict.level != Area.Level.SUBDISTRICT:
        raise ValidationError({"into": [_("Only a sub-district or town is merged here.")]})
    problems = subdistrict_merge_problems(subdistrict, into)
    if problems:
        raise ValidationError({"into": problems})
    for community in subdistrict.children.open().order_by("code", "name", "pk"):
        moved_to = area_create(actor=actor, parent=into, name=community.name)
        _merge_community(actor=actor, community=community, into=moved_to, across_subdistricts=True)
    for assignment in _roles_on(subdistrict):
        role_assignment_revoke(actor=actor, assignment=assignment)
    return area_close(actor=actor, area=subdistrict, merged_into=into)
