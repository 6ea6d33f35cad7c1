"""The demo's children's inspection teams (儿童考察团, docs/domain.md §8.2): a team in each of
天山路's 18 居民区, named "演示·…", with up to five demo children of the 居民区 as members (a demo
guardian's consent each), two patrols, and findings at every stage — found, on the agenda of the
居民区's 四位一体 meeting, in progress (exactly one of them overdue), resolved (on 天山路's display
wall), closed as not actionable. Made through the services as the district's demo account
(district_admin, who keeps every team of the district), once (keyed in SiteState), after the
demo children."""

import datetime as dt

from django.utils import timezone

from weibao.accounts.models import User
from weibao.children.choices import Status
from weibao.children.models import Child
from weibao.core.dates import years_before
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.demo.places import TIANSHAN
from weibao.inspections import services
from weibao.inspections.choices import ConsentMethod, Party
from weibao.inspections.models import Finding, Team

INSPECTIONS_KEY = "demo_inspections_loaded"
MEMBERS = 5
ROUTES = (
    "小区东门 → 儿童游乐场 → 地下车库入口（演示）",
    "居委会 → 健身步道 → 垃圾分类点 → 南门（演示）",
)
# (what, where, where in general words, category, what was done)
PROBLEMS = [
    ("儿童游乐场滑梯扶手松动", "小区中心儿童游乐场", "小区游乐场", "safety", "物业已更换扶手"),
    (
        "地下车库入口没有减速带，车速快",
        "3号楼旁地下车库入口",
        "车库入口",
        "traffic",
        "物业加装了减速带和提示牌",
    ),
    ("垃圾分类点周边有异味", "南门垃圾分类点", "小区南门", "environment", "增加了清运次数"),
    ("健身步道路灯不亮", "中心绿地健身步道", "小区步道", "facilities", "路灯已修复"),
    ("楼道堆放杂物挡住通道", "12号楼一楼楼道", "居民楼楼道", "safety", "居委会组织清理了杂物"),
    ("希望增加儿童阅读角", "社区活动室", "社区活动室", "other", "活动室设立了阅读角"),
]
# The stage of each finding in turn; the second is the one overdue.
NOT_ACTIONABLE = "演示·不属于社区管理范围，已转告街道"
STAGES = ("resolved", "overdue", "found", "on_agenda", "closed", "in_progress")


def load_inspection_demo(tree) -> int:
    """Make the 天山路 teams once; returns how many teams were made."""
    if SiteState.objects.filter(key=INSPECTIONS_KEY).exists() or not SiteState.demo_loaded():
        return 0
    actor = User.objects.filter(username="district_admin").first()
    if actor is None:
        return 0
    actor = User.objects.get(pk=actor.pk)  # fresh object: no cached roles
    today = timezone.localdate()
    made, k = 0, 0
    for community in tree.communities[TIANSHAN]:
        if Team.objects.filter(community=community).exists():
            continue
        team = services.team_create(
            actor=actor, community=community, name=f"演示·{community.name}儿童考察团"
        )
        made += 1
        members = _members(actor, team, today)
        if not members:
            continue
        patrols = [
            services.patrol_create(
                actor=actor,
                team=team,
                data={
                    "patrolled_on": today - dt.timedelta(days=days),
                    "route": route,
                    "adults": "演示·儿童主任、两位家长志愿者",
                    "members": members,
                },
            )
            for days, route in ((120, ROUTES[0]), (45, ROUTES[1]))
        ]
        findings = []
        for j in range(3):
            what, place, general, category, _done = PROBLEMS[(j + 2 * k // 3) % len(PROBLEMS)]
            finding = services.finding_create(
                actor=actor,
                team=team,
                data={
                    "patrol": patrols[j % 2],
                    "what": what,
                    "place": place,
                    "place_general": general,
                    "category": category,
                },
            )
            findings.append((finding, STAGES[(k + j) % len(STAGES)], _done))
        k += 3
        _meet(actor, team, findings, today, first_overdue=k == 3)
    site_state_set(key=INSPECTIONS_KEY, value=f"{made} teams, loaded {today.isoformat()}")
    return made


def _members(actor, team: Team, today: dt.date) -> list:
    """Up to five demo children of the 居民区 aged 8 to 15."""
    children = Child.objects.filter(
        community_id=team.community_id,
        status=Status.ACTIVE,
        birth_date__gt=years_before(today, 16),
        birth_date__lte=years_before(today, 8),
    ).order_by("pk")[:MEMBERS]
    how = ConsentMethod.values
    joined = today - dt.timedelta(days=200)
    return [
        services.member_add(
            actor=actor,
            team=team,
            child=child,
            data={
                "consent_by": "演示·监护人",
                "consent_on": joined - dt.timedelta(days=3),
                "consent_how": how[i % len(how)],
                "joined_on": joined,
            },
        )
        for i, child in enumerate(children)
    ]


def _meet(actor, team: Team, findings: list, today: dt.date, *, first_overdue: bool) -> None:
    """The 居民区's 四位一体 meeting a month ago took every finding past "found"; each then goes
    as far as its stage."""
    listed = [f for f, stage, _done in findings if stage not in ("found", "closed")]
    if listed:
        services.meeting_create(
            actor=actor,
            team=team,
            data={
                "held_on": today - dt.timedelta(days=30),
                "parties": list(Party.values),
                "notes": "演示·居委会主持，物业、业委会参加。",
            },
            findings=listed,
        )
    for finding, stage, done in findings:
        finding = Finding.objects.get(pk=finding.pk)
        if stage == "closed":
            services.finding_transition(
                actor=actor,
                finding=finding,
                name="close",
                reason="演示·不属于社区管理范围，已转告街道",
            )
            continue
        if stage in ("found", "on_agenda"):
            continue
        late = stage == "overdue" and first_overdue
        finding = services.finding_transition(
            actor=actor,
            finding=finding,
            name="decide",
            decision="演示·由物业牵头处理，居委会跟进",
            owner=Party.PROPERTY,
            due_on=today - dt.timedelta(days=5) if late else today + dt.timedelta(days=30),
        )
        if stage == "resolved":
            services.finding_transition(
                actor=actor,
                finding=finding,
                name="resolve",
                outcome=done,
                resolved_on=today - dt.timedelta(days=10),
            )
