"""The audit log and the access log are hash chains (one per district and the site's:
tests/audit/test_chain_per_district.py): a changed, deleted or moved row is named by `weibao
audit verify`; on PostgreSQL the database refuses to change or delete a log row."""

import importlib
import pathlib
import re
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader

from tests.audit.helpers import tampering
from weibao.audit import chain, hashing
from weibao.audit.models import AccessLog, AuditEvent, ChainHead
from weibao.audit.services import access_log_record, audit_job, audit_record
from weibao.core import crypto

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def events(child_a, district_officer):
    """Six audit rows after the ones the fixtures wrote, and three access rows."""
    for n in range(6):
        audit_record(
            actor=district_officer,
            action="child.update",
            obj=child_a,
            child=child_a,
            changes={"school": {"old": f"小学{n}", "new": f"小学{n + 1}"}, "n": n},
            note=f"第{n}次",
        )
    for _ in range(3):
        access_log_record(user=district_officer, child=child_a, channel=AccessLog.Channel.WEB)
    return list(AuditEvent.objects.order_by("id"))


def _verify(log="audit"):
    return chain.log_verify(log)


def _broken(log="audit"):
    [broken] = _verify(log).broken
    return broken


def _head(log, child):
    return ChainHead.objects.get(log=chain.label(log, child.district_id))


def test_rows_written_through_the_services_form_an_unbroken_chain_per_log(events):
    audit, access = _verify("audit"), _verify("access")
    assert audit.ok and access.ok
    assert audit.checked == AuditEvent.objects.count() and access.checked == 3
    assert list(AuditEvent.objects.order_by("id").values_list("seq", flat=True)) == list(
        range(1, audit.checked + 1)
    )
    head = _head("audit", events[-1].child)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].chain_hash)


def test_a_changed_row_is_named(events):
    target = events[3]
    with tampering():
        AuditEvent.objects.filter(pk=target.pk).update(note="改过的")
    broken = _broken()
    assert (broken.row_id, broken.seq, broken.problem) == (target.pk, target.seq, "altered")


def test_a_changed_json_value_is_named(events):
    target = events[2]
    with tampering():
        AuditEvent.objects.filter(pk=target.pk).update(changes={"school": {"old": "", "new": ""}})
    assert _broken().row_id == target.pk


def test_a_changed_access_row_is_named(events):
    target = AccessLog.objects.order_by("id")[1]
    with tampering():
        AccessLog.objects.filter(pk=target.pk).update(reason="查看")
    broken = _broken("access")
    assert (broken.log, broken.row_id, broken.problem) == ("access", target.pk, "altered")


def test_a_deleted_row_is_named_by_the_row_after_the_gap(events):
    gone, after = events[2], events[3]
    with tampering():
        AuditEvent.objects.filter(pk=gone.pk).delete()
    broken = _broken()
    assert (broken.row_id, broken.seq, broken.problem) == (after.pk, gone.seq, "missing")


def test_deleting_the_last_rows_is_seen_from_the_chain_head(events):
    with tampering():
        AuditEvent.objects.filter(pk__in=[e.pk for e in events[-2:]]).delete()
    broken = _broken()
    assert (broken.seq, broken.problem) == (events[-2].seq, "tail")


def test_rows_swapped_in_the_chain_are_named(events):
    first, second = events[2], events[3]
    with tampering():
        AuditEvent.objects.filter(pk=first.pk).update(seq=10**9)
        AuditEvent.objects.filter(pk=second.pk).update(seq=first.seq)
        AuditEvent.objects.filter(pk=first.pk).update(seq=second.seq)
    broken = _broken()
    assert (broken.row_id, broken.seq) == (second.pk, first.seq)


def test_rows_swapped_by_id_are_named(events):
    first, second = events[2], events[3]
    with tampering():
        AuditEvent.objects.filter(pk=first.pk).update(id=10**9)
        AuditEvent.objects.filter(pk=second.pk).update(id=first.pk)
        AuditEvent.objects.filter(pk=10**9).update(id=second.pk)
    broken = _broken()
    assert (broken.seq, broken.problem) == (second.seq, "reordered")


def test_swapping_two_rows_times_is_named(events):
    first, second = events[2], events[3]
    with tampering():
        AuditEvent.objects.filter(pk=first.pk).update(at=second.at)
        AuditEvent.objects.filter(pk=second.pk).update(at=first.at)
    assert _broken().row_id == first.pk


def test_a_hash_recomputed_without_the_key_does_not_pass(events, settings):
    """A database writer who rewrites a row and recomputes its link with any key but the
    installation's (here: another audit key) is still caught."""
    target = events[4]
    settings.AUDIT_CHAIN_KEY = "what-the-attacker-guessed"
    crypto.reset_key_caches()
    names = chain.hashed_fields(AuditEvent)
    values = {n: getattr(target, n) for n in names} | {"note": "改过的"}
    forged = hashing.link_hash(
        events[3].chain_hash, chain.label("audit", target.chain), values, names
    )
    settings.AUDIT_CHAIN_KEY = ""
    crypto.reset_key_caches()
    with tampering():
        AuditEvent.objects.filter(pk=target.pk).update(note="改过的", chain_hash=forged)
    assert _broken().row_id == target.pk


def test_the_chain_key_is_derived_for_its_purpose_and_not_stored(events, settings):
    key = hashing.chain_key()
    assert key not in {settings.LOOKUP_HASH_KEY.encode(), crypto.derived_key(crypto.BACKUP_PURPOSE)}
    stored = " ".join(ChainHead.objects.values_list("hash", flat=True))
    assert key.hex() not in stored


def test_the_command_names_the_first_broken_row(events, capsys):
    call_command("audit", "verify")
    assert "chain intact" in capsys.readouterr().out
    with tampering():
        AuditEvent.objects.filter(pk=events[1].pk).update(action="child.create")
        AuditEvent.objects.filter(pk=events[4].pk).update(action="child.create")
    with pytest.raises(CommandError, match=rf"row id {events[1].pk} \(seq {events[1].seq}"):
        call_command("audit", "verify")


def test_a_job_row_is_chained_like_any_other(events):
    audit_job(action="job.daily", run="2026-01-01", changes={"dues_created": 3})
    assert _verify().ok


def test_values_the_database_gives_back_differently_still_verify(child_a, district_officer):
    """Tuples come back as lists and number keys as strings: the hash is of what is stored."""
    audit_record(actor=district_officer, action="x", obj=child_a, changes={1: ("a", "b"), "n": 1.5})
    assert _verify().ok


def test_every_column_of_a_log_row_is_covered_by_its_hash():
    """A column added to a log table is hashed too (all columns but id, chain_hash and the
    district, which moves with the child: audit.chain.NOT_HASHED). Rows written before it
    verify only if it is nullable or blank by default (empty values are left out of the
    content): change this list once you have checked that."""
    assert chain.hashed_fields(AuditEvent) == [
        "at", "actor_id", "action", "object_type", "object_id", "child_id", "case_id",
        "changes", "note", "seq",
    ]  # fmt: skip
    assert chain.hashed_fields(AccessLog) == [
        "at", "user_id", "child_id", "channel", "kind", "field", "reason", "seq",
    ]  # fmt: skip


def test_log_rows_are_written_only_through_the_chain():
    writes = re.compile(r"\b(AuditEvent|AccessLog)\.objects\.(create|bulk_create|get_or_create)\b")
    found = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "weibao").rglob("*.py")
        if "migrations" not in path.parts and writes.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_existing_rows_are_chained_in_id_order_by_the_migration(events):
    with tampering():  # every row as it was before 0004, in one chain (before 0011)
        for n, event in enumerate(AuditEvent.objects.order_by("id")):
            AuditEvent.objects.filter(pk=event.pk).update(seq=1000 + n, chain_hash="", chain=0)
        AccessLog.objects.update(chain=0)
        ChainHead.objects.all().delete()
    migration = importlib.import_module("weibao.audit.migrations.0004_chain_existing_rows")
    # The models as the migration sees them: the columns added since (the access log's
    # district, which the chain leaves out) are not theirs.
    state = MigrationLoader(connection).project_state(("audit", "0004_chain_existing_rows"))
    with tampering():
        migration.chain_rows(state.apps, None)
    assert _verify().ok and _verify("access").ok
    assert list(AuditEvent.objects.order_by("id").values_list("seq", flat=True))[:3] == [1, 2, 3]


def test_a_missing_chain_head_continues_from_the_chains_last_row(events, child_a):
    with tampering():
        ChainHead.objects.filter(log="audit").delete()
    audit_record(actor=None, action="child.note", obj=child_a, child=child_a)
    assert AuditEvent.objects.order_by("-id").first().seq == events[-1].seq + 1
    assert _verify().ok


# --- PostgreSQL: the database refuses -----------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's"
)


@postgresql_only
@pytest.mark.parametrize("model", [AuditEvent, AccessLog])
def test_on_postgresql_the_database_refuses_to_change_or_delete_a_log_row(events, model):
    row = model.objects.order_by("id").first()
    for change in (
        lambda: model.objects.filter(pk=row.pk).update(seq=row.seq),
        lambda: model.objects.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert model.objects.filter(pk=row.pk, chain_hash=row.chain_hash).exists()


@postgresql_only
def test_on_postgresql_a_chain_head_cannot_be_moved_back_or_deleted(events):
    head = _head("audit", events[-1].child)
    for change in (
        lambda: ChainHead.objects.filter(pk=head.pk).update(seq=head.seq - 1),
        lambda: ChainHead.objects.filter(pk=head.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="forward"), transaction.atomic():
            change()


@postgresql_only
def test_on_postgresql_a_chain_head_moves_forward_only_onto_a_row_written_with_its_hash(
    events, child_a, district_officer
):
    head = _head("audit", child_a)
    # Past the last row written: refused, whatever hash it claims.
    for seq, digest in ((head.seq + 1, head.hash), (head.seq + 4, "0" * 64)):
        with pytest.raises(DatabaseError, match="forward"), transaction.atomic():
            ChainHead.objects.filter(pk=head.pk).update(seq=seq, hash=digest)
    # Several rows at once (a batch): the head lands on the last, as the chain verifies.
    rows = chain.chain_append_many(
        AuditEvent,
        [
            {"actor": district_officer, "action": "x", "object_type": "children.child",
             "object_id": str(child_a.pk), "child": child_a, "changes": {}, "note": "",
             "district_id": child_a.district_id}
            for _ in range(3)
        ],
    )  # fmt: skip
    head.refresh_from_db()
    assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].chain_hash)
    assert _verify().ok


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_concurrent_writers_never_fork_the_chain(child_a, district_officer):
    start = threading.Barrier(8)
    errors = []

    def write():
        try:
            start.wait()
            for _ in range(10):
                with transaction.atomic():
                    audit_record(actor=district_officer, action="x", obj=child_a, child=child_a)
                    access_log_record(user=district_officer, child=child_a, channel="web")
        except Exception as exc:  # pragma: no cover (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _verify().ok and _verify("access").ok
    assert _verify("access").checked == 80
