"""A report made from a visit's concerns (docs/domain.md §4.5): who reported it, which
situations it carries, which concerns went into it, and what the user is told."""

import pytest

from tests.conftest import api_client, en_get, web_client
from weibao.children.models import Child
from weibao.reports import services
from weibao.reports.choices import ReporterType, Situation
from weibao.reports.models import Report
from weibao.visits import services as visit_services
from weibao.visits.models import Concern

ANSWERS = {
    "met_with": "孩子和奶奶",
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
}

# What each concern kind implies (docs/domain.md §4.5). A new kind must be added here.
IMPLIED = {
    Concern.Kind.UNDER8_UNATTENDED: Situation.ABANDONED,
    Concern.Kind.UNDER16_ALONE: Situation.ABANDONED,
    Concern.Kind.AWAY_WITHOUT_CARER: Situation.ABANDONED,
    Concern.Kind.NO_WEEKLY_CONTACT: Situation.OTHER,
    Concern.Kind.MARKED: Situation.OTHER,
}


def _visit(director, child, **answers):
    visit = visit_services.visit_start(actor=director, child=child)
    return visit_services.visit_complete(
        actor=director,
        visit=visit,
        expected_version=visit.version,
        data={**ANSWERS, "findings": "父母外出务工。", **answers},
    )


@pytest.fixture
def three_concerns(child_a, director_a):
    """A visit that raised three concerns (Art. 21, Art. 22 and Art. 23)."""
    visit = _visit(
        director_a, child_a, under16_alone="yes", away_without_carer="yes", no_weekly_contact="yes"
    )
    return list(Concern.objects.filter(visit=visit).order_by("id"))


def _concern(child: Child, raised_by, kind: str) -> Concern:
    return Concern.objects.create(
        child=child,
        district=child.district,
        subdistrict=child.subdistrict,
        community=child.community,
        kind=kind,
        description="Seen on the visit.",
        raised_by=raised_by,
    )


def test_a_report_from_a_concern_names_the_director_who_raised_it_not_who_filed_it(
    supervisor, director_a, concern_a, child_a
):
    report = services.report_from_concern(actor=supervisor, concern=concern_a).report
    assert report.reporter_type == ReporterType.CHILD_DIRECTOR
    assert report.reporter_name == str(director_a)
    assert report.reporter_org == child_a.community.name
    assert report.created_by == supervisor
    page = en_get(supervisor, f"/reports/{report.pk}/").content.decode()
    assert "Child director" in page and str(director_a) in page
    api = api_client(supervisor).get(f"/api/v1/reports/{report.pk}/")
    assert api.json()["reporter_type"] == "child_director"


def test_a_concern_raised_by_workstation_staff_is_reported_by_a_state_organ(
    supervisor, station_staff, child_a
):
    concern = _concern(child_a, station_staff, Concern.Kind.UNDER8_UNATTENDED)
    report = services.report_from_concern(actor=supervisor, concern=concern).report
    assert report.reporter_type == ReporterType.STATE_ORGAN
    assert report.reporter_name == str(station_staff)


@pytest.mark.parametrize("kind", Concern.Kind.values)
def test_every_concern_kind_is_reported_as_the_situation_it_implies(
    kind, supervisor, director_a, child_a
):
    assert set(IMPLIED) == set(Concern.Kind.values)
    report = services.report_from_concern(
        actor=supervisor, concern=_concern(child_a, director_a, kind)
    ).report
    assert [r.situation for r in report.situation_rows.all()] == [IMPLIED[kind]]
    assert report.police_required == (IMPLIED[kind] == Situation.ABANDONED)


def test_a_concern_joining_the_visits_report_adds_the_situation_it_implies(
    supervisor, director_a, child_a
):
    visit = _visit(director_a, child_a, no_weekly_contact="yes", under8_unattended="yes")
    concerns = Concern.objects.filter(visit=visit)
    other = concerns.get(kind=Concern.Kind.NO_WEEKLY_CONTACT)
    unattended = concerns.get(kind=Concern.Kind.UNDER8_UNATTENDED)
    # Handled by hand first: the report is made of the weekly-contact concern alone.
    visit_services.concern_handle(actor=director_a, concern=unattended, note="Called the mother.")
    report = services.report_from_concern(actor=supervisor, concern=other).report
    assert not report.police_required
    filing = services.report_from_concern(
        actor=supervisor, concern=Concern.objects.get(pk=unattended.pk)
    )
    assert (filing.report, filing.created, filing.joined) == (report, False, True)
    joined = Report.objects.get(pk=report.pk)
    assert {r.situation for r in joined.situation_rows.all()} == {
        Situation.ABANDONED,
        Situation.OTHER,
    }
    assert joined.police_required and joined.police_due_at is not None
    assert joined.version == report.version + 1


def test_the_public_door_does_not_offer_the_child_director_reporter_type(areas, supervisor):
    page = web_client(None).get("/report/").content.decode()
    assert 'value="child_director"' not in page
    assert 'value="child_director"' in en_get(supervisor, "/reports/new/").content.decode()
    response = web_client(None).post(
        "/report/",
        {
            "situations": ["s6"],
            "description": "A child alone at home.",
            "area": f"s{areas['tianshan'].pk}",
            "reporter_type": "child_director",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert not Report.objects.exists()
    api = api_client(None).post(
        "/api/v1/public/reports/",
        {
            "situations": ["s6"],
            "description": "A child alone at home.",
            "subdistrict": areas["tianshan"].pk,
            "reporter_type": "child_director",
        },
        format="json",
    )
    assert api.status_code == 400 and "reporter_type" in api.json()
    assert not Report.objects.exists()


def test_the_report_lists_each_concern_merged_and_links_those_the_user_may_see(
    director_a, supervisor, three_concerns, child_a, areas
):
    report = services.report_from_concern(actor=director_a, concern=three_concerns[1]).report
    page = en_get(supervisor, f"/reports/{report.pk}/").content.decode()
    for concern in three_concerns:
        assert f'href="/concerns/{concern.pk}/">{concern.get_kind_display()}</a>' in page
    # The child moved away: director_a still sees the report they filed, not its concerns.
    Child.objects.filter(pk=child_a.pk).update(community=areas["community_b"])
    page = en_get(director_a, f"/reports/{report.pk}/").content.decode()
    for concern in three_concerns:
        assert str(concern.get_kind_display()) in page
        assert f'href="/concerns/{concern.pk}/"' not in page


def test_filing_a_visits_concerns_says_how_many_went_into_the_report(supervisor, three_concerns):
    client = web_client(supervisor)
    response = client.post(f"/reports/from-concern/{three_concerns[0].pk}/", follow=True)
    report = Report.objects.get()
    assert f"3 条风险线索已并入报告 {report.reference}" in response.content.decode()
    again = client.post(
        f"/reports/from-concern/{three_concerns[2].pk}/", follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert f"already filed as report {report.reference}" in again.content.decode()


def test_a_concern_joining_the_visits_report_says_so(director_a, supervisor, three_concerns):
    first, _second, third = three_concerns
    visit_services.concern_handle(actor=director_a, concern=third, note="Called the father.")
    report = services.report_from_concern(actor=director_a, concern=first).report
    response = web_client(supervisor).post(
        f"/reports/from-concern/{third.pk}/", follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert f"This concern joined report {report.reference}" in page
    assert Concern.objects.get(pk=third.pk).filed_report == report
