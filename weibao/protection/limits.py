"""The one-year limit of temporary guardianship (Shanghai Art. 77; docs/domain.md §6): when it
falls, when its alert is due, and how near it is. Pure date arithmetic, shared by the model,
the services and the alert job."""

import datetime as dt

from django.utils import timezone

from weibao.core.dates import add_months, years_before


def one_year_after(day: dt.date) -> dt.date:
    """The same calendar day a year later; 29 February gives 28 February, so the limit never
    runs past one year."""
    return years_before(day, -1)


def month_before(day: dt.date) -> dt.date:
    """The same day a month earlier, or that month's last day if it is shorter."""
    return add_months(day, -1)


def alert_from(record) -> dt.date:
    """The day the one-year limit alert becomes due: a month before the limit."""
    return month_before(record.limit_on)


def limit_state(record, today: dt.date | None = None) -> str:
    """ "past" once the limit has passed, "near" from a month before it, "" otherwise (and for
    an ended record). The pages colour it red and amber."""
    if record.ended_on is not None or record.limit_on is None:
        return ""
    today = today or timezone.localdate()
    if today > record.limit_on:
        return "past"
    if today >= alert_from(record):
        return "near"
    return ""
