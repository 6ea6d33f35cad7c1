"""The clocks job (every 5 minutes): a report clock past due and unmet escalates to the
district, once. It also runs the other short-interval checks (the protection one-year alert,
referrals not answered in time) so one schedule drives them all."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from weibao.accounts.models import Role
from weibao.accounts.selectors import users_with_role_in_areas
from weibao.audit.services import audit_record
from weibao.core.site_state import site_state_set
from weibao.notifications.models import Notification
from weibao.notifications.services import notify
from weibao.reports.hooks import clock_checks
from weibao.reports.models import CLOCKS_RAN_KEY, Report

logger = logging.getLogger("weibao.clocks")

# clock → (due column, met column, escalated column)
CLOCK_COLUMNS = {
    "ack": ("ack_due_at", "acknowledged_at", "ack_escalated_at"),
    "police": ("police_due_at", "police_notified_at", "police_escalated_at"),
    "outcome": ("outcome_due_at", "outcome_sent_at", "outcome_escalated_at"),
}


def late_reports(clock: str, now: dt.datetime):
    """Open reports whose `clock` is past due, unmet and not yet escalated."""
    due, met, escalated = CLOCK_COLUMNS[clock]
    return Report.objects.filter(
        ~Q(state=Report.State.CLOSED),
        **{f"{due}__isnull": False, f"{due}__lt": now, f"{met}__isnull": True},
        **{f"{escalated}__isnull": True},
    ).order_by(due, "id")


def _recipients(report: Report) -> set[int]:
    """The district staff of the report's district and the supervisor(s) of its 街镇."""
    ids = set(users_with_role_in_areas(roles=(Role.DISTRICT_STAFF,), area_ids=[report.district_id]))
    if report.subdistrict_id:
        ids |= set(
            users_with_role_in_areas(roles=(Role.SUPERVISOR,), area_ids=[report.subdistrict_id])
        )
    return ids


@transaction.atomic
def _escalate(report_id: int, clock: str, now: dt.datetime) -> int | None:
    """Escalate one clock of one report; None if another run did it first. Returns the number
    of notifications sent."""
    escalated = CLOCK_COLUMNS[clock][2]
    claimed = Report.objects.filter(pk=report_id, **{f"{escalated}__isnull": True}).update(
        **{escalated: now}
    )
    if not claimed:
        return None
    report = Report.objects.get(pk=report_id)
    sent = 0
    for user_id in _recipients(report):
        sent += notify(
            recipient_id=user_id,
            kind=Notification.Kind.REPORT_LATE,
            key=f"report_late:{report.pk}:{clock}",
            child=report.child,
            params={"reference": report.reference, "clock": clock},
            url=reverse("reports:detail", args=[report.pk]),
        )
    audit_record(
        actor=None,
        action="report.escalate",
        obj=report,
        child=report.child,
        case=report.case,
        changes={"clock": {"new": clock}, "notified": {"new": sent}},
    )
    return sent


def check_clocks(now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate every report clock that is past due and unmet (once per clock and report),
    then run the checks registered on hooks.clock_checks (the protection and referral
    alerts). Idempotent. Returns counts."""
    now = now or timezone.now()
    counts = {"ack_late": 0, "police_late": 0, "outcome_late": 0, "notifications_sent": 0}
    for clock in CLOCK_COLUMNS:
        for report_id in list(late_reports(clock, now).values_list("pk", flat=True)):
            sent = _escalate(report_id, clock, now)
            if sent is not None:
                counts[f"{clock}_late"] += 1
                counts["notifications_sent"] += sent
    for extra in clock_checks.call(now):
        counts.update(extra)
    # When the clocks last ran to the end, for /healthz: a stopped Celery worker or beat shows
    # within minutes, where the daily job's check would take a day.
    site_state_set(key=CLOCKS_RAN_KEY, value=timezone.now().isoformat())
    return counts
