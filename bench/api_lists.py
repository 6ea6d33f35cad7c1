"""Benchmark: the API's lists that may hold a whole district (visits, children, the worklist)
and the worklist page (`/visits/`), read as district staff, a 督导员 and a 儿童主任 on
bench/load/build.py's city.

The city is built once (it takes a while at 2,500,000 children: 24 minutes, docs/performance.md,
"The district's lists through the API") and kept; this only reads it. Each read is timed
through Django's test client in a process of its own (medians of --runs after a warm-up; CPU of
the process and its PostgreSQL backend: bench/cases.py's `measure`). With `--before` (a checkout
of the old code, e.g. `git worktree add /tmp/before <commit>`), the two codes are timed in turns
(before, after, before, …) on the same database, so that the machine's drift falls on both.
With `--smaller URL` (the same city built smaller in another database, e.g. at 250,000
children), this code is timed on the two databases in turns instead, for the growth's ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_load .venv/bin/python \\
        bench/load/build.py --children 2500000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_load .venv/bin/python \\
        bench/api_lists.py [--before /tmp/before | --smaller postgres://…/weibao_city250] \\
        [--rounds 2] [--runs 7]

Both codes must read the same database schema: run the newer code's `migrate` first (its new
indexes serve the old code's statements too, which is said with the figures).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
USERS = {"district": "load_district_0", "supervisor": "load_sup_00", "director": "load_dir_0000"}
LISTS = [
    "/api/v1/visits/",
    "/api/v1/children/",
    "/api/v1/worklist/",
    "/api/v1/worklist/summary/",
    "/visits/",
]
# The parts of an answer that may differ between two codes without a change of behaviour:
# the worklist counts' `capped` flags are new (the answers are compared without them).
NEW_KEYS = {"capped"}


def _setup(code: Path) -> None:
    """Django with the application code of `code` and this directory's bench helpers."""
    sys.path[:0] = [str(code), str(HERE)]
    os.chdir(code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    import django

    django.setup()


def timed(code: Path, out: Path, runs: int) -> None:
    _setup(code)
    from cases import measure
    from pages import signed_in

    results = {}
    for role, username in USERS.items():
        # Production requires two-factor sign-in of supervisors and district staff: the
        # session a code page leaves.
        client = signed_in(username, two_factor=role != "director")
        for url in LISTS:

            def read(client=client, url=url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            response = read()
            body = response.json() if url.startswith("/api/") else None
            results[f"{role}: {url}"] = (body, *measure(read, runs))
    out.write_text(json.dumps(results))


def _comparable(body):
    if isinstance(body, dict):
        return {k: _comparable(v) for k, v in body.items() if k not in NEW_KEYS}
    if isinstance(body, list):
        return [_comparable(v) for v in body]
    return body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, help="a checkout of the old code")
    parser.add_argument("--smaller", help="the DATABASE_URL of the same city built smaller")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--time", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time:
        code, out = map(Path, args.time)
        return timed(code, out, args.runs)
    # Each side: the code and the database it is timed with; the ratio is the last over the first.
    codes = {"after": (HERE.parent, os.environ["DATABASE_URL"])}
    if args.before:
        codes = {"before": (args.before.resolve(), os.environ["DATABASE_URL"]), **codes}
    elif args.smaller:
        codes = {"smaller": (HERE.parent, args.smaller), "larger": codes["after"]}
    work = Path(tempfile.mkdtemp(prefix="weibao-bench-"))
    seen: dict[str, dict[str, list]] = {which: {} for which in codes}
    bodies: dict[str, dict[str, object]] = {}
    for round_ in range(args.rounds):
        for which, (code, database) in codes.items():
            out = work / f"{which}{round_}.json"
            subprocess.run(  # noqa: S603 (this script, with its own arguments)
                [sys.executable, __file__, "--runs", str(args.runs), "--time", str(code),
                 str(out)], check=True, env={**os.environ, "DATABASE_URL": database},
            )  # fmt: skip
            for name, (body, ms, cpu, others) in json.loads(out.read_text()).items():
                seen[which].setdefault(name, []).append((ms, cpu, others))
                bodies.setdefault(name, {}).setdefault(which, _comparable(body))
    heads = "".join(f"{which:>9s}" for which in codes) + f"{'ratio' if len(codes) == 2 else '':>9s}"
    print(f"  {'':40s}{heads}{heads}   (wall ms | CPU ms; medians of {args.runs} a round, "
          f"medians of {args.rounds} rounds)")  # fmt: skip
    for name in seen[next(iter(codes))]:
        wall = {w: statistics.median(x[0] for x in seen[w][name]) for w in codes}
        cpu = {w: statistics.median(x[1] for x in seen[w][name]) for w in codes}
        ratios = ("", "")
        if len(codes) == 2:
            first, last = codes
            ratios = (f"{wall[last] / wall[first]:6.2f}x", f"{cpu[last] / cpu[first]:6.2f}x")
        cells = "".join(f"{wall[w]:9.1f}" for w in codes) + f"{ratios[0]:>9s}"
        cells += "".join(f"{cpu[w]:9.1f}" for w in codes) + f"{ratios[1]:>9s}"
        others = max(x[2] for which in codes for x in seen[which][name])
        print(f"  {name:40s}{cells}   (others: ≤{others:.2f} cores)", flush=True)
    differ = [n for n, b in bodies.items() if len({json.dumps(v) for v in b.values()}) > 1]
    if args.before:  # the same database: the same answers are expected
        print("# answers differ (less `capped`): " + (", ".join(differ) or "none"))


if __name__ == "__main__":
    main()
