"""Staff work on the suggestion board (docs/domain.md §8.4): moderation, routing with a
deadline, progress and answer through the one table of transitions; the scope of each role
(404 out of scope, 403 in scope but not allowed); late ones told to the supervisor once; the
display wall's section; the list's queries."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client

from tests.conftest import api_client, web_client
from tests.helpers import page_queries, today
from tests.suggestions.conftest import a_suggestion
from weibao.audit.models import AuditEvent
from weibao.notifications.models import Notification
from weibao.suggestions import services
from weibao.suggestions.jobs import suggestions_daily
from weibao.suggestions.models import Suggestion
from weibao.suggestions.selectors import suggestions_visible_to
from weibao.suggestions.workflow import SUGGESTION


def test_moderation_publishes_a_cleaned_text_and_keeps_the_original_encrypted(station, supervisor):
    s, _code = a_suggestion(station, supervisor, "held", text="我叫王阿福，滑梯坏了")
    s = services.suggestion_approve(actor=supervisor, suggestion=s, public_text="滑梯坏了")
    assert s.state == "received" and s.public_text == "滑梯坏了" and s.moderated_by == supervisor
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM suggestions_suggestion WHERE id = %s", [s.pk])
        assert "王阿福" not in cursor.fetchone()[0]
    assert AuditEvent.objects.filter(action="suggestion.approve", object_id=str(s.pk)).exists()


def test_approving_needs_a_public_text_and_rejecting_a_reason(station, supervisor):
    s, _code = a_suggestion(station, supervisor, "held")
    with pytest.raises(ValidationError) as exc:
        services.suggestion_approve(actor=supervisor, suggestion=s, public_text="  ")
    assert "public_text" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.suggestion_reject(actor=supervisor, suggestion=s, reason="")
    assert "reason" in exc.value.message_dict


def test_routing_needs_a_department_or_a_community_and_a_deadline_not_in_the_past(
    station, supervisor, areas
):
    s, _code = a_suggestion(station, supervisor, "received")
    with pytest.raises(ValidationError) as exc:
        services.suggestion_route(actor=supervisor, suggestion=s, deadline=today())
    assert "department" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.suggestion_route(
            actor=supervisor, suggestion=s, department="物业", deadline=today() - dt.timedelta(1)
        )
    assert "deadline" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.suggestion_route(
            actor=supervisor, suggestion=s, routed_community=areas["community_c"], deadline=today()
        )
    assert "routed_community" in exc.value.message_dict
    s = services.suggestion_route(
        actor=supervisor, suggestion=s, routed_community=areas["community_a"], deadline=today()
    )
    assert s.state == "assigned"


def test_every_step_follows_the_table(station, supervisor):
    s, _code = a_suggestion(station, supervisor, "held")
    with pytest.raises(ValidationError):
        services.suggestion_answer(actor=supervisor, suggestion=s, answer="好")
    s, _code = a_suggestion(station, supervisor, "answered")
    with pytest.raises(ValidationError):
        services.suggestion_decline(actor=supervisor, suggestion=s, reason="不")
    assert SUGGESTION.available("held", {"director"}) == []
    assert [t.name for t in SUGGESTION.available("assigned", {"director"})] == ["start", "answer"]


def test_a_director_sees_only_what_is_routed_to_their_community_and_may_answer_it(
    station, supervisor, areas, director_a, director_b
):
    s, _code = a_suggestion(station, supervisor, "assigned", community=areas["community_a"])
    held, _code = a_suggestion(station, supervisor, "held")
    assert list(suggestions_visible_to(director_a)) == [s]
    assert not suggestions_visible_to(director_b).exists()
    with pytest.raises(PermissionDenied):
        services.suggestion_decline(actor=director_a, suggestion=s, reason="不")
    s = services.suggestion_answer(actor=director_a, suggestion=s, answer="已经修好。")
    assert s.state == "answered"
    assert held not in suggestions_visible_to(director_a)


def test_district_staff_keep_every_board_of_their_district(
    station, station_elsewhere, supervisor, supervisor_elsewhere, district_officer
):
    a, _c = a_suggestion(station, supervisor, "held")
    b, _c = a_suggestion(station_elsewhere, supervisor_elsewhere, "held")
    assert set(suggestions_visible_to(district_officer)) == {a, b}
    assert list(suggestions_visible_to(supervisor)) == [a]
    services.suggestion_approve(actor=district_officer, suggestion=b, public_text="好")


@pytest.mark.parametrize(
    "who", ["supervisor_elsewhere", "station_staff_elsewhere", "director_b", "unassigned", None]
)
def test_out_of_scope_people_get_404_on_every_page_and_endpoint(station, supervisor, who, request):
    user = request.getfixturevalue(who) if who else None
    s, _code = a_suggestion(station, supervisor, "assigned")
    client = web_client(user)
    expected = 302 if user is None else 404  # anonymous: to the sign-in page
    assert client.get(f"/suggestions/{s.pk}/").status_code == expected
    assert (
        client.post(
            f"/suggestions/{s.pk}/answer/", {"answer-answer": "好", "answer-version": s.version}
        ).status_code
        == expected
    )
    if user is not None:
        assert client.get("/suggestions/").status_code in (200, 404)
        api = api_client(user)
        assert api.get(f"/api/v1/suggestions/{s.pk}/").status_code == 404
        answer = api.post(
            f"/api/v1/suggestions/{s.pk}/answer/",
            {"answer": "好", "version": s.version},
            format="json",
        )
        assert answer.status_code == 404
        assert api.get("/api/v1/suggestions/").json()["count"] == 0
    s.refresh_from_db()
    assert s.state == "assigned"


def test_staff_moderate_route_and_answer_on_the_web(station, supervisor, areas):
    s, code = a_suggestion(station, supervisor, "held")
    client = web_client(supervisor)
    page = client.get(f"/suggestions/{s.pk}/").content.decode()
    assert "滑梯坏了" in page and "审核通过并公开" in page
    response = client.post(
        f"/suggestions/{s.pk}/approve/",
        {"approve-public_text": "滑梯坏了，请修。", "approve-version": 1},
    )
    assert response.status_code == 302
    response = client.post(
        f"/suggestions/{s.pk}/route/",
        {
            "route-department": "物业",
            "route-routed_community": "",
            "route-deadline": "",
            "route-version": 2,
        },
    )
    assert response.status_code == 200 and "请填写答复期限" in response.content.decode()
    response = client.post(
        f"/suggestions/{s.pk}/route/",
        {
            "route-department": "物业",
            "route-deadline": (today() + dt.timedelta(7)).isoformat(),
            "route-version": 2,
        },
    )
    assert response.status_code == 302
    stale = client.post(
        f"/suggestions/{s.pk}/answer/", {"answer-answer": "修好了。", "answer-version": 2}
    )
    assert "其他人修改了" in stale.content.decode() and "修好了。" in stale.content.decode()
    client.post(f"/suggestions/{s.pk}/answer/", {"answer-answer": "修好了。", "answer-version": 3})
    s.refresh_from_db()
    assert s.state == "answered" and s.answer == "修好了。"
    check = Client().post("/board/check/", {"code": code}).content.decode()
    assert "修好了。" in check


def test_a_director_may_not_route_403(station, supervisor, areas, director_a):
    s, _code = a_suggestion(station, supervisor, "assigned", community=areas["community_a"])
    response = web_client(director_a).post(
        f"/suggestions/{s.pk}/route/",
        {"route-department": "物业", "route-deadline": today().isoformat(), "route-version": 3},
    )
    assert response.status_code == 403
    api = api_client(director_a).post(
        f"/api/v1/suggestions/{s.pk}/decline/", {"reason": "不", "version": 3}, format="json"
    )
    assert api.status_code == 403


def test_late_ones_are_told_to_the_supervisor_once(station, supervisor, station_staff):
    s, _code = a_suggestion(station, supervisor, "assigned")
    a_suggestion(station, supervisor, "answered")
    Suggestion.objects.filter(pk=s.pk).update(deadline=today() - dt.timedelta(days=2))
    assert suggestions_daily(today()) == {"suggestions_late": 1, "suggestion_late_notifications": 1}
    assert suggestions_daily(today()) == {"suggestions_late": 0, "suggestion_late_notifications": 0}
    note = Notification.objects.get(kind="suggestion_late")
    assert note.recipient == supervisor
    page = web_client(supervisor).get("/suggestions/?late=on").content.decode()
    assert f"#{s.pk}" in page and 'class="late"' in page


def test_the_list_filters_by_state(station, supervisor):
    a, _c = a_suggestion(station, supervisor, "held")
    b, _c = a_suggestion(station, supervisor, "answered")
    page = web_client(supervisor).get("/suggestions/?state=answered").content.decode()
    assert f"#{b.pk}" in page and f"#{a.pk}<" not in page


def test_the_lists_run_the_same_queries_for_3_and_20(station, supervisor, areas):
    web, api = web_client(supervisor), api_client(supervisor)
    states = ["held", "received", "assigned", "answered", "declined"]
    for i in range(3):
        a_suggestion(station, supervisor, states[i], community=areas["community_a"])
    few = (
        page_queries(web, "/suggestions/", warm=True),
        page_queries(api, "/api/v1/suggestions/", warm=True),
        page_queries(Client(), f"/board/{station.pk}/", warm=True),
    )
    for i in range(17):
        a_suggestion(station, supervisor, states[i % 5], community=areas["community_a"])
    many = (
        page_queries(web, "/suggestions/", warm=True),
        page_queries(api, "/api/v1/suggestions/", warm=True),
        page_queries(Client(), f"/board/{station.pk}/", warm=True),
    )
    assert few == many


def test_the_display_wall_shows_answered_suggestions_without_names(station, supervisor):
    a_suggestion(station, supervisor, "answered", text="多装路灯", given_name="阿福")
    a_suggestion(station, supervisor, "assigned", text="修滑梯")
    page = Client().get(f"/wall/{station.pk}/").content.decode()
    assert "多装路灯" in page and "滑梯已经修好了" in page
    assert "阿福" not in page and "修滑梯" not in page
    assert f"/board/{station.pk}/" in page


def test_the_api_moderates_routes_and_answers(station, supervisor, areas):
    s, _code = a_suggestion(station, supervisor, "held", given_name="阿福")
    api = api_client(supervisor)
    got = api.get(f"/api/v1/suggestions/{s.pk}/").json()
    assert got["given_name"] == "阿福" and got["state"] == "held"
    bad = api.post(
        f"/api/v1/suggestions/{s.pk}/moderate/",
        {"decision": "approve", "public_text": "", "version": 1},
        format="json",
    )
    assert bad.status_code == 400 and "public_text" in bad.json()
    ok = api.post(
        f"/api/v1/suggestions/{s.pk}/moderate/",
        {"decision": "approve", "public_text": "好", "version": 1},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["state"] == "received"
    route = api.post(
        f"/api/v1/suggestions/{s.pk}/route/",
        {
            "department": "物业",
            "deadline": today().isoformat(),
            "version": 2,
            "routed_community": areas["community_a"].pk,
        },
        format="json",
    )
    assert route.status_code == 200 and route.json()["routed_community_name"] == "测试甲居民区"
    stale = api.post(
        f"/api/v1/suggestions/{s.pk}/answer/", {"answer": "好", "version": 2}, format="json"
    )
    assert stale.status_code == 409
    done = api.post(
        f"/api/v1/suggestions/{s.pk}/answer/", {"answer": "好", "version": 3}, format="json"
    )
    assert done.status_code == 200 and done.json()["state"] == "answered"
    unknown = api.post(f"/api/v1/suggestions/{s.pk}/decline/", {"x": 1}, format="json")
    assert unknown.status_code == 400


def test_the_poster_has_one_line_with_the_number_answered(station, supervisor):
    a_suggestion(station, supervisor, "answered", text="多装路灯")
    page = Client().get(f"/wall/{station.pk}/poster/").content.decode()
    assert "已答复 1 条" in page and "多装路灯" not in page
