"""The staff pages of mandatory reports: entry, the one-click report from a visit concern, the
triage queue with its clocks, a report's page and its actions, finding the child, the clock
policy — and a 404 for every persona outside a report's scope."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import en_get, en_post, web_client
from tests.helpers import (
    REPORTER_NAME,
    REPORTER_PHONE,
    fresh_report,
    move_to,
    page_queries,
    years_before,
)
from weibao.audit.models import AuditEvent
from weibao.cases.models import Case
from weibao.cases.services import case_open
from weibao.notifications.models import Notification
from weibao.reports import services, views
from weibao.reports.choices import Situation
from weibao.reports.models import ClockPolicy, Report
from weibao.visits.models import Concern

pytestmark = pytest.mark.usefixtures("english")

TRIAGERS = ("supervisor", "station_staff", "district_officer")
OUTSIDERS = ("director_b", "director_elsewhere", "unassigned")


@pytest.fixture
def linked_report(make_report, supervisor, child_a):
    """A report in 天山路 linked to child_a (so director_a sees it, director_b does not)."""
    report = make_report(situations=[Situation.ABANDONED])
    services.report_link_child(actor=supervisor, report=report, child=child_a)
    return fresh_report(report)


# --- scope: 404 for every view, for everyone outside ------------------------------------------


def _report_urls(report):
    pk = report.pk
    return [
        ("get", f"/reports/{pk}/"),
        ("get", f"/reports/{pk}/link/"),
        ("post", f"/reports/{pk}/link/"),
        ("post", f"/reports/{pk}/acknowledge/"),
        ("post", f"/reports/{pk}/police/"),
        ("post", f"/reports/{pk}/unidentified/"),
        ("post", f"/reports/{pk}/open-case/"),
        ("post", f"/reports/{pk}/close/"),
    ]


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_every_report_page_is_a_404_outside_the_scope(all_personas, linked_report, persona):
    user = all_personas[persona]
    for method, url in _report_urls(linked_report):
        response = getattr(web_client(user), method)(url, {"version": linked_report.version})
        assert response.status_code == 404, (persona, url)
    assert fresh_report(linked_report).version == linked_report.version


def test_unknown_and_absurd_report_ids_are_404(supervisor):
    client = web_client(supervisor)
    assert client.get("/reports/999999/").status_code == 404
    assert client.get("/reports/99999999999999999999999/").status_code == 404


def test_a_director_of_the_childs_area_sees_the_report_but_may_not_act(director_a, linked_report):
    response = en_get(director_a, f"/reports/{linked_report.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert linked_report.reference in html
    assert REPORTER_NAME not in html and REPORTER_PHONE not in html
    assert "Confidential" in html
    assert f'action="/reports/{linked_report.pk}/acknowledge/"' not in html
    for method, url in _report_urls(linked_report)[1:]:
        response = getattr(web_client(director_a), method)(url, {"version": linked_report.version})
        assert response.status_code == 403, url
    assert fresh_report(linked_report).state == Report.State.RECEIVED


def test_the_supervisor_sees_the_reporter_and_station_staff_do_not(
    supervisor, station_staff, linked_report
):
    html = en_get(supervisor, f"/reports/{linked_report.pk}/").content.decode()
    assert REPORTER_NAME in html and REPORTER_PHONE in html
    html = en_get(station_staff, f"/reports/{linked_report.pk}/").content.decode()
    assert REPORTER_NAME not in html and "Confidential" in html


def test_anonymous_users_are_sent_to_log_in(linked_report):
    for url in ["/reports/", "/reports/new/", f"/reports/{linked_report.pk}/", "/reports/clocks/"]:
        response = web_client(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


# --- web actions by role ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", TRIAGERS)
def test_triage_users_acknowledge_from_the_page(all_personas, linked_report, persona):
    response = en_post(
        all_personas[persona],
        f"/reports/{linked_report.pk}/acknowledge/",
        {"version": linked_report.version},
    )
    assert response.status_code == 302 and response.url == f"/reports/{linked_report.pk}/"
    report = fresh_report(linked_report)
    assert report.state == Report.State.ACKNOWLEDGED
    assert report.acknowledged_by == all_personas[persona]


def test_acknowledging_twice_is_a_clear_message_not_an_error(supervisor, linked_report):
    first = en_post(
        supervisor, f"/reports/{linked_report.pk}/acknowledge/", {"version": linked_report.version}
    )
    assert first.status_code == 302
    response = en_post(
        supervisor,
        f"/reports/{linked_report.pk}/acknowledge/",
        {"version": fresh_report(linked_report).version},
    )
    assert response.status_code == 200
    assert "not possible in the current state" in response.content.decode()


def test_a_stale_page_gets_a_conflict_message_and_keeps_the_input(supervisor, linked_report):
    services.report_acknowledge(actor=supervisor, report=linked_report)
    response = en_post(
        supervisor,
        f"/reports/{linked_report.pk}/close/",
        {"version": linked_report.version, "outcome_message": "My careful message."},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "My careful message." in html
    assert f'value="{fresh_report(linked_report).version}"' in html
    assert fresh_report(linked_report).state == Report.State.ACKNOWLEDGED


def test_the_whole_triage_flow_through_the_pages(supervisor, linked_report, child_a):
    pk = linked_report.pk
    en_post(
        supervisor, f"/reports/{pk}/acknowledge/", {"version": fresh_report(linked_report).version}
    )
    # Closing before the police record is refused, with the message kept.
    response = en_post(
        supervisor,
        f"/reports/{pk}/close/",
        {"version": fresh_report(linked_report).version, "outcome_message": "Handled with care."},
    )
    assert response.status_code == 200
    assert "Record the police notification before closing" in response.content.decode()
    assert "Handled with care." in response.content.decode()
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = en_post(
        supervisor,
        f"/reports/{pk}/police/",
        {
            "version": fresh_report(linked_report).version,
            "told": "天山路派出所 王警官",
            "notified_at": now,
            "receipt_no": "CN-110-77",
        },
    )
    assert response.status_code == 302
    assert fresh_report(linked_report).police_receipt_no == "CN-110-77"
    response = en_post(
        supervisor, f"/reports/{pk}/open-case/", {"version": fresh_report(linked_report).version}
    )
    assert response.status_code == 302
    report = fresh_report(linked_report)
    assert report.state == Report.State.HANDLING and report.case.child == child_a
    response = en_post(
        supervisor,
        f"/reports/{pk}/close/",
        {"version": report.version, "outcome_message": "The child is safe and followed."},
    )
    assert response.status_code == 302
    report = fresh_report(linked_report)
    assert report.state == Report.State.CLOSED
    html = en_get(supervisor, f"/reports/{pk}/").content.decode()
    for label in [
        "Report received",
        "Linked to a child",
        "Acknowledged",
        "Police notification recorded",
        "Case opened",
        "Outcome sent to the reporter; closed",
    ]:
        assert label in html, label
    assert report.case.reference in html


def test_police_time_in_the_future_is_refused_with_the_input_kept(supervisor, linked_report):
    later = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = en_post(
        supervisor,
        f"/reports/{linked_report.pk}/police/",
        {"version": linked_report.version, "told": "Station 5", "notified_at": later,
         "receipt_no": "R-1"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "This time is in the future." in html and "Station 5" in html


def test_a_tampered_version_is_a_clear_error(supervisor, linked_report):
    response = en_post(supervisor, f"/reports/{linked_report.pk}/acknowledge/", {"version": "x"})
    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()


def test_mark_unidentified_from_the_page(supervisor, make_report):
    report = make_report()
    response = en_post(
        supervisor,
        f"/reports/{report.pk}/unidentified/",
        {"version": report.version, "note": "Nobody of that name at the address."},
    )
    assert response.status_code == 302
    assert fresh_report(report).link_state == Report.Link.UNIDENTIFIED


# --- linking the child ------------------------------------------------------------------------


def test_find_the_child_by_full_id_number_and_link(supervisor, make_report, child_a):
    report = make_report()
    response = en_get(supervisor, f"/reports/{report.pk}/link/?id_number={child_a.id_number}")
    html = response.content.decode()
    assert response.status_code == 200 and child_a.name in html
    response = en_post(
        supervisor,
        f"/reports/{report.pk}/link/",
        {"version": report.version, "child": child_a.pk, "link_state": "linked"},
    )
    assert response.status_code == 302
    report = fresh_report(report)
    assert report.child == child_a and report.link_state == Report.Link.LINKED


def test_an_id_number_in_another_area_is_named_but_not_shown(supervisor, make_report, child_c):
    report = make_report()
    html = en_get(
        supervisor, f"/reports/{report.pk}/link/?id_number={child_c.id_number}"
    ).content.decode()
    assert "registered in an area you do not work in" in html
    assert child_c.name not in html


def test_a_malformed_id_number_is_a_field_error(supervisor, make_report):
    report = make_report()
    response = en_get(supervisor, f"/reports/{report.pk}/link/?id_number=12345")
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_find_the_child_by_name_and_birth_date(supervisor, make_report, make_child):
    twin_1 = make_child("community_a", name="陈小雨", birth_date=dt.date(2016, 3, 1))
    twin_2 = make_child("community_b", name="陈小雨", birth_date=dt.date(2014, 9, 9))
    report = make_report()
    html = en_get(
        supervisor, f"/reports/{report.pk}/link/?name=陈小雨&birth_date=2016-03-01"
    ).content.decode()
    assert f'name="child" value="{twin_1.pk}"' in html
    assert f'name="child" value="{twin_2.pk}"' not in html
    html = en_get(supervisor, f"/reports/{report.pk}/link/?name=陈小雨").content.decode()
    assert f'name="child" value="{twin_1.pk}"' in html
    assert f'name="child" value="{twin_2.pk}"' in html
    html = en_get(
        supervisor,
        f"/reports/{report.pk}/link/?name=陈小雨&community={twin_2.community_id}",
    ).content.decode()
    assert f'name="child" value="{twin_1.pk}"' not in html
    assert f'name="child" value="{twin_2.pk}"' in html


def test_the_link_page_opens_with_the_reported_name_and_age_already_searched(
    supervisor, make_report, make_child
):
    today = timezone.localdate()
    about_nine = make_child("community_a", name="小明", birth_date=years_before(today, 10))
    fifteen = make_child("community_b", name="小明", birth_date=years_before(today, 15))
    report = make_report(child_name="小明", child_age=9)
    response = en_get(supervisor, f"/reports/{report.pk}/link/")
    html = response.content.decode()
    search = response.context["search"]
    assert search["name"].value() == "小明" and search["age"].value() == 9
    assert f'name="child" value="{about_nine.pk}"' in html
    assert f'name="child" value="{fifteen.pk}"' not in html
    # Clearing the age is one search away.
    html = en_get(supervisor, f"/reports/{report.pk}/link/?name=小明&age=").content.decode()
    assert f'name="child" value="{fifteen.pk}"' in html


def test_the_link_page_of_a_report_without_a_name_offers_the_age_and_searches_nothing(
    supervisor, make_report
):
    report = make_report(child_name="", child_age=6)
    response = en_get(supervisor, f"/reports/{report.pk}/link/")
    assert response.context["search"]["age"].value() == 6
    assert not response.context["searched"]


def test_a_bad_age_in_the_link_search_is_a_field_error(supervisor, make_report):
    report = make_report()
    response = en_get(supervisor, f"/reports/{report.pk}/link/?name=小明&age=abc")
    assert response.status_code == 200
    assert "A child&#x27;s age is a whole number from 0 to 17." in response.content.decode()


def test_a_child_outside_the_scope_cannot_be_linked_by_posting_its_id(
    supervisor, make_report, child_c
):
    report = make_report()
    response = en_post(
        supervisor,
        f"/reports/{report.pk}/link/",
        {"version": report.version, "child": child_c.pk, "link_state": "linked"},
    )
    assert response.status_code == 200
    assert "No such child in your areas." in response.content.decode()
    assert fresh_report(report).child is None


def _registry_form(areas, name: str) -> dict:
    from tests.conftest import child_data

    data = child_data(areas["community_a"], name=name)
    form = {k: v for k, v in data.items() if v is not None}
    form.update(
        {
            "community": areas["community_a"].pk,
            "birth_date": data["birth_date"].isoformat(),
            "categories": ["left_behind"],
            "boarding": "",
            "guardians-TOTAL_FORMS": "1",
            "guardians-INITIAL_FORMS": "0",
            "guardians-MIN_NUM_FORMS": "0",
            "guardians-MAX_NUM_FORMS": "10",
            "guardians-0-name": "家长",
            "guardians-0-relation": "mother",
            "guardians-0-phone": "13800000009",
        }
    )
    return form


def test_register_a_new_child_from_the_report_comes_back_to_link_it(supervisor, make_report, areas):
    """The flow of a child not in the registry: the link page opens the registry form for the
    report, saving comes back to the link page, where the new child is linked as registered."""
    from weibao.children.models import Child

    report = make_report()
    page = en_get(supervisor, f"/reports/{report.pk}/link/").content.decode()
    assert f'href="/children/new/?report={report.pk}"' in page
    form_page = en_get(supervisor, f"/children/new/?report={report.pk}").content.decode()
    assert f"Registering the child of report {report.reference}" in form_page

    client = web_client(supervisor)
    response = client.post(
        f"/children/new/?report={report.pk}",
        _registry_form(areas, "新登记"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/reports/{report.pk}/link/#registered"
    child = Child.objects.get(name="新登记")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Link it to the report below." in page
    assert f'name="child" value="{child.pk}"' in page
    response = en_post(
        supervisor,
        f"/reports/{report.pk}/link/",
        {"version": report.version, "child": child.pk, "link_state": "registered"},
    )
    assert response.status_code == 302
    report = fresh_report(report)
    assert report.child == child and report.link_state == Report.Link.REGISTERED


def test_the_registry_form_starts_from_what_the_reporter_said(supervisor, make_report):
    report = make_report(child_name="报告中的孩子", child_sex="F", child_school="演示小学")
    form = en_get(supervisor, f"/children/new/?report={report.pk}").context["form"]
    assert form["name"].value() == "报告中的孩子"
    assert form["sex"].value() == "F"
    assert form["school"].value() == "演示小学"


def test_registering_from_a_report_carries_over_its_address_and_the_only_possible_area(
    district_officer, supervisor, make_report, areas
):
    report = make_report(subdistrict="xianxia", child_age=9, child_address="仙霞路1弄2号")
    response = en_get(district_officer, f"/children/new/?report={report.pk}")
    form = response.context["form"]
    assert form["address"].value() == "仙霞路1弄2号"
    assert form["community"].value() == areas["community_c"].pk  # 仙霞's only 居民区
    assert form["birth_date"].value() is None  # an age is not a birth date
    year = timezone.localdate().year - 9
    assert f"about 9 (born around {year})" in response.content.decode()
    # In 天山路 the supervisor may choose 居民区 A or B: nothing is chosen for them.
    report = make_report(subdistrict="tianshan", child_address="")
    form = en_get(supervisor, f"/children/new/?report={report.pk}").context["form"]
    assert form["community"].value() is None and form["address"].value() is None


@pytest.mark.parametrize("persona", ["director_b", "director_a", "unassigned"])
def test_a_report_one_does_not_triage_is_ignored_by_the_registry_form(
    request, make_report, areas, persona
):
    """Not a 404 (the registry form is theirs to use): the report is neither shown nor used."""
    from weibao.children.models import Child

    user = request.getfixturevalue(persona)
    report = make_report(child_name="报告中的孩子")
    response = en_get(user, f"/children/new/?report={report.pk}")
    assert response.context["report"] is None
    assert "报告中的孩子" not in response.content.decode()
    if persona == "director_a":
        response = en_post(
            user, f"/children/new/?report={report.pk}", _registry_form(areas, "新登记")
        )
        assert response.status_code == 302
        assert response["Location"] == f"/children/{Child.objects.get(name='新登记').pk}/"


def test_a_closed_or_unknown_report_is_ignored_by_the_registry_form(supervisor, make_report):
    closed = move_to(make_report(), Report.State.CLOSED, supervisor)
    for value in [closed.pk, 999999, "abc", "9" * 30]:
        assert en_get(supervisor, f"/children/new/?report={value}").context["report"] is None


def test_the_link_page_of_a_closed_report_or_one_in_a_case_goes_back_to_the_report(
    supervisor, make_report, linked_report
):
    closed = move_to(make_report(), Report.State.CLOSED, supervisor)
    in_case = move_to(linked_report, Report.State.HANDLING, supervisor, child=linked_report.child)
    for report, text in [(closed, "This report is closed."), (in_case, "handled in a case")]:
        client = web_client(supervisor)
        response = client.get(f"/reports/{report.pk}/link/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert text in page


# --- opening a case -----------------------------------------------------------------------------


def test_the_page_offers_to_attach_to_the_childs_open_case(
    supervisor, district_officer, linked_report, child_a
):
    existing = case_open(actor=district_officer, child=child_a, summary="Open already.")
    services.report_acknowledge(actor=supervisor, report=linked_report)
    html = en_get(supervisor, f"/reports/{linked_report.pk}/").content.decode()
    assert existing.reference in html and "Attach to the open case" in html
    en_post(
        supervisor,
        f"/reports/{linked_report.pk}/open-case/",
        {"version": fresh_report(linked_report).version},
    )
    assert fresh_report(linked_report).case == existing
    assert Case.objects.filter(child=child_a).count() == 1


def test_open_a_case_with_an_owner_chosen_from_the_childs_area(
    supervisor, director_a, director_elsewhere, linked_report
):
    services.report_acknowledge(actor=supervisor, report=linked_report)
    html = en_get(supervisor, f"/reports/{linked_report.pk}/").content.decode()
    assert f'<option value="{director_a.pk}"' in html
    assert f'<option value="{director_elsewhere.pk}"' not in html
    en_post(
        supervisor,
        f"/reports/{linked_report.pk}/open-case/",
        {"version": fresh_report(linked_report).version, "owner": director_a.pk},
    )
    assert fresh_report(linked_report).case.owner == director_a


def _zh_post(user, url: str, data: dict):
    return web_client(user).post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)


def test_opening_a_case_from_a_report_names_the_new_case_and_goes_to_it(
    supervisor, linked_report, child_a
):
    services.report_acknowledge(actor=supervisor, report=linked_report)
    response = _zh_post(
        supervisor,
        f"/reports/{linked_report.pk}/open-case/",
        {"version": fresh_report(linked_report).version},
    )
    case = Case.objects.get(child=child_a)
    assert response.redirect_chain == [(f"/cases/{case.pk}/", 302)]
    html = response.content.decode()
    assert f"已新建个案 {case.reference}" in html
    assert "正在办理的个案" not in html


def test_attaching_a_report_to_the_childs_open_case_says_so_in_other_words(
    supervisor, district_officer, linked_report, child_a
):
    existing = case_open(actor=district_officer, child=child_a, summary="Open already.")
    services.report_acknowledge(actor=supervisor, report=linked_report)
    response = _zh_post(
        supervisor,
        f"/reports/{linked_report.pk}/open-case/",
        {"version": fresh_report(linked_report).version},
    )
    assert response.redirect_chain == [(f"/cases/{existing.pk}/", 302)]
    html = response.content.decode()
    assert f"报告已并入该儿童正在办理的个案 {existing.reference}" in html
    assert "已新建个案" not in html


def test_who_may_not_see_the_case_stays_on_the_report_with_the_message(
    supervisor, linked_report, child_a, monkeypatch
):
    monkeypatch.setattr(views.case_visible, "first", lambda user, case_id: False)
    services.report_acknowledge(actor=supervisor, report=linked_report)
    response = _zh_post(
        supervisor,
        f"/reports/{linked_report.pk}/open-case/",
        {"version": fresh_report(linked_report).version},
    )
    assert response.redirect_chain == [(f"/reports/{linked_report.pk}/", 302)]
    case = Case.objects.get(child=child_a)
    assert f"已新建个案 {case.reference}" in response.content.decode()


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_lists_open_reports_most_urgent_first_with_red_clocks(supervisor, make_report):
    calm = make_report(child_name="平静")
    late = make_report(child_name="迟到")
    Report.objects.filter(pk=late.pk).update(ack_due_at=timezone.now() - dt.timedelta(hours=1))
    closed = move_to(make_report(child_name="已关"), Report.State.CLOSED, supervisor)
    elsewhere = make_report(subdistrict="xianxia", child_name="别处")
    html = en_get(supervisor, "/reports/").content.decode()
    assert html.index(late.reference) < html.index(calm.reference)
    assert closed.reference not in html and elsewhere.reference not in html
    late_row = html.split(late.reference)[1].split("</li>\n  <li")[0]
    assert "clock-late" in late_row and "LATE" in late_row
    calm_row = html.split(calm.reference)[1].split("</li>\n  <li")[0]
    assert "clock-late" not in calm_row
    # The list of all reports has the closed one; the state filter works.
    html = en_get(supervisor, "/reports/?tab=all").content.decode()
    assert closed.reference in html and calm.reference in html
    html = en_get(supervisor, "/reports/?tab=all&state=closed").content.decode()
    assert closed.reference in html and calm.reference not in html


def test_every_clock_not_yet_met_shows_the_time_left_or_how_late_it_is(supervisor, make_report):
    report = make_report(situations=[Situation.ABANDONED])  # situation 6: a police clock too
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(
        ack_due_at=now - dt.timedelta(hours=2, minutes=5),
        police_due_at=now + dt.timedelta(minutes=40, seconds=30),
        outcome_due_at=now + dt.timedelta(days=3, hours=1),
    )
    client = web_client(supervisor)
    for url in (f"/reports/{report.pk}/", "/reports/"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "已超时 2 小时" in html, url
        assert "还剩 40 分钟" in html, url
        assert "还剩 3 天" in html, url
    # A clock that is met says when, not how long was left.
    services.report_acknowledge(actor=supervisor, report=fresh_report(report))
    html = client.get(f"/reports/{report.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已超时 2 小时" not in html and "还剩 40 分钟" in html
    html = en_get(supervisor, f"/reports/{report.pk}/").content.decode()
    assert "40 minutes left" in html and "3 days left" in html


def test_the_queue_is_empty_for_a_director_who_sees_only_their_reports(
    director_a, director_b, linked_report, make_report
):
    other = make_report()
    html = en_get(director_a, "/reports/").content.decode()
    assert linked_report.reference in html and other.reference not in html
    assert "To triage" not in html
    html = en_get(director_b, "/reports/").content.decode()
    assert linked_report.reference not in html


def test_a_bad_filter_value_is_ignored_not_an_error(supervisor, make_report):
    report = make_report()
    response = en_get(supervisor, "/reports/?state=nonsense&tab=evil&page=abc")
    assert response.status_code == 200
    assert report.reference in response.content.decode()


# --- staff entry --------------------------------------------------------------------------------


def test_any_logged_in_user_enters_a_report_and_sees_the_code_once(director_a, areas):
    data = {
        "situations": ["s7"],
        "description": "A child nobody knows has been sleeping in the stairwell.",
        "area": f"s{areas['tianshan'].pk}",
        "reporter_type": "public",
        "reporter_name": "电话来电者",
    }
    client = web_client(director_a)
    response = client.post("/reports/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.channel == "staff" and report.created_by == director_a
    first = client.get(response.url).content.decode()
    assert "secret code" in first
    second = client.get(response.url).content.decode()
    assert "secret code" not in second
    # The creator sees their report; the reporter's identity stays hidden from a director.
    assert "电话来电者" not in first


def test_an_empty_staff_entry_is_refused_field_by_field_not_an_error(director_a, areas):
    response = web_client(director_a).post("/reports/new/", {}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please describe what happened." in html
    assert "Please tick at least one situation" in html
    assert not Report.objects.exists()


def test_staff_entry_shows_every_error_at_once_and_keeps_the_input(director_a, areas):
    response = web_client(director_a).post(
        "/reports/new/",
        {"description": "", "child_age": "99", "area": "", "reporter_type": "x",
         "place": "Kept place"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    for message in [
        "Please tick at least one situation",
        "Please describe what happened.",
        "age is a whole number from 0 to 17",
        "Please choose where the child lives",
        "Please say who you are reporting as.",
    ]:
        assert message in html, message
    assert "Kept place" in html
    assert not Report.objects.exists()


# --- one click from a concern -----------------------------------------------------------------


def test_a_concern_becomes_a_report_in_one_click_and_a_second_click_goes_to_it(
    director_a, supervisor, concern_a
):
    page = en_get(director_a, f"/concerns/{concern_a.pk}/").content.decode()
    assert f'action="/reports/from-concern/{concern_a.pk}/"' in page
    response = en_post(director_a, f"/reports/from-concern/{concern_a.pk}/")
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == f"/reports/{report.pk}/"
    assert Concern.objects.get(pk=concern_a.pk).state == Concern.State.HANDLED
    assert Notification.objects.filter(
        recipient=supervisor, kind=Notification.Kind.REPORT_RECEIVED
    ).exists()
    response = en_post(supervisor, f"/reports/from-concern/{concern_a.pk}/")
    assert response.url == f"/reports/{report.pk}/"
    assert Report.objects.count() == 1
    page = en_get(director_a, f"/concerns/{concern_a.pk}/").content.decode()
    assert report.reference in page and "/reports/from-concern/" not in page


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_a_concern_out_of_scope_is_a_404(all_personas, concern_a, persona):
    response = en_post(all_personas[persona], f"/reports/from-concern/{concern_a.pk}/")
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_from_concern_needs_post(director_a, concern_a):
    assert en_get(director_a, f"/reports/from-concern/{concern_a.pk}/").status_code == 405


# --- clocks page --------------------------------------------------------------------------------


def test_district_staff_edit_the_clocks_with_validation(district_officer, areas):
    district = areas["district"]
    assert en_get(district_officer, "/reports/clocks/").status_code == 200
    prefix = f"d{district.pk}"
    response = en_post(
        district_officer,
        "/reports/clocks/",
        {"district": district.pk, f"{prefix}-ack_minutes": "0", f"{prefix}-police_hours": "500",
         f"{prefix}-outcome_days": "15"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "greater than or equal to 5" in response.content.decode()
    response = en_post(
        district_officer,
        "/reports/clocks/",
        {"district": district.pk, f"{prefix}-ack_minutes": "30", f"{prefix}-police_hours": "12",
         f"{prefix}-outcome_days": "10"},
    )  # fmt: skip
    assert response.status_code == 302
    policy = ClockPolicy.objects.get(district=district)
    assert (policy.ack_minutes, policy.police_hours, policy.outcome_days) == (30, 12, 10)
    assert AuditEvent.objects.filter(action="report.clock_policy").exists()


@pytest.mark.parametrize(
    "persona", ["supervisor", "station_staff", "director_a", "director_elsewhere", "unassigned"]
)
def test_the_clocks_page_is_a_404_for_everyone_but_district_staff(all_personas, persona, areas):
    user = all_personas[persona]
    assert en_get(user, "/reports/clocks/").status_code == 404
    assert en_post(user, "/reports/clocks/", {"district": areas["district"].pk}).status_code == 404


def test_another_districts_clocks_cannot_be_posted(district_officer, areas):
    from weibao.areas.models import Area

    other = Area.objects.create(name="徐汇区", code="310104", level="district")
    assert en_post(district_officer, "/reports/clocks/", {"district": other.pk}).status_code == 404


def test_staff_entry_starts_in_the_staff_members_own_sub_district(
    director_a, supervisor, district_officer, areas
):
    own = f"s{areas['tianshan'].pk}"
    for user in (director_a, supervisor):
        form = web_client(user).get("/reports/new/").context["form"]
        assert form["area"].value() == own
    # District staff report about any 街镇: nothing is chosen for them.
    assert web_client(district_officer).get("/reports/new/").context["form"]["area"].value() in (
        None,
        "",
    )


# District staff's list of all reports: one of the load test's slowest pages (docs/performance.md,
# "Load test"). The count, the page, its situations, the triage tab's count, whether the user
# entered reports outside their areas (asked by the list and by the tab's count: the scope's OR,
# "The report queue"), and the page's frame (session, user, roles, the site's state, the bell);
# the sign-in gate keeps whether the user has a two-factor device (security.selectors).
ALL_REPORTS_QUERIES = 10


def test_the_list_of_all_reports_costs_the_same_few_queries_for_3_or_20(
    district_officer, make_report
):
    for _ in range(3):
        make_report()
    client = web_client(district_officer)
    client.get("/")  # a session's first request records when it began (the session limits)
    few = page_queries(client, "/reports/?tab=all", warm=True)  # the demo banner then cached
    for _ in range(17):
        make_report()
    assert len(client.get("/reports/?tab=all").context["rows"]) == 20
    assert page_queries(client, "/reports/?tab=all") == few == ALL_REPORTS_QUERIES
