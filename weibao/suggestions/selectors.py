"""Reads of the suggestion board. ONE scope function: a suggestion is seen and kept by the
keepers of its station — district staff of its district, the supervisor and station staff of
its 街镇 — and seen by the 儿童主任 of the 居民区 it is routed to (docs/domain.md §8.4). Anyone
else gets a 404, as for a suggestion that does not exist. The public board reads only what
was approved, and only its public text and answer."""

import datetime as dt

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from weibao.accounts.models import Role
from weibao.accounts.selectors import user_role_assignments
from weibao.areas.models import Area
from weibao.core import crypto
from weibao.core.scope import get_or_404
from weibao.stations.models import Workstation
from weibao.suggestions import workflow
from weibao.suggestions.choices import OPEN_STATES, PUBLIC_STATES, State
from weibao.suggestions.models import CodeRegistration, Suggestion


def _areas(user) -> tuple[set[int], set[int], set[int]]:
    """(districts as district staff, 街镇 as supervisor or station staff, 居民区 as 儿童主任)."""
    districts: set[int] = set()
    subdistricts: set[int] = set()
    communities: set[int] = set()
    if not user.is_authenticated or not user.is_active:
        return districts, subdistricts, communities
    for ra in user_role_assignments(user):
        if ra.area_id is None:
            continue
        if ra.role == Role.DISTRICT_STAFF:
            districts.add(ra.area_id)
        elif ra.role in (Role.SUPERVISOR, Role.STATION_STAFF):
            subdistricts.add(ra.area_id)
        elif ra.role == Role.DIRECTOR:
            communities.add(ra.area_id)
    return districts, subdistricts, communities


def suggestions_visible_to(user) -> QuerySet[Suggestion]:
    districts, subdistricts, communities = _areas(user)
    q = Q(district_id__in=districts) | Q(subdistrict_id__in=subdistricts)
    if communities:
        # A 儿童主任 sees what was approved and routed to their 居民区, never what awaits
        # moderation (its text may still hold a child's personal data).
        q |= Q(routed_community_id__in=communities, state__in=PUBLIC_STATES)
    if not (districts or subdistricts or communities):
        return Suggestion.objects.none()
    return Suggestion.objects.filter(q)


def suggestion_get_for_user(user, pk) -> Suggestion:
    return get_or_404(
        with_late(suggestions_visible_to(user)).select_related(
            "station", "subdistrict", "district", "community", "routed_community"
        ),
        pk,
    )


def sees_suggestions(user) -> bool:
    """Has a role that sees the board's suggestions at all (the pages answer 404 otherwise)."""
    return any(_areas(user))


def suggestion_roles(user, suggestion: Suggestion) -> set[str]:
    """The user's roles on this suggestion, as the workflow table names them."""
    districts, subdistricts, communities = _areas(user)
    roles: set[str] = set()
    if suggestion.district_id in districts or suggestion.subdistrict_id in subdistricts:
        roles.add(workflow.KEEPER)
    if suggestion.routed_community_id in communities:
        roles.add(workflow.DIRECTOR)
    return roles


def can_keep(user, suggestion: Suggestion) -> bool:
    return workflow.KEEPER in suggestion_roles(user, suggestion)


def late_q(today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(state__in=OPEN_STATES, deadline__lt=today)


def with_late(queryset: QuerySet[Suggestion], today: dt.date | None = None) -> QuerySet:
    """Each row with `is_late`: past its deadline and neither answered nor declined."""
    return queryset.annotate(
        is_late=Case(
            When(late_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def stations_for_staff(user) -> QuerySet[Workstation]:
    """The stations whose board the user keeps (for the list's filter)."""
    districts, subdistricts, _communities = _areas(user)
    return Workstation.objects.filter(
        Q(district_id__in=districts) | Q(subdistrict_id__in=subdistricts)
    ).order_by("subdistrict__code", "id")


def routing_communities(suggestion: Suggestion) -> QuerySet[Area]:
    """The open 居民区 of the suggestion's 街镇 it may be routed to."""
    return (
        Area.objects.open()
        .filter(level=Area.Level.COMMUNITY, parent_id=suggestion.subdistrict_id)
        .order_by("code", "name")
    )


# --- the public board ----------------------------------------------------------------------------


def board_station_get(pk) -> Workstation:
    """A station whose board is public: its public page is published."""
    return get_or_404(
        Workstation.objects.filter(published=True).select_related("subdistrict", "district"), pk
    )


def board_communities(station: Workstation) -> QuerySet[Area]:
    """The open 居民区 of the station's 街镇, for the child to choose from."""
    return (
        Area.objects.open()
        .filter(level=Area.Level.COMMUNITY, parent_id=station.subdistrict_id)
        .order_by("code", "name")
    )


def board_suggestions(station: Workstation, today: dt.date | None = None) -> QuerySet:
    """What the board shows: approved suggestions, newest first (public text and answer)."""
    return (
        with_late(Suggestion.objects.filter(station=station, state__in=PUBLIC_STATES), today)
        .select_related("community", "routed_community")
        .order_by("-created_at", "-id")
    )


def suggestion_by_code(code: str) -> Suggestion | None:
    """The suggestion whose code this is (normalised: blanks and dashes dropped, upper case),
    or None."""
    if not code:
        return None
    digest = crypto.lookup_hash(f"suggestion:{code}")
    # The registry first, then the suggestion in its district (CodeRegistration's docstring).
    registered = CodeRegistration.objects.filter(code_digest=digest)
    district = registered.values_list("district_id", flat=True).first()
    if district is None:
        return None
    return (
        with_late(Suggestion.objects.filter(district_id=district, code_digest=digest))
        .select_related("station", "community", "routed_community")
        .first()
    )


def latest_answered(station: Workstation, limit: int = 5) -> list[Suggestion]:
    return list(
        Suggestion.objects.filter(station=station, state=State.ANSWERED).order_by(
            "-answered_at", "-id"
        )[:limit]
    )


def answered_count(station: Workstation) -> int:
    return Suggestion.objects.filter(station=station, state=State.ANSWERED).count()
