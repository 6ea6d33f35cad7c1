"""Simulation: weibao past one machine, partitioned by district (docs/scale.md).

Citus is not installable here, so the stand-in is PostgreSQL's declarative partitioning on one
machine: the child-keyed tables split by `district_id` (one LIST partition per district), as
Citus would split them into shards by the same column. What Citus needs of the code is what
partition pruning needs: every query names the district, so that it goes to one shard (here:
reads one partition).

The run, in its own database (DATABASE_URL; the database is emptied first):
1. migrates the schema and builds, with INSERT … SELECT generate_series (rows cloned from one
   template row, as bench/dashboards.py does), a data set at about 1/100 of national scale:
   --districts (28) × 10 街镇 × 20 居民区, --children (3,000,000) spread evenly over the 居民区,
   one category each, --visits-per-child completed visits and as many due rows (the last one
   open), a case for one child in fifty with its team, in the ordinary (plain) tables;
2. copies the main child-keyed tables into a schema `part` with the same names, each
   `PARTITION BY LIST (district_id)` with one partition per district and the same secondary
   indexes: children_child, children_childcategory, visits_visit, visits_visitdue,
   cases_case and cases_casemember. A unique index must contain the partition key: the one
   rule across districts, that an ID number is registered once, is the app's own reference
   table children_idnumberregistration (hash → district and child), which stays unpartitioned;
3. signs in as a 儿童主任 (one 居民区), a 督导员 (one 街镇) and district staff, requests the main
   pages with Django's test client and records every query they make (CaptureQueriesContext) —
   the app's own SQL, produced by its scope functions;
4. runs each recorded query that reads one of those tables under EXPLAIN (ANALYZE, FORMAT JSON)
   twice: with `search_path = part, public` (the partitioned tables) and `public` (the plain
   ones), and reports the partitions each reads and the time (planning + execution, median of
   --runs), and the duplicate-ID check both ways (the files' hashes across all partitions, the
   app's query until 2026-12-07, and the registry with the file read in its district, the
   app's since).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_scalesim_bench \\
        .venv/bin/python bench/partitions.py --children 3000000 --visits-per-child 2

`--reuse` skips steps 1–2 (the data of the last run is kept in the database). `--json FILE`
writes every query's figures.
"""

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboards import _clone_sql  # the same cloning of rows by INSERT … SELECT
from visits import Load, register_numbers  # other processes' cores; the ID registry

SUBDISTRICTS, COMMUNITIES_EACH = 10, 20
# The partitioned tables, and for each the column it is split by.
TABLES = [
    "children_child",
    "children_childcategory",
    "visits_visitdue",
    "visits_visit",
    "cases_case",
    "cases_casemember",
]
TABLE_RE = re.compile(r'"(' + "|".join(TABLES) + r')"')
PARTITION_RE = re.compile(r"^(" + "|".join(TABLES) + r")_d\d+$")


def _setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/partitions.py needs DATABASE_URL of a PostgreSQL database of its own")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    import django

    django.setup()


# --- 1. the data, in the plain tables --------------------------------------------------------


def build(n: int, districts_n: int, visits_per_child: int) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from weibao.accounts.models import User
    from weibao.areas.models import Area
    from weibao.cases.models import Case, CaseMember
    from weibao.children.categories import CATEGORY_BITS
    from weibao.children.models import Child, ChildCategory
    from weibao.core import crypto
    from weibao.visits.models import Visit, VisitDue

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS part CASCADE")
    districts = Area.objects.bulk_create(
        Area(name=f"模拟区{d:02d}", level="district") for d in range(districts_n)
    )
    subs = Area.objects.bulk_create(
        Area(name=f"模拟街道{d.pk}-{i:02d}", level="subdistrict", parent=d)
        for d in districts
        for i in range(SUBDISTRICTS)
    )
    communities = Area.objects.bulk_create(
        Area(name=f"模拟居民区{s.pk}-{i:02d}", level="community", parent=s)
        for s in subs
        for i in range(COMMUNITIES_EACH)
    )
    # The people are in a district in the middle (not the first, where the template rows are).
    here = communities[len(communities) // 2]
    today = timezone.localdate()
    author = User.objects.create(username="sim_author")
    filler = User.objects.create(username="sim_other_director")
    area = {"district_id": here.parent.parent_id, "subdistrict_id": here.parent_id,
            "community_id": here.pk}  # fmt: skip
    child = Child.objects.create(
        name="模拟", name_initials="mn", name_pinyin="moni", sex="F",
        birth_date=today - dt.timedelta(days=3000), id_number=crypto.encrypt("sim"),
        id_number_hash=crypto.lookup_hash("sim-template"), id_number_masked="999999********0000",
        hukou_type="local", address="", **area,
    )  # fmt: skip
    ChildCategory.objects.create(district_id=child.district_id, child=child, category="left_behind")
    Child.objects.filter(pk=child.pk).update(category_bits=CATEGORY_BITS["left_behind"])
    visit = Visit.objects.create(
        child=child, author=author, state=Visit.State.COMPLETED, visit_date=today,
        completed_at=timezone.now(), **area,
    )  # fmt: skip
    due = VisitDue.objects.create(
        child=child, due_date=today, reason="left_behind", state=VisitDue.State.OPEN, **area
    )
    case = Case.objects.create(child=child, owner=author, opened_by=author, stage="serving", **area)
    member = CaseMember.objects.create(case=case, user=author, why=CaseMember.Why.OWNER, **area)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Set-up, not what is measured: no foreign-key checks row by row, and the secondary
        # indexes built once after the load (the same definitions, read from the catalogue).
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND "
            "tablename = ANY(%s) AND indexdef NOT LIKE '%%UNIQUE%%'",
            [TABLES],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("CREATE TEMP TABLE sim_map (k int PRIMARY KEY, c int, s int, d int)")
        cursor.executemany(
            "INSERT INTO sim_map VALUES (%s, %s, %s, %s)",
            [(k, c.pk, c.parent_id, c.parent.parent_id) for k, c in enumerate(communities)],
        )
        m = len(communities)
        cursor.execute(_clone_sql(Child, child.pk, {
            "name": "'模拟' || g", "name_pinyin": "'moni' || g",
            "id_number_hash": "md5('sim-' || g)",
            "birth_date": "current_date - (g % 6400)::int",
            "district_id": "bm.d", "community_id": "bm.c", "subdistrict_id": "bm.s",
            "status": "CASE WHEN g % 97 = 0 THEN 'moved_out' ELSE 'active' END",
            "status_date": "CASE WHEN g % 97 = 0 THEN current_date - (g % 380)::int END",
            "category_bits": "1 << (g % 10)::int",
        }, f"generate_series(1, {n - 1}) g JOIN sim_map bm ON bm.k = g % {m} "
           "WHERE true"))  # fmt: skip
        register_numbers(cursor)
        # One category each (the bits the services keep with the rows, then the rows).
        for code, bit in CATEGORY_BITS.items():
            cursor.execute(
                "INSERT INTO children_childcategory (district_id, child_id, category) "  # noqa: S608
                "SELECT district_id, id, %s "
                f"FROM children_child WHERE (category_bits & {bit}) <> 0 AND id <> {child.pk}",
                [code],
            )
        # Due rows month by month up to this one (the last open), one visit for each closed one
        # and one for this month.
        k = visits_per_child
        month_day = "(date_trunc('month', current_date) - (k || ' months')::interval)::date"
        due_day = f"({month_day} + (c.id % 28)::int)"
        source = f"children_child c, generate_series(0, {k - 1}) k WHERE c.id <> {child.pk}"
        cols = {"district_id": "c.district_id", "subdistrict_id": "c.subdistrict_id",
                "community_id": "c.community_id", "child_id": "c.id"}  # fmt: skip
        cursor.execute(_clone_sql(VisitDue, due.pk, {
            **cols, "due_date": due_day,
            "state": "CASE WHEN k = 0 THEN 'open' ELSE 'done' END",
            "done_on": f"CASE WHEN k > 0 THEN {due_day} END",
            "on_time": "CASE WHEN k > 0 THEN true END",
        }, source))  # fmt: skip
        cursor.execute(_clone_sql(Visit, visit.pk, {
            **cols, "visit_date": f"LEAST({due_day}, current_date)",
        }, source))  # fmt: skip
        # A case for one child in fifty; the 居民区's director owns those of their 居民区.
        director_id = User.objects.create(username="sim_director").pk
        owner = f"CASE WHEN c.community_id = {here.pk} THEN {director_id} ELSE {filler.pk} END"
        one_in_50 = f"abs(hashtext(c.id::text)) % 50 = 0 AND c.id <> {child.pk}"
        cursor.execute(_clone_sql(Case, case.pk, {
            **cols, "owner_id": owner, "opened_by_id": owner,
        }, f"children_child c WHERE {one_in_50}"))  # fmt: skip
        cursor.execute(_clone_sql(CaseMember, member.pk, {
            "district_id": "c.district_id", "subdistrict_id": "c.subdistrict_id",
            "community_id": "c.community_id", "case_id": "c.id", "user_id": "c.owner_id",
        }, f"cases_case c WHERE c.id <> {case.pk}"))  # fmt: skip
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in TABLES:
            cursor.execute(f'VACUUM ANALYZE "{table}"')
        cursor.execute("ANALYZE")
    loaded = time.perf_counter() - started
    return {"load_s": loaded, "director_id": director_id, "community_id": here.pk}


# --- 2. the partitioned copies ---------------------------------------------------------------


def partition(district_ids: list[int]) -> dict:
    """The same tables in schema `part`, split by district, with the same indexes (a unique one
    only if it contains district_id) and the ID-number registry."""
    from django.db import connection

    started = time.perf_counter()
    dropped, widened = [], []
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS part CASCADE")
        cursor.execute("CREATE SCHEMA part")
        for table in TABLES:
            cursor.execute(
                f'CREATE TABLE part."{table}" (LIKE public."{table}" INCLUDING DEFAULTS '
                "INCLUDING CONSTRAINTS) PARTITION BY LIST (district_id)"
            )
            # The primary key must contain the partition key (as Citus's distribution column).
            cursor.execute(f'ALTER TABLE part."{table}" ADD PRIMARY KEY (id, district_id)')
            for d in district_ids:
                cursor.execute(
                    f'CREATE TABLE part."{table}_d{d}" PARTITION OF part."{table}" '
                    f"FOR VALUES IN ({d})"
                )
            cursor.execute(f'INSERT INTO part."{table}" SELECT * FROM public."{table}"')  # noqa: S608
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND "
                "tablename = %s AND indexname NOT LIKE '%%_pkey'",
                [table],
            )
            for name, definition in cursor.fetchall():
                unique = definition.startswith("CREATE UNIQUE")
                columns = definition[definition.index("(") :]
                if unique and "district_id" not in columns:
                    if "id_number_hash" in columns:
                        dropped.append(f"{table}: {name} {columns}")
                        continue
                    # Keyed by a child or a case, which lies in one district: the same rule
                    # with the district added, as a partitioned table's unique index must be.
                    at = definition.index(")", definition.index("USING"))
                    definition = definition[:at] + ", district_id" + definition[at:]
                    widened.append(f"{table}: {name}")
                cursor.execute(
                    definition.replace(f'INDEX "{name}"', f'INDEX "p_{name}"')
                    .replace(f"INDEX {name} ", f"INDEX p_{name} ")
                    .replace(f"ON public.{table} ", f"ON part.{table} ")
                )
        # The one question asked across districts (is this ID number registered?) is the
        # app's reference table, children_idnumberregistration, left as it is: on Citus a
        # reference table copied to every worker, written in the same transaction as the
        # child (docs/scale.md).
        for table in TABLES:
            cursor.execute(f'VACUUM ANALYZE part."{table}"')
        cursor.execute("VACUUM ANALYZE public.children_idnumberregistration")
    return {
        "partition_s": time.perf_counter() - started,
        "unique_dropped": dropped,
        "unique_widened": widened,
    }


# --- 3. the pages' queries -------------------------------------------------------------------


def capture(director_id: int, community_id: int) -> list[tuple[str, str, str]]:
    """(page, role, sql) for every query the main pages make that reads a partitioned table."""
    from django.core import signals
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.children.models import Child

    # One connection for the whole run (as a test does), so that its search_path holds.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    community = Area.objects.select_related("parent").get(pk=community_id)
    people = {}
    for role, area in (
        (Role.DIRECTOR, community),
        (Role.SUPERVISOR, community.parent),
        (Role.DISTRICT_STAFF, community.parent.parent),
    ):
        user = (
            User.objects.get(pk=director_id)
            if role == Role.DIRECTOR
            else User.objects.get_or_create(username=f"sim_{role}")[0]
        )
        RoleAssignment.objects.get_or_create(user=user, role=role, area=area)
        people[role] = user
    child = Child.objects.filter(community=community).order_by("pk").first()
    pages = {
        "children list": reverse("children:list"),
        "children list, category filter": reverse("children:list") + "?category=left_behind",
        "child's page": reverse("children:detail", args=[child.pk]),
        "visits worklist": reverse("visits:worklist"),
        "cases list": reverse("cases:list"),
    }
    found = []
    for role, user in people.items():
        client = Client()
        client.force_login(user)
        for page, url in pages.items():
            client.get(url)  # warm (sessions, caches)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200, (page, role, response.status_code)
            for q in ctx.captured_queries:
                sql = q["sql"]
                if sql.lstrip().upper().startswith("SELECT") and TABLE_RE.search(sql):
                    found.append((page, str(role), sql))
    return found


# --- 4. EXPLAIN ------------------------------------------------------------------------------


def _walk(node: dict, out: list) -> None:
    out.append(node)
    for child in node.get("Plans", []):
        _walk(child, out)


def explain(sql: str, schema: str, runs: int) -> dict:
    """The partitions in the plan of each partitioned table it reads (the most of any table),
    those that ran, and the median planning + execution time."""
    from django.db import connection

    times, scanned, executed, removed = [], {}, set(), 0
    with connection.cursor() as cursor:
        cursor.execute(f"SET search_path TO {schema}")
        try:
            for i in range(runs + 1):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                if i == 0:  # the first is the warm-up
                    nodes: list = []
                    _walk(plan[0]["Plan"], nodes)
                    for node in nodes:
                        match = PARTITION_RE.match(node.get("Relation Name", ""))
                        if match:
                            scanned.setdefault(match.group(1), set()).add(node["Relation Name"])
                            if node.get("Actual Loops", 0) > 0:
                                executed.add(node["Relation Name"])
                        removed += node.get("Subplans Removed", 0)
                    continue
                times.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
        finally:
            cursor.execute("SET search_path TO public")
    per_table = {table: len(names) for table, names in sorted(scanned.items())}
    return {
        "per_table": per_table,
        "partitions": max(per_table.values(), default=0),
        "executed": len(executed),
        "removed_at_run_time": removed,
        "ms": statistics.median(times),
    }


def measure_writes(runs: int) -> dict:
    """The UPDATE of a row's `save()`, as Django writes it (by id alone) and as
    areas.models.DistrictKeyed writes it (by district and id; docs/scale.md, "What changes in
    the code", point 8), for a child's file and a due visit: the partitions in each plan and
    the time. Each UPDATE sets a column to the value it has, and runs inside a transaction
    that is rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from weibao.children.models import Child
    from weibao.visits.models import VisitDue

    figures = {}
    for model, column in ((Child, "school"), (VisitDue, "overdue_level")):
        row = model.objects.order_by("-pk").first()
        value = getattr(row, column)
        with CaptureQueriesContext(connection) as ctx, transaction.atomic():
            row.save(update_fields=[column])  # the app's UPDATE, to check its shape below
            model.objects.filter(pk=row.pk).update(**{column: value})
            model.objects.filter(district_id=row.district_id, pk=row.pk).update(**{column: value})
            transaction.set_rollback(True)
        saved, by_id, by_district = (
            q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")
        )
        assert saved == by_district, (saved, by_district)
        name = model._meta.db_table
        for label, sql in (("by id alone", by_id), ("by district and id", by_district)):
            with transaction.atomic():
                figures[f"{name} {label}, partitioned"] = explain(sql, "part, public", runs)
                figures[f"{name} {label}, plain"] = explain(sql, "public", runs)
                transaction.set_rollback(True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=3_000_000)
    parser.add_argument("--districts", type=int, default=28)
    parser.add_argument("--visits-per-child", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the last run's data")
    parser.add_argument("--json", help="write every query's figures to this file")
    args = parser.parse_args()
    _setup_django()
    from django.db import connection

    from weibao.accounts.models import User
    from weibao.areas.models import Area

    if not args.reuse:
        ctx = build(args.children, args.districts, args.visits_per_child)
        print(f"loaded in {ctx['load_s']:.0f} s", flush=True)
        ids = list(Area.objects.filter(level="district").values_list("pk", flat=True))
        info = partition(ids)
        print(f"partitioned copies in {info['partition_s']:.0f} s", flush=True)
        for line in info["unique_dropped"]:
            print(f"  unique index without the district (-> registry): {line}")
        for line in info["unique_widened"]:
            print(f"  unique index keyed by a child or case, district added: {line}")
    from weibao.cases.models import Case

    director = User.objects.get(username="sim_director")
    # The template rows' 居民区 (build: `here`), where the director's cases are.
    community = Area.objects.get(
        pk=Case.objects.filter(owner__username="sim_author").values("community_id")[:1]
    )
    with connection.cursor() as cursor:
        sizes = {}
        for table in TABLES:
            cursor.execute(f'SELECT count(*) FROM public."{table}"')  # noqa: S608
            sizes[table] = cursor.fetchone()[0]
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()))
    queries = capture(director.pk, community.pk)
    Load.settle()
    before = Load.snapshot()
    rows = []
    for page, role, sql in queries:
        part = explain(sql, "part, public", args.runs)
        plain = explain(sql, "public", args.runs)
        tables = sorted(set(TABLE_RE.findall(sql)))
        rows.append({"page": page, "role": role, "tables": tables, "sql": sql,
                     "part": part, "plain": plain})  # fmt: skip
    # The duplicate-ID check: the files' hashes read across districts (no district: every
    # partition; the app's query until 2026-12-07), and what the app reads since
    # (children.selectors.id_number_owner): the registry, then the file in its district.
    from django.test.utils import CaptureQueriesContext

    from weibao.children.models import Child, IdNumberRegistration

    some_hash, district_id, child_id = Child.objects.order_by("-pk").values_list(
        "id_number_hash", "district_id", "pk"
    )[0]
    with CaptureQueriesContext(connection) as ctx:
        list(Child.objects.filter(id_number_hash=some_hash).values_list("pk", flat=True)[:1])
        IdNumberRegistration.objects.filter(id_number_hash=some_hash).values_list(
            "district_id", "child_id"
        ).first()
        list(Child.objects.filter(district_id=district_id, pk=child_id))
    hashes_sql, registry_sql, file_sql = (q["sql"] for q in ctx.captured_queries)
    dup = {
        "files' hashes, partitioned": explain(hashes_sql, "part, public", args.runs),
        "files' hashes, plain": explain(hashes_sql, "public", args.runs),
        "registry lookup": explain(registry_sql, "part, public", args.runs),
        "the file in its district, partitioned": explain(file_sql, "part, public", args.runs),
    }
    writes = measure_writes(args.runs)
    others = Load.others(before, Load.snapshot())

    print()
    print(f"{'page':32} {'role':16} {'queries':>7} {'max partitions':>14} "
          f"{'partitioned ms':>14} {'plain ms':>9}")  # fmt: skip
    grouped: dict = {}
    for row in rows:
        grouped.setdefault((row["page"], row["role"]), []).append(row)
    for (page, role), group in grouped.items():
        worst = max(r["part"]["partitions"] for r in group)
        part_ms = sum(r["part"]["ms"] for r in group)
        plain_ms = sum(r["plain"]["ms"] for r in group)
        print(f"{page:32} {role:16} {len(group):7} {worst:14} {part_ms:14.2f} {plain_ms:9.2f}")
    print()
    for row in rows:
        if row["part"]["partitions"] != 1:
            print(f"NOT ONE PARTITION {row['part']['per_table']}: {row['page']} / "
                  f"{row['role']}: {row['sql'][:300]}")  # fmt: skip
    print()
    for label, figures in dup.items():
        print(f"duplicate-ID check, {label}: {figures['partitions']} partitions, "
              f"{figures['ms']:.3f} ms")  # fmt: skip
    print()
    for label, figures in writes.items():
        print(f"write, {label}: {figures['partitions']} partitions, {figures['ms']:.3f} ms")
    print(f"other processes used {others:.2f} cores meanwhile")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "sizes": sizes,
                    "rows": rows,
                    "duplicate_id": dup,
                    "writes": writes,
                    "others": others,
                },
                ensure_ascii=False,
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
