"""Retention (未保法 Art. 72, PIPL; docs/domain.md §9.5): each district sets how many years a
child's file is kept after the child turns 18 or leaves the register (moved out, transferred
away, deceased), whichever comes first; then the file is anonymised by
children.services.child_anonymise. Files with open work — a case, a report, a transfer
awaiting its decision, a temporary guardianship — wait until it is done.

`weibao retention --dry-run` lists the files that are due (ids, areas, reasons, dates — never
a name); `weibao retention` anonymises them, each in its own transaction with its own audit
row, and writes one summary row (docs/operations.md)."""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from weibao.accounts.models import Role
from weibao.accounts.selectors import user_role_assignments
from weibao.areas.models import Area, lock_where_read
from weibao.audit.services import audit_job, audit_record
from weibao.cases.choices import Stage
from weibao.cases.models import Case
from weibao.children.choices import Status
from weibao.children.models import ADULT_AGE, Child
from weibao.children.services import child_anonymise
from weibao.core.dates import years_before
from weibao.protection.models import ProtectionRecord
from weibao.reports.models import Report
from weibao.safekeeping.models import RETENTION_YEARS_DEFAULT, RetentionPolicy
from weibao.transfers.models import Transfer

logger = logging.getLogger("weibao.retention")

# The statuses of a child who left the register; their status date starts the clock.
LEFT_STATUSES = (Status.MOVED_OUT, Status.TRANSFERRED, Status.DECEASED)

AGED_OUT, LEFT = "aged_out", "left"
REASON_LABELS = {
    AGED_OUT: gettext_lazy("turned 18"),
    LEFT: gettext_lazy("left the register"),
}


def years_on(day: dt.date, years: int) -> dt.date:
    """`day` plus `years` years (1 March for a 29 February that does not exist)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, month=3, day=1)


# --- the districts' periods ---------------------------------------------------------------


def retention_years_by_district() -> dict[int, int]:
    """district id → years, for every district (the default where none was set)."""
    rows = Area.objects.filter(level=Area.Level.DISTRICT).values_list(
        "pk", "retention_policy__years"
    )
    return {pk: RETENTION_YEARS_DEFAULT if years is None else years for pk, years in rows}


def retention_policy_for(district: Area) -> RetentionPolicy:
    """The district's period, created with the default the first time it is edited (as
    cases.services.case_policy_for)."""
    policy, _created = RetentionPolicy.objects.get_or_create(district=district)
    return policy


def retention_policy_districts(user) -> list[Area]:
    """The districts whose retention period this user sets: district staff of that district."""
    return [a.area for a in user_role_assignments(user) if a.role == Role.DISTRICT_STAFF and a.area]


def retention_policy_readable_districts(user) -> list[Area]:
    """The districts whose period this user may read without setting it: the districts of the
    街镇s they supervise (their files go when it runs out)."""
    editable = {a.pk for a in retention_policy_districts(user)}
    seen: dict[int, Area] = {}
    for a in user_role_assignments(user):
        if a.role == Role.SUPERVISOR and a.area and a.area.parent:
            district = a.area.parent
            if district.pk not in editable:
                seen.setdefault(district.pk, district)
    return list(seen.values())


@transaction.atomic
def retention_policy_update(*, actor, district: Area, years: int) -> RetentionPolicy:
    """District staff set how many years their district keeps a file after the child turns 18
    or leaves; it applies from the next retention run."""
    if district.pk not in {a.pk for a in retention_policy_districts(actor)}:
        raise PermissionDenied
    policy = lock_where_read(RetentionPolicy.objects, retention_policy_for(district))
    old = policy.years
    policy.years = years
    policy.full_clean(exclude=["district"])
    policy.save()
    changes = {}
    if old != policy.years:
        changes["years"] = {"old": old, "new": policy.years}
    audit_record(actor=actor, action="retention.policy", obj=policy, changes=changes)
    return policy


# --- which files are due ------------------------------------------------------------------


def _due_q(district_id: int, today: dt.date, years: int) -> Q:
    """The district's files that turned 18 at least `years` years ago, or left the register at
    least `years` years ago: each term one range of an index — (district, status, birth_date)
    or (district, status, status_date) — so the database reads the due rows only."""
    return Q(
        district_id=district_id,
        status__in=Status.values,
        birth_date__lte=years_before(today, ADULT_AGE + years),
    ) | Q(
        district_id=district_id,
        status__in=LEFT_STATUSES,
        status_date__lte=years_before(today, years),
    )


def _past_retention(
    today: dt.date, district_ids: set[int] | None, periods: dict[int, int] | None = None
) -> QuerySet[Child]:
    """The files not yet anonymised whose retention period ran out by `today`, each district
    by its own period (`periods`, read when not given), whatever work is open: one query."""
    q = Q()
    periods = retention_years_by_district() if periods is None else periods
    for district_id, years in periods.items():
        if district_ids is None or district_id in district_ids:
            q |= _due_q(district_id, today, years)
    if not q:
        return Child.objects.none()
    # Unordered: the default order (居民区, name) would have the database walk that index.
    return Child.objects.filter(q, anonymised_at__isnull=True).order_by()


def files_due(
    today: dt.date | None = None, *, district_ids=None, periods: dict[int, int] | None = None
) -> QuerySet[Child]:
    """The files due for anonymisation by `today`: past their district's retention period,
    not yet anonymised, without open work (open_work_q)."""
    ids = None if district_ids is None else set(district_ids)
    return _past_retention(today or timezone.localdate(), ids, periods).exclude(open_work_q())


def held_back(
    today: dt.date | None = None, *, district_ids=None, periods: dict[int, int] | None = None
) -> QuerySet[Child]:
    """The files past their retention period that wait for open work to be done (the dry run
    and the district's page count them, to be looked at)."""
    ids = None if district_ids is None else set(district_ids)
    return _past_retention(today or timezone.localdate(), ids, periods).filter(open_work_q())


def open_work_q() -> Q:
    """A child with work still open: a case not closed, a report not closed, a transfer
    awaiting its decision, a temporary guardianship not ended. Each an indexed lookup by
    child."""
    child = OuterRef("pk")
    return (
        Q(Exists(Case.objects.filter(child=child).exclude(stage=Stage.CLOSED)))
        | Q(Exists(Report.objects.filter(child=child).exclude(state=Report.State.CLOSED)))
        | Q(Exists(Transfer.objects.filter(child=child, status=Transfer.Status.REQUESTED)))
        | Q(Exists(ProtectionRecord.objects.filter(child=child, ended_on__isnull=True)))
    )


@dataclass(frozen=True)
class DueFile:
    """A file due for anonymisation, as the dry run lists it: no name, no identifier."""

    child_id: int
    district_id: int
    subdistrict_id: int
    community_id: int
    reason: str  # AGED_OUT or LEFT, whichever came first
    since: dt.date  # the 18th birthday or the status date
    due_on: dt.date

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS[self.reason])


def _due_file(row: dict, years: int) -> DueFile:
    clocks = [(years_on(row["birth_date"], ADULT_AGE), AGED_OUT)]
    if row["status"] in LEFT_STATUSES and row["status_date"] is not None:
        clocks.append((row["status_date"], LEFT))
    since, reason = min(clocks)
    due_on = (
        years_on(row["birth_date"], ADULT_AGE + years)
        if reason == AGED_OUT
        else years_on(since, years)
    )
    return DueFile(
        child_id=row["pk"],
        district_id=row["district_id"],
        subdistrict_id=row["subdistrict_id"],
        community_id=row["community_id"],
        reason=reason,
        since=since,
        due_on=due_on,
    )


def due_files(today: dt.date | None = None, *, district_ids=None) -> list[DueFile]:
    """The due files with why and since when, in the order of their areas and ids."""
    today = today or timezone.localdate()
    years_of = retention_years_by_district()
    rows = (
        files_due(today, district_ids=district_ids, periods=years_of)
        .order_by("district_id", "subdistrict_id", "community_id", "pk")
        .values(
            "pk",
            "district_id",
            "subdistrict_id",
            "community_id",
            "birth_date",
            "status",
            "status_date",
        )
    )
    return [
        _due_file(row, years_of.get(row["district_id"], RETENTION_YEARS_DEFAULT))
        for row in rows.iterator(chunk_size=2000)
    ]


# --- the run ------------------------------------------------------------------------------


@dataclass
class RetentionRun:
    due: list[DueFile]
    anonymised: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # no longer due when its turn came
    by_district: Counter = field(default_factory=Counter)


def _reason_text(item: DueFile, years: int) -> str:
    # The audit row's note: codes and ISO dates, the same in every language.
    return (
        f"retention: {item.reason} since {item.since.isoformat()}, kept {years} years, "
        f"due {item.due_on.isoformat()}"
    )


def retention_run(*, today: dt.date | None = None) -> RetentionRun:
    """Anonymise every due file, each in its own transaction (a failure leaves the others
    done), checking again under the child's lock that it is still due; then one audit row for
    the run with the counts per district."""
    today = today or timezone.localdate()
    run = RetentionRun(due=due_files(today))
    years_of = retention_years_by_district()
    for item in run.due:
        years = years_of.get(item.district_id, RETENTION_YEARS_DEFAULT)
        try:
            with transaction.atomic():
                # Locked in the district it was found in (docs/scale.md, "What changes in the
                # code", point 9); moved since, it is skipped and found again by the next run.
                child = (
                    Child.objects.select_for_update()
                    .filter(district_id=item.district_id, pk=item.child_id)
                    .first()
                )
                if child is None or not files_due(today).filter(pk=item.child_id).exists():
                    run.skipped.append(item.child_id)
                    continue
                child_anonymise(actor=None, child=child, reason=_reason_text(item, years))
        except Exception:
            # Logged by id only; the file stays as it was and is tried again next run.
            logger.exception("Retention: anonymising child %s failed", item.child_id)
            run.failed.append(item.child_id)
            continue
        run.anonymised.append(item.child_id)
        run.by_district[item.district_id] += 1
    with transaction.atomic():
        audit_job(
            action="retention.run",
            run=today.isoformat(),
            changes={
                "anonymised": len(run.anonymised),
                "failed": len(run.failed),
                "skipped": len(run.skipped),
                "by_district": {str(k): n for k, n in sorted(run.by_district.items())},
                "failed_ids": run.failed,
            },
        )
    return run
