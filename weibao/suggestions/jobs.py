"""The suggestion board's part of the daily job (visits.hooks.daily_checks): a suggestion past
its deadline and not answered shows red on the board and on the staff list (computed, see
selectors.with_late), and its 街镇's supervisor is told once (docs/domain.md §8.4)."""

import datetime as dt

from weibao.suggestions.services import suggestions_late_tell


def suggestions_daily(today: dt.date) -> dict[str, int]:
    late, told = suggestions_late_tell(today=today)
    return {"suggestions_late": late, "suggestion_late_notifications": told}
