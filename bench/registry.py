"""Benchmark: the child registry's reads at city scale.

Builds a synthetic registry of N children (1 district, 10 街镇, 200 居民区, 1–2 categories each)
in a throw-away database, then times the reads every page makes: a director's first list page,
a supervisor's filtered list, exact ID-number and pinyin search, and the home-page category
counts for a director, a supervisor and the district. Rows are bulk-inserted (not through the
services) because only the read paths are measured here.

    .venv/bin/python bench/registry.py --children 100000 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/registry.py ...

Without DATABASE_URL it uses SQLite in a temporary WEIBAO_VAR_DIR. Prints medians of 7 runs.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["WEIBAO_VAR_DIR"] = tempfile.mkdtemp(prefix="weibao-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    import django

    django.setup()


def _median_ms(fn, runs: int = 7) -> float:
    fn()  # warm the caches once, as a live server would be
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build(n: int):
    from django.core.management import call_command
    from django.db import connection

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.children import idnumber
    from weibao.children.categories import Category
    from weibao.children.models import Child, ChildCategory
    from weibao.core import crypto

    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(7)
    district = Area.objects.create(name="基准区", code="999999", level="district")
    subs = [
        Area.objects.create(name=f"基准街道{i:02d}", level="subdistrict", parent=district)
        for i in range(10)
    ]
    communities = [
        Area.objects.create(name=f"基准居民区{i:03d}", level="community", parent=subs[i % 10])
        for i in range(200)
    ]
    cipher = crypto.encrypt("bench")  # one ciphertext for all rows: decryption is not measured
    today = dt.date.today()
    categories = list(Category.values)
    batch, cats = [], []
    target_child = None
    for i in range(n):
        community = communities[i % 200]
        birth = today - dt.timedelta(days=rng.randint(1, 17 * 365))
        sex = "M" if i % 2 else "F"
        number = idnumber.make("999999", birth, i // 1000, sex)
        batch.append(
            Child(
                name=f"基准{i}",
                name_initials=f"jz{i % 1000}",
                name_pinyin=f"jizhun{i}",
                sex=sex,
                birth_date=birth,
                id_number=cipher,
                id_number_hash=crypto.lookup_hash(f"{number}-{i}"),
                id_number_masked=crypto.mask_id_number(number),
                hukou_type="local",
                address="",
                district_id=district.pk,
                subdistrict_id=community.parent_id,
                community_id=community.pk,
            )
        )
        if i == n // 2:
            target_child = f"{number}-{i}"
        if len(batch) == 5000:
            _flush(batch, cats, categories, rng, Child, ChildCategory)
    _flush(batch, cats, categories, rng, Child, ChildCategory)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def user(name: str, role: str, area: Area):
        u = User.objects.create(username=name)
        RoleAssignment.objects.create(user=u, role=role, area=area)
        return User.objects.get(pk=u.pk)

    return {
        "director": user("bench_director", Role.DIRECTOR, communities[0]),
        "supervisor": user("bench_supervisor", Role.SUPERVISOR, subs[0]),
        "district": user("bench_district", Role.DISTRICT_STAFF, district),
        "director_community": communities[0].pk,
        "id_hash_key": target_child,
    }


def _flush(batch, cats, categories, rng, Child, ChildCategory) -> None:
    created = Child.objects.bulk_create(batch)
    for child in created:
        for code in rng.sample(categories, rng.choice((1, 1, 2))):
            cats.append(ChildCategory(child_id=child.pk, category=code))
    ChildCategory.objects.bulk_create(cats)
    batch.clear()
    cats.clear()


def measure(ctx) -> dict[str, float]:
    from django.core.paginator import Paginator

    from weibao.children.models import Child
    from weibao.children.selectors import (
        ChildFilters,
        _counted_counts,
        category_counts,
        child_list,
    )
    from weibao.children.tallies import tallies_refresh
    from weibao.core import crypto

    def first_page(user, filters):
        def run():
            page = Paginator(child_list(user, filters), 25).get_page(1)
            list(page)
            return page.paginator.count

        return run

    id_hash = crypto.lookup_hash(ctx["id_hash_key"])
    # What the daily job does once a day (and, for one 居民区, every write of a child).
    started = time.perf_counter()
    tallies_refresh()
    full_count_ms = (time.perf_counter() - started) * 1000
    for user in ("director", "supervisor", "district"):
        assert category_counts(ctx[user]) == _counted_counts(ctx[user], None), user
    return {
        "director list, page 1": _median_ms(first_page(ctx["director"], ChildFilters())),
        "supervisor list, left-behind girls 12–14": _median_ms(
            first_page(
                ctx["supervisor"],
                ChildFilters(category="left_behind", sex="F", age_band="12-14"),
            )
        ),
        "district: exact ID-number lookup": _median_ms(
            lambda: list(Child.objects.filter(id_number_hash=id_hash))
        ),
        "supervisor: pinyin search 'jz12'": _median_ms(
            first_page(ctx["supervisor"], ChildFilters(q="jz12"))
        ),
        "director: home counts": _median_ms(lambda: category_counts(ctx["director"])),
        "supervisor: home counts": _median_ms(lambda: category_counts(ctx["supervisor"])),
        "district: home counts": _median_ms(lambda: category_counts(ctx["district"])),
        "district: home counts from the register": _median_ms(
            lambda: _counted_counts(ctx["district"], None)
        ),
        "director: recount one 居民区 (each child write)": _median_ms(
            lambda: tallies_refresh(community_ids=[ctx["director_community"]])
        ),
        "tallies: recount every 居民区 (daily job, once)": full_count_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    results = {}
    for n in args.children:
        start = time.perf_counter()
        ctx = build(n)
        built = time.perf_counter() - start
        results[n] = measure(ctx)
        print(f"# {connection.vendor}, {n:,} children (built in {built:.0f} s)", flush=True)
        for name, ms in results[n].items():
            print(f"  {name:45s} {ms:9.2f} ms", flush=True)
    if len(args.children) >= 2:
        lo, hi = args.children[0], args.children[-1]
        print(f"# ratio {hi:,} / {lo:,} children (same run)")
        for name in results[lo]:
            print(f"  {name:45s} {results[hi][name] / results[lo][name]:9.2f} x")


if __name__ == "__main__":
    main()
