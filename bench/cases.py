"""Benchmark: who sees which case (the case team, docs/domain.md §7.8) at city scale.

Builds a synthetic district in a throw-away database: 街镇 of 10 居民区, each 居民区 with its
儿童主任 and CASES_PER_COMMUNITY children with one case each. Every case has the team the
services give it — the owner (the 居民区's director, or the 街镇's supervisor for one case in
five), the director, and for one case in three a second person named in the plan — and a plan of
two items, one in a hundred falling due today. Growing the district tenfold adds 街镇: a
director's cases and a supervisor's cases stay the same in number, so their pages should stay
flat; the scope rule (a subquery on the team's (user, case) index, or the area column) must not
grow with the district.

Times (medians of --runs after a warm-up): a director's case list, page 1 with its count, as the
API builds it; a supervisor's; the case roles of a team member on one case (asked on every case
page and step); and the clocks job's plan-items-due check. Rows are made with the ORM's
bulk_create (tens of thousands, so no raw loading as in bench/visits.py, whose CPU-load guard is
reused here).

    .venv/bin/python bench/cases.py --cases 2000 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/cases.py ...
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from visits import Load, _median_ms, _setup_django

CASES_PER_COMMUNITY = 50
COMMUNITIES_PER_SUBDISTRICT = 10
PAGE = 20


def build(n_cases: int, run: int) -> dict:
    """A district with about n_cases cases; names carry `run` so that two sizes share a DB."""
    from django.utils import timezone

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.cases.models import Case, CaseMember, PlannedService, PlanVersion
    from weibao.children.models import Child

    today = timezone.localdate()
    communities_n = max(1, n_cases // CASES_PER_COMMUNITY)
    district = Area.objects.create(name=f"基准区{run}", code=f"9{run}0000", level="district")
    subdistricts, communities, directors, supervisors = [], [], {}, {}
    for s in range(max(1, communities_n // COMMUNITIES_PER_SUBDISTRICT)):
        sub = Area.objects.create(name=f"基准街道{run}-{s}", level="subdistrict", parent=district)
        subdistricts.append(sub)
        supervisor = User.objects.create(username=f"sup{run}-{s}")
        RoleAssignment.objects.create(user=supervisor, role=Role.SUPERVISOR, area=sub)
        supervisors[sub.pk] = supervisor
        for c in range(COMMUNITIES_PER_SUBDISTRICT):
            com = Area.objects.create(
                name=f"基准居民区{run}-{s}-{c}", level="community", parent=sub
            )
            communities.append(com)
            director = User.objects.create(username=f"dir{run}-{s}-{c}")
            RoleAssignment.objects.create(user=director, role=Role.DIRECTOR, area=com)
            directors[com.pk] = director
    children = []
    for com in communities:
        for i in range(CASES_PER_COMMUNITY):
            children.append(
                Child(
                    name="基准儿童",
                    name_initials="jzet",
                    name_pinyin="jizhunertong",
                    sex="F",
                    birth_date=today - dt.timedelta(days=3650 + i),
                    id_number_hash=f"{run}-{com.pk}-{i}",
                    id_number_masked="",
                    district=district,
                    subdistrict_id=com.parent_id,
                    community=com,
                )
            )
    Child.objects.bulk_create(children, batch_size=2000)
    children = list(Child.objects.filter(district=district).order_by("pk"))
    cases = []
    for i, child in enumerate(children):
        owner = supervisors[child.subdistrict_id] if i % 5 == 0 else directors[child.community_id]
        cases.append(
            Case(
                child=child,
                owner=owner,
                opened_by=owner,
                stage="serving",
                district=district,
                subdistrict_id=child.subdistrict_id,
                community_id=child.community_id,
            )
        )
    Case.objects.bulk_create(cases, batch_size=2000)
    cases = list(Case.objects.filter(district=district).order_by("pk"))
    members, plans = [], []
    for i, case in enumerate(cases):
        area = {"district_id": case.district_id, "subdistrict_id": case.subdistrict_id,
                "community_id": case.community_id}  # fmt: skip
        team = {case.owner_id: "owner", directors[case.community_id].pk: "director"}
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
    some = communities[len(communities) // 2]
    member_case = next(
        c for c in cases if c.community_id == some.pk and c.owner_id != directors[some.pk].pk
    )
    return {
        "cases": len(cases),
        "director": directors[some.pk],
        "supervisor": supervisors[some.parent_id],
        "member_case": member_case,
    }


def reads(ctx) -> dict:
    from weibao.accounts.models import User
    from weibao.cases.jobs import plan_items_due
    from weibao.cases.selectors import case_roles, cases_visible_to
    from weibao.notifications.models import Notification

    def page(user):
        def read():
            fresh = User.objects.get(pk=user.pk)  # no cached role assignments between runs
            qs = cases_visible_to(fresh).select_related("child", "owner", "community")
            qs = qs.order_by("-opened_at", "-id")
            return qs.count(), list(qs[:PAGE])

        return read

    def roles():
        fresh = User.objects.get(pk=ctx["director"].pk)
        return case_roles(fresh, ctx["member_case"])

    def due():
        Notification.objects.filter(kind="plan_item_due").delete()  # each run sends them again
        from django.utils import timezone

        return plan_items_due(timezone.now())

    return {
        "director case list, page 1 with count": page(ctx["director"]),
        "supervisor case list, page 1 with count": page(ctx["supervisor"]),
        "case roles of a team member, one case": roles,
        "plan items due today (clocks job check)": due,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quiet-timeout", type=float, default=Load.timeout)
    args = parser.parse_args()
    Load.timeout = args.quiet_timeout
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    results = {}
    for run, n in enumerate(args.cases, start=1):
        start = time.perf_counter()
        ctx = build(n, run)
        built = time.perf_counter() - start
        print(f"# {connection.vendor}, {ctx['cases']:,} cases (built in {built:.0f} s)", flush=True)
        results[n] = {name: _median_ms(fn, args.runs) for name, fn in reads(ctx).items()}
        for name, (ms, others) in results[n].items():
            print(f"  {name:45s} {ms:10.2f} ms   (others: {others:.2f} cores)", flush=True)
    if len(results) >= 2:
        lo, hi = min(results), max(results)
        print(f"# ratio {hi:,} / {lo:,} cases (same run)")
        for name in results[lo]:
            print(f"  {name:45s} {results[hi][name][0] / results[lo][name][0]:10.2f} x")
    print(f"# waited {Load.waited:.0f} s in all for other processes to leave the CPU idle")
    if connection.vendor == "sqlite":
        import shutil

        connection.close()
        shutil.rmtree(os.environ["WEIBAO_VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
