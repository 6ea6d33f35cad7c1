"""Each log is one hash chain per district and one for the site (docs/scale.md, "What changes in
the code", point 3): a row joins the chain of the district it is written in and stays a link of
it when its child moves; the writers of two districts lock two heads, never one; the rows
written before the split, and the code of before during an upgrade, keep to the site's chain."""

import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from tests.audit.helpers import tampering
from tests.conftest import _user
from tests.helpers import today
from weibao.accounts.models import Role
from weibao.areas.models import Area
from weibao.audit import chain
from weibao.audit.models import SITE_CHAIN, AccessLog, AuditEvent, ChainHead
from weibao.audit.services import access_log_record, audit_job, audit_record
from weibao.children.models import Child
from weibao.children.services import child_update
from weibao.notifications.models import Notification
from weibao.safekeeping import backup
from weibao.safekeeping.chaincheck import audit_chain_check, checkpoint
from weibao.visits.jobs import run_daily

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and triggers are PostgreSQL's"
)


def _chains(model=AuditEvent) -> dict[int, list[int]]:
    """Each chain's numbers, in the order the rows were written."""
    found: dict[int, list[int]] = {}
    for key, seq in model.objects.order_by("id").values_list("chain", "seq"):
        found.setdefault(key, []).append(seq)
    return found


def test_each_district_has_a_chain_of_its_own_numbered_from_one(child_a, other_district):
    elsewhere = other_district.parent.parent
    audit_record(actor=None, action="area.note", obj=other_district)
    audit_record(actor=None, action="area.note", obj=other_district)
    chains = _chains()
    assert chains[elsewhere.pk] == [1, 2]
    assert chains[child_a.district_id] == list(range(1, len(chains[child_a.district_id]) + 1))
    assert set(chains) == {child_a.district_id, elsewhere.pk}
    heads = dict(ChainHead.objects.values_list("log", "seq"))
    assert heads[f"audit@{elsewhere.pk}"] == 2
    assert chain.log_verify("audit").ok


def test_rows_about_no_district_join_the_sites_chain(child_a):
    audit_job(action="job.test", run="2026-01-01", changes={})
    row = AuditEvent.objects.get(action="job.test")
    assert (row.chain, row.seq, row.district_id) == (SITE_CHAIN, 1, None)
    assert ChainHead.objects.get(log="audit").seq == 1  # the site's head keeps the log's name


def test_a_row_stays_in_its_chain_when_its_child_moves_to_another_district(
    child_b, district_officer, officer_of_both, other_district
):
    first = child_b.district_id
    access_log_record(user=district_officer, child=child_b, channel=AccessLog.Channel.WEB)
    before = set(AuditEvent.objects.filter(child=child_b).values_list("pk", flat=True))
    child_update(
        actor=officer_of_both,
        child=child_b,
        expected_version=child_b.version,
        data={"community": other_district},
    )
    second = other_district.parent.parent_id
    rows = AuditEvent.objects.filter(child=child_b)
    # Filed under the new district (the reads name it), still links of the first chain.
    assert set(rows.filter(pk__in=before).values_list("district_id", "chain")) == {(second, first)}
    assert AccessLog.objects.get(child=child_b).chain == first
    assert rows.exclude(pk__in=before).get().chain == second  # the move: written in the new one
    moved = Child.objects.get(pk=child_b.pk)
    access_log_record(user=officer_of_both, child=moved, channel=AccessLog.Channel.WEB)
    assert _chains(AccessLog)[second] == [1]
    assert chain.log_verify("audit").ok and chain.log_verify("access").ok


def test_a_row_moved_into_another_chain_leaves_a_gap_in_its_own(child_a, other_district):
    elsewhere = other_district.parent.parent_id
    audit_record(actor=None, action="area.note", obj=other_district)
    audit_record(actor=None, action="child.note", obj=child_a, child=child_a)
    target = AuditEvent.objects.filter(chain=child_a.district_id).order_by("seq")[0]
    with tampering():
        AuditEvent.objects.filter(pk=target.pk).update(chain=elsewhere, seq=2)
    [broken] = chain.log_verify("audit").broken
    assert (broken.chain, broken.seq, broken.problem) == (child_a.district_id, 1, "missing")


def test_a_row_copied_into_an_empty_chain_with_its_number_does_not_verify_there(
    child_a, other_district
):
    """The chain is hashed with the row (as its content's label): a row written as seq 1 of
    one chain is no first link of another."""
    elsewhere = other_district.parent.parent_id
    first = AuditEvent.objects.get(chain=child_a.district_id, seq=1)
    with tampering():
        AuditEvent.objects.filter(pk=first.pk).update(chain=elsewhere)
    [*_, copied] = chain.log_verify("audit").broken
    assert (copied.chain, copied.seq, copied.problem) == (elsewhere, 1, "altered")
    assert chain.label("audit", elsewhere) != chain.label("audit", SITE_CHAIN) == "audit"


def test_a_batch_across_chains_numbers_each_and_answers_in_the_order_given(
    child_a, other_district, district_officer
):
    elsewhere = other_district.parent.parent_id
    start = ChainHead.objects.get(log=chain.label("audit", child_a.district_id)).seq

    def row(district):
        return {"actor": district_officer, "action": "x", "object_type": "t", "object_id": "1",
                "changes": {}, "note": "", "district_id": district}  # fmt: skip

    written = chain.chain_append_many(
        AuditEvent, [row(child_a.district_id), row(elsewhere), row(child_a.district_id), row(None)]
    )
    assert [w.seq for w in written] == [start + 1, 1, start + 2, 1]
    stored = dict(AuditEvent.objects.filter(action="x").values_list("chain_hash", "chain"))
    assert [stored[w.chain_hash] for w in written] == [
        child_a.district_id, elsewhere, child_a.district_id, SITE_CHAIN
    ]  # fmt: skip
    assert chain.log_verify("audit").ok


def test_the_code_of_before_finds_only_the_sites_heads_by_the_logs_names(child_a):
    audit_job(action="job.test", run="2026-01-01", changes={})
    access_log_record(user=child_a.created_by, child=child_a, channel=AccessLog.Channel.WEB)
    labels = set(ChainHead.objects.values_list("log", flat=True))
    assert {"audit", f"audit@{child_a.district_id}", f"access@{child_a.district_id}"} <= labels
    # What it asked for: the heads by the log's name.
    found = ChainHead.objects.filter(log__in=["audit", "access"])
    assert {h.chain for h in found} == {SITE_CHAIN} and found.filter(log="audit").exists()


def test_a_row_written_without_its_chain_gets_the_sites(child_a):
    """The code of before writes no chain: the database's default puts its rows in the site's
    chain, the one whose head it found."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (at, action, object_type, object_id, changes, note, "
            "seq, chain_hash) VALUES (%s, 'x', 'job', '1', '{}', '', 999, '')",
            [child_a.created_at],
        )
    assert AuditEvent.objects.get(seq=999).chain == SITE_CHAIN


def test_the_command_walks_every_chain(child_a, other_district, capsys):
    audit_record(actor=None, action="area.note", obj=other_district)
    audit_job(action="job.test", run="2026-01-01", changes={})
    call_command("audit", "verify", "--log", "audit")
    count = AuditEvent.objects.count()
    chains = len(chain.chain_keys("audit"))
    assert (
        f"audit log: {count} rows in {chains} chains, every chain intact."
        in capsys.readouterr().out
    )
    assert chains == 3  # the site's and two districts'


def test_a_break_is_told_to_the_staff_of_the_chains_district_only(
    child_a, district_officer, other_district
):
    elsewhere = _user("officer_elsewhere", Role.DISTRICT_STAFF, other_district.parent.parent)
    run_daily(today())
    audit_record(actor=None, action="child.note", obj=child_a, child=child_a, note="原文")
    with tampering():
        AuditEvent.objects.filter(action="child.note").update(note="改过的")
    assert run_daily(today()).checks["audit_chain_breaks"] == 1
    told = Notification.objects.filter(kind=Notification.Kind.AUDIT_CHAIN_BROKEN)
    assert list(told.values_list("recipient", flat=True)) == [district_officer.pk]
    assert elsewhere.pk not in told.values_list("recipient", flat=True)


def test_the_daily_check_keeps_a_checkpoint_per_chain(child_a, other_district):
    elsewhere = other_district.parent.parent_id
    run_daily(today())
    audit_record(actor=None, action="area.note", obj=other_district)
    assert run_daily(today()).checks["audit_chain_breaks"] == 0
    # Each chain's checkpoint is a row of that chain, at or past what was written before.
    for district, written in ((elsewhere, "area.note"), (child_a.district_id, "child.create")):
        seq, row_id, row_hash = checkpoint("audit", district)
        row = AuditEvent.objects.get(chain=district, seq=seq)
        assert (row.pk, row.chain_hash) == (row_id, row_hash)
        assert seq >= AuditEvent.objects.get(chain=district, action=written).seq


def _quiet_check_queries() -> int:
    audit_chain_check(None)  # every chain's checkpoint where its head is
    with CaptureQueriesContext(connection) as ctx:
        assert audit_chain_check(None) == {"audit_chain_breaks": 0}
    return len(ctx.captured_queries)


def test_quiet_chains_cost_the_daily_check_no_query_each(child_a, district_officer):
    def districts(first, n):
        for i in range(first, first + n):
            district = Area.objects.create(name=f"测试区{i}", code=f"31019{i}", level="district")
            audit_record(actor=None, action="area.note", obj=district)
            access_log_record(user=district_officer, child=child_a, channel="web")

    districts(0, 2)
    few = _quiet_check_queries()
    districts(2, 6)
    assert _quiet_check_queries() == few
    # Their checkpoints are still checked: a quiet chain's last row changed is seen.
    with tampering():
        AuditEvent.objects.filter(action="area.note").update(note="改过的")
    assert audit_chain_check(None)["audit_chain_breaks"] == 8


# --- PostgreSQL: locks and triggers ------------------------------------------------------------


def _hold_a_write(child, district_officer, written: threading.Event, done: threading.Event):
    try:
        with transaction.atomic():
            audit_record(actor=district_officer, action="child.note", obj=child, child=child)
            written.set()
            done.wait(10)
    finally:
        connections.close_all()


def _write_with_lock_timeout(**kwargs) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1s'")
        audit_record(actor=None, action="x.note", **kwargs)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_writers_of_two_districts_do_not_wait_for_each_other(
    child_a, district_officer, other_district
):
    audit_record(actor=None, action="area.note", obj=other_district)  # both heads exist
    written, done = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_a_write, args=(child_a, district_officer, written, done))
    holder.start()
    try:
        assert written.wait(10)
        _write_with_lock_timeout(obj=other_district)  # another district: not held up
        with pytest.raises(OperationalError, match="lock timeout"):
            _write_with_lock_timeout(obj=child_a, child=child_a)  # the same district: waits
    finally:
        done.set()
        holder.join()
    assert chain.log_verify("audit").ok


@postgresql_only
def test_on_postgresql_a_head_stays_on_its_chain(child_a, other_district):
    head = ChainHead.objects.get(log=chain.label("audit", child_a.district_id))
    with pytest.raises(DatabaseError, match="forward"), transaction.atomic():
        ChainHead.objects.filter(pk=head.pk).update(chain=other_district.parent.parent_id)
    # Forward onto the next number, with the hash of the row of that number in another chain.
    for _ in range(head.seq + 1):
        audit_record(actor=None, action="area.note", obj=other_district)
    other = AuditEvent.objects.get(chain=other_district.parent.parent_id, seq=head.seq + 1)
    with pytest.raises(DatabaseError, match="forward"), transaction.atomic():
        ChainHead.objects.filter(pk=head.pk).update(seq=other.seq, hash=other.chain_hash)


# --- going back -----------------------------------------------------------------------------


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_going_back_links_every_row_into_one_chain_again_unless_a_chain_is_broken(
    child_a, other_district
):
    audit_record(actor=None, action="area.note", obj=other_district, note="原文")
    audit_job(action="job.test", run="2026-01-01", changes={})
    access_log_record(user=child_a.created_by, child=child_a, channel=AccessLog.Channel.WEB)
    assert len(_chains()) == 3
    with tampering():
        AuditEvent.objects.filter(action="area.note").update(note="改过的")
    with pytest.raises(RuntimeError, match=f"audit@{other_district.parent.parent_id} at seq 1"):
        _migrate([("audit", "0010_auditevent_own_district")])
    with tampering():
        AuditEvent.objects.filter(action="area.note").update(note="原文")
    _migrate([("audit", "0010_auditevent_own_district")])
    _migrate(None)
    for model in (AuditEvent, AccessLog):
        count = model.objects.count()
        assert _chains(model) == {SITE_CHAIN: list(range(1, count + 1))}
    assert chain.log_verify("audit").ok and chain.log_verify("access").ok
    assert set(ChainHead.objects.values_list("log", flat=True)) == {"audit", "access"}


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_of_before_the_split_is_verified_as_one_chain_per_log(
    child_a, other_district
):
    """A restore verifies before `weibao migrate` runs: a backup made before audit.0011 holds
    one chain per log, without the `chain` column, and is walked as such."""
    audit_record(actor=None, action="area.note", obj=other_district, note="原文")
    access_log_record(user=child_a.created_by, child=child_a, channel=AccessLog.Channel.WEB)
    _migrate([("audit", "0010_auditevent_own_district")])
    try:
        with connection.cursor() as cursor:
            manifest = {"tables": backup.current_counts(), "audit_heads": backup._heads(cursor)}
        done = backup.Restore()
        assert backup._verify(manifest, done) == []
        assert done.chains == {"audit": AuditEvent.objects.count(), "access": 1}
        with tampering(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET note = 'x' WHERE action = 'area.note'")
        [problem] = backup._verify(manifest, backup.Restore())
        assert "audit log, the site's chain, broken" in problem
    finally:
        _migrate(None)
