"""Synthetic demo data: `weibao demo`, also run by `make run` on every start.

What is real and what is invented:
- 长宁区 and its 10 街镇 with their 统计用区划代码 are real places (domain reference §1), so
  they are not marked as demo. The 居民区 counts of 天山路街道 (18) and 仙霞新村街道 (23)
  come from the source story; the other counts, and every 居民区 name, are invented
  (is_demo=True, no code).
- Every child, guardian, phone number, address and school is synthetic. ID numbers are built by
  idnumber.make (valid check digit, region 310105); phones are visibly fake (1380000xxxx,
  1700000xxxx); addresses and schools carry "演示" so nobody mistakes them for real ones.

Children are registered through weibao.children.services (validation and audit rows included),
as the district demo account. The load is idempotent: areas are found by code or by
(parent, name), accounts by username, and the children are created only while the SiteState
demo marker is absent; the marker is written in the same transaction as the children.
"""

import datetime as dt
import random
import time
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from weibao.accounts.models import Role, RoleAssignment, User
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
from weibao.children.services import GuardianInput, child_change_status, child_create
from weibao.core import crypto
from weibao.core.models import SiteState

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
TIANSHAN, XIANXIA = "310105006", "310105008"
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


ADMIN_PERMS = (
    "accounts.add_user",
    "accounts.change_user",
    "accounts.view_user",
    "accounts.add_roleassignment",
    "accounts.change_roleassignment",
    "accounts.view_roleassignment",
)
REVEAL = "children.reveal_sensitive"

ACCOUNTS = [
    DemoAccount("admin", "演示·系统管理员", Role.SYSADMIN, (), is_staff=True, is_superuser=True),
    DemoAccount(
        "district_admin",
        "演示·长宁区民政干部",
        Role.DISTRICT_STAFF,
        ("district",),
        perms=(*ADMIN_PERMS, REVEAL),
        is_staff=True,
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
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, area


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
        _create_children(actor, tree, children, today)
        result.seconds = time.perf_counter() - started
        SiteState.objects.create(
            key=SiteState.DEMO_KEY,
            value=f"{children} synthetic children, seed {SEED}, loaded {today.isoformat()}",
        )
        result.children_created = True
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
    a role or a permission someone has changed since."""
    for spec in ACCOUNTS:
        if User.objects.filter(username=spec.username).exists():
            continue
        user = User.objects.create_user(
            username=spec.username,
            password=DEMO_PASSWORD,
            full_name=spec.full_name,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
        )
        area = _account_area(tree, spec.area)
        RoleAssignment.objects.create(user=user, role=spec.role, area=area)
        for perm in spec.perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
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


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _birth_date(rng: random.Random, today: dt.date, below_age: int = 18) -> dt.date:
    """A birth date of a child aged 0..below_age-1 today (and at least three weeks old)."""
    earliest = _years_before(today, below_age) + dt.timedelta(days=1)
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
            real_birth = _years_before(today, 18) - dt.timedelta(days=rng.randint(1, 600))
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


def _create_children(actor: User, tree: Tree, n: int, today: dt.date) -> None:
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
    created: list[Child] = []
    for i in range(n):
        community = rng.choices(pool, weights=weights)[0]
        data, cats, guardians, extra = gen.child(i, community, i in aged)
        child = _register(actor, gen, data, cats, guardians)
        if extra["backdate"]:
            _backdate(actor, gen, child, extra["backdate"])
        else:
            created.append(child)
    _change_statuses(actor, rng, created, n, today)


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
    its birth date and matching ID number are then moved back two years here. The correction
    is recorded as an audit event in the same transaction, so the file's history agrees with
    its data and says that this is demo data."""
    old_masked, old_birth = child.id_number_masked, child.birth_date
    number = gen.id_number(real_birth, child.sex)
    child.birth_date = real_birth
    child.id_number = number
    child.id_number_hash = crypto.lookup_hash(number)
    child.id_number_masked = crypto.mask_id_number(number)
    child.version += 1
    child.save(
        update_fields=[
            "birth_date",
            "id_number",
            "id_number_hash",
            "id_number_masked",
            "version",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="child.update",
        obj=child,
        child=child,
        changes={
            "birth_date": {"old": old_birth.isoformat(), "new": real_birth.isoformat()},
            "id_number": {"old": old_masked, "new": child.id_number_masked},
        },
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
            child__in=created, category=Category.SERIOUS_ILLNESS
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
