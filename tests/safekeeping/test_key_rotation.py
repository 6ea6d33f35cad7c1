"""`weibao keys rotate` re-encrypts every value of every encrypted field to the new first field
key, in batches, resumably and idempotently, without undoing a change made meanwhile, and
records its run; lookups by ID number and phone work before, during and after (the lookup-hash
key never changes). `weibao keys status` names the tables that still need an old key, including
an append-only log that no rotation may rewrite."""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from tests.council.helpers import a_meeting as council_meeting
from tests.council.helpers import a_member as council_member
from tests.helpers import REPORTER_NAME, REPORTER_PHONE, SECRET_PLACE
from tests.inspections.helpers import a_member as team_member
from tests.inspections.helpers import a_team
from tests.staff.helpers import add_member
from tests.stations.conftest import make_station
from tests.suggestions.conftest import a_suggestion
from tests.transfers.helpers import ask, full_file
from weibao.audit.chain import log_verify
from weibao.audit.models import AuditEvent
from weibao.audit.services import audit_record
from weibao.children.models import Child
from weibao.children.selectors import child_search, id_number_owner
from weibao.core import crypto
from weibao.ledger.services import service_record_void
from weibao.safekeeping import rotation

NEW_KEY = Fernet.generate_key().decode()
FILLER = "补充的敏感文字：家庭情况与伤害细节"
# Tables that hold encrypted fields today; discovery must find at least these.
KNOWN = {
    "children_child": {"id_number", "address", "health_notes", "family_situation", "notes"},
    "children_guardian": {"phone"},
    "reports_report": {"description", "reporter_name", "reporter_phone", "reporter_org"},
    "visits_visit": {"psychology", "findings", "next_steps"},
    "visits_concern": {"description", "handled_note"},
}


@pytest.fixture
def keys(settings):
    """Put keys in FIELD_ENCRYPTION_KEYS (core.crypto caches them: clear on the way in and out;
    the settings fixture restores the list after this fixture's teardown)."""

    def use(*keys: str) -> None:
        settings.FIELD_ENCRYPTION_KEYS = list(keys)
        crypto.reset_key_caches()

    crypto.reset_key_caches()
    yield use
    crypto.reset_key_caches()


@pytest.fixture
def world(
    child_a, child_b, child_c, director_a, supervisor, partner, make_report, areas, district_officer
):
    """One of everything encrypted, every encrypted column of every table non-empty in at least
    one row, all under the old key."""
    file = full_file(child_a, director_a, supervisor, partner)
    service_record_void(actor=director_a, record=file.service, reason="录错了儿童")
    ask(director_a, child_a, to_community=areas["community_b"])
    make_report(reporter_name=REPORTER_NAME, reporter_phone=REPORTER_PHONE, reporter_org="某小学")
    add_member(district_officer, areas["community_a"])  # the roster: a phone
    # The participation apps: a suggestion (text, given name), a council member (the guardian
    # who consented) and meeting (minutes), an inspection team member (the guardian).
    station = make_station(supervisor, areas["tianshan"])
    a_suggestion(station, supervisor, given_name="小明")
    council_member(supervisor, station, child_a)
    council_meeting(supervisor, station)
    team_member(supervisor, a_team(supervisor, areas["community_a"]), child_a)
    for table in rotation.encrypted_tables():
        model = next(m for m in apps.get_models() if m._meta.db_table == table.table)
        for f in model._meta.local_concrete_fields:
            if f.column in table.columns:
                # Through the field: encrypted under the key that is first now (the old one).
                try:
                    with transaction.atomic():
                        model._base_manager.filter(**{f.name: ""}).update(**{f.name: FILLER})
                except IntegrityError:
                    # A column a check keeps empty on most rows (a void reason without the
                    # voiding): the rows above that may hold it have a value already.
                    pass
    return child_a


def _raw_values() -> dict[tuple[str, str, object], str]:
    """Every stored non-empty value of every encrypted column, as stored."""
    found = {}
    for table in rotation.encrypted_tables():
        for rows in rotation._pages(table, batch=1000):
            for pk, *values in rows:
                for column, value in zip(table.columns, values, strict=True):
                    if value:
                        found[(table.table, column, pk)] = value
    return found


def _opens_with(token: str, key: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token)
    except InvalidToken:
        return False
    return True


def _old_keys(settings) -> list[str]:
    return list(settings.FIELD_ENCRYPTION_KEYS)


def _clear(values: dict, keys: list[str]) -> dict:
    every = MultiFernet([Fernet(k.encode()) for k in keys])
    return {where: every.decrypt(token).decode() for where, token in values.items()}


def test_discovery_finds_every_encrypted_field_of_every_installed_model():
    found = {t.table: set(t.columns) for t in rotation.encrypted_tables()}
    for table, columns in KNOWN.items():
        assert columns <= found[table], table
    assert "cases_case" in found and "cases_protectionrecord" in found
    # The append-only logs have no encrypted field: the values they seal (audit.sealing) sit
    # inside their text and JSON columns, which `keys status` searches instead.
    assert not any(t.append_only for t in rotation.encrypted_tables())


def test_rotation_re_encrypts_every_value_of_every_encrypted_field_to_the_new_key(
    world, keys, settings
):
    old = _old_keys(settings)
    before = _raw_values()
    covered = {(table, column) for table, column, _pk in before}
    expected = {(t.table, c) for t in rotation.encrypted_tables() for c in t.columns}
    assert covered == expected, "every encrypted column has a value to rotate"
    assert all(_opens_with(v, old[0]) for v in before.values())
    clear = _clear(before, old)

    keys(NEW_KEY, *old)
    done = rotation.keys_rotate(batch=2)

    after = _raw_values()
    assert after.keys() == before.keys()
    assert done.finished and done.rewritten == len(before) and done.unreadable == 0
    # Every value opens with the new key alone and still says what it said.
    assert all(_opens_with(v, NEW_KEY) for v in after.values())
    assert _clear(after, [NEW_KEY]) == clear
    # The application reads the files with the new key alone; lookups by hash still find them.
    keys(NEW_KEY)
    child = Child.objects.get(pk=world.pk)
    assert child.id_number == clear[("children_child", "id_number", world.pk)]
    assert child_search(Child.objects.all(), child.id_number).get() == child
    phone = child.guardians.get().phone
    assert child in child_search(Child.objects.all(), phone)


def test_an_interrupted_rotation_resumes_where_it_stopped_and_lookups_work_throughout(
    world, keys, settings, child_b, child_c, district_officer
):
    old = _old_keys(settings)
    before = _raw_values()
    keys(NEW_KEY, *old)

    class Interrupted(Exception):
        pass

    def stop_in_children(table, done, total):
        if table == "children_child":
            raise Interrupted

    with pytest.raises(Interrupted):
        rotation.keys_rotate(batch=1, progress=stop_in_children)

    middle = _raw_values()
    children = sorted({pk for table, _column, pk in middle if table == "children_child"})
    first, rest = children[0], children[1:]
    assert _opens_with(middle[("children_child", "id_number", first)], NEW_KEY)
    assert not any(_opens_with(middle[("children_child", "id_number", pk)], NEW_KEY) for pk in rest)
    # Mid-rotation: rows under either key are read and found by their ID number.
    for child in (world, child_b, child_c):
        fresh = Child.objects.get(pk=child.pk)
        assert child_search(Child.objects.all(), fresh.id_number).get() == fresh
        assert id_number_owner(district_officer, fresh.id_number).child == fresh
    interrupted = AuditEvent.objects.get(action="keys.rotate")
    assert interrupted.changes["finished"] is False

    again = rotation.keys_rotate(batch=1)
    after = _raw_values()
    assert again.finished
    assert all(_opens_with(v, NEW_KEY) for v in after.values())
    # Nothing done twice: the values done before the interruption were left as they were.
    unchanged = {w for w in before if middle[w] != before[w]}
    assert all(after[w] == middle[w] for w in unchanged)
    assert interrupted.changes["rewritten"] + again.rewritten == len(before)


def test_a_second_run_changes_nothing(world, keys, settings):
    keys(NEW_KEY, *_old_keys(settings))
    rotation.keys_rotate()
    once = _raw_values()
    second = rotation.keys_rotate()
    assert second.rewritten == 0 and second.finished
    assert sum(t.current for t in second.tables) == len(once)
    assert _raw_values() == once  # byte for byte: nothing re-encrypted again


def test_a_value_the_application_changes_during_a_batch_is_not_overwritten(
    world, keys, settings, monkeypatch
):
    keys(NEW_KEY, *_old_keys(settings))
    fetch = rotation._fetch

    def fetch_then_edit(table, **kwargs):
        rows = fetch(table, **kwargs)
        if table.table == "children_child" and rows:
            # Saved by the application (under the new first key) after the batch was read.
            Child.objects.filter(pk=world.pk).update(notes="刚刚更新的备注")
        return rows

    monkeypatch.setattr(rotation, "_fetch", fetch_then_edit)
    done = rotation.keys_rotate(batch=500)
    children = next(t for t in done.tables if t.table == "children_child")
    assert children.changed_meanwhile == 1
    assert Child.objects.get(pk=world.pk).notes == "刚刚更新的备注"
    monkeypatch.setattr(rotation, "_fetch", fetch)
    # The row's other values follow on the next run.
    assert rotation.keys_rotate().rewritten > 0
    assert all(_opens_with(v, NEW_KEY) for v in _raw_values().values())


def test_the_run_is_audited_once_by_no_user_with_its_counts(world, keys, settings):
    keys(NEW_KEY, *_old_keys(settings))
    done = rotation.keys_rotate()
    row = AuditEvent.objects.get(action="keys.rotate")
    assert row.actor is None and row.object_type == "job"
    assert row.changes["key"] == crypto.key_fingerprint(NEW_KEY)
    assert row.changes["rewritten"] == done.rewritten > 0
    assert row.changes["tables"]["children_child"]["rewritten"] >= 3 * 5
    assert log_verify("audit").ok


def test_status_names_an_append_only_log_that_still_needs_the_old_key(
    world, keys, settings, district_officer
):
    old = _old_keys(settings)
    # A value encrypted under the old key inside an audit row's recorded values.
    audit_record(
        actor=district_officer,
        action="child.update",
        obj=world,
        child=world,
        changes={"placement": {"old": None, "new": crypto.encrypt(SECRET_PLACE)}},
    )
    keys(NEW_KEY, *old)
    rotation.keys_rotate()

    status = rotation.keys_status()
    needing = status.needing_old_keys()
    assert [(t.table, t.append_only, t.rewritable) for t in needing] == [
        ("audit_auditevent", True, False)
    ]
    assert needing[0].old_keys_needed() == [2]
    assert all(t.per_key[1] == 0 and t.values for t in status.encrypted)
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert "audit_auditevent still needs key 2 (append-only log" in out.getvalue()
    assert log_verify("audit").ok  # rotation never touched the log


def test_the_command_prints_progress_per_table_and_what_it_did(world, keys, settings):
    old = _old_keys(settings)
    keys(NEW_KEY, *old)
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert "children_child still needs key 2 (run `weibao keys rotate`)" in out.getvalue()

    out = io.StringIO()
    call_command("keys", "rotate", "--batch", "1", stdout=out)
    text = out.getvalue()
    assert f"key 1 {crypto.key_fingerprint(NEW_KEY)} (encrypts)" in text
    assert "key 2 " + crypto.key_fingerprint(old[0]) + " (decrypts only)" in text
    assert "  children_child: 1/3 rows\n" in text and "  children_child: 3/3 rows\n" in text
    assert "children_child: 3 rows, " in text and "re-encrypted, 0 already under key 1" in text
    assert "Done: " in text

    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "Done: 0 values re-encrypted" in out.getvalue()
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    # Every encrypted field is under the new key; only the audit log's sealed values (written
    # with the file, append-only) keep needing the old one.
    needs = [line for line in out.getvalue().splitlines() if "still needs" in line]
    assert needs == [
        "audit_auditevent still needs key 2 (append-only log: its values are never rewritten, "
        "keep the key)."
    ]


def test_a_value_under_no_configured_key_is_left_and_reported(world, keys, settings):
    lost = Fernet(Fernet.generate_key()).encrypt(b"written under a key that was removed").decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE children_child SET notes = %s WHERE id = %s", [lost, world.pk])
    keys(NEW_KEY, *_old_keys(settings))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 values are under none of the configured keys"):
        call_command("keys", "rotate", stdout=out)
    assert ", 1 under no key" in out.getvalue()
    assert _raw_values()[("children_child", "notes", world.pk)] == lost


def test_status_counts_the_values_the_audit_log_sealed_even_a_short_note(
    keys, settings, case_a, director_a
):
    old = _old_keys(settings)

    def under_the_old_key() -> int:
        keys(NEW_KEY, *old)
        status = rotation.keys_status()
        keys(*old)
        logs = [t for t in status.elsewhere if t.table == "audit_auditevent"]
        return logs[0].per_key[1] if logs else 0

    before = under_the_old_key()
    assert before > 0  # the case's own rows: its opening summary is sealed
    audit_record(
        actor=director_a, action="case.note", obj=case_a, child=case_a.child, case=case_a, note="可"
    )
    assert under_the_old_key() == before + 1
