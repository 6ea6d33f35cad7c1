"""Suggestion board fixtures: 天山路's operating station with its public page published, one
of 仙霞新村 (out of 天山路's scope), and a helper that walks a suggestion to a state."""

import datetime as dt

import pytest

from tests.staff.helpers import add_member
from tests.stations.conftest import make_station
from weibao.stations import services as station_services
from weibao.suggestions import services


@pytest.fixture
def station(supervisor, areas):
    add_member(supervisor, areas["tianshan"], "supervisor", name="天山路督导员")
    station = make_station(supervisor, areas["tianshan"])
    return station_services.station_set_published(actor=supervisor, station=station, published=True)


@pytest.fixture
def station_elsewhere(supervisor_elsewhere, areas):
    station = make_station(supervisor_elsewhere, areas["xianxia"], name="仙霞新村工作站")
    return station_services.station_set_published(
        actor=supervisor_elsewhere, station=station, published=True
    )


def a_suggestion(
    station,
    actor,
    state="held",
    *,
    text="小区里的滑梯坏了，请修一修。",
    community=None,
    deadline=None,
    given_name="",
    age=None,
):
    """A suggestion of `station`, taken by `actor` (a keeper) to `state`. Returns
    (suggestion, code)."""
    s, code = services.suggestion_submit(
        station=station, text=text, given_name=given_name, age=age, community=community
    )
    if state == "held":
        return s, code
    if state == "rejected":
        return services.suggestion_reject(actor=actor, suggestion=s, reason="含有个人信息。"), code
    s = services.suggestion_approve(actor=actor, suggestion=s, public_text=text)
    if state == "received":
        return s, code
    if state == "declined":
        return services.suggestion_decline(
            actor=actor, suggestion=s, reason="不在本街道范围。"
        ), code
    s = services.suggestion_route(
        actor=actor,
        suggestion=s,
        department="物业",
        routed_community=community,
        deadline=deadline or dt.date.today() + dt.timedelta(days=14),
    )
    if state == "assigned":
        return s, code
    s = services.suggestion_start(actor=actor, suggestion=s, note="已联系物业。")
    if state == "in_progress":
        return s, code
    return services.suggestion_answer(actor=actor, suggestion=s, answer="滑梯已经修好了。"), code
