"""Demo projects and activities (docs/domain.md §8.3), the story's brands: "艺润童心" (the art
passport, for children of families in difficulty, 天山路), "新泾彩虹桥" (weekend tutoring,
新泾镇), "阳光橙" (family education, the district's), "文化四季" (a festival each season, a
series at 天山路) and the "小小讲解员" course (江苏路) — with activities across this year,
sign-ups of demo children, walk-ins and attendance, so that passports have stamps and the
figures have months.

Made through the services, as the stations' supervisors (and the district for its own
project) would; visibly demo ("演示"); made once (keyed in SiteState), after the demo stations."""

import datetime as dt

from django.db.models import F
from django.utils import timezone

from weibao.accounts.models import User
from weibao.activities import services
from weibao.activities.models import Project
from weibao.children.categories import IN_DIFFICULTY
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.demo.places import TIANSHAN
from weibao.demo.stations import JIANGSU, STATIONS_KEY, XINJING
from weibao.partners.selectors import partners_visible_to
from weibao.stations.models import StationZone, Workstation

ACTIVITIES_KEY = "demo_activities_loaded"
WALKINS = ("小雨", "乐乐", "朵朵", "天天")


def _age(child: Child, day: dt.date) -> int:
    b = child.birth_date
    return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def _station(code: str) -> Workstation | None:
    return (
        Workstation.objects.filter(subdistrict__code=code, status="operating")
        .select_related("subdistrict")
        .first()
    )


def _zone(station: Workstation, name: str) -> StationZone | None:
    return StationZone.objects.filter(station=station, name=name).first()


def _children(actor, subdistrict_id: int, day: dt.date, ages: tuple[int, int], *,
              difficulty: bool = False, n: int = 8) -> list[Child]:  # fmt: skip
    qs = children_visible_to(actor).filter(subdistrict_id=subdistrict_id, status="active")
    if difficulty:
        # The join names the district too (children.selectors.category_rows_of).
        qs = qs.filter(
            category_rows__district_id=F("district_id"),
            category_rows__category__in=IN_DIFFICULTY,
        ).distinct()
    picked = []
    for child in qs.order_by("pk")[:200]:
        if ages[0] <= _age(child, day) <= ages[1]:
            picked.append(child)
        if len(picked) >= n:
            break
    return picked


def _run(actor, activity, children: list[Child], today: dt.date, index: int) -> None:
    """Sign the children up; on a past day, most came (every fifth stayed home) and a walk-in
    joined at the door; a few words of feedback."""
    signups = []
    for child in children:
        signups.append(services.signup_add(actor=actor, activity=activity, child=child))
    if activity.held_on > today:
        return
    marks = {s.pk: (i + index) % 5 != 0 for i, s in enumerate(signups) if s.status == "confirmed"}
    if marks:
        services.attendance_set(actor=actor, activity=activity, marks=marks)
    services.walkin_add(
        actor=actor,
        activity=activity,
        name=f"{WALKINS[index % len(WALKINS)]}（演示）",
        age=activity.age_min + 1,
        at_door=True,
    )
    services.feedback_add(
        actor=actor,
        activity=activity,
        text="【演示】孩子们很投入，家长希望多办几期。",
        rating=4 + index % 2,
    )


def _dates(year: int, months: list[int], day: int = 15) -> list[dt.date]:
    return [dt.date(year, m, day) for m in months]


def _at(zone: StationZone | None, words: str) -> dict:
    """The place: the station's zone, or words where the demo station has no such zone."""
    return {"zone": zone, "place_text": "" if zone else words}


def _project(actor, station, **data) -> Project:
    partner = partners_visible_to(actor).filter(active=True).order_by("pk").first()
    return services.project_create(
        actor=actor,
        data={"station": station, "partners": [partner] if partner else [], **data},
    )


def load_activity_demo(tree) -> int:
    """Create the demo projects once; returns how many activities were made."""
    if SiteState.objects.filter(key=ACTIVITIES_KEY).exists():
        return 0
    if not SiteState.objects.filter(key=STATIONS_KEY).exists():
        return 0
    if Project.objects.filter(district=tree.district).exists():
        return 0
    today = timezone.localdate()
    year = today.year
    made = 0
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "tianshan_supervisor",
                "xinjing_supervisor",
                "jiangsu_supervisor",
                "district_admin",
            ]
        )
    }
    tianshan, xinjing, jiangsu = _station(TIANSHAN), _station(XINJING), _station(JIANGSU)

    # 天山路: 艺润童心, the art passport of children of families in difficulty, monthly.
    actor = users.get("tianshan_supervisor")
    if tianshan is not None and actor is not None:
        actor = User.objects.get(pk=actor.pk)
        art = _project(
            actor, tianshan, name="艺润童心", brand="艺术护照",
            starts_on=dt.date(year, 1, 1), ends_on=dt.date(year, 12, 31),
            categories=["economic_hardship", "disability", "left_behind"], age_bands=["7-12"],
            goals="【演示】困境家庭儿童每月一次艺术体验，集满印章获得艺润童心艺术护照。",
            budget="30000", status="running",
        )  # fmt: skip
        zone = _zone(tianshan, "乐·成长活动区")
        for i, day in enumerate(_dates(year, [1, 3, 4, 5, 6, 9, 10, 11], day=18)):
            activity = services.activity_create(
                actor=actor,
                data={"title": ("面塑", "水彩", "剪纸", "陶艺", "版画", "书法", "扎染", "皮影")[i]
                      + "体验课", "held_on": day, "starts_at": dt.time(14, 0),
                      "ends_at": dt.time(16, 0), **_at(zone, "活动室"),
                      "capacity": 10, "age_min": 7, "age_max": 12, "audience": "困境家庭儿童"},
                project=art,
            )  # fmt: skip
            kids = _children(actor, tianshan.subdistrict_id, day, (7, 12), difficulty=True, n=8)
            _run(actor, activity, kids, today, i)
            made += 1
        # 文化四季: a festival each season, a series.
        seasons = services.project_create(
            actor=actor,
            data={"station": tianshan, "name": "文化四季", "brand": "天山文化四季",
                  "starts_on": dt.date(year, 1, 1), "ends_on": dt.date(year, 12, 31),
                  "age_bands": ["4-6", "7-12", "13-17"], "status": "running",
                  "goals": "【演示】春之韵、夏之趣、秋之实、冬之暖：每季一场社区文化节。"},
        )  # fmt: skip
        series = services.series_create(
            actor=actor,
            data={"title": "文化四季·社区文化节", "place_text": "" if zone else "社区广场",
                  "zone": zone, "capacity": 40, "age_min": 4, "age_max": 17,
                  "audience": "儿童与家长", "starts_at": dt.time(9, 30)},
            dates=[dt.date(year, 3, 21), dt.date(year, 6, 21), dt.date(year, 9, 23),
                   dt.date(year, 12, 21)],
            project=seasons,
        )  # fmt: skip
        for i, activity in enumerate(series.activities.order_by("held_on")):
            kids = _children(actor, tianshan.subdistrict_id, activity.held_on, (4, 17), n=12)
            _run(actor, activity, kids, today, i)
            made += 1

    # 新泾镇: 新泾彩虹桥, weekend tutoring, every other month on a Saturday.
    actor = users.get("xinjing_supervisor")
    if xinjing is not None and actor is not None:
        actor = User.objects.get(pk=actor.pk)
        bridge = _project(
            actor, xinjing, name="新泾彩虹桥", brand="周末爱心家教",
            starts_on=dt.date(year, 2, 1), categories=["migrant_hardship", "left_behind"],
            age_bands=["7-12", "13-17"], status="running",
            goals="【演示】志愿者周末为困境儿童、随迁儿童提供学业辅导与陪伴。",
        )  # fmt: skip
        zone = _zone(xinjing, "彩虹桥学习室")
        for i, month in enumerate([2, 4, 6, 8, 10, 12]):
            day = dt.date(year, month, 1)
            day += dt.timedelta(days=(5 - day.weekday()) % 7)  # the first Saturday
            activity = services.activity_create(
                actor=actor,
                data={"title": "周末学业辅导", "held_on": day, "starts_at": dt.time(9, 0),
                      "ends_at": dt.time(11, 0), **_at(zone, "学习室"),
                      "capacity": 6, "age_min": 7, "age_max": 15, "audience": "中小学生"},
                project=bridge,
            )  # fmt: skip
            kids = _children(actor, xinjing.subdistrict_id, day, (7, 15), n=8)
            _run(actor, activity, kids, today, i)
            made += 1

    # 江苏路: the 小小讲解员 course.
    actor = users.get("jiangsu_supervisor")
    if jiangsu is not None and actor is not None:
        actor = User.objects.get(pk=actor.pk)
        guides = _project(
            actor, jiangsu, name="小小讲解员", brand="红色寻访",
            starts_on=dt.date(year, 3, 1), ends_on=dt.date(year, 7, 31), age_bands=["7-12"],
            status="running", goals="【演示】六次课程，孩子们学会讲解街区的红色地标。",
        )  # fmt: skip
        zone = _zone(jiangsu, "美好生活区")
        for i, day in enumerate(_dates(year, [3, 4, 5, 6, 7], day=10)):
            activity = services.activity_create(
                actor=actor,
                data={"title": f"小小讲解员·第{i + 1}课", "held_on": day, "zone": zone,
                      "place_text": "" if zone else "美好生活区", "capacity": 12,
                      "age_min": 8, "age_max": 12},
                project=guides,
            )  # fmt: skip
            kids = _children(actor, jiangsu.subdistrict_id, day, (8, 12), n=10)
            _run(actor, activity, kids, today, i)
            made += 1

    # The district: 阳光橙, family education, in the district's own name.
    actor = users.get("district_admin")
    if actor is not None:
        actor = User.objects.get(pk=actor.pk)
        orange = services.project_create(
            actor=actor,
            data={"station": None, "name": "阳光橙", "brand": "家庭教育指导",
                  "starts_on": dt.date(year, 1, 1), "status": "running",
                  "goals": "【演示】面向困境儿童家庭的家庭教育讲座与亲子活动。",
                  "categories": ["guardianship_improper", "economic_hardship"]},
        )  # fmt: skip
        for i, day in enumerate(_dates(year, [4, 8, 11], day=25)):
            services.activity_create(
                actor=actor,
                data={"title": ("亲子沟通讲座", "家庭教育沙龙", "亲子运动会")[i], "held_on": day,
                      "place_text": "演示地址：区青少年活动中心", "capacity": 60,
                      "audience": "家长与儿童"},
                project=orange,
            )  # fmt: skip
            made += 1
        # The district's activities have no children of a 街镇 of their own: mark the past
        # ones held (their figures are the district's own row).
        for activity in orange.activities.filter(held_on__lte=today):
            services.activity_set_state(actor=actor, activity=activity, state="held")
    site_state_set(key=ACTIVITIES_KEY, value=f"{made} activities, loaded {today.isoformat()}")
    return made
