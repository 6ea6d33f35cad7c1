from django.db.models import Q, QuerySet

from weibao.accounts.selectors import user_scope_areas
from weibao.areas.models import Area


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


def area_path(area: Area) -> str:
    names = []
    node: Area | None = area
    while node is not None:
        names.append(node.name)
        node = node.parent
    return " › ".join(reversed(names))
