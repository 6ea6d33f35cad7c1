"""The server time and the queries of the three pages the load test found over p95 200 ms at
50 users (docs/performance.md, "Load test"): the supervisor's visits page with its completion
table, district staff's list of all reports, and a 儿童主任's view of a child's file.

    createdb -h 127.0.0.1 -U postgres weibao_pages
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_pages \
        .venv/bin/python bench/load/build.py --children 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_pages \
        .venv/bin/python bench/pages.py --runs 30

On bench/load/build.py's database (its accounts and data), through Django's test client (the
whole middleware stack, no network, no gunicorn): each page as locust asks for it
(bench/load/locustfile.py), signed in as the load test's accounts — the supervisor and the
district staff with their two-factor step taken (django-otp's session key, as the code page
leaves it). Prints, per page, the median of `--runs` requests after one warm-up, the CPU time
per request of this process and its PostgreSQL backend (from /proc: what the page costs the
server whatever else runs on the shared machine), the number of queries of one request, and how
many cores other processes used meanwhile (bench/visits.py's Load). --sql prints each page's
queries.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visits import Load, _setup_django

START = re.compile(r'action="/visits/start/(\d+)/"')
CASE = re.compile(r'href="/cases/(\d+)/"')


def signed_in(username: str, two_factor: bool):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from weibao.accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    if two_factor:  # what the code page leaves in the session (django_otp.login)
        session = client.session
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def profiled(client, url: str, runs: int, top: int) -> None:
    """cProfile of `runs` requests of the page: the functions with the most own time, and the
    most cumulative time among the templates' rendering and the ORM's query building."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"weibao|django/template/(base|defaulttags)", top)


def measure(client, url: str, runs: int) -> tuple[float, float, int, float, list[str]]:
    """(median ms, CPU ms per request of this process and its PostgreSQL backend, queries of
    one request, other processes' cores, the queries' SQL)."""
    from django.db import connection

    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    get()  # warm-up: the connection, the templates, the caches, as a live worker has them
    sql: list[str] = []

    def record(execute, query, params, many, context):
        sql.append(query)
        return execute(query, params, many, context)

    # A wrapper, not CaptureQueriesContext: the pooled connection is handed back at the end of
    # the request, and the queries' log with it.
    with connection.execute_wrapper(record):
        get()
    Load.settle()
    before = Load.snapshot()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    after = Load.snapshot()
    # CPU, not only the wall clock: what the page costs the server's cores whatever else runs
    # on the machine (clock ticks of 10 ms, summed over the runs).
    cpu_ms = (after[1] - before[1]) * 1000 / os.sysconf("SC_CLK_TCK") / runs
    return statistics.median(times), cpu_ms, len(sql), Load.others(before, after), sql


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print each page's queries")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N",
        help="and a cProfile of each page's runs: its top N functions (on standard error)",
    )  # fmt: skip
    args = parser.parse_args()
    _setup_django()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench/pages.py reads bench/load/build.py's PostgreSQL database (DATABASE_URL).")
    settings.ALLOWED_HOSTS = ["*"]

    director = signed_in("load_dir_0000", two_factor=False)
    worklist = director.get("/visits/")
    child = START.findall(worklist.content.decode())[0]  # the file locust opens: from the list
    supervisor = signed_in("load_sup_00", True)
    case = CASE.findall(supervisor.get("/cases/").content.decode())[0]  # as locust picks one
    pages = [
        ("supervisor: visits and completion", supervisor, "/visits/"),
        ("district: all reports", signed_in("load_district_0", True), "/reports/?tab=all"),
        ("director: child file", director, f"/children/{child}/"),
        ("supervisor: case list", supervisor, "/cases/"),
        ("supervisor: case page", supervisor, f"/cases/{case}/"),
    ]
    print("| page | URL | median ms | CPU ms | queries | other processes (cores) |")
    print("|---|---|---|---|---|---|")
    for name, client, url in pages:
        ms, cpu_ms, count, others, sql = measure(client, url, args.runs)
        row = f"| {name} | `{url}` | {ms:.1f} | {cpu_ms:.1f} | {count} | {others:.2f} |"
        print(row, flush=True)
        if args.profile:
            print(f"== {name}", file=sys.stderr)
            profiled(client, url, args.runs, args.profile)
        if args.sql:
            for line in sql:
                print(f"    {line[:3000]}", file=sys.stderr)
            print(file=sys.stderr)


if __name__ == "__main__":
    main()
