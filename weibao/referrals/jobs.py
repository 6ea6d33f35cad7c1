"""Scheduled checks on referrals (not accepted by their deadline)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from weibao.accounts.models import Role
from weibao.accounts.selectors import users_with_role_in_areas
from weibao.notifications.models import Notification
from weibao.notifications.services import notify
from weibao.referrals.models import Referral


def referral_alerts(now: dt.datetime) -> int:
    """A pending referral whose accept-by day has ended is reported, once, to the case owner
    and the supervisors of the case's 街镇. Returns the number of notifications sent; running
    it again sends nothing new (overdue_notified_at, and one notification key per referral)."""
    today = timezone.localdate(now) if timezone.is_aware(now) else now.date()
    overdue = (
        Referral.objects.filter(
            state=Referral.State.PENDING,
            accept_by__lt=today,
            overdue_notified_at__isnull=True,
        )
        .select_related("case", "case__child", "partner")
        .order_by("accept_by", "pk")
    )
    sent = 0
    for referral in overdue.iterator(chunk_size=500):
        with transaction.atomic():
            locked = (
                Referral.objects.select_for_update()
                .filter(
                    district_id=referral.district_read(),
                    pk=referral.pk,
                    state=Referral.State.PENDING,
                    overdue_notified_at=None,
                )
                .first()
            )
            if locked is None:  # answered or notified meanwhile
                continue
            case = referral.case
            recipients = {case.owner_id} | set(
                users_with_role_in_areas(roles=(Role.SUPERVISOR,), area_ids=[case.subdistrict_id])
            )
            for user_id in sorted(recipients):
                sent += notify(
                    recipient_id=user_id,
                    kind=Notification.Kind.REFERRAL_OVERDUE,
                    key=f"referral_overdue:{referral.pk}",
                    child=case.child,
                    params={
                        "child": case.child.name,
                        "partner": referral.partner.name,
                        "date": referral.accept_by.isoformat(),
                    },
                    url=f"/partners/referrals/{referral.pk}/",
                )
            Referral.objects.filter(pk=referral.pk).update(overdue_notified_at=now)
    return sent
