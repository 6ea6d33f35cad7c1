"""Reads of the access log: who looked at one child's file, and the unusual access a district
reviews. The callers decide who may see them (children.selectors)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.audit.models import AccessLog, AuditEvent

# Reads between these local hours are night reads (22:00–06:00).
NIGHT_FROM, NIGHT_UNTIL = 22, 6
# A user's usual 居民区s: those whose files they read in this many days before the period.
USUAL_DAYS = 30


def access_log_of_child(child) -> QuerySet[AccessLog]:
    """Who read the child's file, newest first, read with the child's district (the rows' own
    copy of it, AccessLog.district): the key that routes the read to one partition or Citus
    worker (docs/scale.md)."""
    return (
        AccessLog.objects.filter(district_id=child.district_id, child=child)
        .select_related("user")
        .order_by("-at", "-id")
    )


@dataclass
class ReadsOutside:
    user: User
    day: dt.date
    outside: int  # files read that day in 居民区s the user does not usually read in
    total: int


@dataclass
class NightReads:
    user: User
    day: dt.date
    reads: int
    children: int
    first: dt.datetime
    last: dt.datetime


@dataclass
class UnusualAccess:
    since: dt.datetime
    reads_outside: list[ReadsOutside] = field(default_factory=list)
    night_reads: list[NightReads] = field(default_factory=list)
    exports: list[AuditEvent] = field(default_factory=list)


def _local_day():
    return TruncDate("at", tzinfo=timezone.get_current_timezone())


def _night_reads(reads: QuerySet[AccessLog]) -> list[dict]:
    hour = ExtractHour("at", tzinfo=timezone.get_current_timezone())
    return list(
        reads.annotate(hour=hour, day=_local_day())
        .filter(Q(hour__gte=NIGHT_FROM) | Q(hour__lt=NIGHT_UNTIL))
        .values("user_id", "day")
        .annotate(
            reads=Count("id"),
            children=Count("child_id", distinct=True),
            first=Min("at"),
            last=Max("at"),
        )
        .order_by("-day", "-reads")
    )


def _usual_communities(
    user_ids: set[int], since: dt.datetime, district_ids: list[int]
) -> dict[int, set[int]]:
    """The 居民区s of the districts reviewed that each user read files in during the USUAL_DAYS
    before `since`, and those they are the 儿童主任 of. (A 居民区 of another district is never
    among the reads reviewed, so whether it is usual does not matter.)"""
    usual: dict[int, set[int]] = defaultdict(set)
    before = AccessLog.objects.filter(
        district_id__in=district_ids,
        user_id__in=user_ids,
        at__gte=since - dt.timedelta(days=USUAL_DAYS),
        at__lt=since,
    )
    for user_id, community_id in before.values_list("user_id", "child__community_id").distinct():
        usual[user_id].add(community_id)
    directors = RoleAssignment.objects.filter(user_id__in=user_ids, role=Role.DIRECTOR)
    for user_id, area_id in directors.values_list("user_id", "area_id"):
        usual[user_id].add(area_id)
    return usual


def _reads_outside(
    reads: QuerySet[AccessLog], since, per_day: int, district_ids: list[int]
) -> list[dict]:
    per_community = (
        reads.annotate(day=_local_day())
        .values("user_id", "day", "child__community_id")
        .annotate(children=Count("child_id", distinct=True))
        .order_by()
    )
    days: dict[tuple[int, dt.date], dict[str, int]] = {}
    rows = list(per_community)
    usual = _usual_communities({row["user_id"] for row in rows}, since, district_ids)
    for row in rows:
        counts = days.setdefault((row["user_id"], row["day"]), {"outside": 0, "total": 0})
        counts["total"] += row["children"]
        if row["child__community_id"] not in usual[row["user_id"]]:
            counts["outside"] += row["children"]
    flagged = [
        {"user_id": user_id, "day": day, **counts}
        for (user_id, day), counts in days.items()
        if counts["outside"] >= per_day
    ]
    return sorted(flagged, key=lambda row: (row["day"], row["outside"]), reverse=True)


def unusual_access(
    *,
    district_ids: list[int],
    area_ids: list[int],
    since: dt.datetime,
    per_day: int,
    export_rows: int,
) -> UnusualAccess:
    """The access to the files of the districts' children since `since` that a district reviews:
    users who read `per_day` or more files on one day outside their usual 居民区s, reads at night,
    and exports of `export_rows` rows or more of the areas `area_ids`. A fixed number of queries."""
    reads = AccessLog.objects.filter(district_id__in=district_ids, at__gte=since)
    outside = _reads_outside(reads, since, per_day, district_ids)
    night = _night_reads(reads)
    user_ids = {row["user_id"] for row in [*outside, *night]}
    users = User.objects.in_bulk(user_ids) if user_ids else {}
    exports = [
        event
        for event in AuditEvent.objects.filter(
            district_id__in=district_ids,  # an area's rows carry its district (own_district)
            at__gte=since,
            action__endswith="export",
            object_type="areas.area",
            object_id__in=[str(pk) for pk in area_ids],
        )
        .select_related("actor")
        .order_by("-at", "-id")
        if (event.changes.get("rows") or 0) >= export_rows
    ]
    return UnusualAccess(
        since=since,
        reads_outside=[
            ReadsOutside(users[r["user_id"]], r["day"], r["outside"], r["total"]) for r in outside
        ],
        night_reads=[
            NightReads(
                users[r["user_id"]], r["day"], r["reads"], r["children"], r["first"], r["last"]
            )
            for r in night
        ],
        exports=exports,
    )


def job_last_run(action: str, days: list[dt.date]) -> dt.datetime | None:
    """When a scheduled job (audit.services.audit_job, e.g. "job.daily") last finished a run
    for one of `days`, from its audit row; None if it has not. The run's day is the row's
    object_id, so the lookup uses the (object_type, object_id) index, not the whole log."""
    return (
        AuditEvent.objects.filter(
            object_type="job", object_id__in=[d.isoformat() for d in days], action=action
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def job_last_day(action: str, days: list[dt.date]) -> dt.date | None:
    """The latest of `days` for which a scheduled job (audit.services.audit_job with the day as
    its run, e.g. "job.daily") finished a run; None if it finished none. The row is written at
    the end of a run, in its last transaction, so a run that failed midway does not count. Like
    job_last_run, an index probe per day of (object_type, object_id)."""
    latest = AuditEvent.objects.filter(
        object_type="job", object_id__in=[d.isoformat() for d in days], action=action
    ).aggregate(latest=Max("object_id"))["latest"]
    return dt.date.fromisoformat(latest) if latest else None
