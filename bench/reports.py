"""Benchmark: the mandatory-report (强制报告) queue at a city's scale (docs/domain.md §5).

Builds bench/cases.py's city (1 district, 街镇 of 10 居民区, 居民区 of 2,500 children, with
their cases: restricted ones hide their reports from who is not on the case) and adds the
reports. No figure in the repository says how many reports a city receives; this one is
generous: 1 report a year per 100 children, kept two years, so 50 reports per 居民区 —
25,000 a year and 50,000 rows at 2,500,000 children (5,000 at 250,000). They arrive evenly
over the two years; 1 in 10 without a 街镇 (the reporter did not know it: the district's
queue). Those of the last 15 days are open (a third not yet acknowledged, a third acknowledged,
a third being handled), and so is 1 older report in 20 (being handled, its outcome clock late),
so a 街镇's queue holds about 25 open reports and the district's about 2,500 at 2,500,000
children. Half the reports whose 街镇 is known are linked to a child of their 居民区 (the
居民区's director then sees them), half of those handed to the child's case; 60 % are of
situations 1–8 (a police clock).

Timed (medians of --runs after a warm-up; the CPU-load guard of bench/visits.py):
- the page `/reports/` through Django's test client (the server's whole handling) as each role
  sees it: the supervisor's and the district's triage queue (page 1, with the queue's count
  and the badge), each state filter the page offers, the "all reports" tab (newest first) with
  its state filter; a director's list (the reports of their 居民区: they do not triage);
- `/api/v1/reports/` (`?queue=true` and the plain list) for the three;
- the home page's report badges (`front.views.work_counts`: the queue's length and how many
  of it are late), and the whole home page.

    .venv/bin/python bench/reports.py --children 250000 2500000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/reports.py ...
"""

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import COMMUNITY_CHILDREN, _analyze, build_city, clients, get, main
from visits import explain

REPORTS_PER_100_CHILDREN_A_YEAR = 1
YEARS_KEPT = 2
REPORTS_PER_COMMUNITY = COMMUNITY_CHILDREN * REPORTS_PER_100_CHILDREN_A_YEAR * YEARS_KEPT // 100
HISTORY_DAYS = 365 * YEARS_KEPT
OPEN_DAYS = 15  # the outcome clock's default: a report is usually closed by then


def build(n_children: int) -> dict:
    from django.utils import timezone

    from weibao.reports.models import Report, ReportSituation

    ctx = build_city(n_children)
    now = timezone.now()
    by_community: dict[int, list] = {}
    for child in ctx["children_rows"]:
        by_community.setdefault(child.community_id, []).append(child)
    case_of = {case.child_id: case for case in ctx["case_rows"] if case.stage != "closed"}
    reports, situations = [], []
    j = 0
    for community_id, kids in by_community.items():
        sub_id = kids[0].subdistrict_id
        director = ctx["directors"][community_id]
        supervisor = ctx["supervisors"][sub_id]
        for k in range(REPORTS_PER_COMMUNITY):
            j += 1
            received = now - dt.timedelta(days=(j * 7919) % HISTORY_DAYS, minutes=j % 1440)
            recent = now - received < dt.timedelta(days=OPEN_DAYS)
            if recent:
                state = ("received", "acknowledged", "handling")[j % 3]
            else:
                state = "handling" if j % 20 == 0 else "closed"
            known = k % 10 != 0
            child = case = None
            if known and k % 2 == 1:
                child = kids[k % len(kids)]
                case = case_of.get(child.pk) if k % 4 == 1 else None
            police = j % 5 < 3
            acked = state != "received"
            staff = k % 3 == 0
            reports.append(
                Report(
                    reference=f"BQ{j:010d}", code_hash="x",
                    channel="staff" if staff else "public",
                    created_by=director if staff else None,
                    state=state, district=ctx["district"],
                    subdistrict_id=sub_id if known else None,
                    community_id=community_id if child else None,
                    police_required=police, description="基准", reporter_type="school",
                    received_at=received, child=child,
                    link_state="linked" if child else ("unidentified" if state == "closed"
                                                       else "pending"),
                    case=case, handling_at=received + dt.timedelta(hours=3) if case else None,
                    ack_due_at=received + dt.timedelta(hours=1),
                    acknowledged_at=received + dt.timedelta(minutes=30) if acked else None,
                    acknowledged_by=supervisor if acked else None,
                    police_due_at=received + dt.timedelta(hours=24) if police else None,
                    police_notified_at=received + dt.timedelta(hours=2)
                    if police and acked else None,
                    outcome_due_at=received + dt.timedelta(days=OPEN_DAYS),
                    outcome_sent_at=received + dt.timedelta(days=10)
                    if state == "closed" else None,
                    closed_by=supervisor if state == "closed" else None,
                )
            )  # fmt: skip
    Report.objects.bulk_create(reports, batch_size=2000)
    for i, report in enumerate(
        Report.objects.filter(district=ctx["district"]).order_by("pk").only("pk", "police_required")
    ):
        first = "s4" if report.police_required else "s9"
        situations.append(ReportSituation(report=report, situation=first))
        if i % 5 == 0:
            situations.append(ReportSituation(report=report, situation="s6"))
    ReportSituation.objects.bulk_create(situations, batch_size=2000)
    _analyze()
    ctx["reports"] = len(reports)
    ctx["open_reports"] = Report.objects.exclude(state="closed").count()
    return ctx


def reads(ctx) -> dict:
    from django.utils import timezone

    from weibao.accounts.models import User
    from weibao.reports.selectors import triage_queue

    web = clients(ctx)
    page, api = "/reports/", "/api/v1/reports/"
    sup, dis, dir_ = web["supervisor"], web["district_staff"], web["director"]

    def badges(role):
        def read():
            user = User.objects.get(pk=ctx[role].pk)  # roles unloaded, as in a request
            queue = triage_queue(user)
            return queue.count(), queue.filter(next_due_at__lt=timezone.now()).count()

        return read

    return {
        "supervisor: /reports/ (queue)": get(sup, page),
        "supervisor: /reports/?state=received": get(sup, page, {"state": "received"}),
        "supervisor: /reports/?state=acknowledged": get(sup, page, {"state": "acknowledged"}),
        "supervisor: /reports/?state=handling": get(sup, page, {"state": "handling"}),
        "supervisor: /reports/?tab=all": get(sup, page, {"tab": "all"}),
        "supervisor: /reports/?tab=all&state=closed": get(
            sup, page, {"tab": "all", "state": "closed"}
        ),
        "district: /reports/ (queue)": get(dis, page),
        "district: /reports/?state=received": get(dis, page, {"state": "received"}),
        "district: /reports/?state=acknowledged": get(dis, page, {"state": "acknowledged"}),
        "district: /reports/?state=handling": get(dis, page, {"state": "handling"}),
        "district: /reports/?tab=all": get(dis, page, {"tab": "all"}),
        "district: /reports/?tab=all&state=closed": get(
            dis, page, {"tab": "all", "state": "closed"}
        ),
        "district: /reports/?tab=all page 50": get(dis, page, {"tab": "all", "page": 50}),
        "director: /reports/ (all: their 居民区)": get(dir_, page),
        "director: /reports/?state=handling": get(dir_, page, {"state": "handling"}),
        "supervisor: /api/v1/reports/?queue=true": get(sup, api, {"queue": "true"}),
        "district: /api/v1/reports/?queue=true": get(dis, api, {"queue": "true"}),
        "director: /api/v1/reports/": get(dir_, api),
        "supervisor: /api/v1/reports/": get(sup, api),
        "district: /api/v1/reports/": get(dis, api),
        "supervisor: home badges (open, late)": badges("supervisor"),
        "district: home badges (open, late)": badges("district_staff"),
        "supervisor: home page /": get(sup, "/"),
        "district: home page /": get(dis, "/"),
    }


def plans(ctx) -> None:
    from weibao.accounts.models import User
    from weibao.reports.selectors import report_list

    for role in ("supervisor", "district_staff"):
        user = User.objects.get(pk=ctx[role].pk)
        for queue in (True, False):
            qs = report_list(user, queue=queue)
            print(f"  plan: {role}'s {'queue' if queue else 'all reports'}, count and page 1")
            explain(lambda qs=qs: (qs.count(), list(qs[:20])))


def label(ctx) -> str:
    return (
        f"{ctx['reports']:,} reports ({ctx['open_reports']:,} open), {ctx['cases']:,} cases, "
        f"{ctx['communities']} 居民区 in {ctx['subdistricts']} 街镇"
    )


if __name__ == "__main__":
    main(builder=build, reader=reads, show=plans, label=label)
