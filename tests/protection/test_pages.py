"""Emergency protection through the web pages: starting temporary guardianship from a case,
the capacity assessment, the end with return home, the list with its red/amber limits and the
partial on the case page — and 404 for everyone outside the case."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.conftest import web_client
from tests.helpers import SECRET_PLACE, opened_on, today
from weibao.audit.models import AccessLog
from weibao.cases.selectors import case_roles
from weibao.cases.services import case_open
from weibao.core.dates import add_months
from weibao.protection import services as protection
from weibao.protection.limits import one_year_after
from weibao.protection.models import ProtectionRecord
from weibao.visits.models import RETURNED_HOME, VisitDue

pytestmark = pytest.mark.usefixtures("english")

OUTSIDERS = ["director_b", "director_elsewhere", "unassigned"]


def client_for(user):
    client = web_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def case_a(uncategorised_case_a):
    return uncategorised_case_a


@pytest.fixture
def record(guardianship_of_case_a):
    return guardianship_of_case_a


def start_data(**overrides) -> dict:
    data = {
        "ground": "guardian_missing",
        "placement": "welfare_institution",
        "placement_detail": SECRET_PLACE,
        "started_on": (today() - dt.timedelta(days=3)).isoformat(),
    }
    data.update(overrides)
    return data


# --- scope: 404 outside, 403 for those who see but may not act ------------------------------


def _urls(case, record) -> list[str]:
    return [
        f"/protection/start/{case.pk}/",
        f"/protection/{record.pk}/",
        f"/protection/{record.pk}/assess/",
        f"/protection/{record.pk}/end/",
    ]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_every_protection_page_is_404_outside_the_case(personas, case_a, record, who):
    client = client_for(personas[who])
    for url in _urls(case_a, record):
        assert client.get(url).status_code == 404, url
        if url != f"/protection/{record.pk}/":  # the record's page is read-only
            assert client.post(url, start_data()).status_code == 404, url
    assert ProtectionRecord.objects.get().is_active  # nothing started, assessed or ended
    listing = client.get("/protection/")
    assert listing.status_code == 200
    assert list(listing.context["page"]) == []
    assert "张小明" not in listing.content.decode()


def test_a_missing_record_or_case_is_404(supervisor):
    client = client_for(supervisor)
    for url in ["/protection/999999/", "/protection/999999/assess/", "/protection/start/999999/"]:
        assert client.get(url).status_code == 404


def test_anonymous_users_are_sent_to_log_in(case_a, record):
    for url in [*_urls(case_a, record), "/protection/"]:
        response = client_for(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_owning_director_sees_the_record_but_may_not_record(director_a, case_a, record):
    client = client_for(director_a)
    assert client.get(f"/protection/{record.pk}/").status_code == 200
    for url in _urls(case_a, record):
        if url != f"/protection/{record.pk}/":
            assert client.get(url).status_code == 403, url
    response = client.post(f"/protection/{record.pk}/end/", {"ended_on": today().isoformat()})
    assert response.status_code == 403
    assert ProtectionRecord.objects.get(pk=record.pk).is_active


# --- starting ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "district_officer"])
def test_the_supervisor_or_district_starts_temporary_guardianship(personas, case_a, who):
    client = client_for(personas[who])
    form = client.get(f"/protection/start/{case_a.pk}/")
    assert form.status_code == 200
    assert "Art. 92" in form.content.decode()
    response = client.post(f"/protection/start/{case_a.pk}/", start_data())
    record = ProtectionRecord.objects.get(case=case_a)
    assert response.status_code == 302
    assert response["Location"] == f"/protection/{record.pk}/"
    assert (record.ground, record.placement, record.placement_detail) == (
        "guardian_missing",
        "welfare_institution",
        SECRET_PLACE,
    )
    assert record.limit_on == one_year_after(today() - dt.timedelta(days=3))
    page = client.get(response["Location"])
    assert f"one-year limit is {record.limit_on.isoformat()}" in page.content.decode()


def test_a_bad_start_shows_field_errors_and_keeps_the_input(supervisor, case_a):
    future = (today() + dt.timedelta(days=5)).isoformat()
    response = client_for(supervisor).post(
        f"/protection/start/{case_a.pk}/", start_data(started_on=future, ground="")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"ground", "started_on"}  # all problems shown at once
    assert form.data["placement_detail"] == SECRET_PLACE
    assert not ProtectionRecord.objects.exists()
    response = client_for(supervisor).post(
        f"/protection/start/{case_a.pk}/", start_data(started_on=future)
    )
    assert response.context["form"].errors["started_on"] == ["The date cannot be in the future."]
    assert SECRET_PLACE in response.content.decode()  # the user's text is still in the form


def test_a_second_active_record_is_refused_with_a_clear_message(supervisor, case_a, record):
    client = client_for(supervisor)
    page = client.get(f"/protection/start/{case_a.pk}/").content.decode()
    assert "already under temporary guardianship" in page
    response = client.post(f"/protection/start/{case_a.pk}/", start_data())
    assert response.status_code == 200
    assert "already under temporary guardianship" in response.content.decode()
    assert ProtectionRecord.objects.filter(child=case_a.child).count() == 1


# --- the record's page and the placement details --------------------------------------------


def test_placement_details_show_on_the_record_page_only_and_are_logged(supervisor, record):
    client = client_for(supervisor)
    page = client.get(f"/protection/{record.pk}/").content.decode()
    assert SECRET_PLACE in page
    assert AccessLog.objects.filter(
        user=supervisor, child=record.child, field="protection", channel="web"
    ).exists()
    listing = client.get("/protection/").content.decode()
    assert "张小明" in listing and SECRET_PLACE not in listing


# --- assessment and end ---------------------------------------------------------------------


def test_return_home_is_refused_without_an_assessment_then_allowed_after_one(supervisor, record):
    client = client_for(supervisor)
    end_url = f"/protection/{record.pk}/end/"
    refused = client.post(
        end_url,
        {"ended_on": today().isoformat(), "end_reason": "returned_home", "version": "1"},
    )
    assert refused.status_code == 200
    assert "Record the assessment first" in refused.context["form"].errors["end_reason"][0]
    assert ProtectionRecord.objects.get(pk=record.pk).is_active

    assessed = client.post(
        f"/protection/{record.pk}/assess/",
        {
            "assessed_on": today().isoformat(),
            "result": "capable_with_support",
            "notes": "Father back from work abroad; daily care arranged with the grandmother.",
            "version": "1",
        },
    )
    assert assessed.status_code == 302
    done = client.post(
        end_url,
        {"ended_on": today().isoformat(), "end_reason": "returned_home", "version": "2"},
        follow=True,
    )
    assert "Monthly follow-up visits have been scheduled" in done.content.decode()
    record.refresh_from_db()
    assert (record.end_reason, record.ended_on) == ("returned_home", today())
    due = VisitDue.objects.get(child=record.child, state="open")
    assert (due.reason, due.due_date) == (RETURNED_HOME, add_months(today(), 1))


def test_a_stale_assessment_form_shows_a_conflict_and_keeps_the_text(supervisor, record):
    protection.protection_assess_capacity(
        actor=supervisor, record=record, assessed_on=today(), result="not_capable", notes="First."
    )
    response = client_for(supervisor).post(
        f"/protection/{record.pk}/assess/",
        {
            "assessed_on": today().isoformat(),
            "result": "capable",
            "notes": "My careful second look.",
            "version": "1",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "changed by someone else" in body
    assert "My careful second look." in body
    assert response.context["form"].data["version"] == "2"
    assert ProtectionRecord.objects.get(pk=record.pk).capacity_result == "not_capable"


def test_an_ended_record_offers_no_more_forms(supervisor, record):
    protection.protection_end(
        actor=supervisor, record=record, ended_on=today(), end_reason="other", note="Adopted."
    )
    client = client_for(supervisor)
    response = client.get(f"/protection/{record.pk}/end/")
    assert response.status_code == 302 and response["Location"] == f"/protection/{record.pk}/"
    page = client.get(f"/protection/{record.pk}/").content.decode()
    assert f"/protection/{record.pk}/end/" not in page
    assert "Adopted." in page


def test_a_long_term_ending_without_a_note_is_refused(supervisor, record):
    response = client_for(supervisor).post(
        f"/protection/{record.pk}/end/",
        {"ended_on": today().isoformat(), "end_reason": "long_term", "note": "", "version": "1"},
    )
    assert response.status_code == 200
    assert "note" in response.context["form"].errors


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_active_records_nearest_limit_first_in_red_and_amber(
    supervisor, district_officer, make_child
):
    made = {}
    for name, days_ago in [("甲童", 100), ("乙童", 370), ("丙童", 340)]:
        child = make_child("community_a", name=name, categories=())
        case = opened_on(
            case_open(actor=district_officer, child=child), today() - dt.timedelta(days=days_ago)
        )
        made[name] = protection.protection_start(
            actor=supervisor,
            case=case,
            ground="wandering",
            placement="rescue_institution",
            started_on=today() - dt.timedelta(days=days_ago),
        )
    response = client_for(supervisor).get("/protection/")
    rows = response.context["rows"]
    assert [(r.child.name, state) for r, state in rows] == [
        ("乙童", "past"),
        ("丙童", "near"),
        ("甲童", ""),
    ]
    body = response.content.decode()
    assert "protection-past" in body and "protection-near" in body
    assert "past the one-year limit" in body and "limit within a month" in body
    ended = client_for(supervisor).get("/protection/?state=ended")
    assert list(ended.context["rows"]) == []


# --- the partial on the case page -----------------------------------------------------------


def render_partial(user, case) -> str:
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = user
    context = {"case": case, "case_roles": case_roles(user, case), "user": user}
    return render_to_string("protection/_case_protection.html", context, request=request)


def test_the_case_partial_offers_start_to_the_supervisor_only(supervisor, director_a, case_a):
    assert f"/protection/start/{case_a.pk}/" in render_partial(supervisor, case_a)
    owner_view = render_partial(director_a, case_a)
    assert "No temporary guardianship recorded" in owner_view
    assert "/protection/start/" not in owner_view


def test_the_case_partial_shows_the_record_without_placement_details(
    supervisor, director_a, case_a
):
    opened_on(case_a, today() - dt.timedelta(days=340))
    record = protection.protection_start(
        actor=supervisor,
        case=case_a,
        ground="guardian_neglect",
        placement="relatives",
        placement_detail=SECRET_PLACE,
        started_on=today() - dt.timedelta(days=340),
    )
    html = render_partial(supervisor, case_a)
    assert "With relatives" in html
    assert record.limit_on.isoformat() in html
    assert "limit-near" in html and "limit within a month" in html
    assert f"/protection/{record.pk}/assess/" in html and f"/protection/{record.pk}/end/" in html
    assert f"/protection/start/{case_a.pk}/" not in html  # one active record per child
    assert SECRET_PLACE not in html
    owner_html = render_partial(director_a, case_a)
    assert "With relatives" in owner_html
    assert f"/protection/{record.pk}/end/" not in owner_html


def test_an_active_guardianship_is_shown_in_progress_not_as_a_switched_on_setting(
    supervisor, record
):
    """The word "active" is that of the partner registry's on/off switch (启用); a guardianship
    that is running is "In progress" (进行中)."""
    page = client_for(supervisor).get(f"/protection/{record.pk}/").content.decode()
    assert '<span class="tag">In progress</span>' in page
    assert '<span class="tag">active</span>' not in page
    case_page = client_for(supervisor).get(f"/cases/{record.case_id}/").content.decode()
    assert '<span class="tag">In progress</span>' in case_page
