"""Demo suggestion board (docs/domain.md §8.4): the "童乐天山" board of 天山路's station, with
suggestions in every state — awaiting moderation, not published, received, assigned, in progress,
answered, declined, and one past its deadline (its supervisor told once). Written through the
services, as a child and the station's people would, on the days of their story (`_as_of`).
Everything is visibly demo: each text starts with 演示. Made once (keyed in SiteState), after the
demo stations."""

import datetime as dt

from django.utils import timezone

from weibao.accounts.models import User
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.demo.cases import _as_of
from weibao.demo.places import TIANSHAN
from weibao.stations.models import Workstation
from weibao.suggestions import services

SUGGESTIONS_KEY = "demo_suggestions_loaded"

# (days ago it was written, its text, given name, age, index of the 居民区 or None, the state
# it reaches, the department, the answer or reason)
STORIES = [
    (2, "演示：希望小区里多放几个垃圾分类的宣传牌，我想帮大家分对垃圾。", "小雨", 10, 0,
     "held", "", ""),
    (9, "演示：我叫王演示，住天山四村8号，我们楼下的路灯坏了。", "", 12, 0,
     "rejected", "", "建议里写了名字和住址，请去掉个人信息后再写一次。"),
    (6, "演示：放学的时候，学校门口的斑马线那里车太多了，希望有志愿者叔叔阿姨帮忙。", "", 11, 1,
     "received", "", ""),
    (20, "演示：希望社区图书角周末也能开门。", "乐乐", 9, 0,
     "assigned", "居委会", ""),
    (25, "演示：小区花园里的滑梯有一块坏了，小朋友会受伤。", "", 8, 1,
     "in_progress", "物业", ""),
    (45, "演示：希望公园里增加一些给小朋友喝水的饮水机。", "天天", 10, None,
     "answered", "街道市容所",
     "演示：谢谢你的建议！天山公园东门和儿童游乐区已各装了一台饮水机，欢迎使用。"),
    (40, "演示：希望把小区停车场改成足球场。", "", 12, 0,
     "declined", "居委会",
     "演示：停车场是居民停车需要的，暂时不能改。我们会在社区活动中心每周六开放室内运动区。"),
    (60, "演示：小区门口的人行道砖头松了，下雨天会溅水。", "", 13, 1,
     "late", "物业", ""),
]  # fmt: skip


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def load_suggestion_demo(tree) -> int:
    """Create the demo board once; returns how many suggestions were made."""
    if SiteState.objects.filter(key=SUGGESTIONS_KEY).exists():
        return 0
    station = (
        Workstation.objects.filter(subdistrict=tree.subdistricts[TIANSHAN], published=True)
        .order_by("pk")
        .first()
    )
    keeper = User.objects.filter(username="tianshan_supervisor").first()
    if station is None or keeper is None:
        return 0
    keeper = User.objects.get(pk=keeper.pk)  # fresh object: no cached roles
    communities = tree.communities[TIANSHAN]
    today = timezone.localdate()
    made = 0
    for days, text, name, age, community, state, department, words in STORIES:
        written = today - dt.timedelta(days=days)
        where = communities[community] if community is not None else None
        with _as_of(_moment(written)):
            s, _code = services.suggestion_submit(
                station=station, text=text, given_name=name, age=age, community=where
            )
        made += 1
        if state == "held":
            continue
        with _as_of(_moment(written + dt.timedelta(days=1))):
            if state == "rejected":
                services.suggestion_reject(actor=keeper, suggestion=s, reason=words)
                continue
            public = text.replace("我叫王演示，住天山四村8号，", "")
            s = services.suggestion_approve(actor=keeper, suggestion=s, public_text=public)
        if state == "received":
            continue
        routed_on = written + dt.timedelta(days=2)
        with _as_of(_moment(routed_on)):
            if state == "declined":
                services.suggestion_decline(actor=keeper, suggestion=s, reason=words)
                continue
            # The late one's deadline passed a month ago; the others' lie ahead.
            deadline = routed_on + dt.timedelta(days=14 if state == "late" else 60)
            s = services.suggestion_route(
                actor=keeper,
                suggestion=s,
                department=department,
                routed_community=where if department == "居委会" else None,
                deadline=deadline,
            )
        if state in ("assigned", "late"):
            continue
        with _as_of(_moment(routed_on + dt.timedelta(days=3))):
            s = services.suggestion_start(actor=keeper, suggestion=s, note="演示：已转给责任部门。")
        if state == "answered":
            with _as_of(_moment(routed_on + dt.timedelta(days=10))):
                services.suggestion_answer(actor=keeper, suggestion=s, answer=words)
    services.suggestions_late_tell(today=today)
    site_state_set(key=SUGGESTIONS_KEY, value=f"{made} suggestions, loaded {today.isoformat()}")
    return made
