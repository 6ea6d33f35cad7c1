"""When is a child's next visit due? Pure functions, so the rule is testable on its own and the
same code serves one child (after a visit) and half a million (the daily job)."""

import calendar
import datetime as dt
from dataclasses import dataclass

from weibao.visits.models import RETURNED_HOME, VisitRule


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month `months` later, or the month's last day if it is shorter."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass(frozen=True)
class RuleSet:
    """The active rules as plain numbers: key → interval in months, plus the follow-up."""

    intervals: dict[str, int]
    follow_up_interval: int | None
    follow_up_months: int | None

    @classmethod
    def load(cls) -> "RuleSet":
        intervals, follow_interval, follow_months = {}, None, None
        for rule in VisitRule.objects.filter(active=True):
            if rule.key == RETURNED_HOME:
                follow_interval, follow_months = rule.interval_months, rule.duration_months
            else:
                intervals[rule.key] = rule.interval_months
        return cls(intervals, follow_interval, follow_months)


@dataclass(frozen=True)
class Due:
    date: dt.date
    reason: str


def next_due(
    *,
    rules: RuleSet,
    categories: list[str] | set[str],
    registered_on: dt.date,
    last_visit: dt.date | None,
    returned_home_on: dt.date | None,
    today: dt.date,
) -> Due | None:
    """The shortest interval among the child's categories (and the follow-up after returning
    home, while it lasts) counted from the last completed visit. A child never visited is due
    within one month of registration at the latest. No applicable rule: no due visit."""
    candidates = [(rules.intervals[c], c) for c in categories if c in rules.intervals]
    following_up = (
        returned_home_on is not None
        and rules.follow_up_interval is not None
        and today < add_months(returned_home_on, rules.follow_up_months or 0)
    )
    if following_up:
        candidates.append((rules.follow_up_interval, RETURNED_HOME))
    if not candidates:
        return None
    interval, reason = min(candidates)
    if last_visit is None:
        base, interval = registered_on, min(interval, 1)
    else:
        base = last_visit
    if following_up and returned_home_on > base:
        base = returned_home_on
    return Due(add_months(base, interval), reason)
