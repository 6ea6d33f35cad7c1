"""Every plan version lies in its case's district (docs/scale.md), as a child's guardians lie
in the child's (tests/children/test_guardian_district.py): plan_save writes the district with
the row, case_move_area moves it with the case, and every read of a case's plan versions
names it — the SQL of each statement on cases_planversion compares the versions' district_id,
which is what routes it to one partition (test_partition_pruning.py) or one Citus worker."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.cases.helpers import a_plan
from tests.conftest import api_client, web_client
from tests.helpers import assert_each_names_the_district, statements_on
from weibao.archive.selectors import Revealed, child_archive
from weibao.areas.models import Area
from weibao.cases.jobs import plan_items_due
from weibao.cases.models import Case, PlanVersion
from weibao.cases.selectors import current_plan, plan_versions_of
from weibao.children.models import Child
from weibao.children.services import child_anonymise
from weibao.transfers.services import move_child_and_records

TABLE = "cases_planversion"


def _misplaced() -> list[tuple[int, int, int]]:
    """(version, its district, its case's district) of every version that disagrees."""
    district_of = dict(Case.objects.values_list("pk", "district_id"))
    return [
        (pk, district, district_of[case])
        for pk, case, district in PlanVersion.objects.values_list("pk", "case", "district")
        if district != district_of[case]
    ]


@pytest.fixture
def planned_case(case_a, director_a):
    """Case A with two versions of its plan."""
    first = a_plan(director_a, case_a, goals="First goal")
    a_plan(director_a, case_a, goals="Second goal", expected_number=first.number)
    return Case.objects.get(pk=case_a.pk)


def _stray_version(case: Case, other_district: Area) -> None:
    """A third version of the case filed under another district: a read that names the
    case's district does not see it, one by the case alone would (it would be the current)."""
    latest = current_plan(case)
    PlanVersion.objects.create(
        district_id=other_district.parent.parent_id,
        case=case,
        number=latest.number + 1,
        goals="Misfiled",
        review_on=latest.review_on,
        created_by=latest.created_by,
    )


# --- written with the row ------------------------------------------------------------------


def test_each_saved_version_is_in_its_cases_district(planned_case):
    assert [v.district_id for v in PlanVersion.objects.filter(case=planned_case)] == [
        planned_case.district_id
    ] * 2
    assert _misplaced() == []


# --- moved with the case -------------------------------------------------------------------


def test_a_move_to_another_district_moves_the_plan_versions(
    planned_case, officer_of_both, other_district
):
    # What an accepted transfer and a 居民区's administrative move run, into another district.
    move_child_and_records(
        actor=officer_of_both,
        child=Child.objects.get(pk=planned_case.child_id),
        community=other_district,
        note="",
        owner_if_outside=officer_of_both,
    )
    moved = Case.objects.get(pk=planned_case.pk)
    assert moved.district_id == other_district.parent.parent_id
    assert [v.goals for v in plan_versions_of(moved).order_by("number")] == [
        "First goal",
        "Second goal",
    ]
    assert _misplaced() == []


def test_a_move_within_the_district_leaves_the_plan_versions_alone(
    planned_case, supervisor_elsewhere, district_officer, areas
):
    with CaptureQueriesContext(connection) as ctx:
        move_child_and_records(
            actor=district_officer,
            child=Child.objects.get(pk=planned_case.child_id),
            community=areas["community_c"],
            note="",
            owner_if_outside=supervisor_elsewhere,
        )
    assert not [s for s in statements_on(ctx, TABLE) if s.startswith("UPDATE")]
    assert current_plan(Case.objects.get(pk=planned_case.pk)).goals == "Second goal"
    assert _misplaced() == []


# --- read with it --------------------------------------------------------------------------


def test_the_reads_of_a_cases_plan_leave_out_a_version_of_another_district(
    planned_case, other_district
):
    _stray_version(planned_case, other_district)
    assert current_plan(planned_case).goals == "Second goal"
    assert plan_versions_of(planned_case).count() == 2


@pytest.mark.parametrize(
    "path",
    [
        "/cases/{pk}/",
        "/cases/{pk}/plan/",
        "/cases/{pk}/plan/versions/",
        "/cases/{pk}/plan/versions/2/",
    ],
)
def test_the_pages_read_the_plan_versions_with_the_district(
    planned_case, director_a, other_district, path
):
    _stray_version(planned_case, other_district)
    client = web_client(director_a)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path.format(pk=planned_case.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Misfiled" not in body
    assert_each_names_the_district(ctx, TABLE)


def test_the_stray_versions_number_is_not_found(planned_case, director_a, other_district):
    _stray_version(planned_case, other_district)
    response = web_client(director_a).get(f"/cases/{planned_case.pk}/plan/versions/3/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/{pk}/plan/", "/api/v1/cases/{pk}/plan/versions/2/", "/api/v1/cases/"]
)
def test_the_api_reads_the_plan_versions_with_the_district(
    planned_case, director_a, other_district, path
):
    _stray_version(planned_case, other_district)
    with CaptureQueriesContext(connection) as ctx:
        response = api_client(director_a).get(path.format(pk=planned_case.pk))
    assert response.status_code == 200
    data = response.json()
    if "results" in data:  # the list: the current plan's number
        assert [c["plan_version"] for c in data["results"]] == [2]
    elif "versions" in data:
        assert [v["number"] for v in data["versions"]] == [2, 1]
    else:
        assert data["number"] == 2
    assert_each_names_the_district(ctx, TABLE)


def test_the_archive_reads_the_plans_with_the_district(planned_case, director_a, other_district):
    _stray_version(planned_case, other_district)
    child = Child.objects.get(pk=planned_case.child_id)
    with CaptureQueriesContext(connection) as ctx:
        archive = child_archive(director_a, child, revealed=Revealed(), now=timezone.now())
    assert [p.number for p in archive.cases[0].plans] == [2, 1]
    assert_each_names_the_district(ctx, TABLE)


def test_the_plan_items_job_reads_newer_versions_with_the_district(planned_case):
    with CaptureQueriesContext(connection) as ctx:
        plan_items_due(timezone.now())
    assert_each_names_the_district(ctx, TABLE)


def test_anonymising_clears_the_plans_by_their_district(
    planned_case, django_capture_on_commit_callbacks
):
    child = Child.objects.get(pk=planned_case.child_id)
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        child_anonymise(actor=None, child=child, reason="Retention period over (test).")
    assert set(PlanVersion.objects.values_list("goals", flat=True)) == {""}
    assert_each_names_the_district(ctx, TABLE)
