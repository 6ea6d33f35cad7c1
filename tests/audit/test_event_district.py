"""Every audit row about a case lies in the case's district, and every other row about a child
in the child's (docs/scale.md), as the access log's rows do
(tests/children/test_access_log_district.py): audit.services.audit_record and audit_record_many
write the district with the row, the services that move a child or a case move it
(audit.services.audit_events_move), and the reads of a child's history and a case's timeline
name it. A row about neither has its object's own, if any
(tests/stations/test_audit_district.py). The log is a hash chain: the district is left out of
the hash and is the one column the database lets change, so a move breaks neither the chain nor
the append-only rule."""

import importlib

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import api_client, web_client
from tests.helpers import assert_each_names_the_district, statements_on
from weibao.areas.models import Area
from weibao.audit.chain import hashed_fields, log_verify
from weibao.audit.models import AuditEvent
from weibao.audit.services import (
    AuditEntry,
    audit_events_move,
    audit_job,
    audit_record,
    audit_record_many,
)
from weibao.cases.models import Case
from weibao.cases.timeline import case_timeline
from weibao.children.history import child_history
from weibao.children.models import Child
from weibao.children.services import child_update
from weibao.transfers.services import move_child_and_records

TABLE = "audit_auditevent"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's"
)


def _misplaced() -> list[tuple[int, int | None, int | None]]:
    """(row, its district, the district it should have) of every row about a child or a case
    that disagrees: its case's, else its child's (a row about neither has its object's own:
    tests/stations/test_audit_district.py)."""
    child_district = dict(Child.objects.values_list("pk", "district_id"))
    case_district = dict(Case.objects.values_list("pk", "district_id"))
    wrong = []
    for pk, child, case, district in AuditEvent.objects.values_list(
        "pk", "child", "case", "district"
    ):
        if not (case or child):
            continue
        expected = case_district[case] if case else child_district[child]
        if district != expected:
            wrong.append((pk, district, expected))
    return wrong


@pytest.fixture
def history(case_a, director_a):
    """Child A's file with its registration, a case and the case's steps: rows naming the
    child, and rows naming the case too."""
    audit_record(actor=director_a, action="case.note", obj=case_a, case=case_a, note="只有个案")
    assert AuditEvent.objects.filter(child=case_a.child_id).exists()
    assert AuditEvent.objects.filter(case=case_a).count() >= 2
    return Case.objects.select_related("child").get(pk=case_a.pk)


def _stray_rows(case: Case, other_district: Area) -> None:
    """A row of the child's history and one of the case's filed under another district: a read
    that names the district does not see them, one by the child or case alone would."""
    elsewhere = other_district.parent.parent_id
    for row in (
        audit_record(actor=None, action="child.misfiled", obj=case.child, child=case.child),
        audit_record(actor=None, action="case.misfiled", obj=case, case=case),
    ):
        # Only the district may change (on PostgreSQL too): the chain still holds.
        AuditEvent.objects.filter(pk=row.pk).update(district_id=elsewhere)


# --- written with the row ------------------------------------------------------------------


def test_each_row_is_written_in_its_childs_or_cases_district(history):
    audit_job(action="job.test", run="2026-01-01", changes={})
    districts = dict(AuditEvent.objects.values_list("action", "district_id"))
    assert districts["child.create"] == districts["case.note"] == history.district_id
    assert districts["job.test"] is None  # about neither: no district
    assert _misplaced() == []


def test_a_batch_is_written_in_its_childrens_districts(child_a, child_b, director_a):
    audit_record_many(
        actor=director_a,
        entries=[
            AuditEntry("child.test", child_a, child_a),
            AuditEntry("area.test", child_b.community),  # about neither: the area's own
            AuditEntry("account.test", director_a),  # about neither, and names none
        ],
    )
    rows = AuditEvent.objects.filter(action__endswith=".test")
    assert dict(rows.values_list("action", "district")) == {
        "child.test": child_a.district_id,
        "area.test": child_b.district_id,
        "account.test": None,
    }
    assert _misplaced() == []


def test_the_district_is_left_out_of_the_chain():
    names = hashed_fields(AuditEvent)
    assert "district_id" not in names and {"child_id", "case_id"} <= set(names)


def test_moving_names_a_child_or_a_case(history):
    for kwargs in ({}, {"child": history.child, "case": history}):
        with pytest.raises(ValueError):
            audit_events_move(from_district=history.district_id, **kwargs)


# --- moved with the child and the case -----------------------------------------------------


def test_a_change_of_district_moves_the_childs_history_and_the_chain_still_holds(
    child_b, district_officer, officer_of_both, other_district
):
    # A file without a case or visits: its 居民区 may be edited (else a transfer moves it).
    audit_record(actor=district_officer, action="child.note", obj=child_b, child=child_b)
    before = [e.pk for e in child_history(child_b)]
    child_update(
        actor=officer_of_both,
        child=child_b,
        expected_version=child_b.version,
        data={"community": other_district},
    )
    moved = Child.objects.get(pk=child_b.pk)
    assert moved.district_id == other_district.parent.parent_id
    # The file's whole history, and the row of the move, in the new district.
    history = list(child_history(moved))
    assert [e.pk for e in history][1:] == before and history[0].action == "child.update"
    assert _misplaced() == []
    assert log_verify("audit").ok


def test_a_move_to_another_district_moves_the_child_and_case_histories(
    history, officer_of_both, other_district
):
    # What an accepted transfer and a 居民区's administrative move run, into another district.
    move_child_and_records(
        actor=officer_of_both,
        child=Child.objects.get(pk=history.child_id),
        community=other_district,
        note="",
        owner_if_outside=officer_of_both,
    )
    moved = Case.objects.get(pk=history.pk)
    assert moved.district_id == other_district.parent.parent_id
    assert "case.note" in [e.action for e in case_timeline(moved)]
    assert _misplaced() == []
    assert log_verify("audit").ok and log_verify("access").ok


def test_a_case_moves_the_rows_that_name_it_alone(history, other_district):
    elsewhere = other_district.parent.parent_id
    from_district = history.district_id
    Case.objects.filter(pk=history.pk).update(district_id=elsewhere)
    case = Case.objects.get(pk=history.pk)
    moved = audit_events_move(case=case, from_district=from_district)
    assert moved == AuditEvent.objects.filter(case=case).count()
    assert set(AuditEvent.objects.filter(case=case).values_list("district_id", flat=True)) == {
        elsewhere
    }
    assert log_verify("audit").ok


def test_a_move_within_the_district_leaves_the_history_alone(
    history, district_officer, supervisor_elsewhere, areas
):
    with CaptureQueriesContext(connection) as ctx:
        move_child_and_records(
            actor=district_officer,
            child=Child.objects.get(pk=history.child_id),
            community=areas["community_c"],
            note="",
            owner_if_outside=supervisor_elsewhere,
        )
    assert not [s for s in statements_on(ctx, TABLE) if s.startswith("UPDATE")]
    assert _misplaced() == []


# --- read with it --------------------------------------------------------------------------


def test_the_childs_history_and_the_case_timeline_leave_out_rows_of_another_district(
    history, other_district
):
    _stray_rows(history, other_district)
    assert "child.misfiled" not in {e.action for e in child_history(history.child)}
    assert "case.misfiled" not in {e.action for e in case_timeline(history)}


@pytest.mark.parametrize(
    ("client", "path"),
    [
        (web_client, "/children/{child}/"),
        (web_client, "/cases/{case}/"),
        (web_client, "/cases/{case}/timeline/"),
        (api_client, "/api/v1/cases/{case}/timeline/"),
    ],
)
def test_the_pages_read_the_history_with_the_district(
    history, director_a, other_district, client, path
):
    _stray_rows(history, other_district)
    http = client(director_a)
    with CaptureQueriesContext(connection) as ctx:
        response = http.get(path.format(child=history.child_id, case=history.pk))
    assert response.status_code == 200
    assert "misfiled" not in response.content.decode()
    assert_each_names_the_district(ctx, TABLE)


# --- the migration and the database --------------------------------------------------------


def test_the_migration_fills_each_row_from_its_child_else_its_case(history, other_district):
    audit_job(action="job.test", run="2026-01-01", changes={})
    AuditEvent.objects.update(district_id=other_district.parent.parent_id)  # as if not yet set
    migration = importlib.import_module("weibao.audit.migrations.0009_auditevent_district")
    with CaptureQueriesContext(connection) as ctx:
        migration.fill_district(apps, None)
    assert [q["sql"].split(" ", 1)[0] for q in ctx.captured_queries] == ["UPDATE"]
    assert _misplaced() == []
    assert AuditEvent.objects.get(action="case.note").district_id == history.district_id
    assert AuditEvent.objects.get(action="job.test").district_id is None
    assert log_verify("audit").ok


@postgresql_only
def test_on_postgresql_the_audit_log_lets_the_district_alone_change(history, other_district):
    row = AuditEvent.objects.filter(child__isnull=False).order_by("id").first()
    elsewhere = other_district.parent.parent_id
    assert AuditEvent.objects.filter(pk=row.pk).update(district_id=elsewhere) == 1
    assert AuditEvent.objects.filter(pk=row.pk).update(district_id=None) == 1
    for change in (
        lambda: AuditEvent.objects.filter(pk=row.pk).update(note="改过的"),
        # The district with another column: refused as a whole.
        lambda: AuditEvent.objects.filter(pk=row.pk).update(district_id=elsewhere, action="x"),
        lambda: AuditEvent.objects.filter(pk=row.pk).update(district_id=None),  # no change
        lambda: AuditEvent.objects.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert AuditEvent.objects.filter(pk=row.pk, chain_hash=row.chain_hash).exists()
    assert log_verify("audit").ok
