"""The children's council (docs/domain.md §8.1): members with a guardian's consent and a term,
meetings with attendance, decisions followed up on the suggestion board; the meeting place's
computed evidence; scope (404 out of scope, 403 for a 儿童主任's writes, names only to those who
may see the child); the lists' queries."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import api_client, web_client
from tests.council.helpers import a_meeting, a_member
from tests.helpers import history_text, page_queries, today
from tests.transfers.helpers import accept, ask
from weibao.audit.models import AuditEvent
from weibao.children.services import child_anonymise
from weibao.council import services
from weibao.council.models import CouncilMember
from weibao.council.selectors import meeting_place_facts, members_visible_to
from weibao.suggestions.models import Suggestion
from weibao.suggestions.services import suggestion_route


def test_a_member_needs_a_child_of_the_station_s_subdistrict_consent_and_a_term(
    station, supervisor, child_a, child_c, district_officer
):
    with pytest.raises(ValidationError) as exc:
        a_member(district_officer, station, child_c)
    assert "child" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.member_add(
            actor=supervisor,
            station=station,
            data={
                "child": child_a,
                "term_start": today(),
                "term_end": today() - dt.timedelta(days=1),
                "consent_by": "",
                "consent_on": today() + dt.timedelta(days=1),
                "consent_how": "x",
            },
        )
    assert set(exc.value.message_dict) == {"term_end", "consent_by", "consent_on", "consent_how"}
    member = a_member(supervisor, station, child_a)
    assert member.community_id == child_a.community_id and member.in_term(today())


def test_a_director_may_not_add_a_member(station, director_a, child_a):
    with pytest.raises(PermissionDenied):
        a_member(director_a, station, child_a)


def test_a_decision_goes_on_the_board_and_the_meeting_shows_its_state(station, supervisor, child_a):
    member = a_member(supervisor, station, child_a)
    meeting = a_meeting(supervisor, station, [member])
    decision = services.decision_record(actor=supervisor, meeting=meeting, text="游乐场加装围栏")
    s = decision.suggestion
    assert (s.source, s.state, s.public_text) == ("council", "received", "游乐场加装围栏")
    suggestion_route(actor=supervisor, suggestion=s, department="物业", deadline=today())
    page = web_client(supervisor).get(f"/council/meetings/{meeting.pk}/").content.decode()
    assert "游乐场加装围栏" in page and "已交办" in page and "张小明" in page


def test_attendance_only_of_members_in_term(station, supervisor, child_a):
    member = a_member(supervisor, station, child_a, start=today() - dt.timedelta(days=10))
    with pytest.raises(ValidationError) as exc:
        a_meeting(supervisor, station, [member], held_on=today() - dt.timedelta(days=20))
    assert "present" in exc.value.message_dict


def test_the_meeting_place_holds_with_a_member_in_term_and_a_meeting_in_3_months(
    station, supervisor, child_a, areas
):
    tianshan = areas["tianshan"].pk
    assert meeting_place_facts(subdistrict_ids=[tianshan], today=today())[tianshan][0] is False
    member = a_member(supervisor, station, child_a)
    a_meeting(supervisor, station, [], held_on=today() - dt.timedelta(days=120))
    holds, text = meeting_place_facts(subdistrict_ids=[tianshan], today=today())[tianshan]
    assert holds is False and "1" in text
    a_meeting(supervisor, station, [member], held_on=today() - dt.timedelta(days=5))
    holds, text = meeting_place_facts(subdistrict_ids=[tianshan], today=today())[tianshan]
    assert holds is True and (today() - dt.timedelta(days=5)).isoformat() in text


def test_a_director_sees_only_their_community_s_members_by_name(
    station, supervisor, child_a, child_b, director_a
):
    a = a_member(supervisor, station, child_a)
    b = a_member(supervisor, station, child_b)
    meeting = a_meeting(supervisor, station, [a, b])
    assert list(members_visible_to(director_a)) == [a]
    page = web_client(director_a).get(f"/council/meetings/{meeting.pk}/").content.decode()
    assert "张小明" in page and "李小红" not in page and "孩子们发言" not in page
    council = web_client(director_a).get(f"/council/{station.pk}/").content.decode()
    assert "张小明" in council and "李小红" not in council
    assert web_client(director_a).get(f"/council/{station.pk}/members/new/").status_code == 403
    assert web_client(director_a).get(f"/council/members/{b.pk}/").status_code == 404


@pytest.mark.parametrize(
    "who", ["supervisor_elsewhere", "station_staff_elsewhere", "director_elsewhere", "unassigned"]
)
def test_out_of_scope_people_get_404_everywhere(station, supervisor, child_a, who, request):
    user = request.getfixturevalue(who)
    member = a_member(supervisor, station, child_a)
    meeting = a_meeting(supervisor, station, [member])
    web, api = web_client(user), api_client(user)
    for url in (
        f"/council/{station.pk}/",
        f"/council/{station.pk}/members/new/",
        f"/council/{station.pk}/meetings/new/",
        f"/council/members/{member.pk}/",
        f"/council/meetings/{meeting.pk}/",
        f"/council/meetings/{meeting.pk}/edit/",
    ):
        assert web.get(url).status_code == 404, url
    assert (
        web.post(f"/council/meetings/{meeting.pk}/decisions/", {"decision-text": "好"}).status_code
        == 404
    )
    for url in (
        f"/api/v1/councils/{station.pk}/",
        f"/api/v1/council/members/{member.pk}/",
        f"/api/v1/council/meetings/{meeting.pk}/",
    ):
        assert api.get(url).status_code == 404, url
    decision = api.post(
        f"/api/v1/council/meetings/{meeting.pk}/decisions/", {"text": "好"}, format="json"
    )
    assert decision.status_code == 404 and not Suggestion.objects.exists()


def test_staff_record_a_member_a_meeting_and_a_decision_on_the_web(station, supervisor, child_a):
    web = web_client(supervisor)
    bad = web.post(f"/council/{station.pk}/members/new/", {"child": child_a.pk})
    assert bad.status_code == 200 and "请说明" in bad.content.decode()
    ok = web.post(
        f"/council/{station.pk}/members/new/",
        {
            "child": child_a.pk,
            "term_start": today().isoformat(),
            "term_end": (today() + dt.timedelta(days=300)).isoformat(),
            "consent_by": "母亲",
            "consent_on": today().isoformat(),
            "consent_how": "written",
        },
    )
    assert ok.status_code == 302
    member = members_visible_to(supervisor).get()
    ok = web.post(
        f"/council/{station.pk}/meetings/new/",
        {"held_on": today().isoformat(), "agenda": "议程", "present": [member.pk]},
    )
    assert ok.status_code == 302
    meeting_url = ok["Location"]
    empty = web.post(f"{meeting_url}decisions/", {"decision-text": ""})
    assert empty.status_code == 200 and "请填写决议" in empty.content.decode()
    assert web.post(f"{meeting_url}decisions/", {"decision-text": "多种树"}).status_code == 302
    assert Suggestion.objects.get().public_text == "多种树"


def test_the_api_records_members_meetings_and_decisions(station, supervisor, child_a, child_c):
    api = api_client(supervisor)
    outside = api.post(
        "/api/v1/council/members/",
        {
            "station": station.pk,
            "child": child_c.pk,
            "term_start": today().isoformat(),
            "term_end": today().isoformat(),
            "consent_by": "母亲",
            "consent_on": today().isoformat(),
            "consent_how": "written",
        },
        format="json",
    )
    assert outside.status_code == 400 and "child" in outside.json()
    made = api.post(
        "/api/v1/council/members/",
        {
            "station": station.pk,
            "child": child_a.pk,
            "term_start": today().isoformat(),
            "term_end": today().isoformat(),
            "consent_by": "母亲",
            "consent_on": today().isoformat(),
            "consent_how": "written",
        },
        format="json",
    )
    assert made.status_code == 201 and made.json()["child_name"] == "张小明"
    meeting = api.post(
        "/api/v1/council/meetings/",
        {
            "station": station.pk,
            "held_on": today().isoformat(),
            "agenda": "议程",
            "present": [made.json()["id"]],
        },
        format="json",
    )
    assert meeting.status_code == 201 and meeting.json()["present_count"] == 1
    decided = api.post(
        f"/api/v1/council/meetings/{meeting.json()['id']}/decisions/",
        {"text": "多种树"},
        format="json",
    )
    assert decided.status_code == 201
    assert decided.json()["decisions"][0]["state"] == "received"
    council = api.get(f"/api/v1/councils/{station.pk}/").json()
    assert council["members_now"] == 1 and council["last_meeting"] == today().isoformat()


def test_the_lists_run_the_same_queries_for_3_and_20(station, supervisor, make_child):
    web, api = web_client(supervisor), api_client(supervisor)
    urls = [
        f"/council/{station.pk}/",
        "/council/",
        "/api/v1/council/members/",
        "/api/v1/council/meetings/",
        "/api/v1/councils/",
    ]

    def add(n):
        for i in range(n):
            member = a_member(supervisor, station, make_child("community_a", name=f"演示{i}号"))
            meeting = a_meeting(supervisor, station, [member])
            services.decision_record(actor=supervisor, meeting=meeting, text=f"决议{i}")

    add(3)
    few = [page_queries(api if "api" in u else web, u, warm=True) for u in urls]
    add(17)
    many = [page_queries(api if "api" in u else web, u, warm=True) for u in urls]
    assert few == many


def test_the_child_s_page_lists_their_terms_on_the_council(station, supervisor, child_a, child_b):
    member = a_member(supervisor, station, child_a)
    a_meeting(supervisor, station, [member])
    page = web_client(supervisor).get(f"/children/{child_a.pk}/").content.decode()
    assert 'id="council"' in page and "出席会议 1 次" in page
    other = web_client(supervisor).get(f"/children/{child_b.pk}/").content.decode()
    assert 'id="council"' not in other


def test_a_member_s_row_follows_the_child_who_moves_and_the_council_stays(
    supervisor, director_a, supervisor_elsewhere, station, child_a, areas
):
    member = a_member(supervisor, station, child_a)
    accept(supervisor_elsewhere, ask(director_a, child_a, areas["community_c"]))
    moved = CouncilMember.objects.get(pk=member.pk)
    assert (moved.subdistrict_id, moved.community_id) == (
        areas["xianxia"].pk,
        areas["community_c"].pk,
    )
    assert moved.station_id == station.pk
    assert AuditEvent.objects.filter(action="council.members_move_area").exists()
    # The station's keepers keep the member but no longer see the child: no name, no guardian.
    html = web_client(supervisor).get(f"/council/{station.pk}/").content.decode()
    assert child_a.name not in html and f"成员 #{member.pk}" in html
    api = api_client(supervisor).get(f"/api/v1/council/members/{member.pk}/").json()
    assert api["child_name"] == "" and api["consent_by"] == ""


def test_anonymising_the_child_s_file_clears_the_guardian_named_on_the_membership(
    supervisor, station, child_a
):
    member = a_member(supervisor, station, child_a)
    child_anonymise(actor=None, child=child_a, reason="Retention period over (test).")
    member = CouncilMember.objects.get(pk=member.pk)
    assert member.consent_by == "" and member.consent_how == "written"


def test_the_childs_history_tells_joining_the_council_in_words(supervisor, station, child_a):
    a_member(supervisor, station, child_a, start=dt.date(2026, 3, 1))
    text = history_text(supervisor, child_a)
    assert "加入儿童议事会" in text
    assert "任期开始 — → 2026-03-01" in text
    assert "同意方式 — → 书面签字" in text
    assert "council." not in text and "written" not in text and "Child" not in text
