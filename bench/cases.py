"""Benchmark: the case queues (the case team, docs/domain.md §7.8) at a city's scale.

Builds a synthetic city in a throw-away database, shaped as bench/visits.py's: 1 district,
街镇 of 10 居民区, 居民区 of 2,500 children, so that growing the city tenfold adds 街镇 and
leaves a 居民区 and a 街镇 the same size. The children table holds only the children the cases
name (one per case): the list joins a case's child by its primary key (and district), one index
probe per row of the page, so the rows never touched do not change what the reads cost.

The proportions (no figure in the repository says how many cases a city keeps; these are
generous): 1 open case per 100 children of a 居民区, and as many closed ones (two years of
history), so 50 cases per 居民区 of 2,500 children — 5,000 cases at 250,000 children and 50,000
at 2,500,000. Open cases are spread over the open stages (1 in 20 waiting for the closing to be
approved), opened over the past two years; 1 in 50 is restricted. Every case has the team the
services give it — the owner (the 居民区's director, or the 街镇's supervisor for one case in
five), the director unless the case is restricted, and for one case in three the supervisor
named in the plan — and a plan of two items, 1 % of them falling due today.

Timed (medians of --runs after a warm-up; the CPU-load guard of bench/visits.py):
- the case list page `/cases/` through Django's test client (the server's whole handling:
  middleware, session, filter form, queries, template) for a director (one 居民区's cases), a
  supervisor (one 街镇's) and district staff (the district's: the one read that grows with
  the city), with each of the list's filters (stage, risk level, 居民区, only mine);
- `/api/v1/cases/` for the three (page 1 of 50, with its count);
- the home page's case figures (cases I own, closings I may approve: `front.views.work_counts`);
- the case roles of a team member on one case (asked on every case page and step), and the
  clocks job's plan-items-due check.

    .venv/bin/python bench/cases.py --children 250000 2500000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/cases.py ...

The database is emptied first (flush) and before each size; the last size's data is left in it
(on SQLite the temporary directory is removed). --explain prints the plans of the district's
list queries. Rows are made with the ORM's bulk_create (tens of thousands).
"""

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from visits import Load, _setup_django, explain, register_numbers

COMMUNITY_CHILDREN = 2_500  # bench/visits.py's 居民区
COMMUNITIES_PER_SUBDISTRICT = 10
OPEN_CASES_PER_100_CHILDREN = 1
CASES_PER_COMMUNITY = 2 * COMMUNITY_CHILDREN * OPEN_CASES_PER_100_CHILDREN // 100  # open + closed
HISTORY_DAYS = 730
OPEN_STAGES = ("discovered", "filed", "assessed", "intervening", "serving", "tracking")
RISKS = ("low", "medium", "high", "emergency")


@contextlib.contextmanager
def _own_timestamps(*fields):
    """Let bulk_create keep the `auto_now_add` times the builder gives (a history of two years,
    not every row opened this second)."""
    saved = [(f, f.auto_now_add) for f in fields]
    for f, _ in saved:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in saved:
            f.auto_now_add = value


def build_city(n_children: int) -> dict:
    """1 district of n_children children (in 居民区 of 2,500), their cases, teams and plans."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.cases.models import Case, CaseMember, PlannedService, PlanVersion
    from weibao.children.models import Child

    call_command("flush", interactive=False, verbosity=0)
    now = timezone.now()
    today = timezone.localdate()
    communities_n = max(1, n_children // COMMUNITY_CHILDREN)
    subdistricts_n = max(1, communities_n // COMMUNITIES_PER_SUBDISTRICT)
    district = Area.objects.create(name="基准区", code="999999", level="district")
    subs = Area.objects.bulk_create(
        Area(name=f"基准街道{i:03d}", level="subdistrict", parent=district)
        for i in range(subdistricts_n)
    )
    communities = Area.objects.bulk_create(
        Area(name=f"基准居民区{i:04d}", code=f"{i:04d}", level="community",
             parent=subs[i // COMMUNITIES_PER_SUBDISTRICT])
        for i in range(subdistricts_n * COMMUNITIES_PER_SUBDISTRICT)
    )  # fmt: skip
    users = User.objects.bulk_create(
        [User(username=f"bench_director_{i}") for i in range(len(communities))]
        + [User(username=f"bench_supervisor_{i}") for i in range(len(subs))]
        + [User(username="bench_district")]
    )
    directors = dict(zip((c.pk for c in communities), users[: len(communities)], strict=True))
    supervisors = dict(zip((s.pk for s in subs), users[len(communities) : -1], strict=True))
    district_user = users[-1]
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.DIRECTOR, area_id=a) for a, u in directors.items()]
        + [RoleAssignment(user=u, role=Role.SUPERVISOR, area_id=a) for a, u in supervisors.items()]
        + [RoleAssignment(user=district_user, role=Role.DISTRICT_STAFF, area=district)]
    )
    children = [
        Child(
            name="基准儿童", name_initials="jzet", name_pinyin="jizhunertong", sex="MF"[i % 2],
            birth_date=today - dt.timedelta(days=1000 + (i * 37) % 5000),
            id_number_hash=f"{com.pk}-{i}", id_number_masked="", district=district,
            subdistrict_id=com.parent_id, community=com,
        )
        for com in communities
        for i in range(CASES_PER_COMMUNITY)
    ]  # fmt: skip
    Child.objects.bulk_create(children, batch_size=2000)
    with connection.cursor() as cursor:
        register_numbers(cursor)
    children = list(Child.objects.filter(district=district).order_by("pk"))
    cases = []
    for i, child in enumerate(children):
        k = i % CASES_PER_COMMUNITY
        owner = supervisors[child.subdistrict_id] if k % 5 == 0 else directors[child.community_id]
        closed = k % 2 == 1
        # Spread over two years, the closed ones mixed in with the open (the list's order).
        opened = now - dt.timedelta(days=(i * 7919) % HISTORY_DAYS, minutes=i % 1440)
        if closed:
            stage = "closed"
        elif k % 40 == 0:
            stage = "closing"
        else:
            stage = OPEN_STAGES[(i // 2) % len(OPEN_STAGES)]
        cases.append(
            Case(
                child=child, owner=owner, opened_by=owner, opened_at=opened, stage=stage,
                summary="基准：发现的情况", risk_reasons="基准：评估的理由",
                risk_level=RISKS[(i // 3) % len(RISKS)], restricted=i % 50 == 7,
                closed_at=opened + dt.timedelta(days=60) if closed else None,
                closed_by=supervisors[child.subdistrict_id] if closed else None,
                close_requested_by=owner if stage == "closing" else None,
                district=district, subdistrict_id=child.subdistrict_id,
                community_id=child.community_id,
            )
        )  # fmt: skip
    with _own_timestamps(Case._meta.get_field("opened_at")):
        Case.objects.bulk_create(cases, batch_size=2000)
    cases = list(Case.objects.filter(district=district).order_by("pk"))
    members, plans = [], []
    for i, case in enumerate(cases):
        area = {"district_id": case.district_id, "subdistrict_id": case.subdistrict_id,
                "community_id": case.community_id}  # fmt: skip
        team = {case.owner_id: "owner"}
        if not case.restricted:
            team.setdefault(directors[case.community_id].pk, "director")
        if i % 3 == 0:
            team.setdefault(supervisors[case.subdistrict_id].pk, "plan")
        members += [CaseMember(case=case, user_id=u, why=w, **area) for u, w in team.items()]
        plans.append(
            PlanVersion(
                district_id=case.district_id,
                case=case,
                number=1,
                goals="基准",
                review_on=today,
                created_by=case.owner,
            )
        )
    CaseMember.objects.bulk_create(members, batch_size=2000)
    PlanVersion.objects.bulk_create(plans, batch_size=2000)
    items = []
    for i, plan in enumerate(PlanVersion.objects.filter(case__district=district).order_by("pk")):
        due = today if i % 100 == 0 else today + dt.timedelta(days=10)
        items += [
            PlannedService(plan=plan, service_type="education", due_on=due,
                           responsible_user_id=plan.created_by_id),
            PlannedService(plan=plan, service_type="daily_care", due_on=due + dt.timedelta(days=5),
                           responsible_user_id=plan.created_by_id),
        ]  # fmt: skip
    PlannedService.objects.bulk_create(items, batch_size=2000)
    _analyze()
    some = communities[len(communities) // 2]
    member_case = next(
        c for c in cases if c.community_id == some.pk and c.owner_id != directors[some.pk].pk
    )
    return {
        "children": n_children,
        "cases": len(cases),
        "communities": len(communities),
        "subdistricts": len(subs),
        "district": district,
        "community": some,
        "subdistrict_id": some.parent_id,
        "director": directors[some.pk],
        "supervisor": supervisors[some.parent_id],
        "district_staff": district_user,
        "member_case": member_case,
        "directors": directors,
        "supervisors": supervisors,
        "children_rows": children,
        "case_rows": cases,
    }


def _analyze() -> None:
    """What autovacuum keeps on a live server: fresh statistics for the planner and (on
    PostgreSQL) the visibility map that lets a count read an index alone."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def clients(ctx) -> dict:
    from django.test import Client

    out = {}
    for role in ("director", "supervisor", "district_staff"):
        out[role] = Client()
        out[role].force_login(ctx[role])
    return out


def get(client, url: str, params: dict | None = None):
    def read():
        response = client.get(url, params or {})
        assert response.status_code == 200, (url, params, response.status_code)

    return read


def reads(ctx) -> dict:
    from weibao.accounts.models import User
    from weibao.cases.jobs import plan_items_due
    from weibao.cases.selectors import case_roles
    from weibao.front.views import _closing_to_approve
    from weibao.notifications.models import Notification

    web = clients(ctx)
    page, api = "/cases/", "/api/v1/cases/"
    community = ctx["community"].pk

    def roles():
        fresh = User.objects.get(pk=ctx["director"].pk)
        return case_roles(fresh, ctx["member_case"])

    def due():
        Notification.objects.filter(kind="plan_item_due").delete()  # each run sends them again
        from django.utils import timezone

        return plan_items_due(timezone.now())

    def home_cases(role):
        from weibao.cases.choices import Stage
        from weibao.cases.selectors import cases_visible_to

        def read():
            user = User.objects.get(pk=ctx[role].pk)  # roles unloaded, as in a request
            mine = cases_visible_to(user).filter(owner=user).exclude(stage=Stage.CLOSED)
            return mine.count(), _closing_to_approve(user)

        return read

    return {
        "director: /cases/": get(web["director"], page),
        "supervisor: /cases/": get(web["supervisor"], page),
        "district: /cases/": get(web["district_staff"], page),
        "district: /cases/ page 50": get(web["district_staff"], page, {"page": 50}),
        "supervisor: /cases/?stage=serving": get(web["supervisor"], page, {"stage": "serving"}),
        "district: /cases/?stage=serving": get(web["district_staff"], page, {"stage": "serving"}),
        "district: /cases/?stage=closing": get(web["district_staff"], page, {"stage": "closing"}),
        "district: /cases/?risk_level=emergency": get(
            web["district_staff"], page, {"risk_level": "emergency"}
        ),
        "district: /cases/?community=<one>": get(
            web["district_staff"], page, {"community": community}
        ),
        "supervisor: /cases/?mine=on": get(web["supervisor"], page, {"mine": "on"}),
        "district: /cases/?stage=serving&risk_level=high": get(
            web["district_staff"], page, {"stage": "serving", "risk_level": "high"}
        ),
        "director: /api/v1/cases/": get(web["director"], api),
        "supervisor: /api/v1/cases/": get(web["supervisor"], api),
        "district: /api/v1/cases/": get(web["district_staff"], api),
        "district: /api/v1/cases/?stage=serving": get(
            web["district_staff"], api, {"stage": "serving"}
        ),
        "supervisor: home case figures": home_cases("supervisor"),
        "district: home case figures": home_cases("district_staff"),
        "case roles of a team member, one case": roles,
        "plan items due today (clocks job check)": due,
    }


def measure(fn, runs: int) -> tuple[float, float, float]:
    """(median wall ms, mean CPU ms of this process and its database backend, other processes'
    cores) of `runs` calls after a warm-up. The CPU time is what the machine's sharing does not
    inflate much: on 2 CPUs shared with other test runs, the wall time waits for a core."""
    Load.settle()
    fn()  # warm the caches once, as a live server would be
    before, cpu0 = Load.snapshot(), time.process_time()
    backend0 = Load._jiffies(Load.backend_pid) if Load.backend_pid else 0
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    cpu = (time.process_time() - cpu0) * 1000
    if Load.backend_pid:
        cpu += (Load._jiffies(Load.backend_pid) - backend0) * 1000 / os.sysconf("SC_CLK_TCK")
    return statistics.median(times), cpu / runs, Load.others(before, Load.snapshot())


def run(builder, reader, sizes: list[int], runs: int, show_plans, label: str) -> None:
    from django.db import connection

    results = {}
    for n in sizes:
        start = time.perf_counter()
        ctx = builder(n)
        built = time.perf_counter() - start
        print(f"# {connection.vendor}, {n:,} children: {label(ctx)} (built in {built:.0f} s)",
              flush=True)  # fmt: skip
        results[n] = {}
        print(f"  {'':55s} {'median':>10s}    {'CPU':>8s}", flush=True)
        for name, fn in reader(ctx).items():
            results[n][name] = ms, cpu, others = measure(fn, runs)
            print(f"  {name:55s} {ms:10.2f} ms {cpu:8.2f} ms   (others: {others:.2f} cores)",
                  flush=True)  # fmt: skip
        if show_plans:
            show_plans(ctx)
    if len(results) >= 2:
        lo, hi = min(results), max(results)
        print(f"# ratio {hi:,} / {lo:,} children (same run)")
        for name in results[lo]:
            (a, b, _), (c, d, _) = results[lo][name], results[hi][name]
            print(f"  {name:55s} {c / a:10.2f} x {d / b:8.2f} x")
    print(f"# waited {Load.waited:.0f} s in all for other processes to leave the CPU idle")


def plans(ctx) -> None:
    from weibao.accounts.models import User
    from weibao.cases.selectors import CaseListFilters, case_list, case_list_count

    user = User.objects.get(pk=ctx["district_staff"].pk)
    qs = case_list(user, CaseListFilters())
    print("  plan: district's case list, count (as the page counts) and page 1")
    explain(lambda: (case_list_count(user, CaseListFilters()), list(qs[:20])))


def main(builder=build_city, reader=reads, show=plans, label=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, nargs="+", default=[250_000, 2_500_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--quiet-timeout", type=float, default=Load.timeout)
    args = parser.parse_args()
    Load.timeout = args.quiet_timeout
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    label = label or (lambda ctx: f"{ctx['cases']:,} cases, {ctx['communities']} 居民区 in "
                      f"{ctx['subdistricts']} 街镇")  # fmt: skip
    run(builder, reader, args.children, args.runs, show if args.explain else None, label)
    if connection.vendor == "sqlite":
        import shutil

        connection.close()
        shutil.rmtree(os.environ["WEIBAO_VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
