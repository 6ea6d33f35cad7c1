"""Scheduled checks on protection records (the one-year limit alert).

Run every few minutes by the scheduler; idempotent: a record is alerted once (its
limit_alert_sent_at is set in the same transaction as the notifications, and each notification
has a key unique per record and recipient)."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from weibao.accounts.models import Role, User
from weibao.accounts.selectors import users_with_role_in_areas
from weibao.cases.services import case_audit
from weibao.notifications.models import Notification
from weibao.notifications.services import notify
from weibao.protection.limits import alert_from
from weibao.protection.models import ProtectionRecord

# A month is at most 31 days: candidates are narrowed in SQL, then checked exactly.
_LOOKAHEAD = dt.timedelta(days=32)


def _recipients(record: ProtectionRecord) -> list[int]:
    """The case owner, the 街镇's supervisors and the district's staff (active accounts)."""
    ids = {record.case.owner_id}
    ids.update(users_with_role_in_areas(roles=(Role.SUPERVISOR,), area_ids=[record.subdistrict_id]))
    ids.update(
        users_with_role_in_areas(roles=(Role.DISTRICT_STAFF,), area_ids=[record.district_id])
    )
    return sorted(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


def protection_alerts(now: dt.datetime) -> int:
    """Alert once, a month before the one-year limit of temporary guardianship (Shanghai
    Art. 77), about every active record not yet alerted (a record already past its limit too).
    Returns the number of notifications sent."""
    today = timezone.localdate(now)
    candidates = (
        ProtectionRecord.objects.filter(
            ended_on__isnull=True,
            limit_alert_sent_at__isnull=True,
            limit_on__lte=today + _LOOKAHEAD,
        )
        .select_related("case", "child")
        .order_by("limit_on", "pk")
    )
    sent = 0
    for record in candidates:
        if alert_from(record) > today:
            continue
        with transaction.atomic():
            # Claim the record; a concurrent run that got there first leaves nothing to claim.
            claimed = ProtectionRecord.objects.filter(
                pk=record.pk, ended_on__isnull=True, limit_alert_sent_at__isnull=True
            ).update(limit_alert_sent_at=now)
            if not claimed:
                continue
            recipients = _recipients(record)
            for user_id in recipients:
                sent += notify(
                    recipient_id=user_id,
                    kind=Notification.Kind.PROTECTION_LIMIT,
                    key=f"protection_limit:{record.pk}",
                    child=record.child,
                    params={"child": record.child.name, "date": record.limit_on.isoformat()},
                    url=reverse("protection:detail", args=[record.pk]),
                )
            case_audit(
                actor=None,
                case=record.case,
                action="protection.alert",
                changes={"limit_on": {"old": None, "new": record.limit_on.isoformat()}},
                note="",
            )
    return sent
