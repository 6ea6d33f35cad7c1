"""The referral pages, tried as each persona would: scope (404), role (403), validation with the
user's input kept, conflicts, and the case-page partial."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.conftest import en_get, en_post
from tests.helpers import (
    partner_with_contacts,  # noqa: F401 (this module's `partner`)
    today,
)
from weibao.cases.selectors import case_roles
from weibao.partners.models import Partner
from weibao.referrals import services as referral_services
from weibao.referrals.models import Referral

pytestmark = pytest.mark.usefixtures("english")

OUT_OF_SCOPE_FOR_CASE_A = ["director_b", "director_elsewhere", "unassigned"]


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_FOR_CASE_A)
def test_referral_pages_of_case_a_are_404_out_of_scope(request, persona, referral, case_a):
    user = request.getfixturevalue(persona)
    assert en_get(user, f"/partners/refer/{case_a.pk}/").status_code == 404
    assert en_post(user, f"/partners/refer/{case_a.pk}/", {}).status_code == 404
    assert en_get(user, f"/partners/referrals/{referral.pk}/").status_code == 404
    for name in ("accept", "reject", "complete", "revoke"):
        url = f"/partners/referrals/{referral.pk}/{name}/"
        assert en_post(user, url, {f"{name}-note": "x", f"{name}-version": "1"}).status_code == 404
    assert Referral.objects.get(pk=referral.pk).state == "pending"


def test_the_unassigned_see_no_registry_and_no_referral_list(unassigned):
    for url in ("/partners/", "/partners/referrals/", "/partners/new/"):
        assert en_get(unassigned, url).status_code == 404


def test_the_owner_refers_the_case_through_the_form(director_a, case_a, partner):
    page = en_get(director_a, f"/partners/refer/{case_a.pk}/").content.decode()
    assert partner.name in page
    response = en_post(
        director_a,
        f"/partners/refer/{case_a.pk}/",
        {
            "partner": partner.pk,
            "service_type": "education",
            "reason": "Falling behind at school.",
            "accept_by": (today() + dt.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#referrals")
    referral = Referral.objects.get()
    assert referral.partner == partner and referral.created_by == director_a


def test_refer_form_errors_are_clear_and_keep_the_input(director_a, case_a, partner, referral):
    response = en_post(
        director_a,
        f"/partners/refer/{case_a.pk}/",
        {
            "partner": partner.pk,
            "reason": "Second try with a long story.",
            "accept_by": (today() + dt.timedelta(days=90)).isoformat(),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "already has a pending or accepted referral" in page
    assert "at most 60 days from today" in page
    assert "Second try with a long story." in page
    assert Referral.objects.count() == 1


def test_the_referral_page_offers_the_actions_of_its_state(supervisor, referral):
    page = en_get(supervisor, f"/partners/referrals/{referral.pk}/").content.decode()
    assert "Partner accepted" in page and "Partner rejected" in page and "Revoke" in page
    assert "Completed, with feedback" not in page


@pytest.mark.parametrize("persona", ["director_a", "supervisor", "district_officer"])
def test_every_case_role_walks_a_referral_to_completion(request, persona, referral):
    user = request.getfixturevalue(persona)
    url = f"/partners/referrals/{referral.pk}"
    response = en_post(user, f"{url}/accept/", {"accept-note": "", "accept-version": "1"})
    assert response.status_code == 302
    response = en_post(
        user, f"{url}/complete/", {"complete-note": "Done.", "complete-version": "2"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == "completed" and referral.feedback == "Done."


def test_rejecting_without_the_partners_reason_is_refused_with_the_input_kept(director_a, referral):
    response = en_post(
        director_a,
        f"/partners/referrals/{referral.pk}/reject/",
        {"reject-note": "", "reject-version": "1"},
    )
    assert response.status_code == 200
    assert "Please record the partner&#x27;s reason for rejecting." in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).state == "pending"


def test_an_action_not_possible_in_the_state_is_explained(director_a, referral):
    response = en_post(
        director_a,
        f"/partners/referrals/{referral.pk}/complete/",
        {"complete-note": "Done", "complete-version": "1"},
    )
    assert response.status_code == 200
    assert "not possible in the current state" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).state == "pending"


def test_a_stale_referral_form_is_a_conflict_with_the_input_kept(director_a, supervisor, referral):
    referral_services.referral_accept(actor=supervisor, referral=referral)
    response = en_post(
        director_a,
        f"/partners/referrals/{referral.pk}/revoke/",
        {"revoke-note": "Family moved to Pudong.", "revoke-version": "1"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "changed by someone else" in page and "Family moved to Pudong." in page
    assert Referral.objects.get(pk=referral.pk).state == "accepted"


def test_an_unknown_action_is_404(director_a, referral):
    assert en_post(director_a, f"/partners/referrals/{referral.pk}/delete/", {}).status_code == 404


def test_the_referral_list_puts_overdue_first_and_filters_by_state(
    supervisor, case_a, director_a, partner, areas, referral
):
    late_partner = Partner.objects.create(
        name="天山路派出所", kind="police", area=areas["tianshan"]
    )
    late = referral_services.referral_create(
        actor=director_a, case=case_a, partner=late_partner, reason="x", accept_by=today()
    )
    Referral.objects.filter(pk=late.pk).update(accept_by=today() - dt.timedelta(days=2))
    page = en_get(supervisor, "/partners/referrals/").content.decode()
    assert page.index("天山路派出所") < page.index(partner.name)
    assert "1 overdue" in page
    accepted = en_get(supervisor, "/partners/referrals/?state=accepted").content.decode()
    assert "天山路派出所" not in accepted
    assert en_get(supervisor, "/partners/referrals/?state=<script>").status_code == 200


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_FOR_CASE_A)
def test_the_referral_list_hides_cases_out_of_scope(request, persona, referral, child_a):
    user = request.getfixturevalue(persona)
    response = en_get(user, "/partners/referrals/")
    assert response.status_code == (404 if persona == "unassigned" else 200)
    assert child_a.name not in response.content.decode()


def render_partial(user, case):
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "referrals/_case_referrals.html",
        {"case": case, "case_roles": case_roles(user, case), "user": user},
        request=request,
    )


def test_the_case_partial_shows_referrals_and_marks_overdue_ones_red(director_a, case_a, referral):
    html = render_partial(director_a, case_a)
    assert referral.partner.name in html and "Refer to a partner" in html
    assert "overdue" not in html
    Referral.objects.filter(pk=referral.pk).update(accept_by=today() - dt.timedelta(days=1))
    html = render_partial(director_a, case_a)
    assert 'class="warn"' in html and "overdue" in html


def test_the_case_partial_offers_no_referral_on_a_closed_case(director_a, case_a):
    case_a.stage = "closed"
    html = render_partial(director_a, case_a)
    assert "Refer to a partner" not in html and "No referrals yet." in html
