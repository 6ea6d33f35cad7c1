"""Benchmark: the audit log's chains, one per district (audit.chain; docs/scale.md, "What changes
in the code", point 3), on PostgreSQL.

1. **Writers of one district against writers of several.** `--writers` processes each run
   `--transactions` transactions that append one audit row through the service
   (audit.services.audit_record) and then hold the transaction open for `--hold` ms
   (pg_sleep: the rest of a service's work after its row, and the commit), so that the
   machine's two cores are not what limits them. Once with every writer in the same district,
   once with each in its own, alternated `--rounds` times in the same run. Before the split,
   the whole log had one head, so every write in the country behaved as "one district" does
   now. Reported: transactions per second and the median and p95 of a transaction's time.
2. **Verifying.** `--rows` rows appended (chain_append_many, through the chain) to one chain,
   then the same number spread over `--chains` districts: `log_verify` over each (median of
   3), and the daily check (safekeeping.chaincheck.audit_chain_check) after 10 new rows in
   every chain, from the checkpoints of a first run, and again with nothing new.
3. **The migration** (`--migration ROWS`, alone): the logs taken back to audit.0010, ROWS rows
   written into the audit log and as many into the access log (one INSERT … SELECT
   generate_series each, outside the chain: only the schema's change is timed), then
   `migrate audit 0011` timed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_chains .venv/bin/python \\
        bench/chains.py --writers 4 --transactions 300 --hold 10 --rows 200000 --chains 100

    DATABASE_URL=… .venv/bin/python bench/chains.py --migration 10000000

The database is emptied first (flush); the data is left in it.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/chains.py measures row locks: set DATABASE_URL to a PostgreSQL database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    import django

    django.setup()


def _districts(n: int) -> list[int]:
    from weibao.areas.models import Area

    have = list(Area.objects.filter(level=Area.Level.DISTRICT).order_by("pk"))
    for i in range(len(have), n):
        have.append(
            Area.objects.create(name=f"测试区{i:04d}", code=f"9{i:05d}", level=Area.Level.DISTRICT)
        )
    return [a.pk for a in have[:n]]


def _writer(district: int, transactions: int, hold_ms: float, start, out) -> None:
    _setup_django()
    from django.db import connection, transaction

    from weibao.areas.models import Area
    from weibao.audit.services import audit_record

    area = Area.objects.get(pk=district)
    times = []
    start.wait()
    for n in range(transactions):
        began = time.perf_counter()
        with transaction.atomic():
            audit_record(actor=None, action="bench.write", obj=area, changes={"n": n})
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(%s)", [hold_ms / 1000])
        times.append((time.perf_counter() - began) * 1000)
    out.put(times)


def _round(districts: list[int], transactions: int, hold_ms: float) -> dict:
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(len(districts) + 1), context.Queue()
    workers = [
        context.Process(target=_writer, args=(d, transactions, hold_ms, start, out))
        for d in districts
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    times = [t for _ in workers for t in out.get()]
    wall = time.perf_counter() - began
    for worker in workers:
        worker.join()
    times.sort()
    return {
        "tps": len(times) / wall,
        "median": statistics.median(times),
        "p95": times[int(len(times) * 0.95)],
    }


def contention(writers: int, transactions: int, hold_ms: float, rounds: int) -> None:
    from django.db import connections

    districts = _districts(writers)
    connections.close_all()
    print(f"## {writers} writers × {transactions} transactions, each held {hold_ms} ms")
    results: dict[str, list[dict]] = {"one district": [], "own districts": []}
    for _ in range(rounds):
        results["one district"].append(_round([districts[0]] * writers, transactions, hold_ms))
        results["own districts"].append(_round(districts, transactions, hold_ms))
    for name, runs in results.items():
        tps = statistics.median(r["tps"] for r in runs)
        median = statistics.median(r["median"] for r in runs)
        p95 = statistics.median(r["p95"] for r in runs)
        print(f"{name:14} {tps:8.1f} tx/s   median {median:6.1f} ms   p95 {p95:6.1f} ms")
    one = statistics.median(r["tps"] for r in results["one district"])
    own = statistics.median(r["tps"] for r in results["own districts"])
    print(f"ratio own/one: {own / one:.2f}")


def _fill(districts: list[int], rows: int) -> None:
    from weibao.audit.chain import chain_append_many
    from weibao.audit.models import AuditEvent

    per = rows // len(districts)
    for district in districts:
        for done in range(0, per, 2000):
            batch = [
                {"actor": None, "action": "bench.fill", "object_type": "areas.area",
                 "object_id": str(district), "changes": {"n": n}, "note": "",
                 "district_id": district}
                for n in range(done, min(per, done + 2000))
            ]  # fmt: skip
            chain_append_many(AuditEvent, batch)


def _median_s(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def verifying(rows: int, chains: int) -> None:
    from django.core.management import call_command

    from weibao.audit.chain import log_verify
    from weibao.safekeeping.chaincheck import audit_chain_check

    print(f"## verifying {rows} rows")
    for count in (1, chains):
        call_command("flush", interactive=False, verbosity=0)
        districts = _districts(count)
        began = time.perf_counter()
        _fill(districts, rows)
        filled = time.perf_counter() - began
        result = log_verify("audit")
        assert result.ok and result.checked >= rows - count, result.broken
        full = _median_s(lambda: log_verify("audit"))
        audit_chain_check(None)  # the first run: every chain from its start
        _fill(districts, 10 * count)
        began = time.perf_counter()
        checked = audit_chain_check(None)
        daily = time.perf_counter() - began
        assert checked["audit_chain_breaks"] == 0
        quiet = _median_s(lambda: audit_chain_check(None))
        print(
            f"{count:5} chains: appended in {filled:6.1f} s ({rows / filled:,.0f} rows/s); "
            f"log_verify {full:6.2f} s ({rows / full:,.0f} rows/s); "
            f"daily check after 10 rows a chain {daily * 1000:7.1f} ms, "
            f"with nothing new {quiet * 1000:6.1f} ms"
        )


def migration(rows: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "audit", "0010", verbosity=0)
    with connection.cursor() as cursor:
        # Rows naming no real user or child: the foreign keys' triggers are not fired.
        cursor.execute("SET session_replication_role = replica")
        for table, columns, values in (
            ("audit_auditevent", "action, object_type, object_id, changes, note",
             "'bench.fill', 'areas.area', g::text, '{}', ''"),
            ("audit_accesslog", "user_id, child_id, district_id, channel, kind, field, reason",
             "1, 1, 1, 'web', 'view', '', ''"),
        ):  # fmt: skip
            began = time.perf_counter()
            cursor.execute(
                f"INSERT INTO {table} (at, {columns}, seq, chain_hash) "  # noqa: S608
                f"SELECT now() - make_interval(secs => %s - g), {values}, g, 'bench' "
                "FROM generate_series(1, %s) g",
                [rows, rows],
            )
            cursor.execute(f"ANALYZE {table}")
            print(f"{table}: {rows:,} rows written in {time.perf_counter() - began:.1f} s")
        cursor.execute("SET session_replication_role = origin")
    began = time.perf_counter()
    call_command("migrate", "audit", "0011", verbosity=0)
    print(f"migrate audit 0011 over {rows:,} + {rows:,} rows: {time.perf_counter() - began:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--transactions", type=int, default=300)
    parser.add_argument("--hold", type=float, default=10.0, help="ms after the row")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--chains", type=int, default=100)
    parser.add_argument("--migration", type=int, metavar="ROWS", help="time audit.0011 alone")
    args = parser.parse_args()
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    if args.migration:
        migration(args.migration)
        return
    contention(args.writers, args.transactions, args.hold, args.rounds)
    verifying(args.rows, args.chains)


if __name__ == "__main__":
    main()
