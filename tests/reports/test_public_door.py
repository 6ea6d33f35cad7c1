"""The public door, /report/ and /report/status/ and their API: no login, phone-first, and
robust against abuse — huge text, markup, wrong types, unknown fields, floods, oversize bodies.
Nothing harmful is stored and nothing answers 500."""

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.helpers import REPORTER_NAME, move_to
from weibao.notifications.models import Notification
from weibao.reports import ratelimit
from weibao.reports.models import Report
from weibao.reports.views import SESSION_DONE

pytestmark = pytest.mark.usefixtures("english")

NEW = "/report/"
STATUS = "/report/status/"
API_NEW = "/api/v1/public/reports/"
API_STATUS = "/api/v1/public/reports/status/"


@pytest.fixture
def form_data(areas):
    return {
        "situations": ["s4", "other"],
        "other_situation": "Locked in at night",
        "description": "The boy upstairs has bruises on his arms and cries every night.",
        "occurred_when": "since last month",
        "place": "测试路88弄",
        "child_name": "小刚",
        "child_age": "8",
        "child_sex": "M",
        "child_school": "测试小学",
        "child_address": "测试路88弄5号",
        "area": f"s{areas['tianshan'].pk}",
        "reporter_type": "public",
        "reporter_name": REPORTER_NAME,
        "reporter_phone": "13900000000",
        "reporter_org": "",
    }


@pytest.fixture
def api_data(areas):
    return {
        "situations": ["s6"],
        "description": "A girl of about 6 is alone at home every day.",
        "child_age": 6,
        "child_sex": "F",
        "subdistrict": areas["tianshan"].pk,
        "reporter_type": "hotel",
        "reporter_name": REPORTER_NAME,
    }


def anonymous(address: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def post_json(url: str, data, address: str = "203.0.113.7"):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return APIClient(REMOTE_ADDR=address).post(url, body, content_type="application/json")


# --- the page ---------------------------------------------------------------------------------


def test_anyone_can_open_the_report_page_on_a_phone(areas):
    response = anonymous().get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="viewport"' in html and "width=device-width" in html
    for code in ["s1", "s5", "s9", "other"]:
        assert f'value="{code}"' in html
    assert "天山路街道" in html and "仙霞新村街道" in html
    assert "Don&#x27;t know" in html
    assert "110" in html
    assert "Log out" not in html  # no staff navigation for the public


def test_with_several_districts_each_has_its_own_dont_know(areas):
    from weibao.areas.models import Area

    xuhui = Area.objects.create(name="徐汇区", code="310104", level="district")
    Area.objects.create(name="测试街道", code="310104001", level="subdistrict", parent=xuhui)
    html = anonymous().get(NEW).content.decode()
    assert "Don&#x27;t know (somewhere in 长宁区)" in html
    assert "Don&#x27;t know (somewhere in 徐汇区)" in html
    assert f'value="d{xuhui.pk}"' in html


def _keys(html: str) -> tuple[str, str]:
    """The reference and the code as the done page shows them."""
    reference = html.split('id="done-reference">')[1].split("<")[0]
    code = html.split('id="done-code">')[1].split("<")[0]
    return reference, code


def test_a_public_report_shows_the_reference_and_code_and_a_reload_shows_them_again(
    areas, form_data, supervisor
):
    client = anonymous()
    response = client.post(NEW, form_data)
    assert response.status_code == 302 and response.url == "/report/done/"
    report = Report.objects.get()
    done = client.get("/report/done/")
    assert "no-store" in done["Cache-Control"]
    reference, code = _keys(done.content.decode())
    assert reference == report.reference
    assert code.replace("-", "").isalnum() and len(code.replace("-", "")) == 10
    assert code not in report.code_hash
    # A reload (or coming back to the page) in the same browser still shows both.
    assert _keys(client.get("/report/done/").content.decode()) == (reference, code)
    # Another browser never sees them.
    assert reference not in anonymous().get("/report/done/").content.decode()
    # The report arrived as the reporter said it.
    assert report.channel == "public" and report.created_by is None
    assert sorted(r.situation for r in report.situation_rows.all()) == ["other", "s4"]
    assert report.subdistrict == areas["tianshan"] and report.district == areas["district"]
    assert report.child_age == 8 and report.reporter_name == REPORTER_NAME
    assert report.police_required
    assert Notification.objects.filter(recipient=supervisor).count() == 1
    # And the status page answers with both.
    status = client.post(STATUS, {"reference": report.reference, "code": code.lower()})
    assert status.status_code == 200
    assert "Received" in status.content.decode()


def test_the_reference_and_code_are_no_longer_shown_30_minutes_after_the_report(
    areas, form_data, monkeypatch
):
    client = anonymous()
    client.post(NEW, form_data)
    reference = Report.objects.get().reference
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(minutes=29))
    assert reference in client.get("/report/done/").content.decode()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(minutes=31))
    html = client.get("/report/done/").content.decode()
    assert reference not in html and 'id="done-code"' not in html
    assert "for 30 minutes, and cannot be shown again" in html
    monkeypatch.setattr(timezone, "now", real_now)
    assert reference not in client.get("/report/done/").content.decode()  # gone for good


def test_i_have_kept_them_stops_showing_them_in_this_browser(areas, form_data):
    client = anonymous()
    client.post(NEW, form_data)
    reference = Report.objects.get().reference
    response = client.post("/report/done/forget/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [("/report/done/", 302)]
    assert "no longer shown in this browser" in html and reference not in html
    assert client.get("/report/done/forget/").status_code == 405


def test_the_code_is_never_in_a_url_nor_in_clear_in_the_session(areas, form_data):
    client = anonymous()
    response = client.post(NEW, form_data)
    html = client.get(response.url).content.decode()
    reference, code = _keys(html)
    bare = code.replace("-", "")
    assert bare not in response.url and code not in response.url
    for link in re.findall(r'(?:href|action|src)="([^"]*)"', html):
        assert bare not in link and code not in link, link
    stored = json.dumps(SessionStore(client.session.session_key).load())
    assert reference in stored and bare not in stored and code not in stored


def test_a_broken_session_entry_shows_the_page_without_them_not_a_500(areas):
    client = anonymous()
    session = client.session
    session[SESSION_DONE] = {"reference": "R20260101-ABCDE", "code": "not a token", "until": "x"}
    session.save()
    response = client.get("/report/done/")
    assert response.status_code == 200 and "R20260101-ABCDE" not in response.content.decode()


def test_the_done_page_offers_copy_print_and_a_picture_with_its_own_script(areas, form_data):
    client = anonymous()
    client.post(NEW, form_data)
    html = client.get("/report/done/").content.decode()
    assert 'data-copy="done-reference"' in html and 'data-copy="done-code"' in html
    assert "data-print" in html and "data-save-image" in html
    assert "Print or save as PDF" in html and "Save as a picture" in html
    # What to do next, with the address of the status page to print or save with the keys.
    assert "What to do next" in html and "http://testserver/report/status/" in html
    # Same-origin scripts only, none inline (a strict Content-Security-Policy can apply).
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('src="/static/' in attrs for attrs in scripts)
    assert finders.find("weibao/receipt.js")


def test_the_done_page_tells_the_reporter_plainly_to_keep_them_in_chinese(areas, form_data):
    client = Client(REMOTE_ADDR="203.0.113.9", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.post(NEW, form_data)
    html = client.get("/report/done/").content.decode()
    assert "请现在就保存这两项" in html and "复制" in html and "保存为图片" in html


@pytest.mark.parametrize("page", [NEW, STATUS, "/report/done/", "/accounts/login/"])
def test_110_and_12355_are_tap_to_call_links_on_the_public_pages(areas, page):
    html = anonymous().get(page).content.decode()
    assert 'href="tel:110"' in html
    if page != "/accounts/login/":
        assert 'href="tel:12355"' in html


def test_110_is_tap_to_call_on_the_done_page_with_the_keys_too(areas, form_data):
    client = anonymous()
    client.post(NEW, form_data)
    html = client.get("/report/done/").content.decode()
    assert 'href="tel:110"' in html and 'href="tel:12355"' in html


def test_dont_know_puts_the_report_in_the_district_queue(areas, form_data):
    anonymous().post(NEW, {**form_data, "area": f"d{areas['district'].pk}"})
    report = Report.objects.get()
    assert report.subdistrict is None and report.district == areas["district"]


def test_an_invalid_report_keeps_what_was_typed_and_stores_nothing(areas, form_data):
    data = {**form_data, "situations": [], "child_age": "twelve"}
    response = anonymous().post(NEW, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please tick at least one situation" in html
    assert "A child&#x27;s age is a whole number from 0 to 17." in html
    assert form_data["description"] in html
    assert REPORTER_NAME in html  # the reporter's own input, back on their own screen
    assert not Report.objects.exists()


def test_markup_is_stored_as_text_and_shown_escaped(areas, form_data, supervisor):
    from tests.conftest import web_client

    script = '<script>alert("x")</script><b>bold</b>'
    anonymous().post(NEW, {**form_data, "description": script, "place": "<img src=x>"})
    report = Report.objects.get()
    assert report.description == script
    html = web_client(supervisor).get(f"/reports/{report.pk}/").content.decode()
    assert "<script>alert" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_control_characters_are_stripped_not_refused(areas, form_data):
    response = anonymous().post(
        NEW, {**form_data, "description": "line\x00 one\x1b[31m\r\nline two", "place": "a\u202eb"}
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.description == "line one[31m\nline two"
    assert report.place == "ab"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "字" * 5001, "5000"),
        ("child_name", "名" * 65, "64"),
        ("other_situation", "o" * 201, "200"),
        ("child_age", "-1", "age is a whole number from 0 to 17"),
        ("child_age", "18", "age is a whole number from 0 to 17"),
        ("child_age", "abc", "age is a whole number from 0 to 17"),
        ("child_sex", "X", "Select a valid choice"),
        ("reporter_type", "", "Please say who you are reporting as."),
        ("reporter_type", "x", "Please say who you are reporting as."),
        ("description", "", "Please describe what happened."),
        ("area", "s999999999999999999999", "Please choose where the child lives"),
        ("area", "x1", "Please choose where the child lives"),
        ("reporter_phone", "abc", "Please give a phone number"),
        ("reporter_phone", "1234", "Please give a phone number"),
        ("reporter_phone", "<b>13800000000</b>", "Please give a phone number"),
    ],
)
def test_too_long_or_wrong_values_get_a_clear_message(areas, form_data, field, value, message):
    response = anonymous().post(NEW, {**form_data, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "phone", ["13800000000", "021-6123 4567", "+86 138 0000 0000", "(021)61234567"]
)
def test_usual_phone_numbers_are_accepted(areas, form_data, phone):
    response = anonymous().post(NEW, {**form_data, "reporter_phone": phone})
    assert response.status_code == 302, response.content.decode()[:500]
    assert Report.objects.get().reporter_phone == phone


def test_unknown_fields_are_refused_and_nothing_is_stored(areas, form_data):
    response = anonymous().post(NEW, {**form_data, "state": "closed", "code_hash": "x"})
    assert response.status_code == 400
    assert "fields this page does not know" in response.content.decode()
    assert not Report.objects.exists()


def test_an_oversize_body_is_refused_with_a_message_not_a_500(areas, form_data):
    response = anonymous().post(NEW, {**form_data, "description": "x" * 150_000})
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Report.objects.exists()


def test_a_body_beyond_djangos_own_limit_is_a_400_not_a_500(areas, form_data):
    response = anonymous().post(NEW, {**form_data, "description": "x" * 3_000_000})
    assert response.status_code in (400, 413)
    assert not Report.objects.exists()


def test_a_flood_of_reports_is_stopped_at_5_per_10_minutes_keeping_the_input(areas, form_data):
    client = anonymous("198.51.100.1")
    for _ in range(5):
        assert client.post(NEW, form_data).status_code == 302
    response = client.post(NEW, {**form_data, "description": "The sixth one."})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many attempts" in html and "110" in html
    assert "The sixth one." in html
    assert Report.objects.count() == 5
    # Another address is not affected.
    assert anonymous("198.51.100.2").post(NEW, form_data).status_code == 302


def test_a_flood_of_invalid_posts_is_stopped_too(areas, form_data, settings):
    settings.REPORT_PUBLIC_LIMITS = {
        **settings.REPORT_PUBLIC_LIMITS,
        "post": [(3, 600)],
    }
    client = anonymous("198.51.100.3")
    for _ in range(3):
        assert client.post(NEW, {**form_data, "description": ""}).status_code == 200
    assert client.post(NEW, form_data).status_code == 429
    assert not Report.objects.exists()


def test_the_day_limit_counts_across_windows(areas, form_data, settings, monkeypatch):
    # Noon of a day: the day's window has hours left (late in the day it has minutes).
    noon = 20_000 * 86400 + 12 * 3600.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: noon))
    settings.REPORT_PUBLIC_LIMITS = {
        **settings.REPORT_PUBLIC_LIMITS,
        "report": [(100, 600), (2, 86400)],
    }
    client = anonymous("198.51.100.4")
    assert client.post(NEW, form_data).status_code == 302
    assert client.post(NEW, form_data).status_code == 302
    response = client.post(NEW, form_data)
    assert response.status_code == 429
    assert "hour" in response.content.decode()


# --- status -------------------------------------------------------------------------------------


def test_status_shows_progress_and_outcome_never_details(make_report, supervisor):
    report = make_report()
    code = report.test_code
    report = move_to(report, Report.State.CLOSED, supervisor)
    response = anonymous().post(STATUS, {"reference": report.reference, "code": code})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Acknowledged" in html and "Closed" in html and "Done." in html
    assert report.description not in html
    assert report.child_name not in html and REPORTER_NAME not in html
    assert "no-store" in response["Cache-Control"]


def test_a_wrong_code_and_an_unknown_reference_give_the_same_answer(make_report):
    report = make_report()
    wrong_code = anonymous().post(STATUS, {"reference": report.reference, "code": "AAAAAAAAAA"})
    unknown = anonymous("203.0.113.8").post(
        STATUS, {"reference": "R20990101-ZZZZZ", "code": report.test_code}
    )
    assert wrong_code.status_code == unknown.status_code == 404

    def message(response):
        return response.content.decode().split('role="alert">')[1].split("</div>")[0]

    assert message(wrong_code) == message(unknown)
    assert "No report matches" in message(wrong_code)
    assert report.reference not in message(wrong_code)


def test_status_guesses_are_limited(make_report, settings):
    settings.REPORT_PUBLIC_LIMITS = {**settings.REPORT_PUBLIC_LIMITS, "status": [(3, 600)]}
    report = make_report()
    client = anonymous("192.0.2.50")
    for i in range(3):
        client.post(STATUS, {"reference": report.reference, "code": f"WRONG{i}"})
    response = client.post(STATUS, {"reference": report.reference, "code": report.test_code})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_status_form_with_empty_fields_is_a_clear_error(areas):
    response = anonymous().post(STATUS, {"reference": "", "code": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


# --- the public API -----------------------------------------------------------------------------


def test_the_api_takes_a_report_without_login_and_answers_reference_and_code(
    areas, api_data, supervisor
):
    response = post_json(API_NEW, api_data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"reference", "code"}
    report = Report.objects.get(reference=body["reference"])
    assert report.police_required and report.reporter_type == "hotel"
    assert Notification.objects.filter(recipient=supervisor).exists()
    status = post_json(API_STATUS, {"reference": body["reference"], "code": body["code"]})
    assert status.status_code == 200
    assert status.json() == {
        "reference": report.reference,
        "state": "received",
        "state_display": "Received",
        "received_at": status.json()["received_at"],
        "acknowledged_at": None,
        "handling_at": None,
        "closed_at": None,
        "outcome_message": "",
    }


def test_the_api_knows_the_places_without_login(areas):
    response = APIClient().get("/api/v1/public/areas/")
    assert response.status_code == 200
    (district,) = response.json()
    assert district["name"] == "长宁区"
    assert {s["name"] for s in district["subdistricts"]} == {"天山路街道", "仙霞新村街道"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"state": "closed"}, "state"),
        ({"code_hash": "x"}, "code_hash"),
        ({"situations": "s6"}, "situations"),
        ({"situations": ["s42"]}, "situations"),
        ({"description": 12345}, "description"),
        ({"description": ["a"]}, "description"),
        ({"description": {"a": 1}}, "description"),
        ({"description": "d" * 5001}, "description"),
        ({"child_age": "eight"}, "child_age"),
        ({"child_age": 18}, "child_age"),
        ({"child_age": True}, "child_age"),
        ({"reporter_name": 7}, "reporter_name"),
        ({"reporter_type": None}, "reporter_type"),
        ({"subdistrict": 10**30}, "subdistrict"),
        ({"subdistrict": "abc"}, "subdistrict"),
        ({"subdistrict": 999999}, "subdistrict"),
        ({"situations": []}, "situations"),
        ({"reporter_phone": "call me"}, "reporter_phone"),
    ],
)
def test_the_api_refuses_bad_input_by_field_and_stores_nothing(areas, api_data, change, field):
    response = post_json(API_NEW, {**api_data, **change})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["", "not json", "[1, 2]", "null", "[" * 100_000 + "]" * 100_000, '{"a": 1e999999}'],
)
def test_the_api_answers_malformed_bodies_with_a_4xx_never_a_500(areas, body):
    response = post_json(API_NEW, body)
    assert 400 <= response.status_code < 500
    assert not Report.objects.exists()


def test_the_api_refuses_an_oversize_body(areas, api_data):
    response = post_json(API_NEW, {**api_data, "description": "x" * 200_000})
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert not Report.objects.exists()


def test_the_api_is_throttled_per_address(areas, api_data):
    for _ in range(5):
        assert post_json(API_NEW, api_data, "192.0.2.9").status_code == 201
    response = post_json(API_NEW, api_data, "192.0.2.9")
    assert response.status_code == 429
    assert "Too many attempts" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert Report.objects.count() == 5
    assert post_json(API_NEW, api_data, "192.0.2.10").status_code == 201


def test_the_web_form_and_the_api_share_the_address_limit(areas, api_data, form_data):
    for _ in range(5):
        post_json(API_NEW, api_data, "192.0.2.11")
    assert anonymous("192.0.2.11").post(NEW, form_data).status_code == 429


def test_the_api_status_gives_the_same_404_for_wrong_code_and_unknown_reference(make_report):
    report = make_report()
    wrong = post_json(API_STATUS, {"reference": report.reference, "code": "BADBADBAD2"})
    unknown = post_json(API_STATUS, {"reference": "R19990101-AAAAA", "code": report.test_code})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_the_api_status_refuses_unknown_fields_and_wrong_types(make_report):
    report = make_report()
    assert post_json(API_STATUS, {"reference": report.reference, "code": 5}).status_code == 400
    response = post_json(
        API_STATUS, {"reference": report.reference, "code": report.test_code, "x": 1}
    )
    assert response.status_code == 400 and "x" in response.json()


def test_the_api_status_guesses_are_limited(make_report, settings):
    settings.REPORT_PUBLIC_LIMITS = {**settings.REPORT_PUBLIC_LIMITS, "status": [(2, 600)]}
    report = make_report()
    for _ in range(2):
        post_json(API_STATUS, {"reference": report.reference, "code": "NOPE"}, "192.0.2.20")
    response = post_json(
        API_STATUS, {"reference": report.reference, "code": report.test_code}, "192.0.2.20"
    )
    assert response.status_code == 429


def test_the_public_api_ignores_a_staff_token_and_session(areas, api_data, supervisor):
    from tests.conftest import api_client

    response = api_client(supervisor).post(API_NEW, api_data, format="json")
    assert response.status_code == 201
    assert Report.objects.get().created_by is None


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()
