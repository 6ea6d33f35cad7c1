from django.db.models import Q, QuerySet

from weibao.accounts.models import Role, RoleAssignment
from weibao.areas.models import Area

# Who may reveal children's ID numbers, phones and addresses (a permission of the children app).
REVEAL_PERMISSION = "children.reveal_sensitive"


def user_role_assignments(user) -> list[RoleAssignment]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_weibao_roles", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user).select_related(
                "area", "area__parent", "area__parent__parent"
            )
        )
        # Cached on the user object, which lives for one request.
        user._weibao_roles = cached
    return cached


def user_scope_areas(user) -> list:
    """Areas whose children this user may see: the areas of all their area-bound roles."""
    return [ra.area for ra in user_role_assignments(user) if ra.area is not None]


def user_is_sysadmin(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or any(ra.role == "sysadmin" for ra in user_role_assignments(user))
    )


def users_with_role_in_areas(*, roles, area_ids) -> list[int]:
    """Ids of the users holding one of `roles` on one of the areas (who to notify)."""
    return list(
        RoleAssignment.objects.filter(role__in=list(roles), area_id__in=list(area_ids))
        .values_list("user_id", flat=True)
        .distinct()
    )


def is_district_staff(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser
        or any(ra.role == Role.DISTRICT_STAFF for ra in user_role_assignments(user))
    )


# --- the area scope: which areas, and so which rows, a user may see ------------------------


def area_scope_q(user, prefix: str = "") -> Q | None:
    """The condition "lies in one of this user's areas" over the district/subdistrict/community
    columns of a row (with `prefix` for a related row). None when the user has no area."""
    q = Q()
    for area in user_scope_areas(user):
        q |= Q(**{f"{prefix}{area.scope_field()}_id": area.pk})
    return q or None


def areas_visible_to(user) -> QuerySet[Area]:
    """The one answer to "which areas may this user see": their assigned areas, everything
    below them, and the ancestors (so that a path such as 长宁区 › 天山路街道 can be shown)."""
    assigned = user_scope_areas(user)
    if not assigned:
        return Area.objects.none()
    q = Q()
    for area in assigned:
        q |= Q(pk=area.pk) | Q(parent_id=area.pk) | Q(parent__parent_id=area.pk)
        parent = area.parent
        while parent is not None:
            q |= Q(pk=parent.pk)
            parent = parent.parent
    return Area.objects.filter(q).select_related("parent")


def communities_visible_to(user) -> QuerySet[Area]:
    return (
        areas_visible_to(user)
        .filter(level=Area.Level.COMMUNITY)
        .filter(pk__in=_assigned_subtree(user))
    )


def _assigned_subtree(user) -> list[int]:
    ids: list[int] = []
    for area in user_scope_areas(user):
        if area.level == Area.Level.COMMUNITY:
            ids.append(area.pk)
        elif area.level == Area.Level.SUBDISTRICT:
            ids.extend(area.children.values_list("pk", flat=True))
        else:
            ids.extend(Area.objects.filter(parent__parent=area).values_list("pk", flat=True))
    return ids
