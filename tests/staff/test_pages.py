"""The roster's pages: the list (filters, masked phones, query count flat), adding, editing,
ending a person, revealing a phone, honours."""

import datetime as dt
import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import web_client
from tests.helpers import today
from tests.staff.helpers import add_member
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened_note
from weibao.staff.models import Honour, StaffMember
from weibao.staff.services import honour_add, staff_account_link, staff_end

PHONE = "13912345678"


def _queries(client, url) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_list_runs_the_same_queries_for_3_people_as_for_20(areas, district_officer):
    roles = itertools.cycle(["director", "social_worker", "volunteer"])
    places = itertools.cycle(["community_a", "community_b", "community_c"])
    client = web_client(district_officer)
    for i in range(3):
        add_member(district_officer, areas[next(places)], next(roles), name=f"甲{i}")
    few, html = _queries(client, "/staff/")
    assert html.count('href="/staff/') - html.count('href="/staff/new/') >= 3
    for i in range(17):
        member = add_member(district_officer, areas[next(places)], next(roles), name=f"乙{i}")
        if i == 3:
            staff_account_link(actor=district_officer, member=member, username="district_officer")
        if i % 4 == 0:
            honour_add(
                actor=district_officer,
                member=member,
                data={"title": "t", "level": "district", "awarded_on": dt.date(2021, 1, 1)},
            )
    many, html = _queries(client, "/staff/")
    assert "乙16" in html
    assert few == many


def test_the_list_shows_masked_phones_and_filters(areas, supervisor, district_officer):
    add_member(supervisor, areas["community_a"], name="张主任", phone=PHONE)
    add_member(supervisor, areas["community_b"], "volunteer", name="李志愿者")
    left = add_member(supervisor, areas["community_b"], name="王离岗")
    staff_end(actor=supervisor, member=left, end_date=today() - dt.timedelta(days=3))
    client = web_client(supervisor)
    html = client.get("/staff/").content.decode()
    assert "139****5678" in html and PHONE not in html
    assert "王离岗" not in html  # working now, by default
    assert "王离岗" in client.get("/staff/?active=0").content.decode()
    assert "张主任" not in client.get("/staff/?active=0").content.decode()
    by_role = client.get("/staff/?role=volunteer").content.decode()
    assert "李志愿者" in by_role and "张主任" not in by_role
    by_area = client.get(f"/staff/?area={areas['community_a'].pk}").content.decode()
    assert "张主任" in by_area and "李志愿者" not in by_area
    by_name = client.get("/staff/?q=志愿").content.decode()
    assert "李志愿者" in by_name and "张主任" not in by_name
    # A filter out of scope is not understood (and lists nothing more).
    other = client.get(f"/staff/?area={areas['community_c'].pk}")
    assert other.status_code == 200


def test_a_supervisor_adds_a_person_through_the_form(areas, supervisor):
    client = web_client(supervisor)
    assert client.get("/staff/new/").status_code == 200
    response = client.post(
        "/staff/new/",
        {
            "name": "赵社工",
            "role": "social_worker",
            "area": areas["community_a"].pk,
            "phone": PHONE,
            "start_date": "2021-03-01",
            "qualifications": ["sw_intermediate", "counsellor"],
        },
    )
    member = StaffMember.objects.get(name="赵社工")
    assert response.status_code == 302 and response["Location"] == f"/staff/{member.pk}/"
    assert member.qualifications == ["sw_intermediate", "counsellor"] and member.is_professional


def test_a_bad_form_keeps_the_input_and_says_why_in_chinese(areas, supervisor):
    response = web_client(supervisor).post(
        "/staff/new/",
        {"name": "钱主任", "role": "director", "area": areas["tianshan"].pk,
         "start_date": "2021-03-01"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "儿童主任在居民区工作" in html and 'value="钱主任"' in html
    assert not StaffMember.objects.exists()


def test_editing_keeps_the_phone_when_left_empty(areas, supervisor):
    member = add_member(supervisor, areas["community_a"], phone=PHONE)
    client = web_client(supervisor)
    form = client.get(f"/staff/{member.pk}/edit/").content.decode()
    assert "139****5678" in form and PHONE not in form
    response = client.post(
        f"/staff/{member.pk}/edit/",
        {"name": "新名字", "role": "director", "area": areas["community_a"].pk, "phone": "",
         "start_date": "2020-01-01", "version": member.version},
    )  # fmt: skip
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.phone) == ("新名字", PHONE)


def test_a_stale_edit_keeps_what_was_typed(areas, supervisor):
    member = add_member(supervisor, areas["community_a"])
    response = web_client(supervisor).post(
        f"/staff/{member.pk}/edit/",
        {"name": "新名字", "role": "director", "area": areas["community_a"].pk,
         "start_date": "2020-01-01", "version": member.version + 5},
    )  # fmt: skip
    assert response.status_code == 200 and 'value="新名字"' in response.content.decode()
    member.refresh_from_db()
    assert member.name != "新名字"


def test_ending_a_post_from_the_page(areas, supervisor):
    member = add_member(supervisor, areas["community_a"])
    client = web_client(supervisor)
    response = client.post(
        f"/staff/{member.pk}/end/", {"end_date": today().isoformat(), "version": member.version}
    )
    assert response.status_code == 302
    assert StaffMember.objects.get(pk=member.pk).end_date == today()
    bad = client.post(f"/staff/{member.pk}/end/", {"end_date": "", "version": 2})
    assert bad.status_code == 200


def test_revealing_a_phone_on_the_page_is_audited(areas, supervisor):
    member = add_member(supervisor, areas["community_a"], phone=PHONE)
    client = web_client(supervisor)
    page = client.get(f"/staff/{member.pk}/").content.decode()
    assert PHONE not in page and f"/staff/{member.pk}/reveal/" in page
    assert client.post(f"/staff/{member.pk}/reveal/", {"reason": ""}).status_code == 302
    revealed = client.post(f"/staff/{member.pk}/reveal/", {"reason": "通知培训"})
    assert PHONE in revealed.content.decode()
    (event,) = AuditEvent.objects.filter(action="staff.phone_reveal")
    assert opened_note(event.note) == "通知培训"  # the reason, sealed in the log


def test_honours_are_shown_and_added_on_the_page(areas, supervisor):
    member = add_member(supervisor, areas["community_a"])
    client = web_client(supervisor)
    response = client.post(
        f"/staff/{member.pk}/honours/",
        {"title": "“儿童主任的一天”征文二等奖", "level": "national", "awarded_on": "2021-10-15",
         "issuer": "民政部"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/staff/{member.pk}/").content.decode()
    assert "“儿童主任的一天”征文二等奖" in page and "国家级" in page and "民政部" in page
    honour = Honour.objects.get()
    assert client.post(f"/staff/honours/{honour.pk}/remove/").status_code == 302
    assert not Honour.objects.exists()
    bad = client.post(f"/staff/{member.pk}/honours/", {"title": "", "level": "national"})
    assert bad.status_code == 200 and "该字段是必填项" in bad.content.decode()


def test_the_page_is_english_on_request(areas, supervisor):
    member = add_member(supervisor, areas["community_a"], "social_worker")
    html = (
        web_client(supervisor)
        .get(f"/staff/{member.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "Social worker" in html and "Honours and awards" in html
