"""Benchmark: the list of children exported as a streamed xlsx (children.export) at 10,000 and
100,000 rows in the same run: time, and the peak of Python's memory during one export
(tracemalloc), which must stay flat as the rows grow tenfold (core.xlsx.stream_workbook writes
row by row into a temporary file; the rows are read in chunks).

The registry is built as bench/registry.py builds it (bulk-inserted, not through the services:
only the export is measured) and exported as district staff, who sees every row.

    .venv/bin/python bench/exports.py --children 10000 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/exports.py ...

Without DATABASE_URL it uses SQLite in a temporary WEIBAO_VAR_DIR. Prints the median time of
3 exports (--runs) and the peak memory of a further, traced one, and the cores other processes
used meanwhile (bench/visits.py Load).

At a city's scale, one 街镇 (issue #15): --as exports as the registry's director (one 居民区)
and supervisor (one 街镇, a tenth of the registry) of the same registry, so that the memory of
20 times the rows is compared in one run; --reuse exports from the registry bench/registry.py
left in DATABASE_URL (the last size it built) instead of building one:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_reg .venv/bin/python bench/exports.py \
        --children 2500000 --as director supervisor [--reuse]
"""

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry  # bench/registry.py: the same synthetic registry
from visits import Load  # other processes' CPU while an export runs


def export_once(user) -> tuple[int, int]:
    """One export as the web page makes it, the response read to the end as a client would:
    (rows, bytes)."""
    from weibao.audit.models import AuditEvent
    from weibao.children.export import child_export_response
    from weibao.children.selectors import ChildFilters

    response = child_export_response(user, ChildFilters(), "web")
    size = sum(len(block) for block in response.streaming_content)
    response.close()
    rows = AuditEvent.objects.filter(action="children.export").latest("id").changes["rows"]
    return rows, size


def measure(user, runs: int = 3) -> dict[str, float]:
    export_once(user)  # warm up: templates, translations, the first queries
    before = Load.snapshot()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rows, size = export_once(user)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    export_once(user)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    others = Load.others(before, Load.snapshot())
    median = statistics.median(times)
    return {
        "rows": rows,
        "file_mb": size / 1e6,
        "median_s": median,
        "rows_per_s": rows / median,
        "peak_mb": peak / 1e6,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "others": others,
    }


def existing(n: int) -> dict:
    """The users of the registry bench/registry.py built in this database (--reuse)."""
    from weibao.accounts.models import User
    from weibao.children.models import Child

    found = Child.objects.count()
    print(f"# reusing the registry in the database: {found:,} children (asked {n:,})")
    return {role: User.objects.get(username=f"bench_{role}") for role in registry.ROLES}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--as", dest="roles", nargs="+", choices=registry.ROLES, default=["district"],
        help="export as these users of the registry: director (one 居民区), supervisor (one "
        "街镇: a tenth), district (every child)",
    )  # fmt: skip
    parser.add_argument(
        "--reuse", action="store_true",
        help="export from the registry already in DATABASE_URL (bench/registry.py's last size)",
    )  # fmt: skip
    args = parser.parse_args()
    registry._setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    results = {}
    for n in args.children:
        start = time.perf_counter()
        ctx = existing(n) if args.reuse else registry.build(n)
        built = time.perf_counter() - start
        for role in args.roles:
            results[(n, role)] = r = measure(ctx[role], args.runs)
            print(
                f"# {connection.vendor}, {n:,} children (built in {built:.0f} s), as {role}: "
                f"{r['rows']:,} rows, {r['file_mb']:.1f} MB file, median {r['median_s']:.2f} s "
                f"({r['rows_per_s']:,.0f} rows/s), peak traced memory {r['peak_mb']:.1f} MB, "
                f"process max RSS so far {r['maxrss_mb']:.0f} MB; other processes used "
                f"{r['others']:.2f} cores meanwhile",
                flush=True,
            )
    if len(results) >= 2:
        a = min(results.values(), key=lambda r: r["rows"])
        b = max(results.values(), key=lambda r: r["rows"])
        print(
            f"# {b['rows']:,} / {a['rows']:,} rows: time ×{b['median_s'] / a['median_s']:.1f}, "
            f"peak memory ×{b['peak_mb'] / a['peak_mb']:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
