from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from weibao.accounts.models import RoleAssignment
from weibao.notifications.models import Notification


def notify(*, recipient_id: int, kind: str, key: str, child=None, params=None, url="") -> bool:
    """Send once: a second call with the same recipient and key does nothing. True if sent."""
    _, created = Notification.objects.get_or_create(
        recipient_id=recipient_id,
        key=key[:80],
        defaults={"kind": kind, "child": child, "params": params or {}, "url": url},
    )
    return created


def notify_each(notifications: list[Notification]) -> int:
    """Send a batch of unsaved notifications in one INSERT, each once per recipient and key (a
    row already sent is skipped by the unique constraint). Returns how many were offered."""
    for n in notifications:
        n.key = n.key[:80]
    Notification.objects.bulk_create(notifications, batch_size=500, ignore_conflicts=True)
    return len(notifications)


def _json_object(pairs: dict[str, str]) -> str:
    # Names and columns are the caller's constants, never input: checked, as they go into SQL.
    if not all(name.isidentifier() and column.isidentifier() for name, column in pairs.items()):
        raise ValueError(f"message parameters must be identifiers: {pairs}")
    function = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    arguments = ", ".join(f"'{name}', d.{column}" for name, column in pairs.items())
    return f"{function}({arguments})"


def notify_area_staff(*, rows: QuerySet, role: str, kind: str, params: dict[str, str]) -> int:
    """Tell every holder of `role` in each row's area, once per person and row, in one
    INSERT ... SELECT: the daily job may have tens of thousands of reminders to send after a
    long pause, and building them one by one in Python took longer than the rest of the job.

    `rows` is a values() query with the columns `ref` (the key is "<kind>:<ref>"), `to_child`
    (the child's id) and `to_area` (an area id), plus the columns the message's `params` name
    (message parameter → column). A person already told under the key is skipped, so a rerun
    sends nothing twice. Returns how many were sent."""
    q = connection.ops.quote_name
    select, select_params = rows.order_by().query.sql_with_params()
    # Only identifiers, constants and Django's compiled query are interpolated; values are
    # parameters.
    sql = (
        f"INSERT INTO {q(Notification._meta.db_table)} "  # noqa: S608
        f"({q('recipient_id')}, {q('kind')}, {q('key')}, {q('child_id')}, {q('params')}, "
        f"{q('url')}, {q('created_at')}) "
        f"SELECT r.{q('user_id')}, %s, %s || d.ref, d.to_child, {_json_object(params)}, "
        f"'/children/' || d.to_child || '/', %s "
        f"FROM ({select}) d JOIN {q(RoleAssignment._meta.db_table)} r "
        f"ON r.{q('area_id')} = d.to_area AND r.{q('role')} = %s "
        # SQLite needs a WHERE before ON CONFLICT to read the statement as an upsert.
        f"WHERE true ON CONFLICT ({q('recipient_id')}, {q('key')}) DO NOTHING"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, (kind, f"{kind}:", now, *select_params, role))
        return cursor.rowcount


@transaction.atomic
def notifications_mark_read(*, actor, ids: list[int] | None = None, kind: str = "") -> int:
    """Mark the user's own notifications read: those with `ids`, or of one `kind` (a group of
    the list), or all unread ones when neither is given."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.update(read_at=timezone.now())


def notifications_answer(*, keys: list[str] | None = None, key_prefix: str = "") -> int:
    """Mark as read the unread notifications with one of `keys` (or whose key starts with
    `key_prefix`): what they asked for has been done. Returns how many."""
    unread = Notification.objects.filter(read_at__isnull=True)
    if keys is not None:
        unread = unread.filter(key__in=keys)
    elif key_prefix:
        unread = unread.filter(key__startswith=key_prefix)
    else:
        raise ValueError("notifications_answer needs keys or a key_prefix")
    return unread.update(read_at=timezone.now())


def notifications_rename_child(*, name: str, child_id: int | None = None, keys=()) -> int:
    """Put `name` in place of the child's name in the messages about a child (those linked to
    the child, and those with one of `keys`, which name a child without linking it): the
    child's file was anonymised (children.services.child_anonymise). Returns how many."""
    rows = Notification.objects.none()
    if child_id is not None:
        rows = Notification.objects.filter(child_id=child_id)
    if keys:
        rows = rows | Notification.objects.filter(key__in=list(keys))
    changed = []
    for notification in rows.only("pk", "params"):
        if isinstance(notification.params, dict) and "child" in notification.params:
            notification.params = {**notification.params, "child": name}
            changed.append(notification)
    Notification.objects.bulk_update(changed, ["params"], batch_size=500)
    return len(changed)
