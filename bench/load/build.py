"""The load test's data set (docs/performance.md, "Load test"): 200,000 children in one
PostgreSQL database, built fast, plus the accounts the locust personas sign in with.

The registry, the visits and the visits due are bench/dashboards.py's builder (one district of
40 街镇 × 50 居民区, rows cloned by INSERT … SELECT generate_series): per child 12 visits due
(one a month; this month's still open from today on, which fills the directors' worklists) and
12 completed visits. On top of it, what the other pages of the mix read:

- accounts: a 儿童主任 for every 居民区, a 督导员 for every 街镇 and DISTRICT_STAFF district staff,
  all with the password PASSWORD; the supervisors and district staff have a confirmed TOTP
  device with a key derived from their user name (totp_key below), since production requires
  two-factor sign-in of them and locust signs in through the pages as a person would;
- one case per 居民区 (2,000; one in five owned by the 街镇's supervisor), with its team and plan,
  as bench/cases.py makes them;
- REPORTS mandatory reports made through the public form and the service, spread over the 街镇;
- the dashboards' figures: `weibao figures` (the running month counted, the months kept).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_load .venv/bin/python bench/load/build.py

bench/load/run.py calls it; it empties the database first.
"""

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

PASSWORD = "weibao-load-2026"
DISTRICT_STAFF = 20
REPORTS = 400


def totp_key(username: str) -> str:
    """The hex TOTP key of a load-test account: locust computes the same codes (locustfile)."""
    return hashlib.sha256(f"weibao-load-totp:{username}".encode()).hexdigest()[:40]


def build(children: int) -> dict:
    import dashboards
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from weibao.accounts.models import Role, RoleAssignment, User
    from weibao.areas.models import Area
    from weibao.cases.models import Case, CaseMember, PlanVersion
    from weibao.children.models import Child
    from weibao.reports import services as report_services
    from weibao.reports.choices import Channel
    from weibao.reports.forms import ReportForm

    timings = {}
    started = time.perf_counter()
    ctx = dashboards.build(children, first=True)
    timings["registry_visits_s"] = time.perf_counter() - started
    district = ctx["district"]
    subs = list(Area.objects.filter(parent=district).order_by("pk"))
    communities = list(Area.objects.filter(parent__in=subs).order_by("pk"))

    started = time.perf_counter()
    password = make_password(PASSWORD)  # one hash for every account: hashing is not measured
    names = [f"load_dir_{i:04d}" for i in range(len(communities))]
    names += [f"load_sup_{i:02d}" for i in range(len(subs))]
    names += [f"load_district_{i}" for i in range(DISTRICT_STAFF)]
    people = [User(username=name, password=password) for name in names]
    User.objects.bulk_create(people)
    users = {u.username: u for u in User.objects.filter(username__startswith="load_")}
    roles = [
        RoleAssignment(user=users[f"load_dir_{i:04d}"], role=Role.DIRECTOR, area=c)
        for i, c in enumerate(communities)
    ]
    roles += [
        RoleAssignment(user=users[f"load_sup_{i:02d}"], role=Role.SUPERVISOR, area=s)
        for i, s in enumerate(subs)
    ]
    roles += [
        RoleAssignment(user=users[f"load_district_{i}"], role=Role.DISTRICT_STAFF, area=district)
        for i in range(DISTRICT_STAFF)
    ]
    RoleAssignment.objects.bulk_create(roles)
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=u, name="load", key=totp_key(name), confirmed=True)
        for name, u in users.items()
        if not name.startswith("load_dir_")
    )
    timings["accounts_s"] = time.perf_counter() - started

    # One case per 居民区, as bench/cases.py makes them (owner, team, plan).
    started = time.perf_counter()
    director_of = {c.pk: users[f"load_dir_{i:04d}"] for i, c in enumerate(communities)}
    supervisor_of = {s.pk: users[f"load_sup_{i:02d}"] for i, s in enumerate(subs)}
    first_child = dict(
        Child.objects.filter(district=district)
        .order_by("community_id", "pk")
        .distinct("community_id")
        .values_list("community_id", "pk")
    )
    cases = []
    for i, c in enumerate(communities):
        owner = supervisor_of[c.parent_id] if i % 5 == 0 else director_of[c.pk]
        cases.append(
            Case(
                child_id=first_child[c.pk], owner=owner, opened_by=owner, stage="serving",
                district=district, subdistrict_id=c.parent_id, community=c,
            )
        )  # fmt: skip
    Case.objects.bulk_create(cases)
    today = timezone.localdate()
    members, plans = [], []
    for i, case in enumerate(Case.objects.filter(district=district).order_by("pk")):
        area = {"district_id": case.district_id, "subdistrict_id": case.subdistrict_id,
                "community_id": case.community_id}  # fmt: skip
        team = {case.owner_id: "owner", director_of[case.community_id].pk: "director"}
        if i % 3 == 0:
            team.setdefault(supervisor_of[case.subdistrict_id].pk, "plan")
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
    CaseMember.objects.bulk_create(members)
    PlanVersion.objects.bulk_create(plans)
    timings["cases_s"] = time.perf_counter() - started

    # Mandatory reports through the public form and the service, as the public door makes them.
    started = time.perf_counter()
    for i in range(REPORTS):
        form = ReportForm(
            {
                "description": f"基准报告 {i}：邻居家的孩子经常一个人在家。",
                "situations": ["s6"],
                "area": f"s{subs[i % len(subs)].pk}",
                "reporter_type": "public",
                "child_age": str(5 + i % 10),
            }
        )
        if not form.is_valid():
            raise SystemExit(f"report form: {form.errors.as_json()}")
        report_services.report_create(data=form.report_input(), channel=Channel.PUBLIC)
    timings["reports_s"] = time.perf_counter() - started

    started = time.perf_counter()
    call_command("figures", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["figures_analyze_s"] = time.perf_counter() - started
    return {"children": ctx["children"], "visits": ctx["visits"], "dues": ctx["dues"], **timings}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=200_000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/load/build.py needs DATABASE_URL of a PostgreSQL database it may empty.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    built = build(args.children)
    print({k: round(v, 1) if isinstance(v, float) else v for k, v in built.items()}, flush=True)


if __name__ == "__main__":
    main()
