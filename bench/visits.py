"""Benchmark: home visits at city scale (docs/domain.md §4).

Builds a synthetic city in a throw-away database and times what the visits pages and the daily
job do: a director's worklist (first page and the bucket counts), a supervisor's worklist, the
supervisor's monthly completion table for their 街镇, and `jobs.run_daily()`.

The city is 1 district, N 街镇 of 10 居民区, and 居民区 of 2,500 children, so a director's
居民区 (2,500 children) and a supervisor's 街镇 (25,000 children) are the same size whatever the
size of the city: growing the city tenfold adds 街镇, it does not make a 居民区 ten times bigger.
That is what "flat when the data grows tenfold" means for the worklist and the completion table.
Every child has 12 completed visits over the past year (the last one's date also on the child,
`Child.last_visited_on`, as visit_complete leaves it); ~40% of the children are in 1–2
categories (all of which have a rule, from the default rules of the visits migration), and those
children have an open due visit computed with `scheduling.next_due` (so the daily job has
nothing to move) and a closed due visit (done on time or late) for each past visit. Open dues
start with overdue_level 0, so the first run of the daily job sends the overdue notifications;
the second run is the steady state (idempotent: it changes nothing). The tables are laid out as
a live system writes them: a 居民区's children spread over the child table, visits and due
visits in the order of the month they were written (see Generator).

Rows are written with raw bulk SQL, not the ORM: executemany on SQLite, COPY on PostgreSQL,
with the secondary indexes dropped during the load and rebuilt afterwards and foreign-key checks
off (on PostgreSQL through session_replication_role, which needs a superuser such as the local
`postgres`). Everything happens in one transaction, so an interrupted build leaves the schema as
it was. Then ANALYZE (PostgreSQL: VACUUM ANALYZE).

    .venv/bin/python bench/visits.py --children 50000 500000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/visits.py ...

Without DATABASE_URL it uses SQLite in a temporary WEIBAO_VAR_DIR (removed at the end unless
--keep). Prints medians of 7 runs after a warm-up (--runs), the daily job's wall time for two
runs and for its phases, and with --explain the query plans of the timed reads. The machine is
shared: before each timing the script waits (--quiet-timeout) for other processes to leave the
CPU idle, and prints next to each figure how many cores other processes used meanwhile.
"""

import argparse
import datetime as dt
import importlib
import marshal
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COMMUNITY_SIZE = 2_500
COMMUNITIES_PER_SUBDISTRICT = 10
VISITS_PER_CHILD = 12
VISIT_SPAN_DAYS = 335  # from the first of the 12 visits to today
CATEGORISED_SHARE = 0.40
MOVED_OUT_SHARE = 0.005
RETURNED_HOME_SHARE = 0.01


def _setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["WEIBAO_VAR_DIR"] = tempfile.mkdtemp(prefix="weibao-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    import django

    django.setup()


class Load:
    """CPU time used by other processes while something is timed: not this process and not its
    PostgreSQL backend. Other people's test runs share this small machine; the figure printed
    next to each timing says how much they got in the way, in cores."""

    timeout = 120.0
    waited = 0.0
    backend_pid: int | None = None

    @staticmethod
    def _jiffies(pid: str | int) -> int:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0
        return int(fields[11]) + int(fields[12])  # utime + stime

    @classmethod
    def snapshot(cls) -> tuple[int, int, float]:
        if not os.path.exists("/proc/stat"):
            return 0, 0, time.monotonic()
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        busy = sum(values) - values[3] - values[4]  # minus idle and iowait
        mine = cls._jiffies("self") + (cls._jiffies(cls.backend_pid) if cls.backend_pid else 0)
        return busy, mine, time.monotonic()

    @staticmethod
    def others(before, after) -> float:
        """Cores used by other processes on average between two snapshots."""
        jiffies = (after[0] - before[0]) - (after[1] - before[1])
        return max(jiffies, 0) / os.sysconf("SC_CLK_TCK") / max(after[2] - before[2], 1e-3)

    @classmethod
    def note_backend(cls) -> None:
        """Count this process's PostgreSQL backend as this process's own CPU."""
        from django.db import connection

        cls.backend_pid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                cls.backend_pid = cursor.fetchone()[0]

    @staticmethod
    def cpu_seconds(before, after) -> float:
        """CPU time of this process and its database backend between two snapshots."""
        return (after[1] - before[1]) / os.sysconf("SC_CLK_TCK")

    @classmethod
    def settle(cls) -> None:
        """Wait (up to `timeout` seconds) until other processes use under a quarter of a core,
        and note this process's database backend."""
        cls.note_backend()
        start = time.monotonic()
        while time.monotonic() - start < cls.timeout:
            before = cls.snapshot()
            time.sleep(2)
            if cls.others(before, cls.snapshot()) < 0.25:
                break
        cls.waited += time.monotonic() - start


def _timed(fn) -> tuple[float, float]:
    """(ms, other processes' cores) of one call."""
    before = Load.snapshot()
    start = time.perf_counter()
    fn()
    ms = (time.perf_counter() - start) * 1000
    return ms, Load.others(before, Load.snapshot())


def _median_ms(fn, runs: int) -> tuple[float, float]:
    Load.settle()
    fn()  # warm the caches once, as a live server would be
    before = Load.snapshot()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), Load.others(before, Load.snapshot())


# --- raw bulk loading ---------------------------------------------------------------------


class Table:
    """Raw rows for one model: the columns the generator varies, then every other concrete
    column at a constant value (the field default, or `constants`), so a field added to the
    model later does not break the load."""

    def __init__(self, model, varying: list[str], constants: dict | None = None):
        from django.db import connection
        from django.db.models import NOT_PROVIDED

        self.model = model
        self.table = model._meta.db_table
        self.pg = connection.vendor == "postgresql"
        constants = constants or {}
        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = [f for name, f in fields.items() if name not in varying]
        self.columns = [fields[name].column for name in varying] + [f.column for f in rest]
        tail = []
        for f in rest:
            if f.attname in constants:
                value = constants[f.attname]
            elif f.default is not NOT_PROVIDED:
                value = f.get_default()
            elif f.null:
                value = None
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                from django.utils import timezone

                value = timezone.now()
            elif f.blank or f.get_internal_type() in {"CharField", "TextField"}:
                value = ""
            else:
                raise RuntimeError(f"bench: no value for {self.table}.{f.column}")
            tail.append(self._literal(f.get_db_prep_save(value, connection)))
        self.tail = tuple(tail)
        if self.pg:
            self.pg_tail = ("\t" + "\t".join(self.tail) if tail else "") + "\n"

    def _literal(self, value):
        if value is None:
            return r"\N" if self.pg else None
        if isinstance(value, bool):
            return ("t" if value else "f") if self.pg else int(value)
        if isinstance(value, dt.datetime):
            return value.isoformat(" ")
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value) if self.pg else value


class Sink:
    """Spools rows to one temporary file per (table, bucket), then loads every table bucket by
    bucket in order. Visits and due visits are bucketed by the month they were written in, so
    that the tables end up in the order a live system writes them: by date, with the rows of
    one 居民区 spread among everybody else's (not clustered, which would flatter the reads)."""

    def __init__(self, connection):
        self.connection = connection
        self.files: dict[tuple[str, str], tuple[Table, object]] = {}

    def _spool(self, table: Table, bucket: str):
        key = (table.table, bucket)
        if key not in self.files:
            # Closed in finish(), after the load.
            spool = tempfile.TemporaryFile(self.mode)  # noqa: SIM115
            self.files[key] = (table, spool)
        return self.files[key][1]

    def finish(self) -> None:
        for key in sorted(self.files):
            table, spool = self.files[key]
            spool.seek(0)
            self.load(table, spool)
            spool.close()


class SQLiteSink(Sink):
    """executemany, from marshalled lists of tuples."""

    mode = "w+b"

    def write(self, table: Table, bucket: str, rows: list[tuple]) -> None:
        marshal.dump(rows, self._spool(table, bucket))

    def load(self, table: Table, spool) -> None:
        marks = ", ".join("?" * len(table.columns))
        columns = ", ".join(table.columns)
        sql = f'INSERT INTO "{table.table}" ({columns}) VALUES ({marks})'  # noqa: S608 (model meta)
        tail, raw = table.tail, self.connection.connection
        while True:
            try:
                rows = marshal.load(spool)  # noqa: S302 (our own spool file)
            except EOFError:
                break
            raw.executemany(sql, [row + tail for row in rows])


class PostgresSink(Sink):
    """COPY, from text in COPY's own format."""

    mode = "w+"

    def write(self, table: Table, bucket: str, rows: list[tuple]) -> None:
        tail = table.pg_tail
        self._spool(table, bucket).write("".join("\t".join(map(str, r)) + tail for r in rows))

    def load(self, table: Table, spool) -> None:
        sql = f'COPY "{table.table}" ({", ".join(table.columns)}) FROM STDIN'
        with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            while block := spool.read(1 << 20):
                copy.write(block)


def _secondary_indexes(cursor, vendor: str, table: str) -> list[tuple[str, str]]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
            " AND sql IS NOT NULL",
            [table],
        )
    else:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = %s AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
    return cursor.fetchall()


# --- the synthetic city -------------------------------------------------------------------


def _restore_default_rules() -> None:
    from django.apps import apps

    migration = importlib.import_module("weibao.visits.migrations.0002_default_rules")
    migration.create_rules(apps, None)


def build(n: int, today: dt.date) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.children.models import Child, ChildCategory

    call_command("flush", interactive=False, verbosity=0)
    _restore_default_rules()
    communities_n = -(-n // COMMUNITY_SIZE)
    subdistricts_n = -(-communities_n // COMMUNITIES_PER_SUBDISTRICT)
    district = Area.objects.create(name="基准区", code="999999", level="district")
    subs = Area.objects.bulk_create(
        Area(name=f"基准街道{i:03d}", level="subdistrict", parent=district)
        for i in range(subdistricts_n)
    )
    communities = Area.objects.bulk_create(
        Area(
            name=f"基准居民区{i:04d}",
            level="community",
            parent=subs[i // COMMUNITIES_PER_SUBDISTRICT],
        )
        for i in range(communities_n)
    )
    # Every 居民区 has a director and every 街镇 a supervisor: the daily job notifies them.
    users = User.objects.bulk_create(
        [User(username=f"bench_director_{i}") for i in range(communities_n)]
        + [User(username=f"bench_supervisor_{i}") for i in range(subdistricts_n)]
    )
    directors, supervisors = users[:communities_n], users[communities_n:]
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=role, area=area)
        for role, staff, areas in (
            (Role.DIRECTOR, directors, communities),
            (Role.SUPERVISOR, supervisors, subs),
        )
        for user, area in zip(staff, areas, strict=True)
    )
    # The generator writes ids itself; the sequences are reset after the load.
    ids = {"child": 0, "category": 0, "visit": 0, "due": 0}
    vendor = connection.vendor
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -1000000")
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        tables = [m._meta.db_table for m in _loaded_models()]
        dropped = []
        for table in tables:
            for name, sql in _secondary_indexes(cursor, vendor, table):
                cursor.execute(f'DROP INDEX "{name}"')
                dropped.append(sql)
        sink = SQLiteSink(connection) if vendor == "sqlite" else PostgresSink(connection)
        gen = Generator(vendor, today, district, communities, directors)
        while ids["child"] < communities_n * COMMUNITY_SIZE:
            for table, buckets in gen.chunk(ids).items():
                for bucket, rows in buckets.items():
                    sink.write(table, bucket, rows)
        sink.finish()
        register_numbers(cursor)
        for sql in dropped:
            cursor.execute(sql)
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("ANALYZE")
    else:
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), _loaded_models()):
                cursor.execute(sql)
            for table in tables:
                cursor.execute(f'VACUUM ANALYZE "{table}"')
    connection.close()  # measure with the app's own connection settings, not the loader's
    assert Child.objects.count() == communities_n * COMMUNITY_SIZE
    assert ChildCategory.objects.count() == ids["category"]
    return {
        "children": communities_n * COMMUNITY_SIZE,
        "visits": ids["visit"],
        "dues": ids["due"],
        "categories": ids["category"],
        "communities": communities_n,
        "subdistricts": subdistricts_n,
        "director": User.objects.get(pk=directors[0].pk),
        "supervisor": User.objects.get(pk=supervisors[0].pk),
        "subdistrict": subs[0],
    }


def _loaded_models():
    from weibao.children.models import Child, ChildCategory
    from weibao.visits.models import Visit, VisitDue

    return [Child, ChildCategory, Visit, VisitDue]


class Generator:
    """Rows for the next 2,500 children at a time, from a seeded RNG. Child i lives in 居民区
    i mod N, so a 居民区's children are spread over the whole table, as they are when children
    are registered over the years. Visit and due-visit ids follow the month the row was written
    in (a block of ids per month), because SQLite stores a table in id order."""

    def __init__(self, vendor: str, today: dt.date, district, communities, directors):
        from django.utils import timezone

        from weibao.children.models import Child, ChildCategory
        from weibao.visits.models import Visit, VisitDue
        from weibao.visits.scheduling import RuleSet

        self.pg = vendor == "postgresql"
        self.null = r"\N" if self.pg else None
        self.true, self.false = ("t", "f") if self.pg else (1, 0)
        self.today = today
        self.district = district
        self.areas = [(district.pk, c.parent_id, c.pk) for c in communities]
        self.authors = [d.pk for d in directors]
        # Ids per month: more than any month can hold (at most 8 visits a child a month).
        self.stride = len(communities) * COMMUNITY_SIZE * 8
        self.first_month = self._month(today - dt.timedelta(days=800))
        self.next_id: dict[tuple[str, int], int] = {}
        self.rng = random.Random(3)
        self.rules = RuleSet.load()
        self.categories = sorted(self.rules.intervals)
        registered = timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=400), dt.time(10))
        )
        self.registered_on = timezone.localdate(registered)
        self.child = Table(
            Child,
            [
                "id", "name", "name_initials", "name_pinyin", "sex", "birth_date",
                "id_number_hash", "id_number_masked", "status", "status_date",
                "returned_home_on", "district_id", "subdistrict_id", "community_id",
                "last_visited_on",
            ],
            # The field encrypts "bench" once: all rows share one ciphertext (not timed).
            {"id_number": "bench", "hukou_type": "local", "created_at": registered,
             "updated_at": registered},
        )  # fmt: skip
        self.category = Table(ChildCategory, ["id", "district_id", "child_id", "category"])
        self.visit = Table(
            Visit,
            [
                "id", "visit_date", "created_at", "updated_at", "completed_at", "author_id",
                "child_id", "district_id", "subdistrict_id", "community_id",
            ],
            {"state": "completed", "kind": "home", "met_with": "监护人",
             "under8_unattended": "na", "under16_alone": "no", "away_without_carer": "no",
             "no_weekly_contact": "no", "version": 3},
        )  # fmt: skip
        # counts_from (the first day a visit settles the due) where the model has it.
        self.counts_from = any(f.name == "counts_from" for f in VisitDue._meta.concrete_fields)
        self.due = Table(
            VisitDue,
            [
                "id", "child_id", "due_date", "reason", "state", "visit_id", "done_on",
                "on_time", "overdue_level", "district_id", "subdistrict_id", "community_id",
                *(["counts_from", "based_on"] if self.counts_from else []),
            ],
        )  # fmt: skip
        self._next: dict[tuple, object] = {}
        self._days: dict[int, tuple[dt.date, str, str]] = {}
        self._months: dict[tuple[dt.date, int], dt.date] = {}

    def day(self, days_ago: int) -> tuple[dt.date, str, str]:
        """(date, date literal, timestamp literal) for `days_ago` days before today."""
        try:
            return self._days[days_ago]
        except KeyError:
            date = self.today - dt.timedelta(days=days_ago)
            stamp = f"{date.isoformat()} 02:00:00" + ("+00" if self.pg else "")
            self._days[days_ago] = value = (date, date.isoformat(), stamp)
            return value

    def add_months(self, date: dt.date, months: int) -> dt.date:
        from weibao.core.dates import add_months

        key = (date, months)
        if key not in self._months:
            self._months[key] = add_months(date, months)
        return self._months[key]

    @staticmethod
    def _month(date: dt.date) -> int:
        return date.year * 12 + date.month - 1

    def _id(self, table: str, written: dt.date, rows: dict) -> tuple[int, list]:
        """A new id for a row written on `written`, and the list for that month's rows."""
        month = self._month(written) - self.first_month
        key = (table, month)
        self.next_id[key] = number = self.next_id.get(key, 0) + 1
        assert number < self.stride
        return month * self.stride + number, rows.setdefault(f"{month:03d}", [])

    def _next_due(self, cats: list[str], last_visit: dt.date):
        """scheduling.next_due from a visit (cached: few distinct dates and categories)."""
        from weibao.visits.scheduling import next_due

        key = (tuple(cats), last_visit)
        if key not in self._next:
            self._next[key] = next_due(
                rules=self.rules, categories=cats, registered_on=self.registered_on,
                last_visit=last_visit, returned_home_on=None, today=last_visit,
            )  # fmt: skip
        return self._next[key]

    def _dues(self, pk, area, cats, returned, moved_out, visit_days, visit_ids, dues, ids):
        """The child's due visits as the services leave them: each completed visit settles the
        open due if it falls on or after its counts_from (services.visit_complete), then
        schedules the next one from itself, moving the open due or opening a new one
        (services.visit_schedule_child). The open due left at the end is what the daily job
        computes today, so the job has nothing to move (for a child back home, counted from the
        last visit when that visit settled the sooner follow-up due)."""
        from weibao.visits.scheduling import effective_last_visit, next_due

        null = self.null
        rows = []  # ((opened on, due date, reason, counts_from), state, visit, done on, on time)
        current = None
        if cats:  # the due the first visit of the year settled
            first = visit_days[0][0]
            reason = min((self.rules.intervals[c], c) for c in cats)[1]
            due_date = first + dt.timedelta(days=self.rng.randint(-3, 7))
            current = (first - dt.timedelta(days=30), due_date, reason, None, None)
        counted_from = None  # the visit the open due is counted from
        for (date, literal, _stamp), visit_id in zip(visit_days, visit_ids, strict=True):
            if current is not None and (current[3] is None or date >= current[3]):
                late = (date - current[1]).days
                rows.append((current, "done", visit_id, literal, late))
                current = None
            if current is not None:
                continue  # an early extra visit neither settles nor moves the due
            due = self._next_due(cats, date) if cats else None
            if due is not None:
                current = (date, due.date, due.reason, due.counts_from, due.based_on)
                counted_from = date
        due = None
        if not moved_out:
            latest = visit_days[-1][0]
            last = latest if current is None else (counted_from or latest)
            for _ in range(2):
                due = next_due(
                    rules=self.rules, categories=cats, registered_on=self.registered_on,
                    last_visit=last, returned_home_on=returned[0] if returned else None,
                    today=self.today,
                )  # fmt: skip
                if due is None or last == effective_last_visit(
                    latest, due.based_on, due.counts_from
                ):
                    break
                # The follow-up after a return home is due sooner than the category's visit, so
                # the latest visit settles it: the open due counts from that visit.
                last = latest
        if due is not None:
            opened = visit_days[-1][0] if current is None else current[0]
            due = (opened, due.date, due.reason, due.counts_from, due.based_on)
            rows.append((due, "open", null, null, None))
        elif current is not None:
            rows.append((current, "cancelled", null, null, None))
        for (
            opened,
            due_date,
            reason,
            counts_from,
            based_on,
        ), state, visit_id, done_on, late in rows:
            ids["due"] += 1
            due_id, bucket = self._id("due", opened, dues)
            on_time = null if late is None else (self.false if late > 0 else self.true)
            level = 0 if late is None or late <= 0 else (2 if late > 7 else 1)
            row = (due_id, pk, due_date.isoformat(), reason, state, visit_id, done_on, on_time,
                   level, *area)  # fmt: skip
            if self.counts_from:
                row += (
                    counts_from.isoformat() if counts_from else null,
                    based_on.isoformat() if based_on else null,
                )
            bucket.append(row)

    def chunk(self, ids: dict) -> dict:

        rng, null = self.rng, self.null
        children, categories, visits, dues = [], [], {}, {}
        for _ in range(COMMUNITY_SIZE):
            ids["child"] += 1
            pk = ids["child"]
            area = self.areas[(pk - 1) % len(self.areas)]
            author_id = self.authors[(pk - 1) % len(self.areas)]
            birth = self.day(rng.randint(400, 18 * 365 - 30))
            sex = "M" if pk % 2 else "F"
            moved_out = rng.random() < MOVED_OUT_SHARE
            returned = self.day(rng.randint(0, 300)) if rng.random() < RETURNED_HOME_SHARE else None
            cats = []
            if rng.random() < CATEGORISED_SHARE:
                cats = rng.sample(self.categories, rng.choice((1, 1, 2)))
            child = (
                pk, f"基准{pk}", f"jz{pk % 1000}", f"jizhun{pk}", sex, birth[1],
                f"{pk:064x}", f"999999********{pk % 10000:04d}",
                "moved_out" if moved_out else "active",
                self.day(rng.randint(1, 300))[1] if moved_out else null,
                returned[1] if returned else null, *area,
            )  # fmt: skip
            for code in cats:
                ids["category"] += 1
                categories.append((ids["category"], area[0], pk, code))
            # 12 visits over the past year; the last one recent enough that most children are
            # not overdue: up to 35 days per month of the child's shortest interval.
            interval = min(self.rules.intervals[c] for c in cats) if cats else 1
            last = rng.randint(0, min(35 * interval, 300))
            step = (VISIT_SPAN_DAYS - last) / (VISITS_PER_CHILD - 1)
            jitter = min(4, int(step // 2) - 1)
            visit_days = [
                self.day(last + round(step * k) + (rng.randint(-jitter, jitter) if k else 0))
                for k in reversed(range(VISITS_PER_CHILD))
            ]  # oldest first
            # Child.last_visited_on: the last of the visits (all completed), as visit_complete
            # leaves it.
            children.append((*child, visit_days[-1][1]))
            visit_ids = []
            for date, literal, stamp in visit_days:
                ids["visit"] += 1
                visit_id, bucket = self._id("visit", date, visits)
                visit_ids.append(visit_id)
                bucket.append((visit_id, literal, stamp, stamp, stamp, author_id, pk, *area))
            if cats or returned:
                self._dues(pk, area, cats, returned, moved_out, visit_days, visit_ids, dues, ids)
        return {
            self.child: {"": children},
            self.category: {"": categories},
            self.visit: visits,
            self.due: dues,
        }


def register_numbers(cursor) -> None:
    """The ID-number registry's rows (children.IdNumberRegistration) of the children a builder
    inserted directly, as child_create writes one with each file: the duplicate-ID checks of
    the app then read a registry as large as the register."""
    cursor.execute(
        "INSERT INTO children_idnumberregistration (id_number_hash, district_id, child_id) "
        "SELECT c.id_number_hash, c.district_id, c.id FROM children_child c WHERE NOT EXISTS "
        "(SELECT 1 FROM children_idnumberregistration r WHERE r.child_id = c.id)"
    )


# --- measuring ----------------------------------------------------------------------------


def _fresh(user):
    """Each run starts with the user's roles unloaded, as a request does."""
    user.__dict__.pop("_weibao_roles", None)
    return user


def reads(ctx, today: dt.date) -> dict:
    from weibao.visits import selectors

    first = today.replace(day=1) - dt.timedelta(days=1)  # the previous month
    director, supervisor, subdistrict = ctx["director"], ctx["supervisor"], ctx["subdistrict"]
    return {
        "director worklist, page 1": lambda: list(
            selectors.worklist(_fresh(director), today)[:25]
        ),
        "director worklist counts": lambda: selectors.worklist_counts(_fresh(director), today),
        "supervisor worklist, page 1": lambda: list(
            selectors.worklist(_fresh(supervisor), today)[:25]
        ),
        "supervisor completion table, last month": lambda: selectors.completion_table(
            _fresh(supervisor), subdistrict=subdistrict, year=first.year, month=first.month,
            today=today,
        ),
    }  # fmt: skip


def explain(fn) -> None:
    """Print the plan of every query `fn` runs (the role and area look-ups included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE) "
    for query in captured.captured_queries:
        print(f"    -- {query['sql'][:300]}")
        with connection.cursor() as cursor:
            cursor.execute(prefix + query["sql"])
            for row in cursor.fetchall():
                print("      " + " | ".join(str(c) for c in row))


JOB_RUNS = ("daily job, 1st run", "daily job, 2nd run (steady state)")


def measure(ctx, today: dt.date, runs: int, show_plans: bool) -> dict[str, tuple[float, float]]:
    """{name: (ms, cores used by other processes meanwhile)}"""
    from dataclasses import asdict

    from weibao.visits import jobs

    results = {}
    for name, fn in reads(ctx, today).items():
        results[name] = _median_ms(fn, runs)
        if show_plans:
            print(f"  plan: {name}")
            explain(fn)
    reports = []
    for label in JOB_RUNS:
        Load.settle()
        results[label] = _timed(lambda: reports.append(jobs.run_daily(today)))
        print(f"  {label}: changes {asdict(reports[-1])}", flush=True)
    # Where the steady-state time goes.
    phases = {
        "recompute_due_dates": lambda: jobs.recompute_due_dates(today=today),
        "mark_overdue": lambda: jobs.mark_overdue(today, jobs.DailyReport()),
        # The same day as the runs above: nobody turned 16 since the last run.
        "flag_left_behind_turning_16": lambda: jobs.flag_left_behind_turning_16(
            today, jobs.DailyReport()
        ),
        # An ordinary day: the children who turn 16 the day after the last run.
        "flag_left_behind_turning_16, next day": lambda: jobs.flag_left_behind_turning_16(
            today + dt.timedelta(days=1), jobs.DailyReport()
        ),
        "tallies_daily": lambda: jobs.tallies_daily(today=today),
    }
    for name, fn in phases.items():
        Load.settle()
        results[f"  job phase: {name}"] = _timed(fn)
    return results


def first_run(n: int, today: dt.date) -> None:
    """The first run over the build's year-long backlog, phase by phase (what run_daily does,
    in its order, each timed; the same writes as one run_daily), with how many rows each wrote
    and the database's checkpoints meanwhile: where the first run's time goes."""
    from dataclasses import asdict

    from django.db import connection

    from weibao.visits import jobs

    def checkpoints() -> int:
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")
            return cursor.fetchone()[0]

    Load.settle()
    marks = checkpoints()
    reports = []  # run_daily's report: recompute_due_dates makes it, the next phases add to it
    phases = {
        "recompute_due_dates": lambda: reports.append(jobs.recompute_due_dates(today=today)),
        "mark_overdue": lambda: jobs.mark_overdue(today, reports[0]),
        "flag_left_behind_turning_16": lambda: jobs.flag_left_behind_turning_16(today, reports[0]),
        "tallies_daily": lambda: jobs.tallies_daily(today=today),
    }
    total = 0.0
    for name, fn in phases.items():
        ms, others = _timed(fn)
        total += ms
        print(f"  1st run, {name:35s} {ms:10.1f} ms   (others: {others:.2f} cores)", flush=True)
    print(f"  1st run, all phases {total / 1000:.2f} s: {n / total * 1000:,.0f} children/s")
    print(f"  what it did: {asdict(reports[0])}")
    print(f"  checkpoints meanwhile: {checkpoints() - marks}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the reads' query plans")
    parser.add_argument(
        "--quiet-timeout", type=float, default=Load.timeout,
        help="before each timing, wait up to this many seconds for other processes to leave "
        "the CPU idle (0: do not wait)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the SQLite database")
    parser.add_argument(
        "--first-run", action="store_true",
        help="time only the daily job's first run over the backlog, phase by phase",
    )  # fmt: skip
    args = parser.parse_args()
    Load.timeout = args.quiet_timeout
    _setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    results = {}
    for n in args.children:
        start = time.perf_counter()
        ctx = build(n, today)
        built = time.perf_counter() - start
        n = ctx["children"]
        print(
            f"# {connection.vendor}, {n:,} children, {ctx['visits']:,} visits, "
            f"{ctx['dues']:,} due rows, {ctx['categories']:,} category rows, "
            f"{ctx['communities']} 居民区 in {ctx['subdistricts']} 街镇 "
            f"(built in {built:.0f} s), today {today}",
            flush=True,
        )
        if args.first_run:
            first_run(n, today)
            continue
        results[n] = measure(ctx, today, args.runs, args.explain)
        for name, (ms, others) in results[n].items():
            print(f"  {name:45s} {ms:10.2f} ms   (others: {others:.2f} cores)", flush=True)
        for key in JOB_RUNS:
            print(f"  {key:45s} {n / results[n][key][0] * 1000:10,.0f} children/s", flush=True)
    if len(results) >= 2:
        lo, hi = min(results), max(results)
        print(f"# ratio {hi:,} / {lo:,} children (same run)")
        for name in results[lo]:
            print(f"  {name:45s} {results[hi][name][0] / results[lo][name][0]:10.2f} x")
    print(f"# waited {Load.waited:.0f} s in all for other processes to leave the CPU idle")
    if connection.vendor == "sqlite" and not args.keep:
        import shutil

        connection.close()
        shutil.rmtree(os.environ["WEIBAO_VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
