"""Reads for partners and referrals. ONE scope function per type."""

from django.db.models import QuerySet

from weibao.accounts.models import Role
from weibao.accounts.selectors import areas_visible_to, user_role_assignments
from weibao.areas.models import Area
from weibao.core.scope import get_or_404
from weibao.partners.models import Partner


def partners_visible_to(user) -> QuerySet[Partner]:
    """Partners serving the user's areas: those of their areas, of the areas below, and of the
    areas above (a district partner serves every 街镇)."""
    return Partner.objects.filter(area__in=areas_visible_to(user).values("pk"))


def partner_get_for_user(user, pk) -> Partner:
    return get_or_404(partners_visible_to(user).select_related("area"), pk)


def can_manage_partners_in(user, area: Area) -> bool:
    """Supervisors keep the registry of their 街镇 (and its 居民区); district staff all of it."""
    for ra in user_role_assignments(user):
        if ra.area is None:
            continue
        if ra.role == Role.DISTRICT_STAFF and area.pk in _subtree(ra.area):
            return True
        if ra.role == Role.SUPERVISOR and area.pk in _subtree(ra.area):
            return True
    return False


def areas_managed_by(user) -> QuerySet[Area]:
    """The areas in which the user may register and edit partners (can_manage_partners_in)."""
    ids: set[int] = set()
    for ra in user_role_assignments(user):
        if ra.area is not None and ra.role in (Role.DISTRICT_STAFF, Role.SUPERVISOR):
            ids |= _subtree(ra.area)
    return Area.objects.filter(pk__in=ids).select_related("parent")


def _subtree(area: Area) -> set[int]:
    ids = {area.pk}
    ids |= set(Area.objects.filter(parent=area).values_list("pk", flat=True))
    ids |= set(Area.objects.filter(parent__parent=area).values_list("pk", flat=True))
    return ids
