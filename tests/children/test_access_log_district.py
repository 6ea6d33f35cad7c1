"""Every access-log row lies in its child's district (docs/scale.md), as the child's guardians
do (test_guardian_district.py): audit.services.access_log_record writes the district with the
row, the children services that move a file move it (audit.services.access_log_move), and the
reads of a child's log name it. The log is a hash chain: the district is left out of the hash
and is the one column the database lets change, so a move breaks neither the chain nor the
append-only rule."""

import importlib

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import web_client
from tests.helpers import assert_each_names_the_district, statements_on
from weibao.accounts.models import User
from weibao.areas.models import Area
from weibao.audit.chain import hashed_fields, log_verify
from weibao.audit.models import AccessLog
from weibao.audit.selectors import access_log_of_child
from weibao.audit.services import access_log_record
from weibao.children.models import Child
from weibao.children.services import child_reveal, child_update
from weibao.transfers.services import move_child_and_records

TABLE = "audit_accesslog"
ACCESS = "/children/{}/access/"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's"
)


def _misplaced() -> list[tuple[int, int, int]]:
    """(row, its district, its child's district) of every row that disagrees."""
    district_of = dict(Child.objects.values_list("pk", "district_id"))
    return [
        (pk, district, district_of[child])
        for pk, child, district in AccessLog.objects.values_list("pk", "child", "district")
        if district != district_of[child]
    ]


@pytest.fixture
def read_file(child_a, director_a):
    """Child A's file read on its page and one value revealed: two rows of the log."""
    assert web_client(director_a).get(f"/children/{child_a.pk}/").status_code == 200
    child_reveal(actor=director_a, child=child_a, field="address", reason="核对住址", channel="web")
    assert AccessLog.objects.filter(child=child_a).count() == 2
    return Child.objects.get(pk=child_a.pk)


def _stray_row(child: Child, user: User, other_district: Area) -> None:
    """A row of the child's log filed under another district: a read that names the child's
    district does not see it, one by the child alone would."""
    row = access_log_record(user=user, child=child, channel="api", field="misfiled")
    # Only the district may change (on PostgreSQL too): the chain still holds.
    AccessLog.objects.filter(pk=row.pk).update(district_id=other_district.parent.parent_id)


# --- written with the row ------------------------------------------------------------------


def test_each_read_and_reveal_is_logged_in_the_childs_district(read_file):
    assert set(AccessLog.objects.values_list("district_id", flat=True)) == {read_file.district_id}
    assert _misplaced() == []


def test_the_district_is_the_one_column_the_chain_leaves_out():
    names = hashed_fields(AccessLog)
    assert "district_id" not in names and "child_id" in names


# --- moved with the child ------------------------------------------------------------------


def test_a_change_of_district_moves_the_log_and_the_chain_still_holds(
    read_file, officer_of_both, other_district
):
    child_update(
        actor=officer_of_both,
        child=read_file,
        expected_version=read_file.version,
        data={"community": other_district},
    )
    moved = Child.objects.get(pk=read_file.pk)
    assert moved.district_id == other_district.parent.parent_id
    assert [e.kind for e in access_log_of_child(moved)] == ["reveal", "view"]
    assert _misplaced() == []
    assert log_verify("access").ok


def test_a_transfers_move_to_another_district_moves_the_log(
    read_file, district_officer, other_district
):
    move_child_and_records(
        actor=district_officer,
        child=read_file,
        community=other_district,
        note="",
        owner_if_outside=None,
    )
    assert Child.objects.get(pk=read_file.pk).district_id == other_district.parent.parent_id
    assert _misplaced() == []
    assert log_verify("access").ok


def test_a_move_within_the_district_leaves_the_log_alone(read_file, district_officer, areas):
    with CaptureQueriesContext(connection) as ctx:
        move_child_and_records(
            actor=district_officer,
            child=read_file,
            community=areas["community_c"],
            note="",
            owner_if_outside=None,
        )
    assert not [s for s in statements_on(ctx, TABLE) if s.startswith("UPDATE")]
    assert _misplaced() == []


# --- read with it --------------------------------------------------------------------------


def test_the_access_page_reads_the_log_with_the_district(
    read_file, director_a, supervisor, other_district
):
    _stray_row(read_file, director_a, other_district)
    with CaptureQueriesContext(connection) as ctx:
        response = web_client(supervisor).get(ACCESS.format(read_file.pk))
    assert response.status_code == 200
    assert [e.field for e in response.context["page"]] == ["address", ""]
    assert_each_names_the_district(ctx, TABLE)


def test_the_unusual_access_review_reads_the_log_with_the_district(read_file, district_officer):
    with CaptureQueriesContext(connection) as ctx:
        response = web_client(district_officer).get("/children/unusual-access/?days=7")
    assert response.status_code == 200
    assert_each_names_the_district(ctx, TABLE)


# --- the migration and the database --------------------------------------------------------


def test_the_migration_fills_each_row_with_its_childs_district(read_file, other_district):
    AccessLog.objects.update(district_id=other_district.parent.parent_id)  # as if not yet set
    migration = importlib.import_module("weibao.audit.migrations.0008_accesslog_district")
    with CaptureQueriesContext(connection) as ctx:
        migration.fill_district(apps, None)
    assert [q["sql"].split(" ", 1)[0] for q in ctx.captured_queries] == ["UPDATE"]
    assert _misplaced() == []
    assert log_verify("access").ok


@postgresql_only
def test_on_postgresql_the_access_log_still_refuses_any_other_change(read_file, other_district):
    row = AccessLog.objects.order_by("id").first()
    elsewhere = other_district.parent.parent_id
    for change in (
        lambda: AccessLog.objects.filter(pk=row.pk).update(reason="改过的"),
        # The district with another column: refused as a whole.
        lambda: AccessLog.objects.filter(pk=row.pk).update(district_id=elsewhere, field="x"),
        lambda: AccessLog.objects.filter(pk=row.pk).update(district_id=row.district_id),
        lambda: AccessLog.objects.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert AccessLog.objects.filter(pk=row.pk, chain_hash=row.chain_hash).exists()
