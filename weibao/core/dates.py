"""Calendar arithmetic shared by the apps: months, years back from a day, "YYYY-MM" input."""

import calendar
import datetime as dt
import re

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
