"""Benchmark: a spreadsheet import of N rows (issue #14 part 7) against a raw bulk insert of the
same rows, in the same run, on a throw-away database.

A synthetic register is written with openpyxl's write-only mode: names visibly fake
("测试儿童000001"), valid ID numbers (correct check digits) whose birth dates spread over the
last 10 years, 10 居民区 of one 街镇, a category and a guardian per row. Then, in this order:

1. raw: the rows read with the import's own reader (imports.reader) and written with
   bulk_create — Child (identity hash, mask, pinyin, area columns as the service sets them),
   ChildCategory and Guardian, 1,000 at a time, in one transaction; timed, then deleted;
2. dry run: imports.runner.import_run(apply=False), as the background job runs it;
3. commit: imports.runner.import_run(apply=True) — each chunk of 1,000 rows re-checked against
   the register and its new files registered by children.services.children_create_many
   (validation, audit rows, first due visits, match keys, tallies);
4. re-import of the same file: dry run and commit, every row "unchanged".

Each step runs in a process of its own (this script with --step), so that its peak resident
size (ru_maxrss) is its own, not what an earlier step left behind; each also reports the cores
other processes used while it ran (bench/visits.py Load), since the ratio of two steps is only
as good as the quiet around them, and its CPU time (this process and its PostgreSQL backend),
which other processes move less than the wall time. --no-reimport leaves out step 4;
--raw-batch-gc gives the raw insert the import's garbage-collector setting too
(core.collector.batch_gc), the stricter comparison. With --tracemalloc, the peak of Python
allocations during the commit (tracemalloc slows Python down, so the timings of such a run are
not the ones to quote); with --profile, the commit's top 40 functions by total and by own time.

    .venv/bin/python bench/imports.py --rows 100000

Into a registry at a city's scale (issue #15): --registry N first builds bench/registry.py's
registry of N children (1 district, 10 街镇, 200 居民区; --reuse takes the one already in
DATABASE_URL instead) with two match keys per child (name and birth date, as the services
write them for a child without a guardian's phone; digests that match nothing), so that the
import checks its rows against N registered children; the register's rows go to 10 of its
居民区, and the raw step removes only the rows it wrote:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_reg .venv/bin/python bench/imports.py \
        --rows 100000 --registry 2500000 [--reuse]
"""

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from visits import Load, _secondary_indexes, _setup_django

COMMUNITIES = 10
HEADER = [
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "民族",
    "户籍地",
    "居住地址",
    "类别",
    "监护人",
    "联系电话",
    "居民区",
]
CATEGORIES = ["留守儿童", "家庭经济困难", "孤儿", "残疾儿童"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_register(path: Path, n: int, communities: list[str]) -> None:
    from openpyxl import Workbook

    from weibao.children import idnumber

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(HEADER)
    start = dt.date.today() - dt.timedelta(days=10 * 365)
    for i in range(n):
        # 1,000 distinct numbers per birth date (idnumber.make's sequence and sex digit).
        birth = start + dt.timedelta(days=i // 1000)
        sex = "M" if i % 2 else "F"
        sheet.append(
            [
                f"测试儿童{i:06d}",
                "男" if sex == "M" else "女",
                idnumber.make("310105", birth, (i % 1000) // 2, sex),
                birth.isoformat(),
                "汉族",
                "上海市长宁区",
                f"测试路{i}号",
                CATEGORIES[i % len(CATEGORIES)],
                f"测试家长{i:06d}",
                f"138{i:08d}",
                communities[i % COMMUNITIES],
            ]
        )
    workbook.save(path)


def city_registry(n: int, reuse: bool):
    """bench/registry.py's registry of n children (or the one in the database), its match keys,
    the importing user (district staff) and the names of the register's 10 居民区."""
    import registry
    from django.db import connection

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.children.models import Child
    from weibao.duplicates.matching import GLYPH_BIRTH, NAME_BIRTH
    from weibao.duplicates.models import MatchKey

    started = time.perf_counter()
    if not reuse:
        registry.build(n)
    if not MatchKey.objects.exists():
        table = MatchKey._meta.db_table
        with connection.cursor() as cursor:
            # The indexes built once after the load (10 minutes with them in place on this
            # machine, under load, for 5,000,000 keys).
            dropped = _secondary_indexes(cursor, connection.vendor, table)
            for name, _sql in dropped:
                cursor.execute(f'DROP INDEX "{name}"')
            # 16 hexadecimal characters, as the services write (duplicates.matching._digest);
            # they match no row of the register.
            pg = connection.vendor == "postgresql"
            digest = "left(md5(%s || id), 16)" if pg else "lower(hex(randomblob(8)))"
            for kind in (NAME_BIRTH, GLYPH_BIRTH):
                cursor.execute(
                    f"INSERT INTO {table} (child_id, kind, digest, district_id, subdistrict_id, "  # noqa: S608
                    f"community_id) SELECT id, %s, {digest}, district_id, subdistrict_id, "
                    "community_id FROM children_child",
                    [kind, kind] if pg else [kind],
                )
            for _name, sql in dropped:
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                cursor.execute(f"VACUUM ANALYZE {table}")
    district = Area.objects.get(level="district", name="基准区")
    user, _new = User.objects.get_or_create(username="bench", defaults={"full_name": "基准"})
    RoleAssignment.objects.get_or_create(user=user, role=Role.DISTRICT_STAFF, area=district)
    # Not bench_supervisor's 街镇, which bench/exports.py exports from the same registry.
    names = list(
        Area.objects.filter(level="community", parent__parent=district)
        .exclude(
            parent__in=RoleAssignment.objects.filter(user__username="bench_supervisor").values(
                "area"
            )
        )
        .order_by("name")
        .values_list("name", flat=True)[:COMMUNITIES]
    )
    print(
        f"registry: {Child.objects.count():,} children, {MatchKey.objects.count():,} match keys "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return names


def build_areas():
    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area

    district = Area.objects.create(name="基准区", code="310105", level="district")
    subdistrict = Area.objects.create(
        name="基准街道", code="310105006", level="subdistrict", parent=district
    )
    communities = [
        Area.objects.create(name=f"基准居民区{i}", level="community", parent=subdistrict)
        for i in range(COMMUNITIES)
    ]
    user = User.objects.create_user(username="bench", password="x", full_name="基准")
    RoleAssignment.objects.create(user=user, role=Role.DISTRICT_STAFF, area=district)
    return User.objects.get(pk=user.pk), {c.name: c for c in communities}


# CPU seconds of the timed parts of a step (this process and its PostgreSQL backend): less
# moved by other processes than the wall time, which is what the ratios are made of.
TIMED_CPU = [0.0]


def raw_insert(path: Path, user, communities) -> tuple[float, int]:
    """The same rows with bulk_create: what the database and the encryption cost alone."""
    from django.db import transaction

    from weibao.children import idnumber
    from weibao.children.categories import category_bits
    from weibao.children.models import Child, ChildCategory, Guardian, IdNumberRegistration
    from weibao.children.pinyin import name_pinyin
    from weibao.core import crypto
    from weibao.imports.reader import cell_text, iter_rows

    words = {"留守儿童": "left_behind", "家庭经济困难": "economic_hardship", "孤儿": "orphan",
             "残疾儿童": "disability"}  # fmt: skip
    started, cpu = time.perf_counter(), Load.snapshot()
    n = 0
    rows = iter_rows(path, "xlsx")
    next(rows)

    def flush(batch):
        children = Child.objects.bulk_create([child for child, _c, _g in batch])
        IdNumberRegistration.objects.bulk_create(
            IdNumberRegistration(
                id_number_hash=c.id_number_hash, district_id=c.district_id, child_id=c.pk
            )
            for c in children
        )
        ChildCategory.objects.bulk_create(
            [
                ChildCategory(district_id=c.district_id, child=c, category=cat)
                for c, (_x, cat, _g) in zip(children, batch, strict=True)
            ]
        )
        guardians = []
        for c, (_x, _cat, (name, phone)) in zip(children, batch, strict=True):
            guardian = Guardian(
                district_id=c.district_id, child=c, name=name, relation="other", phone=phone
            )
            guardian.phone_hash = crypto.lookup_hash(phone)
            guardian.phone_masked = crypto.mask_phone(phone)
            guardians.append(guardian)
        Guardian.objects.bulk_create(guardians)

    with transaction.atomic():
        batch = []
        for _line, values in rows:
            v = [cell_text(x) for x in values]
            community = communities[v[10]]
            number = idnumber.normalize(v[2])
            child = Child(
                name=v[0],
                sex="M" if v[1] == "男" else "F",
                ethnicity="01",
                birth_date=dt.date.fromisoformat(v[3]),
                id_number=number,
                id_number_hash=crypto.lookup_hash(number),
                id_number_masked=crypto.mask_id_number(number),
                hukou_type="local",
                hukou_place=v[5],
                address=v[6],
                community=community,
                subdistrict_id=community.parent_id,
                district_id=community.parent.parent_id,
                created_by=user,
            )
            child.name_initials, child.name_pinyin = name_pinyin(child.name)
            child.category_bits = category_bits({words[v[7]]})
            batch.append((child, words[v[7]], (v[8], v[9])))
            n += 1
            if len(batch) == 1000:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
    TIMED_CPU[0] += Load.cpu_seconds(cpu, Load.snapshot())
    return time.perf_counter() - started, n


def remove_raw(after: int) -> None:
    """The raw step's rows: the children after id `after` (a registry's stay)."""
    from weibao.children.models import Child, ChildCategory, Guardian, IdNumberRegistration

    for model in (Guardian, ChildCategory, IdNumberRegistration):
        rows = model.objects.filter(child_id__gt=after)
        rows._raw_delete(rows.db)
    rows = Child.objects.filter(pk__gt=after)
    rows._raw_delete(rows.db)


def run_job(job, apply: bool, trace: bool = False) -> tuple[float, float | None]:
    from weibao.imports.models import ImportJob
    from weibao.imports.runner import import_run

    ImportJob.objects.filter(pk=job.pk).update(state="checking" if not apply else "importing")
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), Load.snapshot()
    import_run(job_id=job.pk, apply=apply)
    elapsed = time.perf_counter() - started
    TIMED_CPU[0] += Load.cpu_seconds(cpu, Load.snapshot())
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return elapsed, peak


def upload(path: Path, user):
    from django.core.files import File

    from weibao.imports.mapping import guess_mapping
    from weibao.imports.services import import_upload

    with path.open("rb") as handle:
        job = import_upload(actor=user, upload=File(handle, name="基准台账.xlsx"))
    job.mapping = guess_mapping(job.headers)
    job.hukou_default = "local"
    job.save(update_fields=["mapping", "hukou_default"])
    return job


def counts(job) -> str:
    job.refresh_from_db()
    return (
        f"state={job.state} created={job.created} updated={job.updated} "
        f"unchanged={job.unchanged} refused={job.refused}"
    )


STEPS = ("raw", "dry", "commit", "reimport")


def run_step(step: str, path: Path, trace: bool, profile: bool) -> dict:
    """One step in this process (started by main for it alone): its time, the cores other
    processes used meanwhile (bench/visits.py Load) and this process's peak RSS."""
    from weibao.accounts.models import User
    from weibao.areas.models import Area
    from weibao.imports.models import ImportJob

    user = User.objects.get(username="bench")
    result: dict = {"rss_start_mb": rss_mb()}
    Load.note_backend()
    before = Load.snapshot()
    if step == "raw":
        from django.db.models import Max

        from weibao.children.models import Child

        communities = {a.name: a for a in Area.objects.filter(level="community")}
        last = Child.objects.aggregate(last=Max("pk"))["last"] or 0
        if os.environ.get("WEIBAO_BENCH_RAW_BATCH_GC"):
            # As the import runs (imports.runner): to see how much of what the import gains by
            # it the raw insert would gain too.
            from weibao.core.collector import batch_gc

            with batch_gc():
                seconds, n = raw_insert(path, user, communities)
        else:
            seconds, n = raw_insert(path, user, communities)
        remove_raw(after=last)
        result.update(seconds=seconds, rows=n)
    elif step == "dry":
        job = upload(path, user)
        result.update(seconds=run_job(job, apply=False)[0], counts=counts(job), job=job.pk)
    elif step == "commit":
        job = ImportJob.objects.order_by("-pk").first()
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        seconds, peak = run_job(job, apply=True, trace=trace)
        if profile:
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(40)
        result.update(seconds=seconds, counts=counts(job), traced_mb=peak)
    else:
        again = upload(path, user)
        dry_s, _ = run_job(again, apply=False)
        commit_s, _ = run_job(again, apply=True)
        result.update(seconds=dry_s + commit_s, dry=dry_s, commit=commit_s, counts=counts(again))
    result.update(others=Load.others(before, Load.snapshot()), cpu=TIMED_CPU[0], rss_mb=rss_mb())
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the commit step (cProfile: top 40 by total and by own time)",
    )
    parser.add_argument(
        "--registry", type=int, default=0,
        help="import into bench/registry.py's registry of this many children",
    )  # fmt: skip
    parser.add_argument(
        "--reuse", action="store_true",
        help="with --registry: the registry already in DATABASE_URL, not a new one",
    )  # fmt: skip
    parser.add_argument(
        "--no-reimport", action="store_true",
        help="leave out the re-import of the same file (the ratios need the first three steps)",
    )  # fmt: skip
    parser.add_argument(
        "--raw-batch-gc", action="store_true",
        help="run the raw insert with the import's garbage-collector setting too (core.collector)",
    )  # fmt: skip
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if args.step:
        # One step of a run, in a process of its own: the database is the parent's.
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
        import django

        django.setup()
        result = run_step(args.step, args.path, args.tracemalloc, args.profile)
        print("RESULT " + json.dumps(result))
        return
    if args.raw_batch_gc:
        os.environ["WEIBAO_BENCH_RAW_BATCH_GC"] = "1"  # read by the raw step's own process
    _setup_django()  # a new SQLite database under a temporary WEIBAO_VAR_DIR, or DATABASE_URL's
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settings.LANGUAGE_CODE = "zh-hans"
    print(f"database: {settings.DATABASES['default']['ENGINE']}, rows: {args.rows}")
    if args.registry:
        names = city_registry(args.registry, args.reuse)
    else:
        build_areas()
        names = [f"基准居民区{i}" for i in range(COMMUNITIES)]
    path = Path(tempfile.mkdtemp(prefix="weibao-bench-imports-")) / "register.xlsx"
    started = time.perf_counter()
    write_register(path, args.rows, names)
    size = path.stat().st_size / 2**20
    took = time.perf_counter() - started
    print(f"register written: {size:.1f} MB in {took:.1f} s")
    results = {}
    for step in STEPS[:-1] if args.no_reimport else STEPS:
        command = [sys.executable, __file__, "--step", step, "--path", str(path)]
        command += ["--tracemalloc"] * args.tracemalloc + ["--profile"] * args.profile
        # This very script, with the database the environment names.
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())  # noqa: S603
        lines = done.stdout.splitlines()
        if done.returncode or not lines or not lines[-1].startswith("RESULT "):
            sys.exit(f"step {step} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        print("\n".join(lines[:-1]), end="\n" if len(lines) > 1 else "")
        results[step] = r = json.loads(lines[-1][len("RESULT ") :])
        extra = f"; {r['counts']}" if "counts" in r else ""
        if step == "reimport":
            extra = f" (dry run {r['dry']:.1f} s, commit {r['commit']:.1f} s){extra}"
        traced = f"; tracemalloc peak {r['traced_mb']:.0f} MB" if r.get("traced_mb") else ""
        print(
            f"{step}: {r['seconds']:.1f} s ({args.rows / r['seconds']:.0f} rows/s){extra}; "
            f"peak RSS {r['rss_mb']:.0f} MB (process started at {r['rss_start_mb']:.0f} MB)"
            f"{traced}; CPU {r['cpu']:.1f} s; "
            f"other processes used {r['others']:.2f} cores meanwhile"
        )
    raw, commit, dry = (results[k]["seconds"] for k in ("raw", "commit", "dry"))
    print(f"commit speed ÷ raw speed: {raw / commit:.3f}")
    print(f"dry run + commit speed ÷ raw speed: {raw / (dry + commit):.3f}")
    raw_cpu, commit_cpu = results["raw"]["cpu"], results["commit"]["cpu"]
    print(f"commit ÷ raw by CPU time (less moved by other load): {raw_cpu / commit_cpu:.3f}")


if __name__ == "__main__":
    os.environ.setdefault("WEIBAO_BENCH", "1")
    main()
