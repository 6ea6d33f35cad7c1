"""Helpers that put a child on a station's council and record a meeting, through the services."""

import datetime as dt

from tests.helpers import today
from weibao.council import services


def a_member(actor, at, child, *, start=None, end=None):
    start = start or today() - dt.timedelta(days=30)
    return services.member_add(
        actor=actor,
        station=at,
        data={
            "child": child,
            "term_start": start,
            "term_end": end or start + dt.timedelta(days=365),
            "consent_by": "测试家长（母亲）",
            "consent_on": start,
            "consent_how": "written",
        },
    )


def a_meeting(actor, at, present=(), *, held_on=None):
    return services.meeting_create(
        actor=actor,
        station=at,
        data={
            "held_on": held_on or today() - dt.timedelta(days=3),
            "agenda": "讨论小区游乐场的安全",
            "minutes": "孩子们发言。",
            "present": list(present),
        },
    )
