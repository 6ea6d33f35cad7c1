"""Synthetic demo data: `weibao demo`, also run by `make run` on every start.

What is real and what is invented:
- 长宁区 and its 10 街镇 with their 统计用区划代码 are real places (docs/domain.md §1.2), so
  they are not marked as demo. The 居民区 counts of 天山路街道 (18) and 仙霞新村街道 (23)
  come from the source story; the other counts, and every 居民区 name, are invented
  (is_demo=True, no code).
- Every child, guardian, phone number, address and school is synthetic. ID numbers are built by
  idnumber.make (valid check digit, region 310105); phones are visibly fake (1380000xxxx,
  1700000xxxx); addresses and schools carry "演示" so nobody mistakes them for real ones.

Children are registered through weibao.children.services (validation and audit rows included),
as the district demo account. In 天山路 and in xianxia_director_1's 居民区 they then get half a
year of visits through weibao.visits.services (some raising concerns, most of those handled; two
children returned home), leaving visits overdue, due this week and later (see "visit history"
below); the daily job runs once at the end. The load is idempotent: areas are found by code or by
(parent, name), accounts by username, and children and visits are created only while the
SiteState demo marker is absent; the marker is written in the same transaction as they are.
"""

import datetime as dt
import random
import time
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.selectors import REVEAL_PERMISSION, communities_visible_to
from weibao.accounts.services import (
    role_assignment_grant,
    user_create,
    user_reveal_set,
)
from weibao.areas.models import Area
from weibao.audit.services import audit_record
from weibao.children import idnumber
from weibao.children.categories import Category
from weibao.children.choices import (
    DisabilityType,
    Grade,
    Health,
    HukouType,
    IncomeSource,
    Relation,
    Status,
)
from weibao.children.models import Child, ChildCategory, adult_cutoff
from weibao.children.services import (
    GuardianInput,
    child_backdate_for_demo,
    child_change_status,
    child_create,
    child_mark_returned_home,
)
from weibao.core.dates import add_months, years_before
from weibao.core.models import SiteState
from weibao.core.operator import Operator
from weibao.core.site_state import site_state_set
from weibao.dashboards.services import figures_backfill
from weibao.demo.activities import load_activity_demo
from weibao.demo.cases import CasesResult, load_case_demo
from weibao.demo.council import load_council_demo
from weibao.demo.inspections import load_inspection_demo
from weibao.demo.places import TIANSHAN, XIANXIA
from weibao.demo.staff import load_staff_demo
from weibao.demo.stations import load_station_demo
from weibao.demo.suggestions import load_suggestion_demo
from weibao.demo.transfers import load_transfer_demo
from weibao.visits.jobs import DailyReport, run_daily
from weibao.visits.models import Concern
from weibao.visits.scheduling import RuleSet
from weibao.visits.selectors import Horizon
from weibao.visits.services import concern_handle, visit_complete, visit_schedule_child, visit_start

SEED = 20211126  # the date of the source story
DEFAULT_CHILDREN = 3000
# Shared by every demo account and printed on every start: demo data only, never production.
DEMO_PASSWORD = "weibao-demo"  # noqa: S105
REGION = "310105"

DISTRICT = ("长宁区", "310105")
# (name, 统计用区划代码, number of 居民区). 天山路 18 and 仙霞新村 23 are from the source story;
# the other counts are not public and are invented for the demo.
SUBDISTRICTS = [
    ("华阳路街道", "310105001", 12),
    ("江苏路街道", "310105002", 10),
    ("新华路街道", "310105004", 14),
    ("周家桥街道", "310105005", 13),
    ("天山路街道", "310105006", 18),
    ("仙霞新村街道", "310105008", 23),
    ("虹桥街道", "310105009", 15),
    ("程家桥街道", "310105010", 9),
    ("北新泾街道", "310105011", 11),
    ("新泾镇", "310105102", 20),
]
# 天山路 and 仙霞新村 are the workstations of the story: give them somewhat more children.
FOCUS_WEIGHT = 1.6


def short_name(subdistrict_name: str) -> str:
    for suffix in ("街道", "镇"):
        if subdistrict_name.endswith(suffix):
            return subdistrict_name[: -len(suffix)]
    return subdistrict_name


def community_name(subdistrict_name: str, n: int) -> str:
    """Invented, visibly generic and unique within the parent: 天山路第01居民区."""
    return f"{short_name(subdistrict_name)}第{n:02d}居民区"


# --- accounts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    # ("district",) | ("subdistrict", code) | ("community", subdistrict code, index from 0)
    area: tuple
    perms: tuple[str, ...] = ()
    is_staff: bool = False
    is_superuser: bool = False


REVEAL = REVEAL_PERMISSION

ACCOUNTS = [
    DemoAccount("admin", "演示·系统管理员", Role.SYSADMIN, (), is_staff=True, is_superuser=True),
    # District staff manage the district's people and roles in the product (/accounts/people/),
    # not in the framework admin: an account that reads children's files is no admin account.
    DemoAccount(
        "district_admin", "演示·长宁区民政干部", Role.DISTRICT_STAFF, ("district",), perms=(REVEAL,)
    ),
    DemoAccount(
        "tianshan_supervisor",
        "演示·天山路督导员",
        Role.SUPERVISOR,
        ("subdistrict", TIANSHAN),
        perms=(REVEAL,),
    ),
    DemoAccount(
        "tianshan_director_1",
        "演示·天山路第01居民区儿童主任",
        Role.DIRECTOR,
        ("community", TIANSHAN, 0),
        perms=(REVEAL,),
    ),
    # Deliberately without reveal_sensitive, so the difference can be shown.
    DemoAccount(
        "tianshan_director_2",
        "演示·天山路第02居民区儿童主任",
        Role.DIRECTOR,
        ("community", TIANSHAN, 1),
    ),
    DemoAccount(
        "xianxia_director_1",
        "演示·仙霞新村第01居民区儿童主任",
        Role.DIRECTOR,
        ("community", XIANXIA, 0),
    ),
    DemoAccount(
        "tianshan_staff", "演示·天山路工作站社工", Role.STATION_STAFF, ("subdistrict", TIANSHAN)
    ),
]
ACTOR = "district_admin"


# --- result -----------------------------------------------------------------------------------


@dataclass
class DemoResult:
    children_created: bool = False
    children_requested: int = 0
    areas_created: int = 0
    users_created: list[str] = field(default_factory=list)
    seconds: float = 0.0  # time spent registering the children
    history: "HistoryResult | None" = None  # the visit history, when created now
    daily: DailyReport | None = None  # the daily job run at the end of the first load
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, area
    cases: "CasesResult | None" = None  # reports, cases and partners, when created now
    transfers: int = 0  # demo transfers created now


# --- entry point ------------------------------------------------------------------------------


@transaction.atomic
def load_demo(*, children: int = DEFAULT_CHILDREN, today: dt.date | None = None) -> DemoResult:
    """Create whatever of the demo data is missing; change nothing that exists."""
    today = today or timezone.localdate()
    result = DemoResult(children_requested=children)
    tree = _ensure_areas(result)
    _ensure_accounts(tree, result)
    if not SiteState.demo_loaded():
        actor = User.objects.get(username=ACTOR)  # fresh object: no cached roles
        started = time.perf_counter()
        profiles = _create_children(actor, tree, children, today)
        result.seconds = time.perf_counter() - started
        result.history = _create_visit_history(tree, profiles, today)
        result.daily = run_daily(today)
        site_state_set(
            key=SiteState.DEMO_KEY,
            value=f"{children} synthetic children, seed {SEED}, loaded {today.isoformat()}",
        )
        result.children_created = True
    if SiteState.demo_loaded():
        result.cases = load_case_demo(tree)
        result.transfers = load_transfer_demo(tree)
        load_staff_demo(tree)
        load_station_demo(tree)
        load_inspection_demo(tree)
        load_activity_demo(tree)
        load_suggestion_demo(tree)
        load_council_demo(tree)
        # The dashboards' twelve months of trends, counted from the demo's records and frozen
        # as a new installation's first run would (docs/domain.md §11.1).
        figures_backfill(months=12, today=today)
    _fill_summary(result)
    return result


# --- areas ------------------------------------------------------------------------------------


@dataclass
class Tree:
    district: Area
    subdistricts: dict[str, Area]  # by code
    communities: dict[str, list[Area]]  # by sub-district code, in demo order


def _ensure_areas(result: DemoResult) -> Tree:
    name, code = DISTRICT
    district, created = Area.objects.get_or_create(
        code=code, defaults={"name": name, "level": Area.Level.DISTRICT}
    )
    result.areas_created += created
    subdistricts: dict[str, Area] = {}
    communities: dict[str, list[Area]] = {}
    for sub_name, sub_code, n in SUBDISTRICTS:
        sub, created = Area.objects.get_or_create(
            code=sub_code,
            defaults={"name": sub_name, "level": Area.Level.SUBDISTRICT, "parent": district},
        )
        result.areas_created += created
        subdistricts[sub_code] = sub
        communities[sub_code] = []
        for i in range(1, n + 1):
            community, created = Area.objects.get_or_create(
                parent=sub,
                name=community_name(sub.name, i),
                defaults={"level": Area.Level.COMMUNITY, "is_demo": True},
            )
            result.areas_created += created
            communities[sub_code].append(community)
    return Tree(district, subdistricts, communities)


def _account_area(tree: Tree, spec: tuple) -> Area | None:
    if not spec:
        return None
    if spec[0] == "district":
        return tree.district
    if spec[0] == "subdistrict":
        return tree.subdistricts[spec[1]]
    return tree.communities[spec[1]][spec[2]]


def _ensure_accounts(tree: Tree, result: DemoResult) -> None:
    """Accounts are configured only when they are created: a rerun never resets a password,
    a role or a permission someone has changed since. They are made through the accounts
    services as the install command makes them (audited, the command named as the actor)."""
    operator = Operator("weibao demo")
    for spec in ACCOUNTS:
        if User.objects.filter(username=spec.username).exists():
            continue
        user = User(
            username=spec.username,
            full_name=spec.full_name,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user_create(actor=operator, user=user)
        area = _account_area(tree, spec.area)
        role_assignment_grant(actor=operator, user=user, role=spec.role, area=area)
        if REVEAL in spec.perms:
            user_reveal_set(actor=operator, user=user, allowed=True)
        result.users_created.append(spec.username)


# --- summary ----------------------------------------------------------------------------------


def _fill_summary(result: DemoResult) -> None:
    result.counts = {
        "subdistricts": Area.objects.filter(level=Area.Level.SUBDISTRICT).count(),
        "communities": Area.objects.filter(level=Area.Level.COMMUNITY).count(),
        "children": Child.objects.count(),
        "children_active": Child.objects.filter(status=Status.ACTIVE).count(),
        "children_aged_out": Child.objects.filter(
            status=Status.ACTIVE, birth_date__lte=adult_cutoff()
        ).count(),
        "children_inactive": Child.objects.exclude(status=Status.ACTIVE).count(),
    }
    for spec in ACCOUNTS:
        assignments = list(
            RoleAssignment.objects.filter(user__username=spec.username).select_related("area")
        )
        if not assignments:
            exists = User.objects.filter(username=spec.username).exists()
            result.accounts.append((spec.username, "—" if exists else "(missing)", "—"))
        for ra in assignments:
            result.accounts.append(
                (spec.username, str(ra.get_role_display()), ra.area.name if ra.area else "—")
            )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def report_lines(result: DemoResult) -> list[str]:
    c = result.counts
    if result.children_created:
        status = (
            f"Demo data created: {result.children_requested} synthetic children registered "
            f"in {result.seconds:.1f} s."
        )
    else:
        status = "Demo data already present: nothing changed."
    lines = [
        status,
        f"Areas: {c['subdistricts']} sub-districts, {c['communities']} residential areas "
        f"({result.areas_created} created now). Children: {c['children']} "
        f"({c['children_active']} on the register, of whom {c['children_aged_out']} aged 18+; "
        f"{c['children_inactive']} moved out, transferred or deceased).",
    ]
    if result.history is not None:
        h = result.history
        lines.append(
            f"Visit history ({h.scope}): {h.visits} completed visits of {h.children} children "
            f"over the past {HISTORY_MONTHS} months, {h.concerns} concerns raised "
            f"({h.concerns_handled} handled), {h.returned_home} children returned home; "
            f"{h.recent} children registered in the past four weeks; {h.seconds:.1f} s."
        )
    if result.daily is not None:
        d = result.daily
        lines.append(
            f"Daily job run: {d.newly_overdue} visits overdue, {d.overdue_over_7_days} of them "
            f"by more than 7 days, {d.notifications_sent} notifications, "
            f"{d.changed()} changes in all."
        )
    if result.cases is not None and result.cases.created:
        k = result.cases.counts
        lines.append(
            f"Reports and cases: {k['reports']} mandatory reports, {k['cases']} cases at every "
            f"stage, {k['partners']} partners, {k['referrals']} referrals."
        )
    if result.transfers:
        lines.append(f"Transfers: {result.transfers} (one accepted, one awaiting a decision).")
    if result.users_created:
        lines.append(f"Accounts created now: {', '.join(result.users_created)}.")
    header = ("username", "role", "area", "password")
    rows = [(u, r, a, DEMO_PASSWORD) for u, r, a in result.accounts]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines.append(
        "Demo accounts only: the password is set when an account is created and never reset."
    )
    return lines


# --- children ---------------------------------------------------------------------------------

NUMERALS = "一二三四五六七八九十"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严武戴孔汤"
)
COMPOUND_SURNAMES = ("欧阳", "上官", "司马", "诸葛")
BOY_CHARS = "浩宇轩子梓俊博文杰涛明磊鹏晨睿泽阳然航哲辰逸铭凯瑞嘉一天思佳诚昊"
GIRL_CHARS = "欣怡涵梓雨萱佳诗琪悦婷雪晴可馨妍语彤思若梦瑶琳月菲然静一嘉子"
MAN_NAMES = ("伟", "强", "军", "勇", "斌", "峰", "建华", "志刚", "海峰", "国庆", "晓东", "立新")
WOMAN_NAMES = ("丽", "芳", "静", "燕", "敏", "霞", "娟", "慧", "丽华", "晓红", "美玲", "春燕")
OLD_MAN_NAMES = ("建国", "国强", "志华", "德明", "国平", "永福", "根宝", "金龙", "荣发", "福生")
OLD_WOMAN_NAMES = ("秀英", "桂英", "玉兰", "凤英", "美华", "彩娣", "金妹", "秀珍", "阿娣", "巧英")
UYGHUR_MEN = ("买买提", "艾力", "吐尔逊", "艾合买提", "热合曼", "阿不都", "依明", "玉素甫")
UYGHUR_WOMEN = ("阿依古丽", "迪丽娜尔", "古丽娜尔", "帕提古丽", "热依拉", "布合力其")
# Children with names that test the software: the middle dot of Uyghur names (ethnicity 05)
# and a character outside the Basic Multilingual Plane.
SPECIAL_CHILDREN = [
    ("阿依古丽·买买提", "F", "05"),
    ("艾力·吐尔逊", "M", "05"),
    ("迪丽娜尔·艾合买提", "F", "05"),
    ("买买提江·热合曼", "M", "05"),
    ("王𠈌", "M", "01"),
    ("陈𠈌瑶", "F", "01"),
    ("欧阳子涵", "F", "01"),
]
# Other groups with Han-style names, as is common in Shanghai.
MINORITY_CODES = ("03", "11", "08", "06", "02", "15", "10")

OTHER_PROVINCES = (
    "安徽省阜阳市",
    "江苏省盐城市",
    "河南省信阳市",
    "四川省南充市",
    "江西省上饶市",
    "湖北省黄冈市",
    "山东省菏泽市",
    "浙江省温州市",
)
LOCAL_WORK = (
    "长宁区，超市营业员",
    "长宁区，物业保安",
    "长宁区，个体经营（小吃店）",
    "闵行区，快递配送",
    "徐汇区，餐饮服务",
    "普陀区，工厂工人",
    "本市，网约车司机",
    "长宁区，社区保洁",
)
AWAY_WORK = (
    "江苏省苏州市，电子厂",
    "浙江省宁波市，建筑工地",
    "广东省深圳市，服装厂",
    "安徽省合肥市，物流公司",
    "远洋货轮船员",
    "新疆乌鲁木齐市，工程项目",
)
ILLNESSES = ("急性淋巴细胞白血病", "先天性心脏病", "肾病综合征", "再生障碍性贫血", "恶性肿瘤")
CHRONIC = ("哮喘", "1型糖尿病", "癫痫", "过敏性鼻炎伴哮喘")

# How often each category is a child's first category (weights), and which categories tend to
# come with it as a second one. Left-behind and economic hardship are the common cases;
# orphans, de facto unsupported and guardianship cases are rare.
PRIMARY_WEIGHTS = {
    Category.LEFT_BEHIND: 27,
    Category.ECONOMIC_HARDSHIP: 26,
    Category.MIGRANT_HARDSHIP: 12,
    Category.DISABILITY: 10,
    Category.SERIOUS_ILLNESS: 5,
    Category.AUTISM: 4,
    Category.GUARDIANSHIP_MISSING: 5,
    Category.GUARDIANSHIP_IMPROPER: 4,
    Category.ORPHAN: 3,
    Category.DE_FACTO_UNSUPPORTED: 3,
}
# Pairs that contradict each other (an orphan's parents cannot work away; a left-behind child is
# not a migrant child) are left out.
COMPANIONS = {
    Category.LEFT_BEHIND: (Category.ECONOMIC_HARDSHIP, Category.DISABILITY),
    Category.ECONOMIC_HARDSHIP: (
        Category.DISABILITY,
        Category.SERIOUS_ILLNESS,
        Category.MIGRANT_HARDSHIP,
        Category.LEFT_BEHIND,
    ),
    Category.MIGRANT_HARDSHIP: (Category.ECONOMIC_HARDSHIP, Category.SERIOUS_ILLNESS),
    Category.DISABILITY: (Category.ECONOMIC_HARDSHIP, Category.AUTISM),
    Category.SERIOUS_ILLNESS: (Category.ECONOMIC_HARDSHIP,),
    Category.AUTISM: (Category.DISABILITY, Category.ECONOMIC_HARDSHIP),
    Category.GUARDIANSHIP_MISSING: (Category.ECONOMIC_HARDSHIP, Category.DE_FACTO_UNSUPPORTED),
    Category.GUARDIANSHIP_IMPROPER: (Category.ECONOMIC_HARDSHIP,),
    Category.ORPHAN: (Category.ECONOMIC_HARDSHIP, Category.DISABILITY),
    Category.DE_FACTO_UNSUPPORTED: (Category.ECONOMIC_HARDSHIP, Category.GUARDIANSHIP_MISSING),
}
THIRD_CATEGORIES = (Category.ECONOMIC_HARDSHIP, Category.DISABILITY, Category.SERIOUS_ILLNESS)
DISABILITY_TYPES = {
    DisabilityType.PHYSICAL: 25,
    DisabilityType.INTELLECTUAL: 25,
    DisabilityType.HEARING: 12,
    DisabilityType.VISUAL: 10,
    DisabilityType.SPEECH: 8,
    DisabilityType.MENTAL: 10,
    DisabilityType.MULTIPLE: 10,
}
DISABILITY_LABELS = {
    "physical": "肢体",
    "intellectual": "智力",
    "hearing": "听力",
    "visual": "视力",
    "speech": "言语",
    "mental": "精神",
    "multiple": "多重",
}
LEVEL_WEIGHTS = {"1": 15, "2": 25, "3": 30, "4": 30}
STATUS_CHANGES = [
    # (status, how many per 3,000 children, reasons)
    (Status.MOVED_OUT, 7, ("随父母迁居外区", "随家人迁回原籍", "家庭购房搬离本区")),
    (Status.TRANSFERRED, 5, ("档案移交户籍地民政部门", "转由外区未保站跟进")),
    (Status.DECEASED, 3, ("因病医治无效死亡",)),
]
AGED_OUT_PER_3000 = 20


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _birth_date(rng: random.Random, today: dt.date, below_age: int = 18) -> dt.date:
    """A birth date of a child aged 0..below_age-1 today (and at least three weeks old)."""
    earliest = years_before(today, below_age) + dt.timedelta(days=1)
    return today - dt.timedelta(days=rng.randint(21, (today - earliest).days))


def _grade_and_school(rng: random.Random, birth: dt.date, today: dt.date, special: bool):
    """Grade from the school year (children start primary school in the September after they
    turn 6), and a visibly demo school of the right kind."""
    school_year = today.year if today.month >= 9 else today.year - 1
    years = school_year - birth.year - (1 if birth.month >= 9 else 0)
    if years < 3:
        return Grade.NOT_IN_SCHOOL, "", False
    if years < 6:
        if rng.random() < 0.1:
            return Grade.NOT_IN_SCHOOL, "", False
        return Grade.KINDERGARTEN, f"长宁区演示第{rng.choice(NUMERALS[:6])}幼儿园", False
    if special and years <= 17 and rng.random() < 0.5:
        grade = _school_grade(years)
        return grade, "长宁区演示特殊教育学校", rng.random() < 0.3
    if years <= 11:
        return _school_grade(years), f"长宁区演示第{rng.choice(NUMERALS[:8])}小学", False
    if years <= 14:
        return _school_grade(years), f"长宁区演示第{rng.choice(NUMERALS[:5])}初级中学", False
    if years <= 17:
        roll = rng.random()
        if roll < 0.04:
            return Grade.OUT_OF_SCHOOL, "", False
        if roll < 0.25:
            name = rng.choice(("上海市演示职业技术学校", "上海市演示商贸职业学校"))
            return Grade.VOCATIONAL, name, rng.random() < 0.2
        name = f"长宁区演示第{rng.choice(NUMERALS[:3])}高级中学"
        return _school_grade(years), name, rng.random() < 0.15
    # 18 or over: finishing vocational school, or out of school
    if rng.random() < 0.5:
        return Grade.VOCATIONAL, "上海市演示职业技术学校", False
    return Grade.OUT_OF_SCHOOL, "", False


def _school_grade(years: int) -> str:
    order = ["p1", "p2", "p3", "p4", "p5", "p6", "j1", "j2", "j3", "s1", "s2", "s3"]
    return order[min(max(years - 6, 0), len(order) - 1)]


def _categories(rng: random.Random) -> list[str]:
    first = _weighted(rng, PRIMARY_WEIGHTS)
    chosen = [first]
    roll = rng.random()
    if roll < 0.35:
        chosen.append(rng.choice(COMPANIONS[first]))
    if roll < 0.05:  # a third category, from those that combine with anything
        chosen.append(rng.choice(THIRD_CATEGORIES))
    return list(dict.fromkeys(chosen))  # unique, first kept first


class _Generator:
    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.numbers: set[str] = set()
        self.phones: set[str] = set()

    # identity ---------------------------------------------------------------------------------

    def id_number(self, birth: dt.date, sex: str) -> str:
        sequence = self.rng.randrange(500)
        for _ in range(500):
            number = idnumber.make(REGION, birth, sequence, sex)
            if number not in self.numbers:
                self.numbers.add(number)
                return number
            sequence = (sequence + 1) % 500
        raise RuntimeError(f"no free ID sequence number left for {birth} {sex}")

    def phone(self) -> str:
        while True:
            number = self.rng.choice(("1380000", "1700000")) + f"{self.rng.randrange(10000):04d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def han_name(self, sex: str) -> tuple[str, str]:
        rng = self.rng
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
        chars = BOY_CHARS if sex == "M" else GIRL_CHARS
        given = "".join(rng.choice(chars) for _ in range(1 if rng.random() < 0.25 else 2))
        return surname, surname + given

    def address(self) -> str:
        rng = self.rng
        floor, room = rng.randint(1, 6), rng.randint(1, 4)
        return (
            f"演示{rng.choice(NUMERALS)}路{rng.randint(1, 999)}弄{rng.randint(1, 60)}号"
            f"{floor}0{room}室"
        )

    # guardians --------------------------------------------------------------------------------

    def guardians(self, cats: set[str], surname: str, uyghur_father: str | None):
        """Guardians consistent with the child's categories, the family story that goes with
        them, and the main income source."""
        rng = self.rng
        if uyghur_father:
            father = f"{uyghur_father}·{rng.choice(UYGHUR_MEN)}"
            mother = f"{rng.choice(UYGHUR_WOMEN)}·{rng.choice(UYGHUR_MEN)}"
            grandfather = f"{rng.choice(UYGHUR_MEN)}·{rng.choice(UYGHUR_MEN)}"
            grandmother = f"{rng.choice(UYGHUR_WOMEN)}·{rng.choice(UYGHUR_MEN)}"
            relative = f"{rng.choice(UYGHUR_MEN)}·{rng.choice(UYGHUR_MEN)}"
        else:
            mother_surname = rng.choice(SURNAMES)
            father = surname + rng.choice(MAN_NAMES)
            mother = mother_surname + rng.choice(WOMAN_NAMES)
            grandfather = surname + rng.choice(OLD_MAN_NAMES)
            grandmother = surname + rng.choice(OLD_WOMAN_NAMES)
            relative = mother_surname + rng.choice(MAN_NAMES)

        def g(name, relation, work="", **kw) -> GuardianInput:
            return GuardianInput(
                name=name, relation=relation, phone=self.phone(), work_location=work, **kw
            )

        old_carer = rng.choice(
            [
                (grandmother, Relation.PATERNAL_GRANDMOTHER),
                (grandfather, Relation.PATERNAL_GRANDFATHER),
            ]
        )
        if Category.ORPHAN in cats:
            carer = rng.choice([old_carer, (relative, Relation.OTHER_RELATIVE)])
            notes = "舅舅" if carer[1] == Relation.OTHER_RELATIVE else ""
            return [g(*carer, "退休" if not notes else rng.choice(LOCAL_WORK), notes=notes)], (
                IncomeSource.ASSISTANCE
            )
        if Category.DE_FACTO_UNSUPPORTED in cats:
            reason = rng.choice(("服刑在押", "重残，生活不能自理", "强制隔离戒毒"))
            return [
                g(father, Relation.FATHER, able_to_guard=False, notes=reason),
                g(*old_carer, "退休"),
            ], IncomeSource.ASSISTANCE
        if Category.GUARDIANSHIP_MISSING in cats:
            reason = rng.choice(("重病长期住院", "服刑在押", "离家失联", "重残"))
            return [
                g(mother, Relation.MOTHER, able_to_guard=False, notes=reason),
                g(*old_carer, "退休"),
            ], rng.choice((IncomeSource.RELATIVES, IncomeSource.ASSISTANCE))
        if Category.LEFT_BEHIND in cats:
            return [
                g(father, Relation.FATHER, rng.choice(AWAY_WORK)),
                g(*old_carer, "退休", is_entrusted_carer=True, notes="受委托照护"),
            ], IncomeSource.WAGES
        income = IncomeSource.WAGES
        if cats & {Category.ECONOMIC_HARDSHIP, Category.SERIOUS_ILLNESS}:
            income = rng.choice((IncomeSource.ASSISTANCE, IncomeSource.WAGES, IncomeSource.NONE))
        elif rng.random() < 0.2:
            income = rng.choice((IncomeSource.BUSINESS, IncomeSource.PROPERTY))
        mother_g = g(mother, Relation.MOTHER, rng.choice(LOCAL_WORK))
        if Category.GUARDIANSHIP_IMPROPER in cats:
            return [
                g(father, Relation.FATHER, rng.choice(LOCAL_WORK), notes="需监护指导"),
                mother_g,
            ], income
        if rng.random() < 0.3:  # single-parent family
            return [mother_g], income
        return [g(father, Relation.FATHER, rng.choice(LOCAL_WORK)), mother_g], income

    # one child --------------------------------------------------------------------------------

    def child(self, index: int, community: Area, aged_out: bool) -> tuple[dict, list, list, dict]:
        rng, today = self.rng, self.today
        special = SPECIAL_CHILDREN[index] if index < len(SPECIAL_CHILDREN) else None
        if special:
            name, sex, ethnicity = special
            surname = next((s for s in COMPOUND_SURNAMES if name.startswith(s)), name[0])
        else:
            sex = rng.choice("MF")
            surname, name = self.han_name(sex)
            ethnicity = rng.choice(MINORITY_CODES) if rng.random() < 0.03 else "01"
        uyghur_father = name.split("·")[1] if "·" in name else None

        cats = _categories(rng)
        if aged_out and Category.LEFT_BEHIND in cats:  # left-behind means under 16
            cats = [c for c in cats if c != Category.LEFT_BEHIND] or [Category.ECONOMIC_HARDSHIP]
        catset = set(cats)

        backdate = None
        if aged_out:
            # Registered as a minor about two years ago and 18 or 19 today; see _backdate.
            real_birth = years_before(today, 18) - dt.timedelta(days=rng.randint(1, 600))
            if (real_birth.month, real_birth.day) == (2, 29):
                real_birth -= dt.timedelta(days=1)
            birth = real_birth.replace(year=real_birth.year + 2)
            backdate = real_birth
        else:
            birth = _birth_date(rng, today, 16 if Category.LEFT_BEHIND in catset else 18)

        disability_type = disability_level = ""
        health, health_notes = Health.HEALTHY, ""
        if Category.DISABILITY in catset:
            disability_type = (
                DisabilityType.MENTAL
                if Category.AUTISM in catset
                else _weighted(rng, DISABILITY_TYPES)
            )
            disability_level = _weighted(rng, LEVEL_WEIGHTS)
            health_notes = f"持残疾人证（{DISABILITY_LABELS[disability_type]}{disability_level}级）"
        if Category.AUTISM in catset:
            health_notes = "孤独症谱系障碍，在康复机构接受干预训练。" + health_notes
        if Category.SERIOUS_ILLNESS in catset:
            health = Health.SERIOUS
            health_notes = f"{rng.choice(ILLNESSES)}，长期治疗中。" + health_notes
        elif rng.random() < 0.06:
            health = Health.CHRONIC
            health_notes = f"{rng.choice(CHRONIC)}，定期复诊。" + health_notes

        grade, school, boarding = _grade_and_school(
            rng,
            backdate or birth,
            today,
            special=disability_level in ("1", "2") or Category.AUTISM in catset,
        )

        if ethnicity == "05":
            hukou, place = HukouType.OTHER_PROVINCE, "新疆维吾尔自治区喀什地区"
        elif Category.MIGRANT_HARDSHIP in catset:
            hukou = HukouType.OTHER_PROVINCE if rng.random() < 0.85 else HukouType.NONE
            place = rng.choice(OTHER_PROVINCES) if hukou == HukouType.OTHER_PROVINCE else ""
        elif rng.random() < (0.4 if Category.LEFT_BEHIND in catset else 0.1):
            hukou, place = HukouType.OTHER_PROVINCE, rng.choice(OTHER_PROVINCES)
        else:
            hukou, place = HukouType.LOCAL, "上海市长宁区"

        guardians, income = self.guardians(catset, surname, uyghur_father)
        data = {
            "name": name,
            "sex": sex,
            "ethnicity": ethnicity,
            "birth_date": birth,
            "id_number": self.id_number(birth, sex),
            "hukou_type": hukou,
            "hukou_place": place,
            "address": self.address(),
            "community": community,
            "school": school,
            "grade": grade,
            "boarding": boarding,
            "health": health,
            "disability_type": disability_type,
            "disability_level": disability_level,
            "health_notes": health_notes,
            "family_situation": self.family_situation(cats, guardians),
            "income_source": income,
            "notes": "",
        }
        extra = {"backdate": backdate}
        return data, cats, guardians, extra

    def family_situation(self, cats: list[str], guardians: list[GuardianInput]) -> str:
        rng = self.rng
        unable_guardian = next((g for g in guardians if not g.able_to_guard), None)
        unable = (
            {"father": "父亲", "mother": "母亲"}.get(unable_guardian.relation, "")
            + unable_guardian.notes
            if unable_guardian
            else ""
        )
        texts = {
            Category.ECONOMIC_HARDSHIP: "单亲家庭，租住老公房，经济拮据。"
            if [g.relation for g in guardians] == [Relation.MOTHER]
            else rng.choice(
                (
                    "家庭享受最低生活保障，收入不稳定。",
                    "父亲因病失业，家庭主要靠母亲打零工维持生活，已申请临时救助。",
                )
            ),
            Category.DISABILITY: "孩子持残疾人证，家长陪同康复训练，康复费用负担较重。",
            Category.GUARDIANSHIP_MISSING: f"{unable or '监护人无法履行监护职责'}，"
            "现由祖辈照料，需每月走访。",
            Category.GUARDIANSHIP_IMPROPER: rng.choice(
                (
                    "邻居反映家长酒后有打骂孩子的情况，儿童主任已上门了解并开展家庭监护指导。",
                    "父母忙于经营，孩子长期无人照看、经常独自在家，已开展监护指导。",
                )
            ),
            Category.ORPHAN: "父母均已去世，社会散居孤儿，领取孤儿基本生活费。",
            Category.DE_FACTO_UNSUPPORTED: f"{unable or '父亲无法履行抚养义务'}，"
            "母亲失联逾六个月，孩子由祖辈抚养，领取事实无人抚养儿童基本生活费。",
            Category.LEFT_BEHIND: "父母均在外地务工，每年春节回家一次，孩子由祖辈受委托照护，"
            "父母每周电话联系。",
            Category.MIGRANT_HARDSHIP: "随父母来沪，租住群租房，父亲打零工，就学就医存在困难。",
            Category.AUTISM: "确诊孤独症，母亲辞职全职陪护。",
            Category.SERIOUS_ILLNESS: "长期治疗，医疗费用负担重，已申请大病救助。",
        }
        return "".join(texts[c] for c in cats)


def _create_children(actor: User, tree: Tree, n: int, today: dt.date) -> list["_Profile"]:
    rng = random.Random(SEED)
    gen = _Generator(rng, today)
    pool: list[Area] = []
    weights: list[float] = []
    for code, communities in tree.communities.items():
        for community in communities:
            pool.append(community)
            weights.append(FOCUS_WEIGHT if code in (TIANSHAN, XIANXIA) else 1.0)

    n_aged = min(n // 10, max(1, round(n * AGED_OUT_PER_3000 / 3000))) if n else 0
    aged = set(rng.sample(range(len(SPECIAL_CHILDREN), n), n_aged)) if n > 20 else set()
    # The demo directors' 居民区 get some children whatever the total, so that their worklists
    # have something to show even in a small demo.
    featured = _featured_communities(tree)
    created: list[Child] = []
    profiles: list[_Profile] = []
    for i in range(n):
        community = rng.choices(pool, weights=weights)[0]
        if i < FEATURED_CHILDREN_EACH * len(featured):
            community = featured[i % len(featured)]
        data, cats, guardians, extra = gen.child(i, community, i in aged)
        child = _register(actor, gen, data, cats, guardians)
        if extra["backdate"]:
            _backdate(actor, gen, child, extra["backdate"])
        else:
            created.append(child)
            profiles.append(_Profile(child, cats, guardians, data["grade"], data["income_source"]))
    _change_statuses(actor, rng, created, n, today)
    return profiles


def _register(actor, gen: _Generator, data, cats, guardians) -> Child:
    """Through the service, which validates and audits. A number already registered outside the
    demo (an existing database) is replaced by the next free one; any other error is a bug."""
    for _ in range(20):
        try:
            return child_create(actor=actor, data=data, categories=cats, guardians=guardians)
        except ValidationError as exc:
            if set(exc.message_dict) != {"id_number"}:
                raise
            data = {**data, "id_number": gen.id_number(data["birth_date"], data["sex"])}
    raise RuntimeError("could not find a free synthetic ID number")


def _backdate(actor, gen: _Generator, child: Child, real_birth: dt.date) -> None:
    """Make a demo child 18 or over today.

    Such a record exists in real life because the child was registered as a minor years ago
    and has aged out since; the services (rightly) refuse to register an adult today, and
    cannot replay the past. So the child is registered as a minor through child_create, and
    its birth date and matching ID number are then moved back two years by the children's
    service for it, which records the correction as an audit event saying this is demo data,
    so the file's history agrees with its data."""
    child_backdate_for_demo(
        actor=actor,
        child=child,
        birth_date=real_birth,
        id_number=gen.id_number(real_birth, child.sex),
        note="演示数据：模拟多年前登记、现已年满18周岁的儿童。",
    )


def _change_statuses(actor, rng: random.Random, created: list[Child], n: int, today) -> None:
    """About 15 in 3,000 leave the register, through the service like a user would."""
    if n < 30:
        return
    candidates = list(created)
    rng.shuffle(candidates)
    ill = set(
        ChildCategory.objects.filter(
            district_id__in={c.district_id for c in created},
            child__in=created,
            category=Category.SERIOUS_ILLNESS,
        ).values_list("child_id", flat=True)
    )
    for status, per_3000, reasons in STATUS_CHANGES:
        count = max(1, round(n * per_3000 / 3000))
        for _ in range(count):
            if not candidates:
                return
            # The deceased are taken among the seriously ill where there are any.
            pick = next((c for c in candidates if c.pk in ill), None)
            child = pick if status == Status.DECEASED and pick else candidates[0]
            candidates.remove(child)
            child_change_status(
                actor=actor,
                child=child,
                expected_version=child.version,
                status=status,
                # Today, so that no file shows a status change before its registration.
                date=today,
                reason=rng.choice(reasons),
            )


# --- visit history ----------------------------------------------------------------------------
#
# The workstations of the story get half a year of visits, written through the visit services
# as the visitor would have: every 居民区 of 天山路街道 (whose supervisor's completion table shows
# them) and the 仙霞新村 居民区 of xianxia_director_1. Children elsewhere start the demo newly
# registered, their first visit due within a month: writing a history for all 3,000 children
# through the services would double the time of `weibao demo`.
#
# Each child gets a plan: the date its next visit is due today (overdue, due this week, later),
# the visits that lead there (one per interval, mostly on time, sometimes late) and the date it
# was registered, about a month before its first visit. The registration date is moved back to
# that day (an audited correction, like _backdate), so file, visits and due visits agree.

HISTORY_MONTHS = 6
DAY = dt.timedelta(days=1)
FEATURED_CHILDREN_EACH = 10
HISTORY_SEED = SEED + 1
# Outside the demo directors' 居民区 this share of the children has a visit history; the others
# were registered in the past four weeks and wait for their first visit. (Real registers grow
# all the time; and every visit written costs `weibao demo` about 15 ms.)
HISTORY_SHARE = 0.5
RISK_PER_VISIT = 0.04
HANDLED_AFTER_DAYS = 30  # concerns raised longer ago than this have been handled


@dataclass
class _Profile:
    """What the generator knew about a child it registered, for writing the child's visits."""

    child: Child
    cats: list[str]
    guardians: list[GuardianInput]
    grade: str
    income: str


@dataclass
class HistoryResult:
    scope: str = ""
    children: int = 0  # with visits
    recent: int = 0  # registered in the past four weeks, no visit yet
    visits: int = 0
    concerns: int = 0
    concerns_handled: int = 0
    returned_home: int = 0
    seconds: float = 0.0


@dataclass
class _Plan:
    profile: _Profile
    interval: int
    registered: dt.date
    visits: list[dt.date]
    risks: dict[int, str] = field(default_factory=dict)  # visit index → concern kind
    returned_home: dt.date | None = None


def _featured_communities(tree: Tree) -> list[Area]:
    """The 居民区 of the demo directors, in ACCOUNTS order."""
    return [_account_area(tree, spec.area) for spec in ACCOUNTS if spec.role == Role.DIRECTOR]


def _last_for_due(due: dt.date, interval: int) -> dt.date:
    """A last visit from which the next one falls due on `due` (month ends can make the exact
    day impossible; then the nearest)."""
    base = add_months(due, -interval)
    for delta in (0, -1, 1, -2, 2, -3, 3):
        last = base + dt.timedelta(days=delta)
        if add_months(last, interval) == due:
            return last
    return base


class _Planner:
    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.window_start = add_months(today, -HISTORY_MONTHS)
        self.horizon = Horizon.of(today)
        first_of_month = today.replace(day=1)
        self.previous_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)

    def lateness(self) -> int:
        """Days after its due date that a visit was made: mostly some days early, sometimes
        late."""
        rng = self.rng
        return rng.randint(2, 20) if rng.random() < 0.15 else -rng.randint(0, 10)

    def chain(self, last: dt.date, interval: int, lateness: int | None = None):
        """The visits every `interval` months back from `last` within the window, and the date
        of registration (the registration's due visit, a month later, led to the first)."""
        visits = [last]
        while True:
            late = self.lateness() if lateness is None else lateness
            lateness = None
            previous = add_months(visits[0] - dt.timedelta(days=late), -interval)
            if previous < self.window_start:
                break
            visits.insert(0, previous)
        late = self.lateness() if lateness is None else lateness
        registered = add_months(visits[0] - dt.timedelta(days=late), -1)
        return visits, registered

    def due_for(self, kind: str, interval: int) -> dt.date:
        """When the child's next visit is due today, for a plan of this kind."""
        rng, today, horizon = self.rng, self.today, self.horizon
        if kind == "overdue_long":  # due mid last month: over 7 days overdue whatever today is
            return self.previous_month.replace(day=15)
        if kind == "overdue_short":
            return today - dt.timedelta(days=rng.randint(1, 6))
        if kind == "week":
            return today + dt.timedelta(days=rng.randint(0, (horizon.week_end - today).days))
        if kind == "month":
            days = (horizon.month_end - horizon.week_end).days
            return horizon.week_end + dt.timedelta(days=rng.randint(1, days))
        if rng.random() < 0.12:  # overdue: the last visit was too long ago
            return today - dt.timedelta(days=rng.randint(1, 45))
        return today + dt.timedelta(
            days=rng.randint(0, (add_months(today, interval) - today).days - 1)
        )

    def plan(self, profile: _Profile, interval: int, kind: str) -> _Plan | None:
        rng, today = self.rng, self.today
        returned_home = None
        post: list[dt.date] = []
        if kind == "returned_home":
            # Back from temporary care 40–60 days ago: monthly follow-up visits since then.
            returned_home = today - dt.timedelta(days=rng.randint(40, 60))
            last = returned_home - dt.timedelta(days=rng.randint(20, 45))
            visits, registered = self.chain(last, interval)
            day = add_months(returned_home, 1) - dt.timedelta(days=rng.randint(0, 4))
            while day < today:
                post.append(day)
                day = add_months(day, 1) - dt.timedelta(days=rng.randint(0, 3))
        elif kind == "done_last_month":  # visited on the due day, last month
            visits, registered = self.chain(self.previous_month.replace(day=10), interval, 0)
        elif kind == "recent_concern":  # visited days ago; the visit raised a concern
            last = today - dt.timedelta(days=rng.randint(3, 10))
            visits, registered = self.chain(last, interval)
        else:
            last = min(_last_for_due(self.due_for(kind, interval), interval), today - DAY)
            visits, registered = self.chain(last, interval)
        birth = profile.child.birth_date
        if visits[0] < birth + dt.timedelta(days=14):
            return None  # too young for this history
        plan = _Plan(
            profile=profile,
            interval=interval,
            registered=max(registered, birth + dt.timedelta(days=7)),
            visits=visits + post,
            returned_home=returned_home,
        )
        if kind in ("overdue_long", "recent_concern"):
            plan.risks[len(visits) - 1] = self.risk_kind(profile, visits[-1])
        for i, day in enumerate(plan.visits):
            if i not in plan.risks and rng.random() < RISK_PER_VISIT:
                plan.risks[i] = self.risk_kind(profile, day)
        return plan

    def recent(self, profile: _Profile, interval: int) -> _Plan:
        """Registered in the past four weeks (not before birth): no visit yet."""
        registered = self.today - dt.timedelta(days=self.rng.randint(0, 27))
        birth = profile.child.birth_date
        return _Plan(
            profile, interval, max(registered, min(birth + dt.timedelta(days=7), self.today)), []
        )

    def risk_kind(self, profile: _Profile, day: dt.date) -> str:
        cats, age = set(profile.cats), _age(profile.child.birth_date, day)
        if Category.LEFT_BEHIND in cats:
            return self.rng.choice(
                (Concern.Kind.NO_WEEKLY_CONTACT, Concern.Kind.AWAY_WITHOUT_CARER)
            )
        if age < 8:
            return Concern.Kind.UNDER8_UNATTENDED
        if cats & {Category.GUARDIANSHIP_MISSING, Category.DE_FACTO_UNSUPPORTED} and age < 16:
            return Concern.Kind.UNDER16_ALONE
        return Concern.Kind.MARKED


RELATION_WORDS = {
    Relation.FATHER: "父亲",
    Relation.MOTHER: "母亲",
    Relation.PATERNAL_GRANDFATHER: "祖父",
    Relation.PATERNAL_GRANDMOTHER: "祖母",
    Relation.MATERNAL_GRANDFATHER: "外祖父",
    Relation.MATERNAL_GRANDMOTHER: "外祖母",
    Relation.SIBLING: "成年哥哥或姐姐",
    Relation.OTHER_RELATIVE: "亲属",
    Relation.OTHER: "照护人",
}
SCHOOL_GRADES = {"p1", "p2", "p3", "p4", "p5", "p6", "j1", "j2", "j3", "s1", "s2", "s3"}
DEMO_MARK = "【演示数据】"
# (answer field, answer, findings, next steps, how it was handled) for each concern kind.
RISKS = {
    Concern.Kind.NO_WEEKLY_CONTACT: (
        "no_weekly_contact",
        "yes",
        "父母外出务工后已近两个月未与孩子联系，祖母反映电话经常打不通，孩子情绪低落。",
        "联系在外务工的父母，督促每周与孩子通话；报工作站跟进。",
        "已电话联系孩子父亲，说明《未成年人保护法》第二十三条的要求，约定每周日晚视频通话；"
        "两周后回访，已落实。",
    ),
    Concern.Kind.AWAY_WITHOUT_CARER: (
        "away_without_carer",
        "yes",
        "受委托照护的祖辈近期住院，孩子放学后无人照看，暂住邻居家。",
        "联系父母尽快落实新的受委托照护人；期间协调社区托管。",
        "已协助家长重新确定受委托照护人（外祖母来沪照护），并签订委托照护告知书。",
    ),
    Concern.Kind.UNDER8_UNATTENDED: (
        "under8_unattended",
        "yes",
        "上门时孩子（不满8周岁）独自在家，母亲外出打零工，约两小时后返回。",
        "对家长开展监护指导，了解社区托管资源。",
        "已对母亲开展监护指导，协调社区托管班放学后看护，家长已签订监护责任告知书。",
    ),
    Concern.Kind.UNDER16_ALONE: (
        "under16_alone",
        "yes",
        "监护人住院期间，孩子独自在家生活近一周，由邻居帮忙送饭。",
        "联系亲属临时照料，报工作站评估是否需要临时监护。",
        "已联系孩子姑妈接回家中临时照料，监护人出院后已回家团聚，孩子不再独自居住。",
    ),
    Concern.Kind.MARKED: (
        "",
        "",
        "孩子近期情绪低落，自述在校受到同学排挤，有厌学情绪，需进一步关注。",
        "与学校班主任、心理老师沟通，一周后再次上门了解情况。",
        "已与学校班主任及心理老师沟通，安排每周心理辅导，家长已知情，孩子情况好转。",
    ),
}
IMPROPER_MARKED = (
    "孩子反映父亲酒后情绪失控，仍有打骂行为，家中气氛紧张。",
    "约谈父亲开展家庭教育指导，报工作站评估风险。",
    "已约谈父亲开展家庭教育指导并签订监护责任书，工作站列为重点关注，每月走访。",
)


class _VisitWriter:
    """The content of a visit record: plausible, varied and marked as demo data."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def data(self, profile: _Profile, day: dt.date, risk: str | None, note: str = "") -> dict:
        rng, cats = self.rng, set(profile.cats)
        age = _age(profile.child.birth_date, day)
        left_behind = Category.LEFT_BEHIND in cats
        carer = next((g for g in profile.guardians if g.able_to_guard), profile.guardians[0])
        who = RELATION_WORDS.get(carer.relation, "照护人")
        roll = rng.random()
        if roll < 0.1:
            kind, met_with = "phone", f"电话联系{who}"
        elif roll < 0.18 and profile.grade in SCHOOL_GRADES:
            kind, met_with = "school", "班主任、孩子本人"
        else:
            kind, met_with = "home", f"{who}、孩子本人" if age >= 3 else f"{who}（孩子年幼）"
        data = {
            "kind": kind,
            "met_with": met_with,
            "psychology": self.psychology(age, left_behind),
            "study": self.study(profile.grade, age),
            "family_economy": self.economy(profile.income),
            "guardianship": self.guardianship(cats),
            "under8_unattended": "no" if age < 8 else "na",
            "under16_alone": "no" if age < 16 else "na",
            "away_without_carer": "no" if left_behind else "na",
            "no_weekly_contact": "no" if left_behind else "na",
            "policy_publicity": rng.random() < 0.5,
            "guardianship_guidance": Category.GUARDIANSHIP_IMPROPER in cats or rng.random() < 0.2,
            "concern_marked": False,
            "findings": DEMO_MARK + (note or "本次走访未发现明显风险，孩子生活、学习情况稳定。"),
            "next_steps": self.next_steps(cats),
        }
        if risk:
            field_name, answer, findings, next_steps, _ = self.risk_texts(risk, cats)
            if field_name:
                data[field_name] = answer
            else:
                data["concern_marked"] = True
            data["findings"] = DEMO_MARK + findings
            data["next_steps"] = next_steps
        return data

    @staticmethod
    def risk_texts(risk: str, cats: set[str]) -> tuple:
        if risk == Concern.Kind.MARKED and Category.GUARDIANSHIP_IMPROPER in cats:
            return ("", "", *IMPROPER_MARKED)
        return RISKS[risk]

    def psychology(self, age: int, left_behind: bool) -> str:
        if age < 3:
            return "婴幼儿，精神状态良好，生长发育正常。"
        options = [
            "情绪稳定，性格开朗，与照护人相处融洽。",
            "性格较内向，交谈时话不多，但回答切题，情绪平稳。",
            "活泼好动，与社区里的小伙伴相处良好。",
            "对走访人员有礼貌，愿意交流，自述近期心情不错。",
        ]
        if left_behind:
            options.append("近期想念在外务工的父母，情绪略有低落，已予以安抚。")
        return self.rng.choice(options)

    def study(self, grade: str, age: int) -> str:
        if grade == Grade.NOT_IN_SCHOOL:
            return "未入托，在家由家人照看。" if age < 3 else "暂未入园，在家由家人照看。"
        if grade == Grade.KINDERGARTEN:
            return "在幼儿园适应良好，老师反映能与同伴正常交往。"
        if grade == Grade.OUT_OF_SCHOOL:
            return "已离开学校，正在了解其职业培训和就业意向。"
        if grade == Grade.VOCATIONAL:
            return "在职业学校学习专业技能，出勤正常。"
        return self.rng.choice(
            (
                "学习成绩中等，能按时完成作业。",
                "成绩较上学期有所提高，班主任评价良好。",
                "数学成绩有所下滑，已与班主任沟通，安排课后辅导。",
                "按时上学，无缺课情况。",
            )
        )

    def economy(self, income: str) -> str:
        return {
            IncomeSource.ASSISTANCE: "家庭享受最低生活保障，基本生活有保障。",
            IncomeSource.NONE: "家庭暂无稳定收入，已协助申请临时救助。",
            IncomeSource.RELATIVES: "主要依靠亲属接济，生活较为困难。",
            IncomeSource.BUSINESS: "家庭经营小店，收入尚可。",
            IncomeSource.PROPERTY: "有房屋出租收入，生活有保障。",
        }.get(
            income,
            self.rng.choice(
                ("家长务工收入基本稳定，能满足日常开支。", "收入不高，房租负担较重，生活较为节俭。")
            ),
        )

    @staticmethod
    def guardianship(cats: set[str]) -> str:
        if Category.GUARDIANSHIP_IMPROPER in cats:
            return "家长接受监护指导后，打骂情况有所改善，仍需持续关注。"
        if cats & {Category.GUARDIANSHIP_MISSING, Category.DE_FACTO_UNSUPPORTED}:
            return "由祖辈实际照料，生活照料基本到位，但照料人年事已高，需持续关注。"
        if Category.ORPHAN in cats:
            return "监护人照料尽心，孩子衣着整洁，按时领取孤儿基本生活费。"
        if Category.LEFT_BEHIND in cats:
            return "受委托照护人履职良好，孩子饮食起居规律。"
        return "父母履行监护职责良好，家庭关系和睦。"

    def next_steps(self, cats: set[str]) -> str:
        options = ["按期开展下次走访。", "继续关注学习情况，保持与学校的联系。"]
        if cats & {Category.ECONOMIC_HARDSHIP, Category.MIGRANT_HARDSHIP}:
            options.append("协助家庭申请相关救助，下次走访时跟进办理进度。")
        if cats & {Category.SERIOUS_ILLNESS, Category.DISABILITY, Category.AUTISM}:
            options.append("提醒家长按时复诊和康复训练，下次走访了解治疗情况。")
        return self.rng.choice(options)


def _history_visitors(tree: Tree) -> dict[int, User]:
    """Who visits the children of each 居民区 with a history: the demo director where there is
    one, elsewhere in 天山路 the workstation's social worker."""
    names = [spec.username for spec in ACCOUNTS]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    visitors: dict[int, User] = {}
    staff = users.get("tianshan_staff") or users[ACTOR]
    for community in tree.communities[TIANSHAN]:
        visitors[community.pk] = staff
    for spec in ACCOUNTS:
        if spec.role == Role.DIRECTOR and spec.username in users:
            visitors[_account_area(tree, spec.area).pk] = users[spec.username]
    # A visitor writes visits only for children in their scope: should a demo account's role
    # have been changed since it was created, the district account writes them.
    for pk, user in list(visitors.items()):
        if not communities_visible_to(user).filter(pk=pk).exists():
            visitors[pk] = users[ACTOR]
    return visitors


def _create_visit_history(tree: Tree, profiles: list[_Profile], today: dt.date) -> HistoryResult:
    started = time.perf_counter()
    rng = random.Random(HISTORY_SEED)
    planner, writer = _Planner(rng, today), _VisitWriter(rng)
    rules = RuleSet.load()
    featured = _featured_communities(tree)
    visitors = _history_visitors(tree)
    registrar = User.objects.get(username=ACTOR)
    result = HistoryResult(scope=f"{tree.subdistricts[TIANSHAN].name}、{featured[-1].name}")

    horizon = planner.horizon
    featured_kinds = ["overdue_long", "week"]
    if horizon.month_end > horizon.week_end:
        featured_kinds.append("month")
    featured_kinds += ["overdue_short", "recent_concern", "done_last_month"]
    pending = {
        community.pk: (["returned_home"] if i < 2 else []) + featured_kinds
        for i, community in enumerate(featured)
    }
    active = set(
        Child.objects.filter(status=Status.ACTIVE, community__in=visitors).values_list(
            "pk", flat=True
        )
    )
    for profile in profiles:
        child = profile.child
        if child.pk not in active:  # elsewhere, or left the register since
            continue
        intervals = [rules.intervals[c] for c in profile.cats if c in rules.intervals]
        if not intervals:
            continue
        interval = min(intervals)
        kinds = pending.get(child.community_id)
        plan = None
        if kinds is not None or rng.random() < HISTORY_SHARE:
            for kind in kinds or ():
                plan = planner.plan(profile, interval, kind)
                if plan is not None:
                    kinds.remove(kind)
                    break
            else:
                plan = planner.plan(profile, interval, "random")
        if plan is None:  # too young for a history, or newly registered
            plan = planner.recent(profile, interval)
        _write_history(plan, visitors[child.community_id], registrar, writer, rules, today, result)
    result.seconds = time.perf_counter() - started
    return result


def _write_history(
    plan: _Plan,
    visitor: User,
    registrar: User,
    writer: _VisitWriter,
    rules: RuleSet,
    today: dt.date,
    result: HistoryResult,
) -> None:
    child = plan.profile.child
    if _backdate_registration(registrar, child, plan.registered):
        visit_schedule_child(child=child, rules=rules, today=plan.registered)
    for i, day in enumerate(plan.visits):
        note = ""
        if plan.returned_home and day > plan.returned_home:
            if child.returned_home_on is None:
                child = child_mark_returned_home(
                    actor=visitor, child=child, date=plan.returned_home
                )
                result.returned_home += 1
            note = "孩子结束临时监护、回归家庭后的跟进随访：生活安排妥当，家长配合。"
        visit = visit_start(actor=visitor, child=child, today=day)
        data = writer.data(plan.profile, day, plan.risks.get(i), note)
        visit = visit_complete(
            actor=visitor, visit=visit, expected_version=visit.version, data=data, today=day
        )
        result.visits += 1
        if i in plan.risks:
            concerns = list(Concern.objects.filter(visit=visit))
            result.concerns += len(concerns)
            if (today - day).days > HANDLED_AFTER_DAYS:
                handled = writer.risk_texts(plan.risks[i], set(plan.profile.cats))[4]
                for concern in concerns:
                    concern_handle(actor=visitor, concern=concern, note=handled)
                    result.concerns_handled += 1
    if plan.visits:
        result.children += 1
    else:
        result.recent += 1


def _backdate_registration(actor: User, child: Child, registered: dt.date) -> bool:
    """Move the child's registration back to `registered`, audited like _backdate: demo children
    are registered today, and a visit history needs a file that existed back then. False if
    there was nothing to move."""
    old = timezone.localdate(child.created_at)
    if registered >= old:
        return False
    moment = timezone.make_aware(dt.datetime.combine(registered, dt.time(9, 30)))
    Child.objects.filter(district_id=child.district_id, pk=child.pk).update(created_at=moment)
    child.created_at = moment
    audit_record(
        actor=actor,
        action="child.update",
        obj=child,
        child=child,
        changes={"created_at": {"old": old.isoformat(), "new": registered.isoformat()}},
        note="演示数据：登记日期前移，模拟此前已登记的儿童，以便演示走访记录和应访日期。",
    )
    return True
