"""Benchmark: the child registry's reads at city scale.

Builds a synthetic registry of N children (1 district, 10 街镇, 200 居民区) in a throw-away
database, then times the reads every page makes. The children are cloned from one template row
by one INSERT … SELECT (generate_series on PostgreSQL, a recursive WITH on SQLite), with:
- names of a surname and one or two given characters (20 × 40 × 41 combinations) and their
  pinyin as the services compute it, so that name and pinyin searches match what they would;
- sex, birth date (0–19 years: some have aged out), status (1 % moved out, 0.5 % transferred,
  0.5 % deceased) and 1–2 of the 10 categories each, from a hash of the row number;
- 居民区 in turn, so that a 街镇 holds a tenth of the children.
Only the reads are measured, so the rows do not go through the services.

Timed (median of 7 after one warm-up), for every size in the same run:
- the list page (`/children/`) through Django's test client — the server's whole handling:
  middleware, session, the queries (count, page, categories) and the template — for a director
  (one 居民区), a supervisor (one 街镇: a tenth of the children) and the district (all), with
  every filter alone and every combination of category × sex × age band × status, page 1 and
  a deep page;
- the search box: pinyin initials, full pinyin, Chinese names (2 and 3 characters) and the
  exact ID number;
- the home page's category counts (children.tallies) and one 居民区's recount.

    .venv/bin/python bench/registry.py --children 20000 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_reads .venv/bin/python \\
        bench/registry.py --children 250000 2500000

Without DATABASE_URL it uses SQLite in a temporary WEIBAO_VAR_DIR. The database is emptied
first; the last size's data is left in it (for EXPLAIN by hand: `--explain` prints the plans of
the two hard reads).
"""

import argparse
import datetime as dt
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboards import _clone_sql  # the same cloning of rows by INSERT … SELECT
from visits import register_numbers

COMMUNITIES, SUBDISTRICTS = 200, 10
ROLES = ("director", "supervisor", "district")  # the users build() makes, bench_<role>
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红梅鹏飞宇浩然子轩欣怡涵嘉博"
ID_NUMBER = "110101201001010269"  # valid check character (idnumber.make)


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


def build(n: int) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.children.categories import CATEGORY_BITS
    from weibao.children.models import Child, ChildCategory
    from weibao.children.pinyin import name_pinyin
    from weibao.children.tallies import tallies_refresh
    from weibao.core import crypto

    call_command("flush", interactive=False, verbosity=0)
    pg = connection.vendor == "postgresql"
    district = Area.objects.create(name="基准区", code="999999", level="district")
    subs = [
        Area.objects.create(name=f"基准街道{i:02d}", level="subdistrict", parent=district)
        for i in range(SUBDISTRICTS)
    ]
    communities = [
        Area.objects.create(
            name=f"基准居民区{i:03d}", level="community", parent=subs[i % SUBDISTRICTS]
        )
        for i in range(COMMUNITIES)
    ]
    today = timezone.localdate()
    template = Child.objects.create(
        name="基准", name_initials="jz", name_pinyin="jizhun", sex="F",
        birth_date=today - dt.timedelta(days=3000), id_number=crypto.encrypt("bench"),
        id_number_hash=crypto.lookup_hash(ID_NUMBER), id_number_masked="999999********0000",
        hukou_type="local", address="", district=district, subdistrict=subs[1],
        community=communities[1],
    )  # fmt: skip
    ChildCategory.objects.create(
        district_id=template.district_id, child=template, category="left_behind"
    )
    Child.objects.filter(pk=template.pk).update(category_bits=CATEGORY_BITS["left_behind"])
    started = time.perf_counter()
    with connection.cursor() as cursor:
        indexes = []
        if pg:
            # Secondary indexes built once after the load (faster than row by row); the same
            # definitions, read from the catalogue. Foreign keys are not checked row by row.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                "('children_child', 'children_childcategory') AND indexdef NOT LIKE '%UNIQUE%'"
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        for table in ("bench_map", "bench_sur", "bench_giv"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute("CREATE TEMP TABLE bench_map (k int PRIMARY KEY, c int, s int)")
        cursor.executemany(
            "INSERT INTO bench_map VALUES (%s, %s, %s)",
            [(k, c.pk, c.parent_id) for k, c in enumerate(communities)],
        )
        for table, chars in (("bench_sur", SURNAMES), ("bench_giv", GIVEN + " ")):
            cursor.execute(
                f"CREATE TEMP TABLE {table} (k int PRIMARY KEY, ch text, py text, ini text)"
            )
            cursor.executemany(
                f"INSERT INTO {table} VALUES (%s, %s, %s, %s)",  # noqa: S608
                [(k, c.strip(), name_pinyin(c)[1], name_pinyin(c)[0]) for k, c in enumerate(chars)],
            )
        if pg:
            series = f"(SELECT g::bigint AS i FROM generate_series(1, {n - 1}) g)"  # noqa: S608
            birth = "current_date - (1 + x.h % 6935)::int"
            status_date = "current_date - 30"
        else:
            series = (
                f"(WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r "  # noqa: S608
                f"WHERE i < {n - 1}) SELECT i FROM r)"
            )
            birth = "date('now', '-' || (1 + x.h % 6935) || ' days')"
            status_date = "date('now', '-30 days')"
        status = (
            "CASE (x.h / 17) % 200 WHEN 0 THEN 'moved_out' WHEN 1 THEN 'moved_out' "
            "WHEN 2 THEN 'transferred' WHEN 3 THEN 'deceased' ELSE 'active' END"
        )
        rows = (
            f"(SELECT i, (i * 2654435761) % 4294967296 AS h FROM {series} q) x "  # noqa: S608
            f"JOIN bench_map bm ON bm.k = x.i % {COMMUNITIES} "
            "JOIN bench_sur s ON s.k = (x.h / 3) % 20 "
            "JOIN bench_giv g1 ON g1.k = (x.h / 61) % 40 "
            "JOIN bench_giv g2 ON g2.k = (x.h / 2441) % 41 WHERE true"
        )
        cursor.execute(_clone_sql(Child, template.pk, {
            "name": "s.ch || g1.ch || g2.ch",
            "name_initials": "s.ini || g1.ini || g2.ini",
            "name_pinyin": "s.py || g1.py || g2.py",
            "sex": "CASE WHEN (x.h / 7) % 2 = 0 THEN 'F' ELSE 'M' END",
            "birth_date": birth,
            "id_number_hash": "'bench-' || x.i",
            "community_id": "bm.c", "subdistrict_id": "bm.s",
            "status": status,
            "status_date": f"CASE WHEN {status} = 'active' THEN NULL ELSE {status_date} END",
            "category_bits": "(1 << CAST((x.h / 13) % 10 AS integer)) | CASE WHEN (x.h / 130) "
                             "% 2 = 0 THEN 1 << CAST(((x.h / 13) % 10 + 1 + (x.h / 260) % 9) % 10 "
                             "AS integer) ELSE 0 END",
        }, rows))  # fmt: skip
        register_numbers(cursor)
        # 1–2 categories per child (the bits the services keep with the rows), then the rows.
        for code, bit in CATEGORY_BITS.items():
            cursor.execute(
                "INSERT INTO children_childcategory (district_id, child_id, category) "  # noqa: S608
                "SELECT district_id, id, %s "
                f"FROM children_child WHERE (category_bits & {bit}) <> 0 AND id <> {template.pk}",
                [code],
            )
        for _name, definition in indexes:
            cursor.execute(definition)
        if pg:
            cursor.execute("SET session_replication_role = DEFAULT")
            # What autovacuum does to a table that is mostly read: the statistics, and the
            # visibility map that lets a count or a deep page read an index alone.
            cursor.execute("VACUUM ANALYZE children_child")
            cursor.execute("VACUUM ANALYZE children_childcategory")
        cursor.execute("ANALYZE")
    loaded = time.perf_counter() - started
    tallies_refresh()

    def user(name: str, role: str, area: Area) -> User:
        u = User.objects.create(username=name)
        RoleAssignment.objects.create(user=u, role=role, area=area)
        return User.objects.get(pk=u.pk)

    return {
        "director": user("bench_director", Role.DIRECTOR, communities[1]),
        "supervisor": user("bench_supervisor", Role.SUPERVISOR, subs[1]),
        "district": user("bench_district", Role.DISTRICT_STAFF, district),
        "director_community": communities[1].pk,
        "load_s": loaded,
        "children": Child.objects.count(),
    }


# The list's filters, one value each (the most used ones), combined in every way.
FILTERS = {
    "category": "left_behind",
    "sex": "F",
    "age_band": "12-14",
    "status": "active",
}
# Other single values: the widest category filter, a rare status, the aged out.
SINGLES = [
    {"category": "in_difficulty"},
    {"category": "orphan"},
    {"status": "moved_out"},
    {"status": "aged_out"},
]
SEARCHES = {
    "pinyin initials 'zw'": "zw",
    "pinyin 'zhangwei'": "zhangwei",
    "name '张伟' (2 characters)": "张伟",
    "name '张伟华' (3 characters)": "张伟华",
    "name '伟华' (given name)": "伟华",
}


def _pair(fns) -> tuple[float, float]:
    """Medians of the page (test client) and of the list's own queries."""
    get, read = fns
    return _median_ms(get), _median_ms(read)


def _label(params: dict) -> str:
    return " + ".join(f"{k}={v}" for k, v in params.items()) or "no filter"


def measure(ctx: dict) -> dict[str, tuple[float, ...]]:
    from django.test import Client
    from django.urls import reverse

    from weibao.children.selectors import ChildFilters, _counted_counts, category_counts, child_list
    from weibao.children.tallies import tallies_refresh
    from weibao.core.views_helpers import CappedPaginator

    clients = {}
    for role in ("director", "supervisor", "district"):
        clients[role] = Client()
        clients[role].force_login(ctx[role])
    url = reverse("children:list")

    def page(role: str, params: dict):
        def get():
            response = clients[role].get(url, params)
            assert response.status_code == 200, response.status_code

        def read():  # the list's own queries: count, page, categories (no HTTP, no template)
            filters = ChildFilters(**{k: v for k, v in params.items() if k != "page"})
            paged = CappedPaginator(child_list(ctx[role], filters), 25)
            list(paged.get_page(params.get("page", 1)))

        return get, read

    for role in ("director", "supervisor", "district"):
        assert category_counts(ctx[role]) == _counted_counts(ctx[role], None), role
    results = {}
    for role in ("director", "supervisor", "district"):
        results[f"{role}: list, page 1"] = _pair(page(role, {}))
    results["supervisor: list, page 40"] = _pair(page("supervisor", {"page": 40}))
    results["supervisor: list, page 400"] = _pair(page("supervisor", {"page": 400}))
    keys = list(FILTERS)
    for size in range(1, len(keys) + 1):
        for combo in itertools.combinations(keys, size):
            params = {k: FILTERS[k] for k in combo}
            results[f"supervisor: {_label(params)}"] = _pair(page("supervisor", params))
    for params in SINGLES:
        results[f"supervisor: {_label(params)}"] = _pair(page("supervisor", params))
    hard = {"category": "left_behind", "sex": "F", "age_band": "12-14"}
    results["supervisor: left-behind girls 12–14, page 10"] = _pair(
        page("supervisor", {**hard, "page": 10})
    )
    results["district: left-behind girls 12–14"] = _pair(page("district", hard))
    for label, text in SEARCHES.items():
        results[f"supervisor: search {label}"] = _pair(page("supervisor", {"q": text}))
    results["district: search name '张伟华'"] = _pair(page("district", {"q": "张伟华"}))
    results["director: search pinyin initials 'zw'"] = _pair(page("director", {"q": "zw"}))
    results["supervisor: search exact ID number"] = _pair(page("supervisor", {"q": ID_NUMBER}))
    from weibao.children.selectors import id_number_owner

    # What a new file's check asks: the registry, then the file in its district.
    results["exact ID-number lookup (registry, then the file)"] = (
        _median_ms(lambda: id_number_owner(ctx["district"], ID_NUMBER)),
    )
    for role in ("director", "supervisor", "district"):
        results[f"{role}: home counts (tallies)"] = (
            _median_ms(lambda role=role: category_counts(ctx[role])),
        )
    results["recount one 居民区 (each child write)"] = (
        _median_ms(lambda: tallies_refresh(community_ids=[ctx["director_community"]])),
    )
    return results


def explain(ctx: dict) -> None:
    """The plans of the hard reads' count and page queries, as the list page runs them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weibao.children.selectors import ChildFilters, child_list
    from weibao.core.views_helpers import CappedPaginator

    for filters in (
        ChildFilters(category="left_behind", sex="F", age_band="12-14"),
        ChildFilters(q="zw"),
        ChildFilters(q="张伟"),
    ):
        print(f"## {filters}")
        with CaptureQueriesContext(connection) as captured:
            page = CappedPaginator(child_list(ctx["supervisor"], filters), 25).get_page(1)
            list(page)
        for query in captured.captured_queries[:2]:  # the count, the page (not the categories)
            pg = connection.vendor == "postgresql"
            prefix = "EXPLAIN ANALYZE " if pg else "EXPLAIN QUERY PLAN "
            with connection.cursor() as cursor:
                cursor.execute(prefix + query["sql"])
                for row in cursor.fetchall():
                    print("   ", " ".join(str(c) for c in row))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--explain", action="store_true", help="print the hard reads' plans")
    args = parser.parse_args()
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    results = {}
    for n in args.children:
        ctx = build(n)
        print(
            f"# {connection.vendor}, {ctx['children']:,} children (loaded in "
            f"{ctx['load_s']:.0f} s)",
            flush=True,
        )
        results[n] = measure(ctx)
        for name, times in results[n].items():
            print(f"  {name:60s} " + " ".join(f"{ms:9.2f} ms" for ms in times), flush=True)
        if args.explain:
            explain(ctx)
    if len(args.children) >= 2:
        lo, hi = args.children[0], args.children[-1]
        print(
            f"# {connection.vendor}, medians: read | page {lo:,} | page {hi:,} | ratio | "
            f"queries {lo:,} | queries {hi:,} | ratio (same run)"
        )
        for name in results[lo]:
            cells = []
            for a, b in zip(results[lo][name], results[hi][name], strict=True):
                cells += [f"{a:.2f} ms", f"{b:.2f} ms", f"{b / a:.2f}×"]
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
