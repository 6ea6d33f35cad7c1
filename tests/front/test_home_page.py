"""The home page's "to do" cards (front.views.work_counts): reports to triage (and how many are
late), my open cases, closings awaiting my approval, referrals not answered in time. Each count
goes through its object type's scope function, so nobody is shown work outside their areas."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import web_client
from tests.helpers import move_to
from weibao.cases.choices import Stage
from weibao.cases.models import Case
from weibao.cases.services import case_open
from weibao.front.views import work_counts
from weibao.partners.models import Partner
from weibao.referrals.models import Referral
from weibao.referrals.services import referral_create
from weibao.reports import services
from weibao.reports.models import Report

pytestmark = pytest.mark.usefixtures("english")

NOTHING = {
    "concerns_open": 0,
    "visits_overdue": 0,
    "visits_week": 0,
    "visits_capped": (),
    "reports_open": 0,
    "reports_late": 0,
    "cases_mine": 0,
    "cases_to_approve": 0,
    "referrals_overdue": 0,
}


def _home(user):
    return web_client(user).get("/", HTTP_ACCEPT_LANGUAGE="en")


def _make_late(report: Report) -> None:
    past = timezone.now() - dt.timedelta(hours=2)
    Report.objects.filter(pk=report.pk).update(ack_due_at=past)


@pytest.fixture
def tianshan_reports(make_report, supervisor, district_officer):
    """Two open reports in 天山路 (one late), one closed there, one open in 仙霞新村."""
    open_one = make_report()
    late_one = make_report()
    _make_late(late_one)
    move_to(make_report(), Report.State.CLOSED, supervisor)
    make_report(subdistrict="xianxia")
    return open_one, late_one


def test_an_anonymous_visitor_of_the_home_page_is_sent_to_the_login(db):
    response = web_client(None).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "persona",
    [
        "district_officer",
        "supervisor",
        "station_staff",
        "director_a",
        "director_b",
        "director_elsewhere",
        "unassigned",
    ],
)
def test_the_home_page_opens_for_every_persona(all_personas, tianshan_reports, persona):
    response = _home(all_personas[persona])
    assert response.status_code == 200


def test_the_supervisor_is_shown_the_open_reports_of_their_subdistrict_and_the_late_ones(
    supervisor, tianshan_reports
):
    counts = work_counts(supervisor)
    assert counts["reports_open"] == 2  # not the closed one, not 仙霞新村's
    assert counts["reports_late"] == 1
    page = _home(supervisor).content.decode()
    assert "Reports to triage" in page
    assert "1 late" in page
    assert 'class="stat late"' in page


def test_station_staff_triage_the_same_reports_as_their_supervisor(station_staff, tianshan_reports):
    counts = work_counts(station_staff)
    assert (counts["reports_open"], counts["reports_late"]) == (2, 1)


def test_the_district_is_shown_the_open_reports_of_every_subdistrict(
    district_officer, tianshan_reports
):
    counts = work_counts(district_officer)
    assert counts["reports_open"] == 3
    assert counts["reports_late"] == 1


def test_a_director_elsewhere_is_shown_none_of_tianshans_work(
    director_elsewhere, supervisor, tianshan_reports, child_a, director_a
):
    # Even a report linked to a child of 天山路 and a case there stay invisible.
    services.report_link_child(actor=supervisor, report=tianshan_reports[0], child=child_a)
    case_open(actor=director_a, child=child_a, owner=director_a)
    assert work_counts(director_elsewhere) == NOTHING
    page = _home(director_elsewhere).content.decode()
    assert "Reports to triage" not in page
    assert "My open cases" not in page


def test_a_director_does_not_triage_reports_even_about_a_child_of_their_area(
    director_a, supervisor, tianshan_reports, child_a
):
    services.report_link_child(actor=supervisor, report=tianshan_reports[1], child=child_a)
    counts = work_counts(director_a)
    assert counts["reports_open"] == 0
    assert counts["reports_late"] == 0
    assert "Reports to triage" not in _home(director_a).content.decode()


def test_my_open_cases_counts_the_open_cases_i_own_and_nothing_else(
    director_a, director_b, supervisor, make_child, child_a
):
    case_open(actor=director_a, child=child_a, owner=director_a)
    closed = case_open(actor=director_a, child=make_child("community_a"), owner=director_a)
    now = timezone.now()
    Case.objects.filter(pk=closed.pk).update(
        stage=Stage.CLOSED,
        close_summary="The child is safe.",
        close_requested_at=now,
        close_requested_by=director_a,
        closed_at=now,
        closed_by=supervisor,
    )
    case_open(actor=director_b, child=make_child("community_b"), owner=director_b)
    assert work_counts(director_a)["cases_mine"] == 1
    assert work_counts(director_b)["cases_mine"] == 1
    assert work_counts(supervisor)["cases_mine"] == 0  # sees them all, owns none
    page = _home(director_a).content.decode()
    assert "My open cases" in page
    assert "?mine=1" in page


def test_a_closing_request_waits_for_the_supervisor_not_for_the_one_who_asked(
    director_a, supervisor, director_elsewhere, child_a
):
    case = case_open(actor=director_a, child=child_a, owner=director_a)
    Case.objects.filter(pk=case.pk).update(
        stage=Stage.CLOSING,
        close_summary="The child is safe.",
        close_requested_at=timezone.now(),
        close_requested_by=director_a,
        stage_before_closing=Stage.TRACKING,
    )
    assert work_counts(supervisor)["cases_to_approve"] == 1
    assert work_counts(director_a)["cases_to_approve"] == 0
    assert work_counts(director_elsewhere)["cases_to_approve"] == 0
    assert "Cases awaiting your approval to close" in _home(supervisor).content.decode()


def test_a_referral_past_its_deadline_is_shown_to_those_who_see_its_case(
    director_a, supervisor, director_elsewhere, child_a, areas
):
    case = case_open(actor=director_a, child=child_a, owner=director_a)
    partner = Partner.objects.create(
        name="测试服务中心", kind="service_centre", area=areas["tianshan"]
    )
    referral = referral_create(
        actor=director_a,
        case=case,
        partner=partner,
        service_type="psychological",
        reason="Needs counselling.",
        accept_by=timezone.localdate() + dt.timedelta(days=3),
    )
    assert work_counts(supervisor)["referrals_overdue"] == 0  # not yet due
    Referral.objects.filter(pk=referral.pk).update(
        accept_by=timezone.localdate() - dt.timedelta(days=1)
    )
    assert work_counts(supervisor)["referrals_overdue"] == 1
    assert work_counts(director_a)["referrals_overdue"] == 1
    assert work_counts(director_elsewhere)["referrals_overdue"] == 0
    assert "Referrals not answered in time" in _home(supervisor).content.decode()


def test_nothing_to_do_shows_no_to_do_section(director_elsewhere):
    assert "To do" not in _home(director_elsewhere).content.decode()


# --- visits and concerns -------------------------------------------------------------------------


def test_the_director_and_supervisor_see_overdue_visits_and_open_concerns(
    make_child, director_a, director_b, supervisor, district_officer
):
    from weibao.visits.models import Concern, VisitDue

    late = make_child("community_a")
    VisitDue.objects.filter(child=late).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    soon = make_child("community_a")
    VisitDue.objects.filter(child=soon).update(due_date=timezone.localdate())
    Concern.objects.create(
        child=late, district=late.district, subdistrict=late.subdistrict,
        community=late.community, kind=Concern.Kind.UNDER16_ALONE, raised_by=director_a,
    )  # fmt: skip

    for user in (director_a, supervisor):
        counts = work_counts(user)
        assert (counts["visits_overdue"], counts["visits_week"], counts["concerns_open"]) == (
            1,
            1,
            1,
        )
    assert work_counts(director_b) == NOTHING
    # District staff follow visits in the completion tables, not as their own to-do.
    assert work_counts(district_officer)["visits_overdue"] == 0
    assert work_counts(district_officer)["concerns_open"] == 1
    page = _home(director_a).content.decode()
    assert 'href="/visits/?bucket=overdue"' in page and "Overdue visits" in page
    assert "Visits due this week" in page
    assert 'href="/concerns/?state=open"' in page and "Open concerns" in page
