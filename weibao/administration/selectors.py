"""Reads of the district's area pages. ONE scope function, areas_managed_by; the others start
from it."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from weibao.accounts.models import Role, RoleAssignment
from weibao.accounts.selectors import districts_managed_by
from weibao.areas.models import Area
from weibao.children.selectors import minors_per_community
from weibao.core.scope import get_or_404
from weibao.staff.models import StaffMember


def areas_managed_by(user) -> QuerySet[Area]:
    """THE scope of the area pages: the districts whose staff the user is, and every 街镇 and
    居民区 in them, open or closed. Every other area — and every area, for anyone who is not
    district staff — answers 404."""
    ids = [d.pk for d in districts_managed_by(user)]
    if not ids:
        return Area.objects.none()
    return Area.objects.filter(
        Q(pk__in=ids) | Q(parent_id__in=ids) | Q(parent__parent_id__in=ids)
    ).select_related("parent", "parent__parent", "merged_into")


def area_get_for_manager(user, pk) -> Area:
    """A 街镇 or 居民区 the user manages, or 404 exactly as if it did not exist."""
    return get_or_404(areas_managed_by(user).exclude(level=Area.Level.DISTRICT), pk)


@dataclass
class CommunityRow:
    area: Area
    minors: int
    directors: int


@dataclass
class SubdistrictRow:
    area: Area
    communities: list[CommunityRow] = field(default_factory=list)

    @property
    def minors(self) -> int:
        return sum(row.minors for row in self.communities)


@dataclass
class DistrictTree:
    district: Area
    subdistricts: list[SubdistrictRow]
    closed: list[Area]


def district_tree(user, district: Area) -> DistrictTree:
    """The district's open 街镇, each with its open 居民区, the minors on each one's register
    (from the tallies, children.selectors.minors_per_community) and how many 儿童主任 it has;
    then the closed areas, newest first. A fixed number of queries, however large the
    district."""
    areas = list(
        areas_managed_by(user)
        .filter(Q(parent=district) | Q(parent__parent=district))
        .order_by("code", "name", "pk")
    )
    minors = minors_per_community(user, district)
    directors = dict(
        RoleAssignment.objects.filter(role=Role.DIRECTOR, area__parent__parent=district)
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = {
        area.pk: SubdistrictRow(area)
        for area in areas
        if area.level == Area.Level.SUBDISTRICT and area.closed_at is None
    }
    for area in areas:
        if area.level == Area.Level.COMMUNITY and area.closed_at is None and area.parent_id in rows:
            rows[area.parent_id].communities.append(
                CommunityRow(area, minors.get(area.pk, 0), directors.get(area.pk, 0))
            )
    closed = sorted(
        (area for area in areas if area.closed_at is not None),
        key=lambda area: area.closed_at,
        reverse=True,
    )
    return DistrictTree(district, list(rows.values()), closed)


def open_subdistricts(user) -> QuerySet[Area]:
    """The open 街镇 of the user's districts (where a new 居民区 may be created)."""
    return (
        areas_managed_by(user)
        .open()
        .filter(level=Area.Level.SUBDISTRICT)
        .order_by("parent__name", "code", "name")
    )


def merge_targets(area: Area) -> QuerySet[Area]:
    """Where `area` may merge (and where the children of a 居民区 closing may go): the other
    open areas of its level under the same parent — 居民区 of its 街镇, 街镇 of its district."""
    if area.level == Area.Level.DISTRICT:
        return Area.objects.none()
    return (
        Area.objects.open()
        .filter(level=area.level, parent_id=area.parent_id)
        .exclude(pk=area.pk)
        .order_by("code", "name")
    )


def roles_on(area: Area) -> list[RoleAssignment]:
    """Who holds a role on the area (what a merge moves and a closing ends)."""
    return list(
        RoleAssignment.objects.filter(area=area)
        .select_related("user")
        .order_by("role", "user__full_name", "user__username")
    )


def roster_people_of(community: Area) -> list[StaffMember]:
    """The people of a 居民区's roster still at work (no end date, or one still to come):
    those who move with it when its 街镇 merges."""
    today = timezone.localdate()
    return list(
        StaffMember.objects.filter(community=community)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("pk")
    )
