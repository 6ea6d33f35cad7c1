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


def _on_team(user, case) -> None:
    """A team row as the services write one (the case's area columns copied)."""
    CaseMember.objects.create(
        case=case, user=user, why="plan", district_id=case.district_id,
        subdistrict_id=case.subdistrict_id, community_id=case.community_id,
    )  # fmt: skip


def test_a_supervisor_on_no_team_outside_their_jiezhen_reads_the_jiezhen_alone(
    case_a, case_c, supervisor
):
    """A team case inside the 街镇 adds nothing to "in my 街镇": without one outside it, the
    condition is the 街镇's alone, which PostgreSQL walks in the list's order from
    `case_subdistrict_newest` (under an OR with the team it walked the whole district's list:
    docs/performance.md, "A supervisor's list without the team's cases of their own 街镇")."""
    _on_team(supervisor, case_a)
    visible = cases_visible_to(User.objects.get(pk=supervisor.pk))
    sql = str(visible.query)
    assert "cases_casemember" not in sql
    assert '"cases_case"."id" IN' not in sql and "ANY(" not in sql
    assert set(visible.values_list("pk", flat=True)) == {case_a.pk}


def test_a_supervisor_on_a_team_outside_their_jiezhen_sees_that_case_by_its_id(
    case_a, case_c, supervisor
):
    _on_team(supervisor, case_c)
    visible = cases_visible_to(User.objects.get(pk=supervisor.pk))
    sql = str(visible.query)
    assert "cases_casemember" not in sql  # read before, its ids written in
    assert f'"cases_case"."id" IN ({case_c.pk})' in sql
    assert set(visible.values_list("pk", flat=True)) == {case_a.pk, case_c.pk}


def test_a_worker_on_many_teams_outside_their_areas_reads_them_as_a_subquery(
    case_a, case_c, supervisor, monkeypatch
):
    monkeypatch.setattr("weibao.cases.selectors.TEAM_OUTSIDE_LIST", 0)
    _on_team(supervisor, case_c)
    visible = cases_visible_to(User.objects.get(pk=supervisor.pk))
    sql = str(visible.query)
    assert "cases_casemember" in sql
    # On PostgreSQL `= ANY(ARRAY(subquery))`, read once, which the planner combines with the
    # 街镇's index (BitmapOr); as IN (subquery) under the OR it read every case of the
    # district (docs/performance.md, "A supervisor's cases: the team read once").
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY(SELECT" in sql and "IN (SELECT" not in sql
    assert set(visible.values_list("pk", flat=True)) == {case_a.pk, case_c.pk}


def test_a_director_sees_their_teams_cases_by_a_subquery(case_a, case_c, director_a):
    visible = cases_visible_to(User.objects.get(pk=director_a.pk))
    assert "cases_casemember" in str(visible.query)
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


def _rows_by_ids(ctx) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "cases_case"."id", "cases_case"."district_id"')
        and '"cases_case"."id" IN (' in q["sql"]
    ]


def _ids_alone(ctx) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "cases_case"."id" AS')
        or q["sql"].startswith('SELECT "cases_case"."id" FROM')
    ]


def test_a_deep_page_of_the_case_list_reads_its_ids_first_and_shows_the_same_rows(
    cases, district_officer, monkeypatch
):
    """From DEEP_PAGE_ROWS on, a page's ids are read on the cases alone (an index-only scan
    on PostgreSQL), then its rows by those ids: OFFSET no longer joins every row it skips to
    its child and people (docs/performance.md, "A deep page of the case list reads its ids
    first")."""
    monkeypatch.setattr("weibao.cases.views.PAGE_SIZE", 1)
    client = web_client(district_officer)

    def page(number):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/cases/?page={number}")
        return [case.pk for case, _url in response.context["rows"]], ctx

    shallow = [page(n) for n in (1, 2, 3)]
    assert all(not _rows_by_ids(ctx) and not _ids_alone(ctx) for _rows, ctx in shallow)
    monkeypatch.setattr("weibao.core.paging.DEEP_PAGE_ROWS", 1)
    rows, ctx = page(1)
    assert rows == shallow[0][0] and not _rows_by_ids(ctx)  # before the deep rows: as before
    for number in (2, 3):
        rows, ctx = page(number)
        assert rows == shallow[number - 1][0], number
        (ids,) = _ids_alone(ctx)
        assert "JOIN" not in ids
        assert len(_rows_by_ids(ctx)) == 1
    assert [row for rows, _ in shallow for row in rows] == [c.pk for c in cases[::-1]]


def test_a_deep_page_of_the_case_api_reads_its_ids_first_and_gives_the_same_rows(
    cases, district_officer, monkeypatch
):
    client = api_client(district_officer)

    def page(number):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/api/v1/cases/", {"page": number, "page_size": 1}).json()
        return body, ctx

    shallow = [page(n) for n in (1, 2, 3)]
    assert all(not _ids_alone(ctx) for _body, ctx in shallow)
    monkeypatch.setattr("weibao.core.paging.DEEP_PAGE_ROWS", 1)
    for number in (2, 3):
        body, ctx = page(number)
        assert body == shallow[number - 1][0], number
        (ids,) = _ids_alone(ctx)
        assert "JOIN" not in ids
    assert [b["results"][0]["id"] for b, _ in shallow] == [c.pk for c in cases[::-1]]
    assert shallow[2][0]["next"] is None and shallow[0][0]["count"] == 3


def test_the_case_apis_list_reads_the_people_by_id_not_joined(cases, district_officer):
    """Six tables joined to a sorted, limited list cost PostgreSQL 10–17 ms to plan, on every
    page (docs/performance.md, "The case list's people read by id"): the people are read by
    their ids, after the cases."""
    with CaptureQueriesContext(connection) as ctx:
        rows = api_client(district_officer).get("/api/v1/cases/").json()["results"]
    (main,) = [q["sql"] for q in ctx.captured_queries if "current_plan_number" in q["sql"]]
    assert "accounts_user" not in main
    for row in rows:
        case = Case.objects.select_related("owner", "opened_by").get(pk=row["id"])
        assert row["owner"] == {"id": case.owner_id, "name": str(case.owner)}
        assert row["opened_by"] == {"id": case.opened_by_id, "name": str(case.opened_by)}
        assert row["close_requested_by"] is None and row["closed_by"] is None
