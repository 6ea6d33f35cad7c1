"""Demo workstations (docs/domain.md §1.10–§1.15): the five stations the source story tells of,
operating with every item of "八个一" passed by the district, and the other five 街镇 planning or
building theirs — so the district's coverage is the story's 50% (5 of 10).

Made through the services, as users would: each station's supervisor records it, its zones and
its evidence on the days of its story (`_as_of`), and the district (district_admin) reviews —
never the person who submitted (four eyes). The supervisors of the four 街镇 other than 天山路
get demo accounts here (天山路's is tianshan_supervisor). Where the 街镇 has no service in the last
3 months yet, its supervisor opens a case for one demo child and records a service, so the
service ledger's computed evidence holds on its own records. Everything is visibly demo
("演示"); made once (keyed in SiteState), after the demo cases (a demo too small for their
stories has no stations either)."""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from weibao.accounts.models import Role, User
from weibao.accounts.services import role_assignment_grant, user_create
from weibao.areas.models import Area
from weibao.cases.selectors import open_case_for_child
from weibao.cases.services import case_open
from weibao.children.choices import Status
from weibao.children.models import Child, adult_cutoff
from weibao.core.models import SiteState
from weibao.core.operator import Operator
from weibao.core.site_state import site_state_set
from weibao.demo.cases import CASES_KEY, _as_of
from weibao.demo.council import load_council_demo
from weibao.demo.places import TIANSHAN, XIANXIA
from weibao.ledger.services import service_record_create
from weibao.stations import services
from weibao.stations.choices import HostFacility, ReviewDecision, SelfAssessment
from weibao.stations.evidence import ledger_counts
from weibao.stations.jobs import stations_daily
from weibao.stations.models import Workstation
from weibao.stations.selectors import standard_in_force

STATIONS_KEY = "demo_stations_loaded"
JIANGSU, ZHOUJIAQIAO, XINJING = "310105002", "310105005", "310105102"
HUAYANG, XINHUA, HONGQIAO, CHENGJIAQIAO, BEIXINJING = (
    "310105001", "310105004", "310105009", "310105010", "310105011",
)  # fmt: skip
# The supervisors who keep the stations (tianshan_supervisor exists already).
SUPERVISORS = {
    TIANSHAN: ("tianshan_supervisor", ""),
    JIANGSU: ("jiangsu_supervisor", "演示·江苏路督导员"),
    ZHOUJIAQIAO: ("zhoujiaqiao_supervisor", "演示·周家桥督导员"),
    XIANXIA: ("xianxia_supervisor", "演示·仙霞新村督导员"),
    XINJING: ("xinjing_supervisor", "演示·新泾镇督导员"),
}
DEMO_PASSWORD = "weibao-demo"  # noqa: S105 - the demo accounts' shared password (data.py)

# The five of the story: (街镇 code, fields, zones as (name, kind, purpose, m²), planned,
# building, opened).
OPERATING = [
    (
        TIANSHAN,
        {
            "name": "演示·天山路街道未成年人保护工作站",
            "host_facility": HostFacility.CULTURE_CENTRE,
            "address": "天山四村122号（社区文化中心内）",
            "floor_area": "260",
            "opening_hours": "全天候：周一至周日 8:30–20:30，夜间电话值守",
            "phone": "021-00000006",
        },
        [
            ("医·健康咨询角", "reception", "儿童健康咨询、就医协助（演示）", "30"),
            ("食·爱心餐桌", "activity", "困境儿童爱心餐（演示）", "40"),
            ("住·童馨苑临时照护点", "temporary_care", "困境未成年人临时照护（演示）", "45"),
            ("乐·成长活动区", "activity", "阅读、面塑、文化四季活动（演示）", "80"),
            ("伴·心理陪伴室", "counselling", "一对一心理疏导（演示）", "20"),
        ],
        (2021, 2, 1),
        (2021, 4, 1),
        (2021, 7, 1),
    ),
    (
        ZHOUJIAQIAO,
        {
            "name": "演示·周家桥街道未成年人保护工作站",
            "host_facility": HostFacility.CULTURE_CENTRE,
            "address": "演示地址：周家桥街道社区文化活动中心内",
            "floor_area": "120",
            "opening_hours": "周一至周五 9:00–17:00，周六 9:00–12:00",
            "phone": "021-00000005",
        },
        [
            ("接待服务窗口", "reception", "“1+N”网络统一受理（演示）", "15"),
            ("儿童活动室", "activity", "儿童服务中心活动（演示）", "60"),
            ("儿童议事室", "meeting", "儿童议事会（演示）", "25"),
        ],
        (2021, 3, 1),
        (2021, 5, 1),
        (2021, 8, 1),
    ),
    (
        XINJING,
        {
            "name": "演示·新泾镇未成年人保护工作站",
            "host_facility": HostFacility.CULTURE_CENTRE,
            "address": "演示地址：新泾镇社区文化活动中心内",
            "floor_area": "150",
            "opening_hours": "周一至周六 9:00–18:00（“新泾彩虹桥”周末家教）",
            "phone": "021-00000102",
        },
        [
            ("接待咨询区", "reception", "政策咨询与个案受理（演示）", "20"),
            ("彩虹桥学习室", "activity", "周末爱心家教（演示）", "50"),
            ("社工辅导室", "counselling", "社工个案辅导（演示）", "18"),
        ],
        (2021, 3, 1),
        (2021, 6, 1),
        (2021, 9, 1),
    ),
    (
        JIANGSU,
        {
            "name": "演示·江苏路街道未成年人保护工作站",
            "host_facility": HostFacility.CIVIC_CENTRE,
            "address": "演示地址：愚园路街区市民中心内",
            "floor_area": "200",
            "opening_hours": "周一至周日 9:00–17:00",
            "phone": "021-00000002",
        },
        [
            ("休闲生活区", "activity", "阅读与休闲（演示）", "50"),
            ("健康生活区", "counselling", "心理健康与科普（演示）", "40"),
            ("美好生活区", "activity", "“小小讲解员”与红色教育点（演示）", "60"),
            ("快乐生活区", "activity", "科普加油站与集体活动（演示）", "50"),
        ],
        (2021, 2, 15),
        (2021, 5, 1),
        (2021, 8, 15),
    ),
    (
        XIANXIA,
        {
            "name": "演示·仙霞新村街道未成年人保护工作站",
            "host_facility": HostFacility.ELDERLY_CENTRE,
            "host_facility_other": "",
            "address": "演示地址：仙霞新村街道社区综合为老服务中心内",
            "floor_area": "140",
            "opening_hours": "周一至周五 8:30–17:00",
            "phone": "021-00000008",
        },
        [
            ("未成年人接待咨询区", "reception", "接待与咨询（演示）", "25"),
            ("未成年人等候休息区", "waiting", "等候与休息（演示）", "30"),
            ("未成年人心理辅导区", "counselling", "心理辅导（演示）", "20"),
            ("困境儿童临时照护点", "temporary_care", "临时照护（演示）", "40"),
        ],
        (2021, 4, 1),
        (2021, 6, 15),
        (2021, 10, 1),
    ),
]
# The other five: planned, or being built.
OTHERS = [
    (HUAYANG, "演示·华阳路街道未成年人保护工作站（规划）", HostFacility.PARTY_CENTRE, False),
    (XINHUA, "演示·新华路街道未成年人保护工作站（在建）", HostFacility.CULTURE_CENTRE, True),
    (HONGQIAO, "演示·虹桥街道未成年人保护工作站（在建）", HostFacility.CIVIC_CENTRE, True),
    (CHENGJIAQIAO, "演示·程家桥街道未成年人保护工作站（规划）", HostFacility.ELDERLY_CENTRE, False),
    (BEIXINJING, "演示·北新泾街道未成年人保护工作站（规划）", HostFacility.PARTY_CENTRE, False),
]
EVIDENCE_NOTE = "【演示】{wording}：材料齐全，见附件与现场照片。"


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _supervisor(code: str, subdistrict: Area) -> User:
    username, full_name = SUPERVISORS[code]
    user = User.objects.filter(username=username).first()
    if user is None:
        operator = Operator("weibao demo")
        user = User(username=username, full_name=full_name)
        user.set_password(DEMO_PASSWORD)
        user_create(actor=operator, user=user)
        role_assignment_grant(actor=operator, user=user, role=Role.SUPERVISOR, area=subdistrict)
    return User.objects.get(pk=user.pk)  # fresh: no cached roles


def _record_service(supervisor: User, subdistrict: Area, today: dt.date) -> bool:
    """A case and a service recorded in the last 3 months by the 街镇's supervisor, on the
    earliest registered demo child without an open case, each step at its moment (after the
    child was registered; the service on the day the case opened)."""
    child = (
        Child.objects.filter(
            subdistrict=subdistrict, status=Status.ACTIVE, birth_date__gt=adult_cutoff(today)
        )
        .order_by("created_at", "pk")
        .first()
    )
    if child is None or open_case_for_child(child) is not None:
        return False
    now = timezone.now()
    moment = min(max(child.created_at + dt.timedelta(hours=1), now - dt.timedelta(days=20)), now)
    with _as_of(moment):
        case = case_open(actor=supervisor, child=child, summary="【演示】关爱服务跟进。")
        service_record_create(
            actor=supervisor,
            case=case,
            delivered_on=timezone.localdate(),
            service_type="guardianship_guidance",
            duration_minutes=60,
            provider_user=supervisor,
            notes="【演示】上门开展家庭监护指导。",
        )
    return True


ZONE_COLOURS = [(214, 234, 223), (255, 239, 204), (222, 230, 247), (247, 222, 226), (232, 224, 245)]


def _plan_picture(zones) -> SimpleUploadedFile:
    """A drawn floor plan of the zones (a picture of the place, and of no one), as a PNG."""
    image = Image.new("RGB", (960, 540), (250, 250, 248))
    draw = ImageDraw.Draw(image)
    width = 900 // max(len(zones), 1)
    for i in range(len(zones)):
        left = 30 + i * width
        draw.rectangle([left, 60, left + width - 16, 480], fill=ZONE_COLOURS[i % 5],
                       outline=(11, 110, 79), width=4)  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile("演示场地示意图.png", out.getvalue(), content_type="image/png")


def _operate(code, fields, zones, dates, *, subdistrict, reviewer, today) -> Workstation:
    supervisor = _supervisor(code, subdistrict)
    planned, building, opened = (dt.date(*d) for d in dates)
    with _as_of(_moment(planned)):
        station = services.station_create(
            actor=supervisor, subdistrict=subdistrict, data={**fields, "planned_on": planned}
        )
        for name, kind, purpose, area in zones:
            services.zone_add(
                actor=supervisor,
                station=station,
                data={"name": name, "kind": kind, "purpose": purpose, "area": Decimal(area)},
            )
    station = services.station_transition(actor=supervisor, station=station, name="build",
                                          on=building)  # fmt: skip
    station = services.station_transition(actor=supervisor, station=station, name="open", on=opened)
    station = services.station_set_published(actor=supervisor, station=station, published=True)
    services.photo_add(
        actor=supervisor,
        station=station,
        upload=_plan_picture(zones),
        caption="演示·功能分区示意图",
        on_wall=True,
    )
    if not ledger_counts([subdistrict.pk], today):
        _record_service(supervisor, subdistrict, today)
    standard = standard_in_force(station.district_id, today)
    submitted = _moment(opened + dt.timedelta(days=7))
    for item in standard.items.order_by("order"):
        with _as_of(submitted):
            services.evidence_submit(
                actor=supervisor,
                station=station,
                code=item.code,
                note=EVIDENCE_NOTE.format(wording=item.wording),
                self_assessment=SelfAssessment.MET,
            )
        with _as_of(submitted + dt.timedelta(days=5)):
            services.evidence_review(
                actor=reviewer,
                station=station,
                code=item.code,
                decision=ReviewDecision.PASSED,
                note="【演示】现场核查通过。",
            )
    return station


@transaction.atomic
def load_station_demo(tree) -> int:
    """Create the demo stations once; returns how many were made."""
    if SiteState.objects.filter(key=STATIONS_KEY).exists():
        return 0
    # After the demo cases, as the transfers: a demo too small for the case stories has none.
    if not SiteState.objects.filter(key=CASES_KEY).exists():
        return 0
    reviewer = User.objects.filter(username="district_admin").first()
    if reviewer is None or Workstation.objects.filter(district=tree.district).exists():
        return 0
    reviewer = User.objects.get(pk=reviewer.pk)
    today = timezone.localdate()
    services.standard_ensure_default(district=tree.district)
    made = 0
    for code, fields, zones, *dates in OPERATING:
        _operate(code, fields, zones, dates, subdistrict=tree.subdistricts[code],
                 reviewer=reviewer, today=today)  # fmt: skip
        made += 1
    for code, name, host, building in OTHERS:
        with _as_of(_moment(dt.date(2022, 3, 1))):
            station = services.station_create(
                actor=reviewer,
                subdistrict=tree.subdistricts[code],
                data={"name": name, "host_facility": host, "planned_on": dt.date(2022, 3, 1)},
            )
        if building:
            services.station_transition(
                actor=reviewer, station=station, name="build", on=dt.date(2023, 5, 1)
            )
        made += 1
    # The meeting place's evidence is the children's council's: made before the daily check.
    load_council_demo(tree)
    stations_daily(today)  # this month's coverage figure
    site_state_set(key=STATIONS_KEY, value=f"{made} stations, loaded {today.isoformat()}")
    return made
