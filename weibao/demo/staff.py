"""The demo staff roster, training and honours (docs/domain.md §2.6–2.7), following the source
story: 新泾镇's 43-person team (站长, 法治副站长, 督导员, a 儿童主任 in each of its 20 居民区,
social workers, volunteers, experts, lawyers); in every other 街镇 a 督导员 and a 儿童主任 per
居民区, the demo accounts linked to theirs; social workers in some 居民区 only (天山路 and 新泾镇),
and one post left vacant in 程家桥, so the 1+1+X gaps show; the district's 《民法典》 and
《未成年人保护法》 online sessions and its 儿童主任能力提升培训班, with every working 儿童主任
present (the seed's 培训率 100%) and one full-time worker of 新泾镇 not yet trained; the two
honours of the story. Every name is "演示·…", every phone visibly fake (1700001xxxx; work
phones 021-0000xxxx). Made through the services as the district demo account, once (keyed in
SiteState)."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from weibao.accounts.models import User
from weibao.areas.models import Area
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.demo.places import TIANSHAN, XIANXIA
from weibao.staff.choices import WALL_ROLES, HonourLevel, Qualification, StaffRole
from weibao.staff.models import StaffMember
from weibao.staff.services import honour_add, staff_account_link, staff_create, staff_end
from weibao.training.choices import AttendanceStatus, Mode
from weibao.training.models import TrainingTopic
from weibao.training.services import session_create, session_roll_set, topics_ensure_defaults

STAFF_KEY = "demo_staff_loaded"
SEED = 20211126
XINJING, JIANGSU, CHENGJIAQIAO = "310105102", "310105002", "310105010"
# The 街镇 that agreed to show their 督导员 and 儿童主任 on the display wall: the five stations
# of the story (天山路, 周家桥, 新泾镇, 江苏路, 仙霞新村).
WALL_SUBDISTRICTS = {TIANSHAN, "310105005", XINJING, JIANGSU, XIANXIA}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
GIVEN = (
    "丽", "芳", "静", "燕", "敏", "伟", "强", "军", "勇", "斌", "峰", "建华", "志刚", "海峰",
    "晓东", "立新", "丽华", "晓红", "美玲", "春燕", "慧", "霞", "娟", "文杰", "佳怡", "雪晴",
)  # fmt: skip
# The accounts of data.ACCOUNTS whose roster entries are made for them.
LINKED = {
    "tianshan_supervisor": (StaffRole.SUPERVISOR, TIANSHAN, None),
    "tianshan_staff": (StaffRole.FULL_TIME, TIANSHAN, None),
    "tianshan_director_1": (StaffRole.DIRECTOR, TIANSHAN, 0),
    "tianshan_director_2": (StaffRole.DIRECTOR, TIANSHAN, 1),
    "xianxia_director_1": (StaffRole.DIRECTOR, XIANXIA, 0),
}
# 新泾镇's team besides its 20 儿童主任 (1 + 1 + 1 + 2 + 20 + 8 + 6 + 2 + 2 = 43 people).
XINJING_TEAM = [
    (StaffRole.HEAD, 1),
    (StaffRole.LEGAL_DEPUTY, 1),
    (StaffRole.SUPERVISOR, 1),
    (StaffRole.FULL_TIME, 2),
    (StaffRole.SOCIAL_WORKER, 8),
    (StaffRole.VOLUNTEER, 6),
    (StaffRole.EXPERT, 2),
    (StaffRole.LAWYER, 2),
]


class _Roster:
    def __init__(self, actor: User, today: dt.date):
        self.actor = actor
        self.today = today
        self.rng = random.Random(SEED)
        self.phones = 0
        self.work_phones = 0

    def name(self) -> str:
        return f"演示·{self.rng.choice(SURNAMES)}{self.rng.choice(GIVEN)}"

    def phone(self) -> str:
        self.phones += 1
        return f"1700001{self.phones:04d}"

    def work_phone(self) -> str:
        self.work_phones += 1
        return f"021-0000{self.work_phones:04d}"

    def add(self, role: str, area: Area, *, name: str = "", wall: bool = False, **extra):
        started = dt.date(self.rng.randint(2016, 2022), self.rng.randint(1, 12), 1)
        data = {
            "name": name or self.name(),
            "role": role,
            "area": area,
            "phone": self.phone(),
            "start_date": started,
            "full_time": role in (StaffRole.HEAD, StaffRole.FULL_TIME, StaffRole.SUPERVISOR),
            **extra,
        }
        if wall and role in WALL_ROLES:
            data["work_phone"] = self.work_phone()
            data["publish_on_display_wall"] = True
        return staff_create(actor=self.actor, data=data)


def _first_day_plus(today: dt.date, days: int) -> dt.date:
    """A day this year, `days` after 1 January but never after today (the rate's default
    period is this calendar year)."""
    first = dt.date(today.year, 1, 1)
    return first + dt.timedelta(days=min(days, (today - first).days))


@transaction.atomic
def load_staff_demo(tree) -> int:
    """Make the demo roster, sessions and honours once; returns how many people were added."""
    if SiteState.objects.filter(key=STAFF_KEY).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=["district_admin", *LINKED])}
    if "district_admin" not in users:
        return 0
    today = timezone.localdate()
    roster = _Roster(users["district_admin"], today)
    people: dict[tuple, StaffMember] = {}

    # The demo accounts' own entries, named as the accounts are, and linked to them.
    for username, (role, code, index) in LINKED.items():
        user = users.get(username)
        if user is None:
            continue
        area = tree.subdistricts[code] if index is None else tree.communities[code][index]
        extra = {}
        if username == "tianshan_staff":
            extra["qualifications"] = [Qualification.SOCIAL_WORK_INTERMEDIATE]
        wall = code in WALL_SUBDISTRICTS
        member = roster.add(role, area, name=user.full_name, wall=wall, **extra)
        staff_account_link(actor=roster.actor, member=member, username=username)
        people[(code, role, index)] = member

    for code, subdistrict in tree.subdistricts.items():
        wall = code in WALL_SUBDISTRICTS
        if (code, StaffRole.SUPERVISOR, None) not in people:
            people[(code, StaffRole.SUPERVISOR, None)] = roster.add(
                StaffRole.SUPERVISOR, subdistrict, wall=wall
            )
        for i, community in enumerate(tree.communities[code]):
            if (code, StaffRole.DIRECTOR, i) not in people:
                # Most agree to be on the wall; one in five does not.
                people[(code, StaffRole.DIRECTOR, i)] = roster.add(
                    StaffRole.DIRECTOR, community, wall=wall and i % 5 != 4
                )
    # 新泾镇: the rest of its 43.
    xinjing = tree.subdistricts[XINJING]
    xinjing_communities = tree.communities[XINJING]
    for role, n in XINJING_TEAM:
        for i in range(n):
            if role == StaffRole.SUPERVISOR:
                continue  # made above with every 街镇's
            place = xinjing
            extra: dict = {}
            if role == StaffRole.SOCIAL_WORKER:
                place = xinjing_communities[i * 2]  # every other 居民区 of the first 16
                extra["qualifications"] = [
                    (Qualification.SOCIAL_WORK_JUNIOR, Qualification.SOCIAL_WORK_INTERMEDIATE)[
                        i % 2
                    ]
                ]
            elif role == StaffRole.VOLUNTEER:
                place = xinjing_communities[i % 4]
            elif role == StaffRole.LAWYER:
                extra["qualifications"] = [Qualification.LAWYER]
            elif role == StaffRole.EXPERT:
                extra["qualifications"] = [Qualification.COUNSELLOR]
                extra["qualifications_note"] = "演示·家庭教育指导专家"
            people[(XINJING, role, i)] = roster.add(role, place, **extra)
    # 天山路: social workers in its first ten 居民区, volunteers in the first three.
    for i, community in enumerate(tree.communities[TIANSHAN][:10]):
        roster.add(
            StaffRole.SOCIAL_WORKER,
            community,
            qualifications=[Qualification.SOCIAL_WORK_JUNIOR],
        )
        if i < 3:
            roster.add(StaffRole.VOLUNTEER, community)
    # 程家桥: the 儿童主任 of its last 居民区 left three weeks ago; the post is vacant.
    vacant = people[(CHENGJIAQIAO, StaffRole.DIRECTOR, len(tree.communities[CHENGJIAQIAO]) - 1)]

    _honours(roster, people)
    _training(roster, tree, today)
    # After the sessions: the leaver attended them while still in post.
    staff_end(
        actor=roster.actor,
        member=vacant,
        end_date=today - dt.timedelta(days=21),
        note="【演示】调往其他街镇工作。",
    )
    made = StaffMember.objects.count()
    site_state_set(key=STAFF_KEY, value=f"{made} demo roster entries")
    return made


def _honours(roster: _Roster, people: dict) -> None:
    honour_add(
        actor=roster.actor,
        member=people[(JIANGSU, StaffRole.SUPERVISOR, None)],
        data={
            "title": "全国农村留守儿童关爱保护和困境儿童保障工作先进个人",
            "level": HonourLevel.NATIONAL,
            "awarded_on": dt.date(2021, 6, 30),  # demo date: the story gives none
            "issuer": "",
        },
    )
    honour_add(
        actor=roster.actor,
        member=people[(TIANSHAN, StaffRole.DIRECTOR, 0)],
        data={
            "title": "“儿童主任的一天”征文活动 二等奖",
            "level": HonourLevel.NATIONAL,
            "awarded_on": dt.date(2021, 10, 15),  # demo date: the story gives none
            "issuer": "民政部",
        },
    )


def _training(roster: _Roster, tree, today: dt.date) -> None:
    district = tree.district
    actor = roster.actor
    topics_ensure_defaults(district=district, actor=actor)
    topics = {t.name: t for t in TrainingTopic.objects.filter(district=district)}
    audience = [StaffRole.DIRECTOR, StaffRole.SUPERVISOR, StaffRole.FULL_TIME]
    sessions = [
        session_create(
            actor=actor,
            data={
                "organiser": district,
                "topic": topics["民法典"],
                "title": "《民法典》线上主题宣讲",
                "held_on": _first_day_plus(today, 60),
                "mode": Mode.ONLINE,
                "trainer": "演示·区法律顾问",
                "hours": Decimal("2"),
                "audience": audience,
            },
        ),
        session_create(
            actor=actor,
            data={
                "organiser": district,
                "topic": topics["未成年人保护法"],
                "title": "《未成年人保护法》线上主题宣讲",
                "held_on": _first_day_plus(today, 90),
                "mode": Mode.ONLINE,
                "trainer": "演示·区民政局未保科",
                "hours": Decimal("2"),
                "audience": audience,
            },
        ),
        session_create(
            actor=actor,
            data={
                "organiser": district,
                "topic": topics["个案管理"],
                "title": "儿童主任能力提升培训班",
                "held_on": _first_day_plus(today, 150),
                "mode": Mode.OFFLINE,
                "place": "演示·长宁区社区学院培训教室",
                "trainer": "演示·上海市儿童福利专家",
                "hours": Decimal("6"),
                "audience": [StaffRole.DIRECTOR, StaffRole.SUPERVISOR],
            },
        ),
    ]
    # One full-time worker of 新泾镇 missed both online sessions: the rate lists them.
    xinjing_full_time = (
        StaffMember.objects.filter(subdistrict__code=XINJING, role=StaffRole.FULL_TIME)
        .order_by("pk")
        .first()
    )
    for n, session in enumerate(sessions):
        expected = StaffMember.objects.filter(
            district=district, role__in=session.audience, start_date__lte=session.held_on
        ).values_list("pk", "role")
        marks = {}
        for i, (pk, role) in enumerate(expected):
            status = AttendanceStatus.PRESENT
            if xinjing_full_time is not None and pk == xinjing_full_time.pk:
                status = AttendanceStatus.ABSENT
            elif n == 2 and role == StaffRole.DIRECTOR and i % 17 == 5:
                status = AttendanceStatus.EXCUSED  # the class: a few excused (4 h online suffice)
            marks[pk] = status
        session_roll_set(actor=actor, session=session, marks=marks)
    # 天山路's own session, on 强制报告, kept by its supervisor.
    tianshan = tree.subdistricts[TIANSHAN]
    own = session_create(
        actor=actor,
        data={
            "organiser": tianshan,
            "topic": topics["强制报告"],
            "title": "强制报告制度专题培训",
            "held_on": _first_day_plus(today, 200),
            "mode": Mode.OFFLINE,
            "place": "演示·天山路街道未保站活动室",
            "trainer": "演示·天山路派出所民警",
            "hours": Decimal("1.5"),
            "audience": audience,
        },
    )
    marks = {
        pk: AttendanceStatus.PRESENT
        for pk in StaffMember.objects.filter(
            subdistrict=tianshan, role__in=audience, start_date__lte=own.held_on
        ).values_list("pk", flat=True)
    }
    session_roll_set(actor=actor, session=own, marks=marks)
