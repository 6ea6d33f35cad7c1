"""Benchmark: what the visits' newest-first indexes cost a visit's save, on bench/load/build.py's
city (docs/performance.md, "The API's lists from their indexes alone").

A 儿童主任 starts and submits a visit for each of --saves children of their 居民区
(`visits.services.visit_start`, `visit_complete`: the draft, the record, the due settled, the
next due, the audit rows), each in a transaction rolled back after, so the city is left as it
was. In turns, in one process: with every index; without the 居民区's newest-first index; and
without the three newest-first indexes. An index is "dropped" inside a transaction that is
rolled back too: PostgreSQL keeps its files until a commit, so nothing is rebuilt.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_load .venv/bin/python \\
        bench/visit_saves.py [--rounds 5] [--saves 40]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

ANSWERS = {
    "met_with": "母亲",
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
}
NEWEST = ["visit_district_newest", "visit_subdistrict_newest", "visit_community_newest"]
SETS = {
    "every index": [],
    "without the 居民区's newest-first index": ["visit_community_newest"],
    "without the three newest-first indexes": NEWEST,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--saves", type=int, default=40)
    parser.add_argument("--director", default="load_dir_0000")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection, transaction

    from weibao.accounts.models import User
    from weibao.accounts.selectors import user_scope_areas
    from weibao.children.models import Child
    from weibao.visits import services

    director = User.objects.get(username=args.director)
    community = user_scope_areas(director)[0]
    children = list(
        Child.objects.filter(district_id=community.district_pk, community_id=community.pk)
        .exclude(visits__state="draft")
        .order_by("pk")[: args.saves]
    )

    def saves() -> list[float]:
        times = []
        for child in children:
            with transaction.atomic():
                start = time.perf_counter()
                visit = services.visit_start(actor=director, child=child)
                services.visit_complete(
                    actor=director, visit=visit, expected_version=visit.version, data=ANSWERS
                )
                times.append((time.perf_counter() - start) * 1000)
                transaction.set_rollback(True)
        return times

    saves()  # warm the caches once
    seen: dict[str, list[float]] = {name: [] for name in SETS}
    for _ in range(args.rounds):
        for name, dropped in SETS.items():
            with transaction.atomic():
                with connection.cursor() as cursor:
                    for index in dropped:
                        cursor.execute(f'DROP INDEX "{index}"')  # rolled back below
                seen[name].append(statistics.median(saves()))
                transaction.set_rollback(True)
    base = statistics.median(seen["every index"])
    print(f"# {len(children)} saves a round as {args.director}, {args.rounds} rounds in turns; "
          "medians of the rounds' medians, wall ms")  # fmt: skip
    for name, medians in seen.items():
        median = statistics.median(medians)
        print(f"  {name:42s} {median:7.2f} ms  ({median / base:4.2f}×; rounds "
              f"{min(medians):.2f}–{max(medians):.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
