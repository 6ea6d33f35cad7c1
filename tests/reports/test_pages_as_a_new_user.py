"""What trying the report pages as a new user showed: error messages that say what is missing
and are listed at the top of long pages (with links to the fields), the status page and its
link from the done page, situations in the order of the law, one report per visit, the child's
registry address not copied into a report, and a refusal before a stale-version conflict."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from tests.conftest import api_client, en_get, en_post
from tests.helpers import fresh_report, move_to
from weibao.reports import services
from weibao.reports.choices import Situation
from weibao.reports.models import Report
from weibao.reports.selectors import triage_queue
from weibao.visits import services as visit_services
from weibao.visits.models import Concern

pytestmark = pytest.mark.usefixtures("english")

ANSWERS = {
    "met_with": "孩子和奶奶",
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
}
FINDINGS = "父母外出务工，孩子独自居住两周。"


@pytest.fixture
def form_data(areas):
    return {
        "situations": ["s6"],
        "description": "Two children alone at home for a week.",
        "area": f"s{areas['tianshan'].pk}",
        "reporter_type": "public",
    }


@pytest.fixture
def acknowledged(make_report, supervisor):
    return move_to(
        make_report(situations=[Situation.ABANDONED]), Report.State.ACKNOWLEDGED, supervisor
    )


# --- the queue of someone who does not triage ----------------------------------------------------


def test_the_queue_of_someone_who_does_not_triage_can_be_filtered_by_its_next_clock(
    director_a, make_report
):
    make_report()
    queue = triage_queue(director_a)
    assert queue.filter(next_due_at__lt=timezone.now()).count() == 0
    assert queue.count() == 0


# --- messages that say what is missing, listed at the top ---------------------------------------


def test_the_public_form_lists_its_problems_at_the_top_with_links_to_the_fields(form_data):
    data = {**form_data, "situations": [], "reporter_type": "", "child_age": "abc"}
    html = Client().post("/report/", data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    summary = re.search(r'<ul class="error-summary">(.*?)</ul>', html, re.S).group(1)
    assert '<a href="#id_situations">Please tick at least one situation' in summary
    assert '<a href="#id_reporter_type">Please say who you are reporting as.</a>' in summary
    assert 'href="#id_child_age">A child&#x27;s age is a whole number from 0 to 17.' in summary
    # The links lead somewhere: the situations' fieldset carries the id.
    assert 'id="id_situations"' in html
    assert not Report.objects.exists()


def test_a_refused_police_record_is_explained_at_the_top_of_the_report_page(
    supervisor, acknowledged
):
    response = en_post(
        supervisor,
        f"/reports/{acknowledged.pk}/police/",
        {
            "version": acknowledged.version,
            "told": "天山路派出所",
            "notified_at": "",
            "receipt_no": "",
        },
    )
    html = response.content.decode()
    summary = re.search(r'<ul class="error-summary">(.*?)</ul>', html, re.S).group(1)
    assert '<a href="#police_receipt_no">Please give the police receipt number.</a>' in summary
    assert (
        '<a href="#police_notified_at">Please give the date and time the police were told.</a>'
        in summary
    )
    assert 'value="天山路派出所"' in html  # what was typed is kept
    assert fresh_report(acknowledged).police_notified_at is None


def test_closing_without_a_message_says_the_message_is_missing(supervisor, acknowledged):
    Report.objects.filter(pk=acknowledged.pk).update(
        police_notified_at=timezone.now(), police_told="x", police_receipt_no="1"
    )
    response = en_post(
        supervisor,
        f"/reports/{acknowledged.pk}/close/",
        {"version": acknowledged.version, "outcome_message": "  "},
    )
    html = response.content.decode()
    assert (
        '<a href="#close_outcome_message">Please write the outcome message for the reporter.'
        in html
    )
    assert "This field is required" not in html
    assert fresh_report(acknowledged).state == Report.State.ACKNOWLEDGED


def test_a_search_by_birth_date_alone_asks_for_the_id_number_or_the_name(supervisor, make_report):
    report = make_report()
    html = en_get(supervisor, f"/reports/{report.pk}/link/?birth_date=2015-06-01").content.decode()
    assert "Enter the ID number or the child&#x27;s name to search." in html


# --- the public status page ---------------------------------------------------------------------


def test_the_status_page_shows_the_state_as_a_tag_not_glued_on_with_a_colon(make_report):
    report = make_report()
    html = (
        Client()
        .post(
            "/report/status/",
            {"reference": report.reference, "code": report.test_code},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        .content.decode()
    )
    assert f'Report {report.reference} <span class="tag">Received</span>' in html
    assert ": Received" not in html


def test_the_done_page_sends_the_reference_but_never_the_code_to_the_status_page(form_data):
    client = Client()
    response = client.post("/report/", form_data, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    report = Report.objects.get()
    html = response.content.decode()
    assert f'href="/report/status/?reference={report.reference}"' in html
    link = re.search(r'href="(/report/status/\?[^"]*)"', html).group(1)
    assert "code" not in link
    page = client.get(f"/report/status/?reference=%20{report.reference.lower()}").content.decode()
    assert f'value="{report.reference}"' in page


# --- situations in the order of the law -----------------------------------------------------------


def test_situations_are_shown_in_the_order_of_the_law_with_the_reporters_words_for_other(
    supervisor, make_report
):
    report = make_report(
        situations=[Situation.OTHER, Situation.MULTIPLE_INJURIES],
        other_situation="Locked in at night",
    )
    for url in (f"/reports/{report.pk}/", "/reports/"):
        html = en_get(supervisor, url).content.decode()
        assert "Other (describe below)" not in html, url
        assert html.index("4. Multiple injuries") < html.index("Other: Locked in at night"), url
    data = api_client(supervisor).get(f"/api/v1/reports/{report.pk}/").json()
    assert data["situations"] == ["s4", "other"]


# --- a visit's concerns ------------------------------------------------------------------------


@pytest.fixture
def failed_visit(child_a, director_a):
    """A visit with two failed checks (Art. 21 and Art. 23): two concerns."""
    visit = visit_services.visit_start(actor=director_a, child=child_a)
    data = {**ANSWERS, "under16_alone": "yes", "no_weekly_contact": "yes", "findings": FINDINGS}
    return visit_services.visit_complete(
        actor=director_a, visit=visit, expected_version=visit.version, data=data
    )


def test_one_visit_makes_one_report_whichever_of_its_concerns_is_clicked(
    director_a, supervisor, failed_visit
):
    first, second = Concern.objects.filter(visit=failed_visit).order_by("id")
    response = en_post(director_a, f"/reports/from-concern/{first.pk}/")
    report = Report.objects.get()
    assert response.url == f"/reports/{report.pk}/"
    assert {r.situation for r in report.situation_rows.all()} == {
        Situation.ABANDONED,
        Situation.OTHER,
    }
    assert str(Concern.Kind.NO_WEEKLY_CONTACT.label) in report.other_situation
    for concern in (first, second):
        assert str(concern.get_kind_display()) in report.description
        concern = Concern.objects.get(pk=concern.pk)
        assert concern.state == Concern.State.HANDLED
        assert report.reference in concern.handled_note
    # The other concern's button leads to the same report.
    response = en_post(supervisor, f"/reports/from-concern/{second.pk}/")
    assert response.url == f"/reports/{report.pk}/"
    assert Report.objects.count() == 1


def test_the_supervisor_is_told_once_of_all_the_concerns_of_a_visit(supervisor, failed_visit):
    from weibao.notifications.models import Notification
    from weibao.notifications.selectors import message

    (note,) = Notification.objects.filter(recipient=supervisor, kind="concern_raised")
    first = Concern.objects.filter(visit=failed_visit).order_by("id").first()
    assert note.url == f"/concerns/{first.pk}/"
    text = message(note)
    assert text.startswith("2 concerns were raised about ")
    for concern in Concern.objects.filter(visit=failed_visit):
        assert str(concern.get_kind_display()) in text


def test_every_concern_filed_into_the_report_links_to_it_instead_of_offering_a_button(
    director_a, failed_visit
):
    first, second = Concern.objects.filter(visit=failed_visit).order_by("id")
    en_post(director_a, f"/reports/from-concern/{second.pk}/")
    report = Report.objects.get()
    for concern in (first, second):
        assert Concern.objects.get(pk=concern.pk).filed_report == report
        page = en_get(director_a, f"/concerns/{concern.pk}/").content.decode()
        assert f"Filed as mandatory report {report.reference}." in page
        assert "/reports/from-concern/" not in page


def test_a_concern_handled_by_hand_joins_the_visits_report_only_when_asked(
    director_a, failed_visit
):
    first, second = Concern.objects.filter(visit=failed_visit).order_by("id")
    Concern.objects.filter(pk=second.pk).update(state=Concern.State.HANDLED, handled_note="x")
    report = services.report_from_concern(actor=director_a, concern=first).report
    handled = Concern.objects.get(pk=second.pk)
    assert handled.filed_report is None
    assert (
        "/reports/from-concern/" in en_get(director_a, f"/concerns/{second.pk}/").content.decode()
    )
    filing = services.report_from_concern(actor=director_a, concern=handled)
    joined, created = filing.report, filing.created
    assert (joined, created) == (report, False)
    assert Concern.objects.get(pk=second.pk).filed_report == report


def test_a_note_refused_because_someone_else_handled_the_concern_is_shown_and_kept(
    director_a, supervisor, concern_a
):
    from weibao.visits.services import concern_handle

    concern_handle(actor=director_a, concern=concern_a, note="Called the family.")
    response = en_post(supervisor, f"/concerns/{concern_a.pk}/handle/", {"note": "My own note"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "already been handled" in page
    assert "My own note</textarea>" in page
    assert Concern.objects.get(pk=concern_a.pk).handled_note == "Called the family."


def test_a_concern_of_a_visit_whose_report_is_closed_makes_a_new_report(
    director_a, supervisor, failed_visit
):
    first, second = Concern.objects.filter(visit=failed_visit).order_by("id")
    Concern.objects.filter(pk=second.pk).update(state=Concern.State.HANDLED, handled_note="x")
    filing = services.report_from_concern(actor=director_a, concern=first)
    report, created = filing.report, filing.created
    assert created
    Report.objects.filter(pk=report.pk).update(
        state=Report.State.CLOSED, outcome_sent_at=timezone.now(), outcome_message="Done."
    )
    filing = services.report_from_concern(
        actor=director_a, concern=Concern.objects.get(pk=second.pk)
    )
    again, created = filing.report, filing.created
    assert created and again.pk != report.pk


def test_a_report_from_a_concern_quotes_the_visit_findings_once(director_a, failed_visit):
    concern = Concern.objects.filter(visit=failed_visit).first()
    report = services.report_from_concern(actor=director_a, concern=concern).report
    assert report.description.count(FINDINGS) == 1


def test_a_report_from_a_concern_does_not_copy_the_childs_registry_address(
    director_b, make_child, areas
):
    # director_b may not reveal addresses: the registry shows them masked.
    child = make_child("community_b", address="测试路99弄7号502室")
    concern = Concern.objects.create(
        child=child,
        district=child.district,
        subdistrict=child.subdistrict,
        community=child.community,
        kind=Concern.Kind.UNDER16_ALONE,
        description="Lives alone.",
        raised_by=director_b,
    )
    report = services.report_from_concern(actor=director_b, concern=concern).report
    assert report.child_address == ""
    assert "99弄7号502" not in en_get(director_b, f"/reports/{report.pk}/").content.decode()


# --- the case owner list -------------------------------------------------------------------------


def test_the_case_owner_list_does_not_offer_the_user_twice(
    supervisor, director_a, acknowledged, child_a
):
    services.report_link_child(actor=supervisor, report=acknowledged, child=child_a)
    html = en_get(supervisor, f"/reports/{acknowledged.pk}/").content.decode()
    select = re.search(r'<select name="owner".*?</select>', html, re.S).group(0)
    assert f'value="{supervisor.pk}"' not in select  # "Me" stands for the supervisor
    assert f'value="{director_a.pk}"' in select
    response = en_post(
        supervisor,
        f"/reports/{acknowledged.pk}/open-case/",
        {"version": fresh_report(acknowledged).version, "owner": director_a.pk},
    )
    assert response.status_code == 302
    assert fresh_report(acknowledged).case.owner == director_a


# --- refused before conflicting -------------------------------------------------------------------


def test_someone_who_may_not_triage_is_refused_even_with_a_stale_version(
    director_a, supervisor, acknowledged, child_a
):
    # director_a sees the report (their child) but does not triage it.
    services.report_link_child(actor=supervisor, report=acknowledged, child=child_a)
    stale = fresh_report(acknowledged).version - 1
    with pytest.raises(PermissionDenied):
        services.report_close(
            actor=director_a, report=acknowledged, outcome_message="x", expected_version=stale
        )
    response = api_client(director_a).post(
        f"/api/v1/reports/{acknowledged.pk}/close/",
        {"version": stale, "outcome_message": "x"},
        format="json",
    )
    assert response.status_code == 403
    response = en_post(director_a, f"/reports/{acknowledged.pk}/acknowledge/", {"version": stale})
    assert response.status_code == 403


def test_a_flood_is_not_blamed_on_the_fields(form_data, settings):
    settings.REPORT_PUBLIC_LIMITS = {**settings.REPORT_PUBLIC_LIMITS, "post": [(1, 600)]}
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.post("/report/", {**form_data, "description": ""}, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/report/", form_data, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many attempts" in html
    assert "Please correct the fields marked below." not in html
    assert "error-summary" not in html


def test_the_timeline_is_in_the_readers_language_whoever_came_first(supervisor, make_report):
    import importlib

    from django.utils import translation

    from weibao.reports import views

    report = make_report()
    with translation.override("zh-hans"):  # the first visitor reads Chinese
        importlib.reload(views)
    html = en_get(supervisor, f"/reports/{report.pk}/").content.decode()
    assert "Report received" in html
