"""Benchmark: what a page of the API costs per row — the case list and the report queue, the
application code of two checkouts timed in turns on one database.

`/api/v1/cases/` and `/api/v1/reports/` write 50 whole records a page (a case's team, reports,
the actions the user may take, its decrypted texts; a report's clocks), and bench/cases.py and
bench/reports.py found them flat with the city's size (docs/performance.md, "The case team",
"The report queue"): what they cost is per row, so the code is what changes and the data stays.
This builds bench/reports.py's city (its cases and reports) once, then times the reads with the
code of `--before` (a checkout, e.g. `git worktree add /tmp/before <commit>`) and with this
checkout's, in turns (before, after, before, …: the machine's load falls on both alike), each in
its own process through Django's test client (medians of --runs after a warm-up, CPU of the
process and its PostgreSQL backend: bench/cases.py's `measure`). The answers of both must be the
same but for a report clock's time left, which moves with the clock; the run stops if not.

    .venv/bin/python bench/api_rows.py --children 250000 --before /tmp/before
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/api_rows.py ...

The database is emptied first (flush). The temporary directory (the SQLite database, the key
the rows are encrypted with) is removed after: a PostgreSQL database is left unreadable.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
READS = {
    "director: /api/v1/cases/": ("director", "/api/v1/cases/", {}),
    "supervisor: /api/v1/cases/": ("supervisor", "/api/v1/cases/", {}),
    "district: /api/v1/cases/": ("district_staff", "/api/v1/cases/", {}),
    "district: /api/v1/cases/?stage=serving": (
        "district_staff", "/api/v1/cases/", {"stage": "serving"}
    ),
    "supervisor: /api/v1/reports/?queue=true": (
        "supervisor", "/api/v1/reports/", {"queue": "true"}
    ),
    "district: /api/v1/reports/?queue=true": (
        "district_staff", "/api/v1/reports/", {"queue": "true"}
    ),
    "director: /api/v1/reports/": ("director", "/api/v1/reports/", {}),
    "district: /api/v1/reports/": ("district_staff", "/api/v1/reports/", {}),
}  # fmt: skip


def _setup(code: Path) -> None:
    """Django with the application code of `code` and this directory's bench helpers."""
    sys.path[:0] = [str(code), str(HERE)]
    os.chdir(code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    import django

    django.setup()


def build(n: int, state: Path) -> None:
    _setup(HERE.parent)
    from django.core.management import call_command
    from reports import build as build_city

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    ctx = build_city(n)
    users = {role: ctx[role].username for role in ("director", "supervisor", "district_staff")}
    state.write_text(json.dumps(users))
    print(f"# {n:,} children: {ctx['cases']:,} cases, {ctx['reports']:,} reports "
          f"(built in {time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip


def timed(code: Path, state: Path, out: Path, runs: int, quiet: float) -> None:
    _setup(code)
    from cases import measure
    from django.test import Client
    from visits import Load

    from weibao.accounts.models import User

    Load.timeout = quiet
    users = json.loads(state.read_text())
    clients = {}
    for role, username in users.items():
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=username))
    results = {}
    for name, (role, url, params) in READS.items():

        def read(client=clients[role], url=url, params=params):
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)
            return response.content

        results[name] = (read().decode(), *measure(read, runs))
    out.write_text(json.dumps(results))


def _timeless(text: str) -> str:
    """An answer without what the clock changes from one minute to the next: a report clock's
    time left ("还剩 40 分钟")."""

    def drop(value):
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if k != "time_left"}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return value

    return json.dumps(drop(json.loads(text)), ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=250_000)
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the old code")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quiet-timeout", type=float, default=20.0)
    # Each build and timing runs in a process of its own, with its own application code.
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--time", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        return build(args.children, args.build)
    if args.time:
        code, state, out = map(Path, args.time)
        return timed(code, state, out, args.runs, args.quiet_timeout)
    work = Path(tempfile.mkdtemp(prefix="weibao-bench-"))
    # One directory for both codes: the SQLite database if there is no DATABASE_URL, and the
    # field encryption key the build writes with (each checkout would otherwise make its own).
    env = {**os.environ, "WEIBAO_VAR_DIR": str(work)}
    state = work / "users.json"
    subprocess.run(  # noqa: S603 (this script, with its own arguments)
        [sys.executable, __file__, "--before", str(args.before), "--children",
         str(args.children), "--build", str(state)], check=True, env=env,
    )  # fmt: skip
    codes = {"before": args.before.resolve(), "after": HERE.parent}
    seen: dict[str, dict[str, list]] = {"before": {}, "after": {}}
    answers: dict[str, dict[str, bytes]] = {}
    for round_ in range(args.rounds):
        for which, code in codes.items():
            out = work / f"{which}{round_}.json"
            subprocess.run(  # noqa: S603 (this script, with its own arguments)
                [sys.executable, __file__, "--before", str(args.before), "--runs", str(args.runs),
                 "--quiet-timeout", str(args.quiet_timeout),
                 "--time", str(code), str(state), str(out)], check=True, env=env,
            )  # fmt: skip
            for name, (text, ms, cpu, others) in json.loads(out.read_text()).items():
                seen[which].setdefault(name, []).append((ms, cpu, others))
                content = _timeless(text)
                if answers.setdefault(name, {}).setdefault(which, content) != content:
                    sys.exit(f"{which}'s answers to {name} changed between rounds")
    shutil.rmtree(work, ignore_errors=True)
    for name, by_code in answers.items():
        if by_code["before"] != by_code["after"]:
            sys.exit(f"{name}: the answers differ")
    print(
        f"  {'':45s} {'before':>9s} {'after':>9s} {'ratio':>6s}   CPU: before after ratio "
        "(others' cores)"
    )
    for name in READS:
        b, a = seen["before"][name], seen["after"][name]
        bm, am = statistics.median(x[0] for x in b), statistics.median(x[0] for x in a)
        bc, ac = statistics.median(x[1] for x in b), statistics.median(x[1] for x in a)
        others = max(x[2] for x in b + a)
        print(f"  {name:45s} {bm:7.2f}ms {am:7.2f}ms {am / bm:5.2f}x   {bc:7.2f} {ac:7.2f} "
              f"{ac / bc:5.2f}x  (≤{others:.2f})", flush=True)  # fmt: skip
    print("# the answers of both are the same (a clock's time left aside)")


if __name__ == "__main__":
    main()
