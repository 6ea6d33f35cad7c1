import dataclasses
import datetime as dt

import pytest

from tests.helpers import today
from tests.inspections.helpers import (
    a_finding,
    a_meeting,
    a_member,
    a_patrol,
    a_team,
    decide,
    resolve,
)
from weibao.inspections import services
from weibao.inspections.models import Finding, Meeting, Member, Patrol, Team


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclasses.dataclass
class Teams:
    team: Team  # 居民区 A's
    member: Member  # 张小明
    patrol: Patrol
    found: Finding
    on_agenda: Finding
    in_progress: Finding
    overdue: Finding
    resolved: Finding
    closed: Finding
    meeting: Meeting
    other_team: Team  # 居民区 C's (仙霞新村)


@pytest.fixture
def teams(areas, supervisor, supervisor_elsewhere, child_a, make_child) -> Teams:
    """居民区 A's team with 张小明 on it, one patrol and a finding at every stage; and a team of
    居民区 C in another 街镇."""
    team = a_team(supervisor, areas["community_a"])
    member = a_member(supervisor, team, child_a)
    patrol = a_patrol(supervisor, team, [member])
    found = a_finding(supervisor, patrol, "路灯不亮")
    on_agenda, in_progress, overdue, resolved, closed = (
        a_finding(supervisor, patrol, what) for what in ("井盖缺失", "垃圾堆放", "车辆乱停",
                                                          "滑梯扶手松动", "想要秋千")
    )  # fmt: skip
    meeting = a_meeting(supervisor, team, [on_agenda, in_progress, overdue, resolved])
    in_progress = decide(supervisor, Finding.objects.get(pk=in_progress.pk))
    overdue = decide(
        supervisor, Finding.objects.get(pk=overdue.pk), due_on=today() - dt.timedelta(days=2)
    )
    resolved = resolve(supervisor, decide(supervisor, Finding.objects.get(pk=resolved.pk)))
    closed = services.finding_transition(
        actor=supervisor, finding=closed, name="close", reason="不属于社区管理范围"
    )
    other_child = make_child("community_c", name="李小红")
    other = a_team(supervisor_elsewhere, areas["community_c"])
    other_member = a_member(supervisor_elsewhere, other, other_child)
    a_finding(supervisor_elsewhere, a_patrol(supervisor_elsewhere, other, [other_member]), "仙霞")
    return Teams(
        team=team,
        member=member,
        patrol=patrol,
        found=found,
        on_agenda=Finding.objects.get(pk=on_agenda.pk),
        in_progress=in_progress,
        overdue=overdue,
        resolved=resolved,
        closed=closed,
        meeting=meeting,
        other_team=other,
    )
