"""Tampering with the logs as someone with write access to the database would."""

from contextlib import contextmanager

from django.db import connection

TABLES = ("audit_auditevent", "audit_accesslog", "audit_chainhead")


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def tampering():
    """On PostgreSQL the append-only triggers refuse the tampering: an attacker with the owner's
    rights switches them off first (inside the test's transaction, so only for this test)."""
    if not on_postgresql():
        yield
        return
    _switch_triggers("DISABLE")
    try:
        yield
    finally:
        _switch_triggers("ENABLE")


def _switch_triggers(how: str) -> None:
    with connection.cursor() as cursor:
        # ALTER TABLE waits for no deferred foreign-key check of the test's own inserts.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} {how} TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
