"""How long is left until a deadline, in words (core.dates.time_left): whole units rounded
down, minutes under an hour, hours under two days, then days; Chinese by default."""

import datetime as dt

import pytest
from django.utils import translation

from weibao.core.dates import time_left

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def left(**delta) -> str:
    return time_left(NOW + dt.timedelta(**delta), NOW)


def late(**delta) -> str:
    return time_left(NOW - dt.timedelta(**delta), NOW)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        ({"seconds": 0}, "还剩不到 1 分钟"),
        ({"seconds": 59}, "还剩不到 1 分钟"),
        ({"seconds": 60}, "还剩 1 分钟"),
        ({"minutes": 40}, "还剩 40 分钟"),
        ({"minutes": 59, "seconds": 59}, "还剩 59 分钟"),
        ({"hours": 1}, "还剩 1 小时"),
        ({"hours": 47, "minutes": 59}, "还剩 47 小时"),
        ({"hours": 48}, "还剩 2 天"),
        ({"days": 14, "hours": 23}, "还剩 14 天"),
    ],
)
def test_time_left_counts_minutes_then_hours_then_days(delta, words):
    with translation.override("zh-hans"):
        assert left(**delta) == words


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        ({"seconds": 1}, "已超时不到 1 分钟"),
        ({"seconds": 60}, "已超时 1 分钟"),
        ({"minutes": 59, "seconds": 59}, "已超时 59 分钟"),
        ({"hours": 1}, "已超时 1 小时"),
        ({"hours": 2, "minutes": 30}, "已超时 2 小时"),
        ({"hours": 47, "minutes": 59}, "已超时 47 小时"),
        ({"hours": 48}, "已超时 2 天"),
        ({"days": 30}, "已超时 30 天"),
    ],
)
def test_time_past_the_deadline_is_overdue_in_the_same_units(delta, words):
    with translation.override("zh-hans"):
        assert late(**delta) == words


def test_english_says_it_in_the_singular_and_the_plural():
    with translation.override("en"):
        assert left(minutes=1) == "1 minute left"
        assert left(minutes=40) == "40 minutes left"
        assert late(hours=1) == "overdue by 1 hour"
        assert late(hours=2) == "overdue by 2 hours"
        assert left(days=3) == "3 days left"
        assert left(seconds=30) == "less than a minute left"
