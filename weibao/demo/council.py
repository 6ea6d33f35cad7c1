"""Demo children's councils (docs/domain.md §8.1): 天山路's council with twelve members (demo
children of its 居民区, each with their guardian's consent and a one-year term), three meetings
with attendance, minutes and decisions — the decisions on the 童乐天山 board, one answered, one in
progress, one just received — and a small council at each of the four other operating
stations, so that every operating station's meeting place holds (the story's 50% coverage).

Written through the services by each station's supervisor, on the days of the story (`_as_of`).
Everything is visibly demo (agendas, minutes and decisions start with 演示; the members are the
synthetic demo children). Made once (keyed in SiteState). Called by the stations' demo before its
daily check (so no station is marked lapsed for want of a council), and again at the end of
load_demo (a no-op once made)."""

import datetime as dt

from django.utils import timezone

from weibao.accounts.models import User
from weibao.children.models import Child
from weibao.children.selectors import guardian_rows_prefetch
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.council import services
from weibao.demo.cases import _as_of
from weibao.demo.places import TIANSHAN
from weibao.stations.models import Workstation
from weibao.suggestions import services as suggestion_services

COUNCIL_KEY = "demo_councils_loaded"
OPERATING = {  # 街镇 code → its supervisor's demo account (weibao/demo/stations.py)
    TIANSHAN: "tianshan_supervisor",
    "310105002": "jiangsu_supervisor",
    "310105005": "zhoujiaqiao_supervisor",
    "310105008": "xianxia_supervisor",
    "310105102": "xinjing_supervisor",
}
# 天山路's meetings: (days ago, agenda, minutes, decisions as (text, what became of it))
TIANSHAN_MEETINGS = [
    (80, "演示：社区里哪些地方让小朋友觉得不安全？",
     "演示：议事会成员分组汇报了放学路上的观察，大家讨论了三处需要改进的地方。",
     [("演示：建议在天山四村小区门口增设减速带。", "answered")]),
    (45, "演示：暑期社区活动怎么安排？",
     "演示：成员们投票选出了最想参加的三项活动。",
     [("演示：建议社区活动中心暑期每周开放两次阅览室。", "in_progress")]),
    (12, "演示：童乐天山建议墙上的建议进展如何？",
     "演示：工作站介绍了上次决议的办理情况，成员们提出了新的建议。",
     [("演示：建议在社区公园增加爱护绿化的宣传栏。", "received")]),
]  # fmt: skip
TIANSHAN_MEMBERS, OTHER_MEMBERS = 12, 3


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0)))


def _members(station, keeper, n: int, start: dt.date) -> list:
    children = list(
        Child.objects.filter(subdistrict_id=station.subdistrict_id, status="active")
        .prefetch_related(guardian_rows_prefetch([station.district_id]))
        .order_by("community_id", "pk")[:n]
    )
    members = []
    with _as_of(_moment(start)):
        for child in children:
            guardian = next(iter(child.guardians.all()), None)
            members.append(
                services.member_add(
                    actor=keeper,
                    station=station,
                    data={
                        "child": child,
                        "term_start": start,
                        "term_end": start + dt.timedelta(days=365),
                        "consent_by": guardian.name if guardian else "演示监护人",
                        "consent_on": start,
                        "consent_how": "written",
                    },
                )
            )
    return members


def _follow(decision, keeper, state: str, held_on: dt.date) -> None:
    s = decision.suggestion
    if state == "received":
        return
    with _as_of(_moment(held_on + dt.timedelta(days=2))):
        s = suggestion_services.suggestion_route(
            actor=keeper,
            suggestion=s,
            department="演示·街道市容所" if state == "answered" else "演示·居委会",
            deadline=held_on + dt.timedelta(days=60),
        )
        s = suggestion_services.suggestion_start(actor=keeper, suggestion=s)
    if state == "answered":
        with _as_of(_moment(held_on + dt.timedelta(days=20))):
            suggestion_services.suggestion_answer(
                actor=keeper,
                suggestion=s,
                answer="演示：天山四村东门已装好两条减速带，谢谢议事会的建议！",
            )


def load_council_demo(tree) -> int:
    """Create the demo councils once; returns how many members were made."""
    if SiteState.objects.filter(key=COUNCIL_KEY).exists():
        return 0
    today = timezone.localdate()
    made = 0
    for code, username in OPERATING.items():
        subdistrict = tree.subdistricts.get(code)
        station = (
            Workstation.objects.filter(subdistrict=subdistrict, status="operating").first()
            if subdistrict
            else None
        )
        keeper = User.objects.filter(username=username).first()
        if station is None or keeper is None:
            continue
        keeper = User.objects.get(pk=keeper.pk)  # fresh object: no cached roles
        start = today - dt.timedelta(days=100)
        n = TIANSHAN_MEMBERS if code == TIANSHAN else OTHER_MEMBERS
        members = _members(station, keeper, n, start)
        made += len(members)
        meetings = TIANSHAN_MEETINGS if code == TIANSHAN else [
            (30, "演示：议事会本季度议题", "演示：成员们讨论了社区儿童活动空间。", []),
        ]  # fmt: skip
        for days, agenda, minutes, decisions in meetings:
            held_on = today - dt.timedelta(days=days)
            with _as_of(_moment(held_on)):
                meeting = services.meeting_create(
                    actor=keeper,
                    station=station,
                    data={
                        "held_on": held_on,
                        "agenda": agenda,
                        "minutes": minutes,
                        # Most come; one in four misses it.
                        "present": [m for i, m in enumerate(members) if (i + days) % 4],
                    },
                )
                recorded = [
                    (services.decision_record(actor=keeper, meeting=meeting, text=text), state)
                    for text, state in decisions
                ]
            for decision, state in recorded:
                _follow(decision, keeper, state, held_on)
    if made:  # none before the demo stations exist: tried again once they do
        site_state_set(key=COUNCIL_KEY, value=f"{made} members, loaded {today.isoformat()}")
    return made
