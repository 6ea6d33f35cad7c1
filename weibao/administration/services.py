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
from weibao.areas.models import Area
from weibao.areas.services import area_close, area_may_manage, merge_target_problem
from weibao.children.selectors import children_on_register_in
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
    roles move to `into`, its children on the register move there with everything that
    follows them, and it closes, merged. Returns the closed area."""
    _assert_manager(actor, community)
    problem = merge_target_problem(community, into)
    if problem:
        raise ValidationError({"into": [problem]})
    # Roles first: a case whose owner still works in the new 居民区 stays theirs.
    for assignment in _roles_on(community):
        role_assignment_move(actor=actor, assignment=assignment, area=into)
    children_move_administratively(
        actor=actor,
        children=children_on_register_in(community).order_by("pk"),
        community=into,
    )
    return area_close(actor=actor, area=community, merged_into=into)


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
