"""Retention (docs/domain.md §9.5): a file is anonymised once its district's period has passed
since the child turned 18 or left the register, whichever came first, unless work is still
open; `weibao retention --dry-run` lists what would go, the real run is audited; district
staff set the period on their page."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.helpers import put_in_stage
from tests.conftest import PASSWORD, web_client
from tests.helpers import move_to, today, years_before, zh
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened_note
from weibao.cases.choices import Stage
from weibao.cases.services import case_open
from weibao.children.models import Child
from weibao.children.services import child_anonymise
from weibao.reports.models import Report
from weibao.reports.services import report_link_child
from weibao.safekeeping import retention
from weibao.safekeeping.models import RetentionPolicy
from weibao.transfers.services import transfer_request

NAME = "欧阳保存"
URL = "/safekeeping/retention/"


def _set(child: Child, **fields) -> Child:
    """Dates the register could hold (registered years ago), set without the services, which
    judge them against the real date."""
    Child.objects.filter(pk=child.pk).update(**fields)
    return Child.objects.get(pk=child.pk)


def aged(child: Child, years_past_18: int, days: int = 0) -> Child:
    """A child whose 18th birthday was `years_past_18` years (and `days` days) ago."""
    birth = years_before(today(), 18 + years_past_18) - dt.timedelta(days=days)
    return _set(child, birth_date=birth)


def left(child: Child, years_ago: int, days: int = 0, status="moved_out") -> Child:
    day = years_before(today(), years_ago) - dt.timedelta(days=days)
    return _set(child, status=status, status_date=day, status_reason="搬走")


def due_ids(**kw) -> set[int]:
    return set(retention.files_due(today(), **kw).values_list("pk", flat=True))


@pytest.fixture
def other_district(db):
    """徐汇区 with one 街镇 and one 居民区, and its district staff."""
    district = Area.objects.create(name="徐汇区", code="310104", level="district")
    street = Area.objects.create(name="徐汇甲街道", level="subdistrict", parent=district)
    community = Area.objects.create(name="徐汇甲居民区", level="community", parent=street)
    officer = User.objects.create_user(username="xuhui_officer", password=PASSWORD)
    RoleAssignment.objects.create(user=officer, role=Role.DISTRICT_STAFF, area=district)
    return {"district": district, "community": community, "officer": officer}


# --- which files are due --------------------------------------------------------------------


def test_a_file_is_due_the_day_its_period_after_the_18th_birthday_has_passed(make_child):
    due = aged(make_child(name="甲"), 5)
    not_yet = aged(make_child(name="乙"), 5, days=-1)
    minor = make_child(name="丙")
    assert due_ids() == {due.pk}
    assert not_yet.pk not in due_ids() and minor.pk not in due_ids()


@pytest.mark.parametrize("status", ["moved_out", "transferred", "deceased"])
def test_a_file_is_due_the_period_after_the_child_left_the_register(make_child, status):
    due = left(make_child(name="甲"), 5, status=status)
    not_yet = left(make_child(name="乙"), 5, days=-1, status=status)
    assert due_ids() == {due.pk}
    assert not_yet.pk not in due_ids()


def test_the_clock_that_started_first_decides_and_the_list_says_which(make_child):
    # Left 6 years ago, turned 18 only 2 years ago: due, because of leaving.
    child = left(aged(make_child(name="甲"), 2), 6)
    adult = aged(make_child(name="乙"), 7)
    [first, second] = sorted(retention.due_files(today()), key=lambda d: d.child_id)
    assert (first.child_id, first.reason, first.since) == (child.pk, "left", child.status_date)
    assert first.due_on == dt.date(
        child.status_date.year + 5, child.status_date.month, child.status_date.day
    )
    assert (second.child_id, second.reason) == (adult.pk, "aged_out")
    assert second.since == years_before(today(), 7)
    assert second.due_on == years_before(today(), 2)


def test_each_district_keeps_files_for_its_own_period(make_child, areas, other_district):
    here = aged(make_child(name="甲"), 6)
    there = aged(make_child(name="乙"), 6)
    _set(
        there,
        district=other_district["district"],
        subdistrict=other_district["community"].parent,
        community=other_district["community"],
    )
    assert due_ids() == {here.pk, there.pk}  # both past the default 5 years
    RetentionPolicy.objects.create(district=areas["district"], years=10)
    assert due_ids() == {there.pk}
    RetentionPolicy.objects.create(district=other_district["district"], years=7)
    assert due_ids() == set()
    assert due_ids(district_ids=[areas["district"].pk]) == set()
    RetentionPolicy.objects.filter(district=areas["district"]).update(years=1)
    assert due_ids() == {here.pk}


def test_a_file_with_open_work_waits_until_it_is_done(make_child, director_a, supervisor):
    with_case = make_child(name="甲")
    case = case_open(actor=director_a, child=with_case, summary="x")
    aged(with_case, 6)
    assert with_case.pk not in due_ids()
    assert set(retention.held_back(today()).values_list("pk", flat=True)) == {with_case.pk}
    put_in_stage(case, Stage.CLOSED)
    assert with_case.pk in due_ids()


def test_a_pending_transfer_or_an_open_report_holds_the_file_back(
    make_child, areas, director_a, supervisor, make_report
):
    moving = make_child(name="甲")
    transfer_request(
        actor=director_a, child=moving, reason="搬家", to_community=areas["community_b"]
    )
    reported = make_child(name="乙")
    move_to(make_report(), Report.State.ACKNOWLEDGED, supervisor)
    report = Report.objects.get()
    report_link_child(actor=supervisor, report=report, child=reported)
    for child in (moving, reported):
        aged(child, 6)
    assert due_ids() == set()
    assert retention.held_back(today()).count() == 2


def test_an_anonymised_file_is_never_due_again(make_child):
    child = aged(make_child(name="甲"), 6)
    child_anonymise(actor=None, child=child, reason="test")
    assert due_ids() == set()


def test_the_selection_is_one_query_on_the_indexes_whatever_the_number_of_files(
    make_child, django_assert_num_queries
):
    for n in range(3):
        aged(make_child(name=f"甲{n}"), 6)
    with django_assert_num_queries(2):  # the districts' periods, then the files
        assert len(retention.due_files(today())) == 3
    for n in range(7):
        aged(make_child(name=f"乙{n}"), 6)
    with django_assert_num_queries(2):
        assert len(retention.due_files(today())) == 10
    if connection.vendor == "sqlite":
        sql, params = retention.files_due(today()).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " | ".join(row[-1] for row in cursor.fetchall())
        assert "SCAN children_child" not in plan, plan
        assert "status_date<?" in plan and "birth_date<?" in plan, plan


# --- the command --------------------------------------------------------------------------


def _run(*args) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_the_dry_run_lists_ids_areas_and_reasons_changes_nothing_and_names_nobody(
    make_child, areas
):
    child = aged(make_child(name=NAME, school="秘密小学"), 6)
    held = make_child(name="未到期")
    rows = AuditEvent.objects.count()
    out = _run("--dry-run")
    assert f"{child.pk}\t长宁区/天山路街道/测试甲居民区\taged_out" in out
    assert "1 files due" in out and "Nothing was changed" in out
    assert NAME not in out and "秘密小学" not in out and str(held.pk) + "\t" not in out
    assert child.id_number not in out and child.id_number_masked not in out
    assert Child.objects.get(pk=child.pk).name == NAME
    assert AuditEvent.objects.count() == rows


def test_the_run_anonymises_each_due_file_and_audits_each_and_the_run(make_child):
    first = aged(make_child(name=NAME), 6)
    second = left(make_child(name="乙"), 5)
    untouched = make_child(name="丙")
    out = _run()
    assert "Anonymised 2 of 2" in out
    for child in (first, second):
        stored = Child.objects.get(pk=child.pk)
        assert stored.anonymised_at and stored.name == f"已匿名 #{child.pk}"
        row = AuditEvent.objects.get(action="child.anonymise", child=child)
        assert row.actor is None and opened_note(row.note).startswith("retention: ")
    note = opened_note(AuditEvent.objects.get(child=second, action="child.anonymise").note)
    assert note.startswith("retention: left since")
    assert Child.objects.get(pk=untouched.pk).name == "丙"
    summary = AuditEvent.objects.get(action="retention.run")
    assert summary.changes["anonymised"] == 2 and summary.changes["failed"] == 0
    assert summary.changes["by_district"] == {str(first.district_id): 2}
    assert "Anonymised 0 of 0" in _run()  # nothing is due twice


def test_a_file_that_fails_is_left_whole_and_the_others_are_done(make_child, monkeypatch):
    bad = aged(make_child(name="坏"), 6)
    good = aged(make_child(name="好"), 6)
    real = retention.child_anonymise

    def failing(*, actor, child, reason):
        if child.pk == bad.pk:
            raise RuntimeError("disk full")
        return real(actor=actor, child=child, reason=reason)

    monkeypatch.setattr(retention, "child_anonymise", failing)
    with pytest.raises(CommandError, match=str(bad.pk)):
        _run()
    assert Child.objects.get(pk=bad.pk).anonymised_at is None
    assert Child.objects.get(pk=good.pk).anonymised_at is not None
    summary = AuditEvent.objects.get(action="retention.run")
    assert (summary.changes["anonymised"], summary.changes["failed_ids"]) == (1, [bad.pk])


# --- the district's page ------------------------------------------------------------------


def test_district_staff_set_their_period_and_the_change_is_audited(district_officer, areas):
    district = areas["district"]
    client = web_client(district_officer)
    assert URL in client.get("/").content.decode()  # in the menu
    page = client.get(URL)
    assert page.status_code == 200 and 'value="5"' in page.content.decode()
    field = f"d{district.pk}-years"
    response = client.post(URL, {"district": district.pk, field: "31"})
    assert response.status_code == 200 and "30" in response.content.decode()
    assert not RetentionPolicy.objects.filter(years=31).exists()
    response = client.post(URL, {"district": district.pk, field: "8"})
    assert response.status_code == 302
    assert RetentionPolicy.objects.get(district=district).years == 8
    row = AuditEvent.objects.get(action="retention.policy")
    assert row.actor == district_officer and row.changes == {"years": {"old": 5, "new": 8}}


def test_the_page_counts_the_files_due_and_those_waiting(district_officer, make_child, director_a):
    aged(make_child(name="甲"), 6)
    waiting = make_child(name="乙")
    case_open(actor=director_a, child=waiting, summary="x")
    aged(waiting, 6)
    html = web_client(district_officer).get(URL).content.decode()
    assert "目前有 1 份档案待匿名化" in html and "另有 1 份等待未结事项办结" in html


def test_a_supervisor_reads_the_period_and_is_refused_setting_it(supervisor, areas):
    RetentionPolicy.objects.create(district=areas["district"], years=7)
    client = web_client(supervisor)
    page = client.get(URL).content.decode()
    assert "档案保存 7 年" in page and 'name="district"' not in page
    assert zh("Set by the district's civil-affairs staff.") in page
    field = f"d{areas['district'].pk}-years"
    response = client.post(URL, {"district": areas["district"].pk, field: "1"})
    assert response.status_code == 403
    assert RetentionPolicy.objects.get(district=areas["district"]).years == 7


def test_another_districts_staff_get_a_404_for_ours(other_district, areas):
    client = web_client(other_district["officer"])
    page = client.get(URL).content.decode()
    assert "徐汇区" in page and "长宁区" not in page
    field = f"d{areas['district'].pk}-years"
    response = client.post(URL, {"district": areas["district"].pk, field: "1"})
    assert response.status_code == 404
    assert not RetentionPolicy.objects.filter(district=areas["district"]).exists()


@pytest.mark.parametrize("persona", ["station_staff", "director_a", "unassigned"])
def test_the_page_is_a_404_for_everyone_else(all_personas, persona, areas):
    client = web_client(all_personas[persona])
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"district": areas["district"].pk}).status_code == 404
    assert URL not in client.get("/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(db):
    response = web_client(None).get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_runs_as_many_queries_for_many_due_files_as_for_few(district_officer, make_child):
    def measure() -> int:
        client = web_client(district_officer)
        client.get(URL)  # per-process caches fill here
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        aged(make_child(name=f"甲{n}"), 6)
    few = measure()
    for n in range(12):
        aged(make_child(name=f"乙{n}"), 6)
    assert measure() == few
    assert few <= 15
