"""Benchmark: a child's whole audit history following the child to another district
(audit.services.audit_events_move, docs/scale.md "Needing a district column first"), and the
migration that fills the column (audit.0009).

Builds a throw-away audit log: `--background` rows of other files' histories (spread over 200
stand-in children, so the (child, -at) index holds many children's rows around the one moved)
and, for each of `--history`, one real child (children.services.child_create) whose history
holds that many rows (its file's, no case). Rows are written with one INSERT … SELECT
generate_series, outside the hash chain (their hashes are not checked: only the UPDATE is
timed, and the chain leaves the district out). Then, for each child, the move of its history to
a second district and back, `--runs` times each way (medians of both directions), each in its
own transaction, on PostgreSQL through the audit log's append-only trigger (audit.0009, which
compares each row less its district); and once the fill of the whole table as audit.0009 runs
it (the trigger switched off), after setting every row's district to a value none has.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/audit_move.py \
        --background 2000000 --history 1000 10000

The database is emptied first (flush); the data is left in it.
"""

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from visits import Load, _setup_django

STAND_INS = 200


def _build(background: int, histories: list[int]):
    from django.core.management import call_command
    from django.db import connection

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.children import idnumber
    from weibao.children.services import GuardianInput, child_create

    call_command("flush", interactive=False, verbosity=0)
    places = []
    for name, code in (("长宁区", "310105"), ("徐汇区", "310104")):
        district = Area.objects.create(name=name, code=code, level="district")
        subdistrict = Area.objects.create(name=f"{name}街道", level="subdistrict", parent=district)
        places.append(
            Area.objects.create(name=f"{name}居民区", level="community", parent=subdistrict)
        )
    actor = User.objects.create_user(username="bench_officer", password=None)
    for place in places:
        RoleAssignment.objects.create(
            user=actor, role=Role.DISTRICT_STAFF, area=place.parent.parent
        )
    actor = User.objects.get(pk=actor.pk)
    birth = dt.date(2012, 3, 1)
    children = []
    for i in range(STAND_INS + len(histories)):
        data = {
            "name": "测试儿童", "sex": "M", "ethnicity": "01", "birth_date": birth,
            "id_number": idnumber.make("310105", birth, i + 1, "M"), "hukou_type": "local",
            "hukou_place": "上海市长宁区", "address": "测试路1号", "community": places[0],
            "school": "测试小学", "grade": "p4", "boarding": False, "health": "healthy",
            "family_situation": "", "income_source": "wages", "notes": "",
        }  # fmt: skip
        guardians = [GuardianInput(name="测试家长", relation="mother", phone="13800000001")]
        children.append(
            child_create(actor=actor, data=data, categories=["left_behind"], guardians=guardians)
        )
    stand_ins, moved = children[:STAND_INS], children[STAND_INS:]
    district = places[0].parent.parent_id
    with connection.cursor() as cursor:
        # Written in the district's chain, after its last row (audit.chain: one per district).
        cursor.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM audit_auditevent WHERE chain = %s", [district]
        )
        seq = cursor.fetchone()[0]
        first, last = stand_ins[0].pk, stand_ins[-1].pk
        # Background: the stand-ins' histories, interleaved in time, as many rows as asked.
        cursor.execute(
            "INSERT INTO audit_auditevent (at, action, object_type, object_id, changes, note, "
            "seq, chain_hash, child_id, district_id, chain) "
            "SELECT now() - make_interval(secs => %s - g), 'visit.record', 'visits.visit', "
            "g::text, '{}', '', %s + g, 'bench', %s + g %% (%s - %s + 1), %s, %s "
            "FROM generate_series(1, %s) g",
            [background, seq, first, last, first, district, district, background],
        )
        seq += background
        for child, rows in zip(moved, histories, strict=True):
            cursor.execute(
                "INSERT INTO audit_auditevent (at, action, object_type, object_id, changes, "
                "note, seq, chain_hash, child_id, district_id, chain) "
                "SELECT now() - make_interval(secs => %s - g), 'visit.record', 'visits.visit', "
                'g::text, \'{"result": {"old": null, "new": "seen"}}\', \'\', %s + g, '
                "'bench', %s, %s, %s FROM generate_series(1, %s) g",
                [rows, seq, child.pk, district, district, rows],
            )
            seq += rows
        cursor.execute("ANALYZE audit_auditevent")
    return places, moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--background", type=int, default=2_000_000)
    parser.add_argument("--history", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--settle", type=float, default=Load.timeout, help="seconds to wait for a quiet machine"
    )
    args = parser.parse_args()
    Load.timeout = args.settle
    _setup_django()
    import importlib

    from django.apps import apps
    from django.db import connection, transaction

    from weibao.audit.models import AuditEvent
    from weibao.audit.services import audit_events_move

    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only (the append-only trigger): set DATABASE_URL")
    print(f"database: {connection.vendor}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    start = time.perf_counter()
    places, moved = _build(args.background, args.history)
    total = AuditEvent.objects.count()
    print(f"built {total:,} audit rows in {time.perf_counter() - start:.0f} s")
    here, there = (p.parent.parent_id for p in places)
    for child, rows in zip(moved, args.history, strict=True):
        times, others = [], []
        for run in range(args.runs * 2):
            source, target = (here, there) if run % 2 == 0 else (there, here)
            child.district_id = target
            Load.settle()
            before = Load.snapshot()
            t0 = time.perf_counter()
            with transaction.atomic():
                n = audit_events_move(child=child, from_district=source)
            times.append((time.perf_counter() - t0) * 1000)
            others.append(Load.others(before, Load.snapshot()))
            assert n == rows + 1, (n, rows)  # and its registration's row
        print(
            f"move a history of {rows + 1:,} rows: median {statistics.median(times):.1f} ms "
            f"({statistics.median(times) / (rows + 1) * 1000:.1f} µs a row; min {min(times):.1f}, "
            f"max {max(times):.1f}; {len(times)} runs; other processes "
            f"{statistics.median(others):.2f} cores)"
        )
    migration = importlib.import_module("weibao.audit.migrations.0009_auditevent_district")
    elsewhere = places[0].parent_id  # a 街镇's id: a district no row has
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cursor.execute("UPDATE audit_auditevent SET district_id = %s", [elsewhere])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
    Load.settle()
    before = Load.snapshot()
    t0 = time.perf_counter()
    with transaction.atomic(), connection.schema_editor(atomic=False) as editor:
        migration.fill_district_quickly(apps, editor)
    seconds = time.perf_counter() - t0
    print(
        f"fill {total:,} rows (audit.0009, trigger off): {seconds:.1f} s, 1 run; other "
        f"processes {Load.others(before, Load.snapshot()):.2f} cores"
    )
    assert not AuditEvent.objects.filter(district_id=elsewhere).exists()


if __name__ == "__main__":
    main()
