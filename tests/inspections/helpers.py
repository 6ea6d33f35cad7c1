"""Building blocks of the inspection teams' tests: a team with members, a patrol, findings at
each stage, made through the services as the pages make them."""

import datetime as dt

from tests.helpers import today
from weibao.inspections import services
from weibao.inspections.models import Finding, Meeting, Member, Patrol, Team

DAY = dt.date(2025, 3, 1)


def a_team(actor, community) -> Team:
    return services.team_create(actor=actor, community=community)


def a_member(actor, team: Team, child, joined_on=DAY) -> Member:
    return services.member_add(
        actor=actor,
        team=team,
        child=child,
        data={"consent_by": "母亲 测试", "consent_on": joined_on, "consent_how": "written",
              "joined_on": joined_on},
    )  # fmt: skip


def a_patrol(actor, team: Team, members, on=None) -> Patrol:
    return services.patrol_create(
        actor=actor,
        team=team,
        data={"patrolled_on": on or today() - dt.timedelta(days=20), "route": "东门 → 游乐场",
              "adults": "儿童主任", "members": list(members)},
    )  # fmt: skip


def a_finding(actor, patrol: Patrol, what="滑梯扶手松动", **kw) -> Finding:
    data = {"patrol": patrol, "what": what, "place": "小区游乐场", "category": "safety", **kw}
    return services.finding_create(actor=actor, team=patrol.team, data=data)


def a_meeting(actor, team: Team, findings=(), held_on=None) -> Meeting:
    return services.meeting_create(
        actor=actor,
        team=team,
        data={"held_on": held_on or today() - dt.timedelta(days=10),
              "parties": ["party_org", "committee", "property"], "notes": ""},
        findings=list(findings),
    )  # fmt: skip


def decide(actor, finding: Finding, due_on=None) -> Finding:
    return services.finding_transition(
        actor=actor,
        finding=finding,
        name="decide",
        decision="物业一周内更换扶手",
        owner="property",
        due_on=due_on or today() + dt.timedelta(days=7),
    )


def resolve(actor, finding: Finding) -> Finding:
    return services.finding_transition(
        actor=actor, finding=finding, name="resolve", outcome="扶手已更换", resolved_on=today()
    )
