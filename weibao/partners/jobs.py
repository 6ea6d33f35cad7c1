"""Scheduled checks on referrals (not accepted by their deadline)."""

import datetime as dt


def referral_alerts(now: dt.datetime) -> int:
    """Notifications sent. Filled in by the referrals work."""
    return 0
