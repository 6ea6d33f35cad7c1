"""The left-behind review at 16 (docs/domain.md §3.5, §3.9): the daily job asks about the
left-behind children who turned 16 since its last finished run, and the children services (by
the visits app's hooks) about a child who is already 16 when they become one. Each 儿童主任 is
asked once per child. Time moves through the `today` parameter of the job."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import child_data
from tests.helpers import years_before
from weibao.children import idnumber
from weibao.children.services import (
    ChildInput,
    child_change_status,
    child_update,
    children_create_many,
)
from weibao.notifications.models import Notification
from weibao.visits import jobs
from weibao.visits.jobs import DailyReport, flag_left_behind_turning_16, run_daily

DAY = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


def told(child) -> list[str]:
    return sorted(
        Notification.objects.filter(child=child, kind="left_behind_16").values_list(
            "recipient__username", flat=True
        )
    )


def flagged(day: dt.date) -> int:
    return run_daily(day).left_behind_16_flagged


def phase_queries(day: dt.date) -> int:
    with CaptureQueriesContext(connection) as queries:
        flag_left_behind_turning_16(day, DailyReport())
    return len(queries)


# --- the job's window -------------------------------------------------------------------------


def test_children_who_turned_16_since_the_last_run_are_flagged_once(make_child, director_a):
    start = today() + 10 * DAY
    first = make_child(name="甲", birth_date=years_before(start + DAY, 16), grade="j3")
    second = make_child(name="乙", birth_date=years_before(start + 2 * DAY, 16), grade="j3")
    not_yet = make_child(name="丙", birth_date=years_before(start + 4 * DAY, 16), grade="j3")
    assert flagged(start) == 0

    assert flagged(start + 2 * DAY) == 2  # both turned 16 since the run of `start`

    assert (told(first), told(second), told(not_yet)) == (["director_a"], ["director_a"], [])
    assert run_daily(start + 2 * DAY).changed() == 0  # the same day again: nothing
    assert flagged(start + 3 * DAY) == 0
    assert flagged(start + 4 * DAY) == 1
    assert told(not_yet) == ["director_a"]
    assert Notification.objects.filter(kind="left_behind_16").count() == 3


def test_a_child_who_turned_16_on_a_day_the_job_did_not_run_is_flagged_the_next_run(
    make_child, director_a
):
    sixteenth = today() + 20 * DAY
    child = make_child(birth_date=years_before(sixteenth, 16), grade="j3")
    assert flagged(sixteenth - DAY) == 0

    # No run on the sixteenth birthday: the run three days later still asks.
    assert flagged(sixteenth + 3 * DAY) == 1
    assert told(child) == ["director_a"]


def test_a_child_already_flagged_is_not_asked_about_again(make_child, director_a):
    sixteenth = today() + 5 * DAY
    child = make_child(birth_date=years_before(sixteenth, 16), grade="j3")
    run_daily(sixteenth - DAY)
    assert flagged(sixteenth) == 1
    note = Notification.objects.get(child=child, kind="left_behind_16")

    for day in (sixteenth, sixteenth + DAY, sixteenth + 30 * DAY, sixteenth + 90 * DAY):
        assert flagged(day) == 0
    assert Notification.objects.get(child=child, kind="left_behind_16") == note


def test_a_child_who_is_no_longer_left_behind_is_not_asked_about(make_child, director_a):
    sixteenth = today() + 5 * DAY
    make_child(categories=["orphan"], birth_date=years_before(sixteenth, 16), grade="j3")
    run_daily(sixteenth - DAY)
    assert flagged(sixteenth) == 0
    assert not Notification.objects.filter(kind="left_behind_16").exists()


def test_the_first_run_ever_asks_about_every_left_behind_child_aged_16_or_17(
    make_child, director_a
):
    aged_17 = make_child(name="甲", birth_date=years_before(today(), 17) + 40 * DAY, grade="s2")
    aged_16 = make_child(name="乙", birth_date=years_before(today(), 16) - 40 * DAY, grade="s1")
    make_child(name="丙", birth_date=years_before(today(), 16) + 40 * DAY, grade="j3")
    # Registered before the review was asked for when a file is written.
    Notification.objects.all().delete()

    assert flagged(today()) == 2

    assert (told(aged_17), told(aged_16)) == (["director_a"], ["director_a"])
    assert flagged(today() + DAY) == 0


def test_a_run_more_than_a_month_ago_counts_as_none(make_child, director_a):
    child = make_child(birth_date=years_before(today(), 16) - 100 * DAY, grade="s1")
    run_daily(today() - (jobs.LAST_RUN_LOOKBACK_DAYS + 1) * DAY)
    Notification.objects.all().delete()  # as if told before and the message since deleted

    # A month without a run: every child aged 16–17 is looked at once, this one too.
    assert flagged(today()) == 1
    Notification.objects.all().delete()
    assert flagged(today() + DAY) == 0  # the day after, only the day's birthdays
    assert told(child) == []


def test_the_phase_takes_the_same_queries_whatever_the_number_of_children_aged_16_or_17(
    make_child, director_a
):
    start = today() + 10 * DAY
    run_daily(start)
    make_child(name="甲", birth_date=years_before(start + DAY, 16), grade="j3")
    make_child(name="乙", birth_date=years_before(start - 50 * DAY, 16), grade="s1")
    one = phase_queries(start + DAY)
    for n in range(6):
        make_child(name="丙" + "甲乙丙丁戊己"[n], birth_date=years_before(start + DAY, 16))
        make_child(name="丁" + "甲乙丙丁戊己"[n], birth_date=years_before(start - 90 * DAY, 16))
    assert phase_queries(start + DAY) == one
    # The last run, the districts, one statement per district (the test city has one).
    assert one == 3
    assert phase_queries(start) == 1  # already run that day: nobody to look at
    # And with no run in the last month (as the first run ever), over every child aged 16–17,
    # the same.
    assert phase_queries(start + (jobs.LAST_RUN_LOOKBACK_DAYS + 1) * DAY) == one


# --- a child already 16 when they become a left-behind child ----------------------------------


def test_the_left_behind_category_given_to_a_16_year_old_asks_the_director_at_once(
    make_child, director_a, director_b
):
    child = make_child(
        categories=["economic_hardship"],
        birth_date=years_before(today(), 16) - 30 * DAY,
        grade="s1",
    )
    run_daily(today())
    assert told(child) == []

    child = child_update(
        actor=director_a,
        child=child,
        expected_version=child.version,
        data={},
        categories=["economic_hardship", "left_behind"],
    )

    assert told(child) == ["director_a"]
    # The job's next runs do not ask again, and the birthday is long past their window.
    assert flagged(today() + DAY) == 0
    assert run_daily(today() + DAY).changed() == 0
    assert told(child) == ["director_a"]


def test_a_16_year_old_registered_as_left_behind_asks_the_director_at_once(
    make_child, director_a, district_officer, areas
):
    one = make_child(birth_date=years_before(today(), 17), grade="s2")
    [batch, young] = children_create_many(
        actor=district_officer,
        items=[
            ChildInput(
                data=child_data(areas["community_a"], name="导入", birth_date=years_before(
                    today(), 16)),
                categories=["left_behind"],
            ),
            ChildInput(
                data=child_data(areas["community_a"], name="小", birth_date=years_before(
                    today(), 15)),
                categories=["left_behind"],
            ),
        ],
    )  # fmt: skip
    assert (told(one), told(batch), told(young)) == (["director_a"], ["director_a"], [])
    assert flagged(today()) == 0


def test_a_birth_date_corrected_to_16_asks_the_director_at_once(make_child, director_a):
    child = make_child(birth_date=years_before(today(), 14), grade="j1")
    assert told(child) == []
    birth = years_before(today(), 16) - DAY
    child_update(
        actor=director_a,
        child=child,
        expected_version=child.version,
        data={"birth_date": birth, "id_number": idnumber.make("310105", birth, 777, "M")},
    )
    assert told(child) == ["director_a"]


def test_a_16_year_old_back_on_the_register_asks_the_director(make_child, director_a):
    child = make_child(birth_date=years_before(today(), 16) - 10 * DAY, grade="s1")
    Notification.objects.all().delete()
    child = child_change_status(
        actor=director_a,
        child=child,
        expected_version=child.version,
        status="moved_out",
        date=today(),
        reason="搬离",
    )
    assert told(child) == []
    child_change_status(
        actor=director_a,
        child=child,
        expected_version=child.version,
        status="active",
        date=today(),
        reason="搬回",
    )
    assert told(child) == ["director_a"]


def test_a_child_who_turns_16_tomorrow_is_asked_about_by_tomorrows_run(make_child, director_a):
    run_daily(today())
    child = make_child(birth_date=years_before(today() + DAY, 16), grade="j3")
    assert told(child) == []
    assert flagged(today() + DAY) == 1
    assert told(child) == ["director_a"]
