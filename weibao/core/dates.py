"""Calendar arithmetic shared by the apps: months, years back from a day, "YYYY-MM" input;
how long is left until a deadline, in words."""

import calendar
import datetime as dt
import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February that does not exist)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month `months` later, or the month's last day if it is shorter."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of a month."""
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_month(value: str | None, today: dt.date) -> tuple[int, int, bool]:
    """(year, month, understood) from "YYYY-MM"; anything else is the current month."""
    match = MONTH_RE.match(value or "")
    if match:
        year, month = int(match[1]), int(match[2])
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month, True
    return today.year, today.month, not value


def shift_month(year: int, month: int, delta: int) -> str:
    """ "YYYY-MM" of the month `delta` months away."""
    years, month0 = divmod(month - 1 + delta, 12)
    return f"{year + years:04d}-{month0 + 1:02d}"


def time_left(due: dt.datetime, now: dt.datetime) -> str:
    """How long until `due` ("还剩 40 分钟"), or how long past it ("已超时 2 小时"), in whole
    units rounded down: minutes under an hour, hours under two days, then days."""
    seconds = int((due - now).total_seconds())
    late, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return _("overdue by less than a minute") if late else _("less than a minute left")
    if seconds < 3600:
        n = seconds // 60
        if late:
            return ngettext("overdue by %(n)d minute", "overdue by %(n)d minutes", n) % {"n": n}
        return ngettext("%(n)d minute left", "%(n)d minutes left", n) % {"n": n}
    if seconds < 48 * 3600:
        n = seconds // 3600
        if late:
            return ngettext("overdue by %(n)d hour", "overdue by %(n)d hours", n) % {"n": n}
        return ngettext("%(n)d hour left", "%(n)d hours left", n) % {"n": n}
    n = seconds // 86400
    if late:
        return ngettext("overdue by %(n)d day", "overdue by %(n)d days", n) % {"n": n}
    return ngettext("%(n)d day left", "%(n)d days left", n) % {"n": n}
