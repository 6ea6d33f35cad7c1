"""Benchmark: the dashboards at a city's scale (docs/domain.md §11.1).

Builds, for each size, a district of one database holding that many children (the worst
case for that district's dashboard and for its refresh): 40 街镇 × 50 居民区, N children
registered over the last 13 months with 1–2 categories each, and per child 12 visits due (one a
month) and 12 completed visits — at 2,500,000 children that is 30,000,000 visits and 30,000,000
visits due. Rows are cloned from one template row per table by INSERT … SELECT generate_series
(PostgreSQL only): only the counting and the reading are measured here.

Then it times, in the same run for every size:
- the refresh of the running month (dashboards.services.figures_refresh): the scheduled job;
- the district's, a 街镇's and a 居民区's dashboard page and the district's API answer
  (Django's test client: the server's whole handling, template included), median of 15;
- the figures' own read (selectors.figures_for), median of 15.
The eleven months before are the running month's figure rows copied (a refresh each would only
make the run longer: a dashboard reads rows, and the copies make the table its real size).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_bench .venv/bin/python \\
        bench/dashboards.py --children 250000 2500000
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from visits import register_numbers  # the registry rows of the children cloned here

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SUBDISTRICTS, COMMUNITIES_EACH = 40, 50


def _setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/dashboards.py needs DATABASE_URL of a PostgreSQL database it may empty.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    import django

    django.setup()


def _median_ms(fn, runs: int = 15) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _clone_sql(model, template_id: int, overrides: dict[str, str], source: str) -> str:
    """INSERT INTO model's table every concrete column: the template row's value, or the SQL
    expression in `overrides` (which may read `g` and the `source` FROM clause)."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        values.append(overrides.get(field.column, f't."{field.column}"'))
    table = model._meta.db_table
    # Table and column names come from the models, every expression from this file.
    return (
        f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(values)} '  # noqa: S608
        f'FROM "{table}" t, {source} AND t.id = {template_id}'
    )


def build(n: int, first: bool) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.children.models import Child, ChildCategory
    from weibao.children.tallies import tallies_refresh
    from weibao.core import crypto
    from weibao.visits.models import Visit, VisitDue

    if first:
        call_command("flush", interactive=False, verbosity=0)
    district = Area.objects.create(name=f"基准区{n}", level="district")
    subs = Area.objects.bulk_create(
        Area(name=f"基准{n}街道{i:02d}", level="subdistrict", parent=district)
        for i in range(SUBDISTRICTS)
    )
    communities = Area.objects.bulk_create(
        Area(name=f"基准{n}居民区{i:04d}", level="community", parent=subs[i % SUBDISTRICTS])
        for i in range(SUBDISTRICTS * COMMUNITIES_EACH)
    )
    today = timezone.localdate()
    author = User.objects.create(username=f"bench_author_{n}")
    cipher = crypto.encrypt("bench")
    child = Child.objects.create(
        name="基准0", name_initials="jz", name_pinyin="jizhun", sex="F",
        birth_date=today - dt.timedelta(days=3000), id_number=cipher,
        id_number_hash=crypto.lookup_hash(f"bench-template-{n}"),
        id_number_masked="999999********0000", hukou_type="local", address="",
        district=district, subdistrict=communities[0].parent, community=communities[0],
    )  # fmt: skip
    visit = Visit.objects.create(
        child=child, author=author, state=Visit.State.COMPLETED, visit_date=today,
        completed_at=timezone.now(),
        district=district, subdistrict=communities[0].parent, community=communities[0],
    )  # fmt: skip
    due = VisitDue.objects.create(
        child=child, due_date=today, reason="left_behind", state=VisitDue.State.DONE,
        done_on=today, on_time=True,
        district=district, subdistrict=communities[0].parent, community=communities[0],
    )  # fmt: skip
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Foreign keys not checked row by row while loading (every id comes from the rows
        # above): the load is set-up, not what is measured.
        cursor.execute("SET session_replication_role = replica")
        # The big tables' secondary indexes are built once after the load (faster than kept up
        # row by row); the same definitions, read from the catalogue.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('visits_visit', 'visits_visitdue', 'children_child', 'children_childcategory') "
            "AND indexdef NOT LIKE '%UNIQUE%'"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("CREATE TEMP TABLE bench_map (k int PRIMARY KEY, c int, s int)")
        cursor.execute(
            "INSERT INTO bench_map SELECT row_number() OVER (ORDER BY id) - 1, id, parent_id "
            "FROM areas_area WHERE level = 'community' AND parent_id IN "
            "(SELECT id FROM areas_area WHERE parent_id = %s)",
            [district.pk],
        )
        m = len(communities)
        cursor.execute(_clone_sql(Child, child.pk, {
            "name": "'基准' || g", "name_pinyin": "'jizhun' || g",
            "id_number_hash": f"md5('{n}-' || g)",
            "birth_date": "current_date - (g % 6400)",
            "community_id": "bm.c", "subdistrict_id": "bm.s",
            "created_at": "now() - ((g % 400) || ' days')::interval",
            "status": "CASE WHEN g % 97 = 0 THEN 'moved_out' ELSE 'active' END",
            "status_date": "CASE WHEN g % 97 = 0 THEN current_date - (g % 380) END",
        }, f"generate_series(1, {n - 1}) g JOIN bench_map bm ON bm.k = g % {m} "
           "WHERE true"))  # fmt: skip
        register_numbers(cursor)
        cursor.execute(
            "INSERT INTO children_childcategory (district_id, child_id, category) "
            "SELECT district_id, id, (ARRAY["
            "'left_behind','economic_hardship','disability','migrant_hardship','orphan',"
            "'left_behind','autism','serious_illness','guardianship_missing','left_behind'"
            "])[id %% 10 + 1] FROM children_child WHERE district_id = %s",
            [district.pk],
        )
        # Visits due on the 1st–28th of each of the 12 months up to this one; one in ten late.
        month_day = "(date_trunc('month', current_date) - (k || ' months')::interval)::date"
        due_day = f"({month_day} + (c.id % 28)::int)"
        source = f"children_child c, generate_series(0, 11) k WHERE c.district_id = {district.pk}"
        area = {"district_id": "c.district_id", "subdistrict_id": "c.subdistrict_id",
                "community_id": "c.community_id", "child_id": "c.id"}  # fmt: skip
        cursor.execute(_clone_sql(VisitDue, due.pk, {
            **area, "due_date": due_day,
            "state": f"CASE WHEN {due_day} >= current_date THEN 'open' ELSE 'done' END",
            "done_on": f"CASE WHEN {due_day} < current_date THEN {due_day} + "
                       "CASE WHEN (c.id + k) % 10 = 0 THEN 5 ELSE 0 END END",
            "on_time": f"CASE WHEN {due_day} < current_date THEN (c.id + k) % 10 <> 0 END",
            "visit_id": "NULL",
        }, source + f" AND c.id <> {child.pk}"))  # fmt: skip
        cursor.execute(_clone_sql(Visit, visit.pk, {
            **area, "visit_date": f"LEAST({due_day}, current_date)",
        }, source + f" AND c.id <> {child.pk}"))  # fmt: skip
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("DROP TABLE bench_map")
    loaded = time.perf_counter() - started
    ChildCategory.objects.get_or_create(
        district_id=child.district_id, child=child, category="left_behind"
    )
    tallies_refresh(community_ids=[c.pk for c in communities])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def user(name: str, role: str, area: Area) -> User:
        u = User.objects.create(username=name)
        RoleAssignment.objects.create(user=u, role=role, area=area)
        return User.objects.get(pk=u.pk)

    return {
        "district": district, "subdistrict": subs[0], "community": communities[0],
        "officer": user(f"bench_district_{n}", Role.DISTRICT_STAFF, district),
        "load_s": loaded,
        "visits": Visit.objects.filter(district=district).count(),
        "dues": VisitDue.objects.filter(district=district).count(),
        "children": Child.objects.filter(district=district).count(),
    }  # fmt: skip


def measure(ctx: dict) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from weibao.core.dates import add_months
    from weibao.dashboards.models import Figure
    from weibao.dashboards.selectors import figures_for
    from weibao.dashboards.services import figures_refresh

    today = timezone.localdate()
    month = today.replace(day=1)
    started = time.perf_counter()
    figures_refresh(district=ctx["district"], month=month, today=today, force=True)
    refresh_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        for back in range(1, 12):
            cursor.execute(
                "INSERT INTO dashboards_figure (area_id, month, key, dim, value) "
                "SELECT f.area_id, %s, f.key, f.dim, f.value FROM dashboards_figure f "
                "JOIN areas_area a ON a.id = f.area_id WHERE f.month = %s AND (a.id = %s "
                "OR a.parent_id = %s OR a.parent_id IN (SELECT id FROM areas_area WHERE "
                "parent_id = %s))",
                [add_months(month, -back), month, *[ctx["district"].pk] * 3],
            )
        cursor.execute("ANALYZE dashboards_figure")
    client = Client()
    client.force_login(ctx["officer"])

    def page(area, fresh: bool = False) -> float:
        url = f"/dashboards/{area.pk}/"

        def get():
            if fresh:  # the first read after a count: the body rendered from the figures
                cache.clear()
            assert client.get(url).status_code == 200

        return _median_ms(get)

    def api() -> None:
        cache.clear()  # the answer built from the figures each time
        assert client.get(f"/api/v1/dashboards/{ctx['district'].pk}/").status_code == 200

    return {
        "refresh_s": refresh_s,
        "figure_rows": Figure.objects.count(),  # the whole table: every size's rows
        "district_page_ms": page(ctx["district"]),
        "district_page_fresh_ms": page(ctx["district"], fresh=True),
        "subdistrict_page_ms": page(ctx["subdistrict"]),
        "community_page_ms": page(ctx["community"]),
        "district_api_ms": _median_ms(api),
        "figures_read_ms": _median_ms(lambda: figures_for(ctx["district"], month)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, nargs="+", default=[250_000, 2_500_000])
    args = parser.parse_args()
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Every size is a district of one database, so that every size is measured by the same
    # code on the same tables, one after the other.
    built = []
    for index, n in enumerate(args.children):
        ctx = build(n, first=index == 0)
        built.append((n, ctx))
        print(f"built {ctx['children']:,} children, {ctx['visits']:,} visits, "
              f"{ctx['dues']:,} visits due in {ctx['load_s']:.0f} s", flush=True)  # fmt: skip
    results = []
    for n, ctx in built:
        figures = measure(ctx)
        results.append((n, figures))
        print(n, {k: round(v, 2) for k, v in figures.items()}, flush=True)
    first = results[0][1]
    for n, figures in results:
        print(f"{n:>10,} children: district page {figures['district_page_ms']:.1f} ms, fresh "
              f"{figures['district_page_fresh_ms']:.1f} ms "
              f"(×{figures['district_page_fresh_ms'] / first['district_page_fresh_ms']:.2f}), API "
              f"{figures['district_api_ms']:.1f} ms, figures read {figures['figures_read_ms']:.2f} "
              f"ms, 街镇 page {figures['subdistrict_page_ms']:.1f} ms, 居民区 page "
              f"{figures['community_page_ms']:.1f} ms, refresh {figures['refresh_s']:.1f} s, "
              f"{figures['figure_rows']:,} figure rows")  # fmt: skip


if __name__ == "__main__":
    main()
