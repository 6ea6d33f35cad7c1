"""The home page's counts per category come from per-居民区 tallies once the daily job has
counted them all: they must always equal a count of the register, for every persona, through
every kind of write (register, change categories, move 居民区, leave and rejoin the register)
and as children turn 18; and reading them costs the same few queries however many children."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import en_get
from tests.helpers import years_before
from weibao.children.models import CategoryTally
from weibao.children.selectors import _counted_counts, category_counts
from weibao.children.services import child_change_status, child_update
from weibao.children.tallies import tallies_ready, tallies_refresh
from weibao.visits.jobs import run_daily

PERSONAS = ["district_officer", "supervisor", "director_a", "director_b", "director_elsewhere",
            "unassigned"]  # fmt: skip


def assert_tallies_match_the_register(request):
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        assert category_counts(user) == _counted_counts(user, None), persona


def test_before_the_first_full_count_the_register_is_counted(make_child, director_a):
    make_child("community_a", categories=["orphan"])
    assert not tallies_ready()
    assert category_counts(director_a)["orphan"] == 1


def test_the_daily_job_counts_every_community_and_the_counts_then_come_from_tallies(
    request, make_child, director_a, areas
):
    make_child("community_a", categories=["orphan", "left_behind"])
    make_child("community_b", categories=["autism"])
    run_daily()
    assert tallies_ready()
    # Proof the tallies are read: a tally changed behind the services' back shows.
    CategoryTally.objects.filter(community=areas["community_a"], key="orphan").update(n=7)
    assert category_counts(director_a)["orphan"] == 7
    tallies_refresh()
    assert_tallies_match_the_register(request)


def test_every_write_keeps_the_tallies_equal_to_the_register(
    request, make_child, district_officer, areas
):
    run_daily()
    a = make_child("community_a", categories=["orphan", "left_behind"])
    b = make_child("community_b", categories=["autism"])
    make_child("community_c", categories=["economic_hardship"])
    assert_tallies_match_the_register(request)

    a = child_update(
        actor=district_officer, child=a, expected_version=a.version, data={},
        categories=["guardianship_missing"],
    )  # fmt: skip
    assert_tallies_match_the_register(request)

    a = child_update(
        actor=district_officer, child=a, expected_version=a.version,
        data={"community": areas["community_b"]},
    )  # fmt: skip
    assert category_counts(request.getfixturevalue("director_a"))["total"] == 0
    assert category_counts(request.getfixturevalue("director_b"))["total"] == 2
    assert_tallies_match_the_register(request)

    b = child_change_status(
        actor=district_officer, child=b, expected_version=b.version, status="moved_out",
        date=timezone.localdate(), reason="迁出",
    )  # fmt: skip
    assert_tallies_match_the_register(request)
    child_change_status(
        actor=district_officer, child=b, expected_version=b.version, status="active",
        date=timezone.localdate(), reason="",
    )  # fmt: skip
    assert_tallies_match_the_register(request)


def test_a_child_turning_18_leaves_the_counts_with_the_daily_job(request, make_child, director_a):
    eighteenth = timezone.localdate() + dt.timedelta(days=3)
    make_child("community_a", categories=["orphan"], birth_date=years_before(eighteenth, 18),
               grade="s3")  # fmt: skip
    run_daily()
    assert category_counts(director_a)["orphan"] == 1
    run_daily(eighteenth)
    assert category_counts(director_a)["orphan"] == 0
    assert _counted_counts(director_a, eighteenth)["orphan"] == 0


def test_the_home_page_shows_the_tallied_counts(make_child, director_a):
    make_child("community_a", categories=["orphan"])
    make_child("community_a", categories=["orphan"])
    run_daily()
    response = en_get(director_a, "/")
    assert response.context["total"] == 2
    assert ("orphan", "Orphan", 2) in [
        (k, str(label), n) for k, label, n in response.context["cards"]
    ]


def test_reading_the_district_counts_costs_the_same_queries_for_more_children(
    make_child, district_officer
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            category_counts(district_officer)
        return len(ctx.captured_queries)

    make_child("community_a", categories=["orphan"])
    run_daily()
    before = queries()
    for community in ("community_a", "community_b", "community_c"):
        for _ in range(5):
            make_child(community, categories=["orphan", "autism"])
    assert queries() == before <= 4
    assert category_counts(district_officer)["orphan"] == 16


def test_the_daily_job_recounts_all_only_on_its_first_run_or_when_the_date_goes_back(
    make_child, director_a, areas
):
    make_child("community_a", categories=["orphan"])
    today = timezone.localdate()
    run_daily(today)
    CategoryTally.objects.filter(community=areas["community_a"], key="orphan").update(n=9)
    run_daily(today)  # a rerun the same day: nobody turned 18 since, nothing recounted
    assert category_counts(director_a)["orphan"] == 9
    run_daily(today + dt.timedelta(days=1))  # nobody in community A turned 18 either
    assert category_counts(director_a)["orphan"] == 9
    run_daily(today)  # the date went back: everything is recounted
    assert category_counts(director_a)["orphan"] == 1
