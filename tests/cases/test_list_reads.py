"""The case list as a city's district reads it (docs/performance.md, "The case team"): district
staff's cases are their district's, read without the team; the list's length is counted on the
cases alone; the API's plan numbers are read per row, and its rows decrypt only the texts they
show and write the models' words. Who sees which case does not change."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.cases.helpers import a_plan
from tests.conftest import _user, api_client, child_data, web_client
from tests.helpers import move_to
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.areas.models import Area
from weibao.cases.models import Case, CaseMember
from weibao.cases.selectors import (
    CaseListFilters,
    case_list,
    case_list_count,
    case_team,
    cases_visible_to,
)
from weibao.cases.services import case_assess, case_file, case_open
from weibao.children.services import GuardianInput, child_create
from weibao.core import crypto
from weibao.reports.models import Report

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def elsewhere(db):
    """A 居民区 of a second district, its district staff, and a case there."""
    district = Area.objects.create(name="徐汇区", code="310104", level="district")
    sub = Area.objects.create(name="徐家汇街道", level="subdistrict", parent=district)
    community = Area.objects.create(name="测试丁居民区", level="community", parent=sub)
    officer = _user("xuhui_officer", Role.DISTRICT_STAFF, district)
    child = child_create(
        actor=officer,
        data=child_data(community, name="王小华"),
        categories=["left_behind"],
        guardians=[GuardianInput(name="测试家长", relation="mother", phone="13800000002")],
    )
    return {"community": community, "case": case_open(actor=officer, child=child)}


@pytest.fixture
def cases(make_child, director_a, director_elsewhere, supervisor):
    """Three cases of the first district: two 居民区 of 天山路 and one of 仙霞新村."""
    a = case_open(actor=director_a, child=make_child("community_a", name="张小明"))
    b = case_open(actor=supervisor, child=make_child("community_b", name="李小红"))
    c = case_open(actor=director_elsewhere, child=make_child("community_c", name="赵小刚"))
    return [a, b, c]


def _seen(user) -> set[int]:
    return set(cases_visible_to(User.objects.get(pk=user.pk)).values_list("pk", flat=True))


def test_district_staff_see_every_case_of_their_district_and_none_of_another(
    cases, elsewhere, district_officer
):
    # A team row in another district (which the services never write for them) shows nothing.
    case = elsewhere["case"]
    CaseMember.objects.create(
        case=case, user=district_officer, why="plan", district_id=case.district_id,
        subdistrict_id=case.subdistrict_id, community_id=case.community_id,
    )  # fmt: skip
    assert _seen(district_officer) == {c.pk for c in cases}


def test_district_staff_who_also_direct_elsewhere_see_their_team_case_there(
    cases, elsewhere, district_officer
):
    RoleAssignment.objects.create(
        user=district_officer, role=Role.DIRECTOR, area=elsewhere["community"]
    )
    officer = User.objects.get(pk=district_officer.pk)
    child = child_create(
        actor=officer,
        data=child_data(elsewhere["community"], name="钱小兰"),
        categories=["left_behind"],
        guardians=[GuardianInput(name="测试家长", relation="father", phone="13800000003")],
    )
    theirs = case_open(actor=officer, child=child)  # owned, so on its team
    assert _seen(district_officer) == {c.pk for c in cases} | {theirs.pk}


def test_the_case_lists_length_is_counted_on_the_cases_alone(cases, district_officer):
    client = web_client(district_officer)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/cases/")
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if 'COUNT(*) AS "__count" FROM "cases_case"' in q["sql"]
    ]
    assert len(counts) == 1
    assert "children_child" not in counts[0]
    assert response.context["page"].paginator.count == 3
    assert len(response.context["rows"]) == 3
    user = User.objects.get(pk=district_officer.pk)
    filters = CaseListFilters(community=cases[0].community_id)
    assert case_list_count(user, filters) == case_list(user, filters).count() == 1


def test_the_api_counts_the_cases_alone_and_reads_each_rows_plan_number(
    cases, district_officer, director_a
):
    a_plan(director_a, cases[0])
    a_plan(director_a, cases[0], goals="The child sleeps at home every night.")
    client = api_client(district_officer)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/v1/cases/").json()
    counts = [
        q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"] and "COUNT(" in q["sql"]
    ]
    assert len(counts) == 1
    assert "GROUP BY" not in counts[0] and "children_child" not in counts[0]
    assert body["count"] == 3
    plans = {row["id"]: row["plan_version"] for row in body["results"]}
    assert plans == {cases[0].pk: 2, cases[1].pk: None, cases[2].pk: None}
    stage = client.get(
        "/api/v1/cases/", {"stage": "discovered", "community": cases[1].community_id}
    )
    assert stage.json()["count"] == 1
    assert [row["id"] for row in stage.json()["results"]] == [cases[1].pk]


def test_the_api_decrypts_each_text_a_case_row_shows_once_and_none_it_does_not_show(
    make_child, make_report, district_officer, supervisor
):
    # A case opened from a report: its child has an ID number and an address, its report a
    # description and the child's address, none of which a row of the list shows.
    child = make_child("community_a", name="张小明")
    report = move_to(make_report(), Report.State.HANDLING, district_officer, child=child)
    case = Case.objects.get(pk=report.case_id)
    case = case_file(actor=district_officer, case=case, summary="Found alone at night.")
    case_assess(actor=supervisor, case=case, risk_level="high", reasons="No adult at home.")
    decrypted = []

    def decrypt(token: str) -> str:
        decrypted.append(plain := real_decrypt(token))
        return plain

    real_decrypt = crypto.decrypt
    with mock.patch.object(crypto, "decrypt", decrypt):
        body = api_client(district_officer).get("/api/v1/cases/").json()
    (row,) = body["results"]
    assert row["summary"] == "Found alone at night."
    assert row["risk_reasons"] == "No adult at home."
    assert row["reports"] == [
        {
            "id": report.pk,
            "reference": report.reference,
            "received_at": row["reports"][0]["received_at"],
        }
    ]
    assert row["child_name"] == "张小明"
    assert sorted(decrypted) == sorted(["Found alone at night.", "No adult at home."])


def test_a_case_rows_words_are_the_models_in_each_language(cases, district_officer):
    client = api_client(district_officer)
    for language in ("en", "zh-hans"):
        rows = client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        with translation.override(language):
            for row in rows:
                case = Case.objects.get(pk=row["id"])
                assert row["stage_display"] == case.get_stage_display()
                assert row["risk_level_display"] == case.get_risk_level_display()
                assert [m["why_display"] for m in row["team"]] == [
                    m.get_why_display() for m in case_team(case)
                ]
                assert row["owner"] == {"id": case.owner_id, "name": str(case.owner)}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's form of the scope")
def test_a_supervisors_team_is_an_array_read_once_not_in_subquery(case_a, case_c, supervisor):
    """ "On the team, or in my 街镇": on PostgreSQL the team is `= ANY(ARRAY(subquery))`, read
    once, which the planner combines with the 街镇's index (BitmapOr); as IN (subquery) under
    the OR it read every case of the district (docs/performance.md, "A supervisor's cases: the
    team read once"; with two rows in the test database the planner picks other plans)."""
    visible = cases_visible_to(User.objects.get(pk=supervisor.pk))
    sql = str(visible.query)
    assert "= ANY(ARRAY(SELECT" in sql
    assert "IN (SELECT" not in sql
    assert set(visible.values_list("pk", flat=True)) == {case_a.pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_districts_cases_of_one_risk_level_are_counted_from_an_index(
    case_a, case_c, district_officer
):
    """The district's list filtered by risk level counts from `case_district_risk`, not from
    every case of the district (17 ms at 2,500,000 children: docs/performance.md, "The
    district's 居民区 as a condition, not a list"). Its page walks the district's newest-first
    index or this one, as the planner finds cheaper."""
    filters = CaseListFilters(risk_level="emergency")
    user = User.objects.get(pk=district_officer.pk)
    with CaptureQueriesContext(connection) as counted:
        assert case_list_count(user, filters) == 0
    with connection.cursor() as cursor:
        # Only an index that holds both columns can answer with these off; with two rows the
        # planner would otherwise take any plan (the district's index and a filter, say).
        for kind in ("seqscan", "indexscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{kind} = off")
        cursor.execute("EXPLAIN " + counted.captured_queries[-1]["sql"])
        count = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using case_district_risk" in count
