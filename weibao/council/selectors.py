"""Reads of the children's council. ONE scope function per object type:
- a member is seen by the keepers of its station (district staff of the district, the 街镇's
  supervisor and station staff) and by the 儿童主任 of the child's 居民区 — the people who may see
  the child (children_visible_to): a member's name is the child's;
- a meeting is seen by the station's keepers and by the 儿童主任 of the 街镇's 居民区 (read only;
  of its attendance they see by name only the children of their own 居民区).
Anyone else gets a 404, as for a row that does not exist (docs/domain.md §8.1)."""

import datetime as dt

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from weibao.accounts.models import Role
from weibao.accounts.selectors import user_role_assignments
from weibao.children.selectors import children_visible_to
from weibao.core.dates import add_months
from weibao.core.scope import get_or_404
from weibao.council.models import CouncilDecision, CouncilMeeting, CouncilMember
from weibao.stations.models import Workstation

# The meeting place's evidence counts the meetings of the last 3 months ([team], §8.1).
MEETING_MONTHS = 3


def _areas(user) -> tuple[set[int], set[int], set[int], set[int]]:
    """(districts as district staff, 街镇 as supervisor or station staff, 居民区 as 儿童主任,
    the 街镇 of those 居民区)."""
    districts: set[int] = set()
    subdistricts: set[int] = set()
    communities: set[int] = set()
    director_subdistricts: set[int] = set()
    if not user.is_authenticated or not user.is_active:
        return districts, subdistricts, communities, director_subdistricts
    for ra in user_role_assignments(user):
        if ra.area_id is None:
            continue
        if ra.role == Role.DISTRICT_STAFF:
            districts.add(ra.area_id)
        elif ra.role in (Role.SUPERVISOR, Role.STATION_STAFF):
            subdistricts.add(ra.area_id)
        elif ra.role == Role.DIRECTOR:
            communities.add(ra.area_id)
            director_subdistricts.add(ra.area.parent_id)
    return districts, subdistricts, communities, director_subdistricts


def councils_visible_to(user) -> QuerySet[Workstation]:
    """The stations whose council the user sees: those they keep, and for a 儿童主任 their
    街镇's."""
    districts, subdistricts, _communities, director_subdistricts = _areas(user)
    return Workstation.objects.filter(
        Q(district_id__in=districts)
        | Q(subdistrict_id__in=subdistricts)
        | Q(subdistrict_id__in=director_subdistricts)
    )


def council_get_for_user(user, pk) -> Workstation:
    return get_or_404(councils_visible_to(user).select_related("subdistrict", "district"), pk)


def sees_councils(user) -> bool:
    return any(_areas(user))


def can_keep(user, station: Workstation) -> bool:
    districts, subdistricts, _c, _d = _areas(user)
    return station.district_id in districts or station.subdistrict_id in subdistricts


def kept_station_ids(user) -> set[int]:
    """The stations whose council the user keeps."""
    districts, subdistricts, _c, _d = _areas(user)
    if not (districts or subdistricts):
        return set()
    return set(
        Workstation.objects.filter(
            Q(district_id__in=districts) | Q(subdistrict_id__in=subdistricts)
        ).values_list("pk", flat=True)
    )


def members_visible_to(user) -> QuerySet[CouncilMember]:
    districts, subdistricts, communities, _d = _areas(user)
    if not (districts or subdistricts or communities):
        return CouncilMember.objects.none()
    return CouncilMember.objects.filter(
        Q(station__district_id__in=districts)
        | Q(station__subdistrict_id__in=subdistricts)
        | Q(community_id__in=communities)
    )


def named_member_ids(user, members: QuerySet[CouncilMember]) -> set[int]:
    """The members of `members` the user may read by name (and guardian): those whose child
    the user may see. A station's keepers keep a member who moved to another 街镇, but no
    longer see the child: they read "成员 #n" (docs/domain.md §8.1)."""
    return set(
        members.filter(child__in=children_visible_to(user).values("pk")).values_list(
            "pk", flat=True
        )
    )


def shown_name(member: CouncilMember, named: set[int]) -> str:
    if member.pk in named:
        return member.child.name
    return _("Member no. %(n)s") % {"n": member.pk}


def member_get_for_user(user, pk) -> CouncilMember:
    return get_or_404(members_visible_to(user).select_related("child", "station", "community"), pk)


def meetings_visible_to(user) -> QuerySet[CouncilMeeting]:
    districts, subdistricts, _communities, director_subdistricts = _areas(user)
    if not (districts or subdistricts or director_subdistricts):
        return CouncilMeeting.objects.none()
    return CouncilMeeting.objects.filter(
        Q(district_id__in=districts)
        | Q(subdistrict_id__in=subdistricts)
        | Q(subdistrict_id__in=director_subdistricts)
    )


def meeting_get_for_user(user, pk) -> CouncilMeeting:
    return get_or_404(meetings_visible_to(user).select_related("station"), pk)


def members_of(station: Workstation) -> QuerySet[CouncilMember]:
    return CouncilMember.objects.filter(station=station).select_related("child", "community")


def members_in_term(station: Workstation, day: dt.date) -> QuerySet[CouncilMember]:
    return members_of(station).filter(term_start__lte=day, term_end__gte=day)


def decisions_of(meeting: CouncilMeeting) -> list[CouncilDecision]:
    return list(meeting.decisions.select_related("suggestion"))


def council_summary(stations: QuerySet[Workstation], today: dt.date) -> QuerySet:
    """The stations with `members_now` (in term today) and `last_meeting`."""
    return stations.annotate(
        members_now=Count(
            "council_members",
            filter=Q(council_members__term_start__lte=today, council_members__term_end__gte=today),
            distinct=True,
        ),
        last_meeting=Max("council_meetings__held_on"),
    )


def meeting_place_facts(*, subdistrict_ids: list[int], today: dt.date) -> dict:
    """The meeting place's computed evidence (stations.hooks.meeting_place_facts): a 街镇's
    council is at work when it has at least one member in term today and met in the last 3
    months ([team] rule, docs/domain.md §8.1). Two grouped queries, whatever the number of 街镇."""
    if not subdistrict_ids:
        return {}
    members = dict(
        CouncilMember.objects.filter(
            subdistrict_id__in=subdistrict_ids, term_start__lte=today, term_end__gte=today
        )
        .values_list("subdistrict_id")
        .annotate(n=Count("child_id", distinct=True))
        .order_by()
    )
    last = dict(
        CouncilMeeting.objects.filter(subdistrict_id__in=subdistrict_ids, held_on__lte=today)
        .values_list("subdistrict_id")
        .annotate(last=Max("held_on"))
        .order_by()
    )
    since = add_months(today, -MEETING_MONTHS)
    answer = {}
    for pk in subdistrict_ids:
        n, held = members.get(pk, 0), last.get(pk)
        holds = n > 0 and held is not None and held >= since
        if held is None:
            text = _("Children's council: %(n)d members, no meeting yet") % {"n": n}
        else:
            text = _("Children's council: %(n)d members, last meeting %(date)s") % {
                "n": n,
                "date": held.isoformat(),
            }
        answer[pk] = (holds, text)
    return answer
