"""Scheduled checks on protection records (the one-year limit alert)."""

import datetime as dt


def protection_alerts(now: dt.datetime) -> int:
    """Notifications sent. Filled in by the protection work."""
    return 0
