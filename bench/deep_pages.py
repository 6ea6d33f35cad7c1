"""Benchmark: a deep page of the district's "all reports", read in one statement or its ids
first (reports.views.DEEP_PAGE_ROWS; docs/performance.md, "A deep page of "all reports" reads
its ids first").

Reads the city bench/reports.py left in the database (run it first, on PostgreSQL: it keeps
its last city), as its district staff, through Django's test client: pages 1, 21, 50 and 200
with the ids read first from row 1,000 (the code's setting) and never (every page one
statement), alternated round by round in one process, so the machine's load falls on both
alike. Prints the medians and their ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/reports.py \\
        --children 2500000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/deep_pages.py
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGES = (1, 21, 50, 200)
NEVER = 10**9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--per-round", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL: the PostgreSQL database bench/reports.py built")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    import django

    django.setup()
    from django.test import Client

    from weibao.accounts.models import RoleAssignment
    from weibao.reports import views

    staff = RoleAssignment.objects.filter(role="district_staff").select_related("user").first()
    client = Client()
    client.force_login(staff.user)
    ways = {"one statement": NEVER, "ids first": views.DEEP_PAGE_ROWS}

    def timed(page: int) -> float:
        start = time.perf_counter()
        response = client.get("/reports/", {"tab": "all", "page": page})
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - start) * 1000

    for page in PAGES:
        timed(page)  # warm-up
    times: dict[tuple[str, int], list[float]] = {}
    for _ in range(args.rounds):
        for way, deep in ways.items():
            views.DEEP_PAGE_ROWS = deep
            for page in PAGES:
                times.setdefault((way, page), []).extend(timed(page) for _ in range(args.per_round))
    print(f"district: /reports/?tab=all, medians of {args.rounds} × {args.per_round}, ms")
    for page in PAGES:
        one, ids = (statistics.median(times[(way, page)]) for way in ways)
        print(f"  page {page:3d}: one statement {one:6.1f}, ids first {ids:6.1f}, {ids / one:.2f}×")


if __name__ == "__main__":
    main()
