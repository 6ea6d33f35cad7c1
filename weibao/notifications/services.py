from django.db import transaction
from django.utils import timezone

from weibao.notifications.models import Notification


def notify(*, recipient_id: int, kind: str, key: str, child=None, params=None, url="") -> bool:
    """Send once: a second call with the same recipient and key does nothing. True if sent."""
    _, created = Notification.objects.get_or_create(
        recipient_id=recipient_id,
        key=key[:80],
        defaults={"kind": kind, "child": child, "params": params or {}, "url": url},
    )
    return created


def notify_many(notifications: list[Notification]) -> int:
    """Bulk version for the daily job; existing (recipient, key) pairs are skipped."""
    if len(notifications) > 500:
        return sum(
            notify_many(notifications[i : i + 500]) for i in range(0, len(notifications), 500)
        )
    if not notifications:
        return 0
    existing = set(
        Notification.objects.filter(key__in={n.key for n in notifications}).values_list(
            "recipient_id", "key"
        )
    )
    fresh = [n for n in notifications if (n.recipient_id, n.key) not in existing]
    # ignore_conflicts still guards against a concurrent run inserting the same rows.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=2000)
    return len(fresh)


@transaction.atomic
def notifications_mark_read(*, actor, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when no ids are given)."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
