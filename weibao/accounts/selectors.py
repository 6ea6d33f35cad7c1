from weibao.accounts.models import Role, RoleAssignment

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
