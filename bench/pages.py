"""The server time and the queries of each page of the load test's mix (docs/performance.md,
"Load test"), and the mix's CPU a request: what moves the load test's saturation point.

    createdb -h 127.0.0.1 -U postgres weibao_pages
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_pages \
        .venv/bin/python bench/load/build.py --children 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_pages \
        .venv/bin/python bench/pages.py --runs 30

(or DATABASE_URL=…/weibao_load after `bench/load/run.py --build`.) On bench/load/build.py's
database (its accounts and data), through Django's test client (the whole middleware stack, no
network, no gunicorn): each page as locust asks for it (bench/load/locustfile.py), signed in as
the load test's accounts — the supervisor and the district staff with their two-factor step
taken (django-otp's session key, as the code page leaves it). Prints, per page, its share of
the mix's GET requests (locust's user weights × task weights), the median of `--runs` requests
after one warm-up, the CPU time per request of this process and its PostgreSQL backend (from
/proc: what the page costs the server whatever else runs on the shared machine), the number of
queries of one request, and how many cores other processes used meanwhile
(bench/visits.py's Load); then the mix's CPU a request, the pages weighted by their shares.
--sql prints each page's queries; --only NAME measures the pages whose name holds NAME.
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
DASHBOARD = re.compile(r'href="/dashboards/(\d+)/')


def signed_in(username: str, two_factor: bool):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from weibao.accounts.models import User

    user = User.objects.get(username=username)
    # As behind nginx in production (docs/deploy.md): the page was asked for over HTTPS.
    client = Client(HTTP_X_FORWARDED_PROTO="https")
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
    parser.add_argument(
        "--only", default="", metavar="NAME", help="the pages whose name holds NAME"
    )
    args = parser.parse_args()
    _setup_django()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench/pages.py reads bench/load/build.py's PostgreSQL database (DATABASE_URL).")
    settings.ALLOWED_HOSTS = ["*"]

    print("| page | share | URL | median ms | CPU ms | queries | other processes (cores) |")
    print("|---|---:|---|---|---|---|---|")
    weighted: list[tuple[float, float]] = []
    for name, share, client, url in mix():
        if args.only and args.only not in name:
            continue
        ms, cpu_ms, count, others, sql = measure(client, url, args.runs)
        weighted.append((share, cpu_ms))
        print(
            f"| {name} | {share:.1%} | `{url}` | {ms:.1f} | {cpu_ms:.1f} | {count} | {others:.2f} |"
        )
        if args.profile:
            print(f"== {name}", file=sys.stderr)
            profiled(client, url, args.runs, args.profile)
        if args.sql:
            for line in sql:
                print(f"    {line[:3000]}", file=sys.stderr)
            print(file=sys.stderr)
    if len(weighted) > 1:
        mean = sum(share * cpu for share, cpu in weighted) / sum(share for share, _ in weighted)
        print(f"\nThe mix's CPU a request (the pages weighted by their shares): {mean:.1f} ms")


def mix() -> list[tuple[str, float, object, str]]:
    """(name, share of the mix's GET requests, client, URL). Shares: locust's user weights
    (儿童主任 6, 督导员 2, district staff 1) × each one's task weights, the 儿童主任's visit
    task counted as its worklist (the form's POSTs are bench/visit_saves.py's)."""
    director = signed_in("load_dir_0000", two_factor=False)
    worklist = director.get("/visits/")
    child = START.findall(worklist.content.decode())[0]  # the file locust opens: from the list
    supervisor = signed_in("load_sup_00", True)
    case = CASE.findall(supervisor.get("/cases/").content.decode())[0]  # as locust picks one
    district = signed_in("load_district_0", True)
    entry = re.search(r'<a href="(/dashboards/\d+/)"', district.get("/").content.decode())[1]
    subdistrict = DASHBOARD.findall(district.get(entry).content.decode())[-1]
    d, s, z = 6 / 9, 2 / 9, 1 / 9
    return [
        ("director: worklist", d * 5 / 8, director, "/visits/"),
        ("director: home", d * 1 / 8, director, "/"),
        ("director: child file", d * 2 / 8, director, f"/children/{child}/"),
        ("supervisor: report queue", s * 2 / 11, supervisor, "/reports/"),
        ("supervisor: concern queue", s * 2 / 11, supervisor, "/concerns/"),
        ("supervisor: case list", s * 2 / 11, supervisor, "/cases/"),
        ("supervisor: case page", s * 3 / 11, supervisor, f"/cases/{case}/"),
        ("supervisor: visits and completion", s * 1 / 11, supervisor, "/visits/"),
        (
            "supervisor: children, filtered",
            s * 1 / 11,
            supervisor,
            "/children/?category=left_behind",
        ),
        ("district: dashboard", z * 3 / 6, district, entry),
        ("district: 街镇 dashboard", z * 2 / 6, district, f"/dashboards/{subdistrict}/"),
        ("district: all reports", z * 1 / 6, district, "/reports/?tab=all"),
    ]


if __name__ == "__main__":
    main()
