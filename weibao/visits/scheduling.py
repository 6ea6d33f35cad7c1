"""When is a child's next visit due? Pure functions, so the rule is testable on its own and the
same code serves one child (after a visit) and half a million (the daily job)."""

import datetime as dt
from dataclasses import dataclass

from weibao.core.dates import add_months
from weibao.visits.models import RETURNED_HOME, VisitRule


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
    # A visit counts towards this due only from this date on: an extra visit soon after the
    # last one is a follow-up, not the next cycle's visit (so one child is never due twice in
    # the same month's completion figures).
    counts_from: dt.date | None  # None: any visit counts (the first one, say)
    based_on: dt.date | None = None  # the visit it is counted from, if any


def effective_last_visit(
    last_visit: dt.date | None, based_on: dt.date | None, counts_from: dt.date | None
) -> dt.date | None:
    """The visit the schedule counts from. An extra visit made before the open due's
    counts_from neither settles that due nor moves it; otherwise a child visited monthly under a
    3-month rule would see its due pushed back for ever and never settle one."""
    if last_visit is None or based_on is None or counts_from is None:
        return last_visit
    if based_on <= last_visit < counts_from:
        return based_on
    return last_visit


def _midpoint(start: dt.date, end: dt.date) -> dt.date:
    return start + (end - start) / 2


def next_due(
    *,
    rules: RuleSet,
    categories: list[str] | set[str],
    registered_on: dt.date,
    last_visit: dt.date | None,
    returned_home_on: dt.date | None,
    today: dt.date,
) -> Due | None:
    """The earliest due date among the child's rules: each category's interval counted from
    the last completed visit (a child never visited is due within a month of registration),
    and, while it lasts, the monthly follow-up counted from the return home. No applicable
    rule: no due visit."""
    candidates: list[Due] = []
    for category in categories:
        interval = rules.intervals.get(category)
        if interval is None:
            continue
        if last_visit is None:
            date = add_months(registered_on, min(interval, 1))
            candidates.append(Due(date, category, None))
        else:
            date = add_months(last_visit, interval)
            candidates.append(Due(date, category, _midpoint(last_visit, date), last_visit))
    following_up = (
        returned_home_on is not None
        and rules.follow_up_interval is not None
        and today < add_months(returned_home_on, rules.follow_up_months or 0)
    )
    if following_up:
        # Counted from the later of the return and the last visit, for the follow-up only:
        # returning home must never push back a visit some other rule already owes.
        base = max(returned_home_on, last_visit) if last_visit else returned_home_on
        date = add_months(base, rules.follow_up_interval)
        if base == returned_home_on:
            candidates.append(Due(date, RETURNED_HOME, None))
        else:
            candidates.append(Due(date, RETURNED_HOME, _midpoint(base, date), base))
    if not candidates:
        return None
    return min(candidates, key=lambda due: (due.date, due.reason))
