"""Voiding a service record entered by mistake (作废): who may, the reason, what it leaves
(the ledger, the totals, the child's file, the partner's page) and what it keeps (the case's
list, struck through, and the audit trail) — through the service, the web and the API, with a
404 for everyone outside the case."""

from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.cases.helpers import put_in_stage
from tests.conftest import api_client, en_get, en_post, web_client
from tests.helpers import error_dict, record_service, today
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened_note
from weibao.cases.choices import Stage
from weibao.cases.timeline import case_timeline
from weibao.ledger.models import ServiceRecord
from weibao.ledger.services import LedgerFilters, ledger_records, service_record_void

pytestmark = pytest.mark.usefixtures("english")

OUTSIDERS = ["director_b", "director_elsewhere", "unassigned"]


record = partial(record_service, duration_minutes=600, notes="Typed 600 instead of 60.")


def void(actor, rec, reason="Wrong duration: it was 60 minutes."):
    return service_record_void(actor=actor, record=rec, reason=reason)


# --- the service ----------------------------------------------------------------------------


def test_whoever_recorded_it_voids_it_with_a_reason_and_it_leaves_the_ledger(
    director_a, supervisor, case_a
):
    wrong = record(director_a, case_a)
    kept = record(director_a, case_a, duration_minutes=60)

    done = void(director_a, wrong)

    assert done.voided_by == director_a and done.void_reason.startswith("Wrong duration")
    assert done.voided_at is not None
    assert list(ledger_records(supervisor, LedgerFilters())) == [kept]
    event = AuditEvent.objects.get(action="service.void")
    assert event.case_id == case_a.pk
    assert opened_note(event.note) == "Wrong duration: it was 60 minutes."
    assert event.changes["duration_minutes"] == {"old": 600}
    labels = [entry.label for entry in case_timeline(case_a)]
    assert "Service record voided" in labels


def test_a_reason_is_required_and_bounded(director_a, case_a):
    wrong = record(director_a, case_a)
    with pytest.raises(ValidationError) as exc:
        void(director_a, wrong, reason="   ")
    assert error_dict(exc) == {"reason": ["Please say why the record is wrong."]}
    with pytest.raises(ValidationError) as exc:
        void(director_a, wrong, reason="x" * 5001)
    assert "reason" in error_dict(exc)
    assert ServiceRecord.objects.get(pk=wrong.pk).voided_at is None


def test_a_record_is_voided_once(director_a, supervisor, case_a):
    wrong = record(director_a, case_a)
    void(director_a, wrong)
    with pytest.raises(ValidationError) as exc:
        void(supervisor, wrong, reason="Again")
    assert error_dict(exc) == {"state": ["This service record has already been voided."]}
    assert ServiceRecord.objects.get(pk=wrong.pk).voided_by == director_a


def test_another_worker_on_the_case_may_not_void_someone_elses_record(
    director_a, station_staff, case_a
):
    wrong = record(director_a, case_a)
    with pytest.raises(PermissionDenied):
        void(station_staff, wrong)


@pytest.mark.parametrize("persona", ["supervisor", "district_officer"])
def test_the_supervisor_and_the_district_void_any_record_even_after_closing(
    request, director_a, case_a, persona
):
    wrong = record(director_a, case_a)
    put_in_stage(case_a, Stage.CLOSED)
    with pytest.raises(PermissionDenied):
        void(director_a, wrong)  # the recorder, once the case is closed
    assert void(request.getfixturevalue(persona), wrong).voided_at is not None


def test_the_database_refuses_a_half_voided_record(director_a, case_a):
    wrong = record(director_a, case_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.filter(pk=wrong.pk).update(voided_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.filter(pk=wrong.pk).update(
            voided_at=timezone.now(), voided_by=director_a, void_reason=""
        )


# --- the web --------------------------------------------------------------------------------


def test_the_case_page_offers_voiding_to_the_recorder_only(director_a, station_staff, case_a):
    wrong = record(director_a, case_a)
    link = f'href="/ledger/void/{wrong.pk}/"'
    assert link in en_get(director_a, f"/cases/{case_a.pk}/").content.decode()
    assert link not in en_get(station_staff, f"/cases/{case_a.pk}/").content.decode()
    assert en_get(station_staff, f"/ledger/void/{wrong.pk}/").status_code == 403


def test_voiding_through_the_web_strikes_the_record_and_drops_it_from_the_totals(
    director_a, supervisor, case_a, child_a
):
    wrong = record(director_a, case_a)
    record(director_a, case_a, duration_minutes=60, notes="The real one.")
    page = en_get(director_a, f"/ledger/void/{wrong.pk}/").content.decode()
    assert "Typed 600 instead of 60." in page

    client = web_client(director_a)
    response = client.post(
        f"/ledger/void/{wrong.pk}/", {"reason": "Wrong duration."}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case_a.pk}/#services"
    page = client.get(f"/cases/{case_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "it no longer counts in the ledger" in page
    assert '<tr class="voided">' in page and "Wrong duration." in page
    assert "1 service, 1.0 h" in page
    ledger = en_get(supervisor, f"/ledger/?month={today():%Y-%m}").content.decode()
    assert "The real one." in ledger and "Typed 600 instead of 60." not in ledger
    file = en_get(director_a, f"/children/{child_a.pk}/").content.decode()
    assert file.count("Daily care") == 1


def test_an_empty_reason_is_explained_and_nothing_changes(director_a, case_a):
    wrong = record(director_a, case_a)
    response = en_post(director_a, f"/ledger/void/{wrong.pk}/", {"reason": ""})
    assert response.status_code == 200
    assert "Please say why the record is wrong." in response.content.decode()
    assert ServiceRecord.objects.get(pk=wrong.pk).voided_at is None


def test_a_voided_record_cannot_be_voided_again_through_the_web(director_a, supervisor, case_a):
    wrong = record(director_a, case_a)
    void(director_a, wrong)
    for response in (
        en_get(supervisor, f"/ledger/void/{wrong.pk}/"),
        en_post(director_a, f"/ledger/void/{wrong.pk}/", {"reason": "Again"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == f"/cases/{case_a.pk}/#services"
    page = web_client(director_a)
    page.post(f"/ledger/void/{wrong.pk}/", {"reason": "Again"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.get(f"/cases/{case_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This service record has already been voided." in html
    assert ServiceRecord.objects.get(pk=wrong.pk).void_reason.startswith("Wrong duration")


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_the_void_page_is_404_outside_the_case(request, director_a, case_a, persona):
    wrong = record(director_a, case_a)
    user = request.getfixturevalue(persona)
    assert en_get(user, f"/ledger/void/{wrong.pk}/").status_code == 404
    assert en_post(user, f"/ledger/void/{wrong.pk}/", {"reason": "x"}).status_code == 404
    assert en_get(user, "/ledger/void/999999/").status_code == 404
    assert ServiceRecord.objects.get(pk=wrong.pk).voided_at is None


def test_the_partner_page_lists_only_valid_services(director_a, supervisor, case_a, partner):
    wrong = record(director_a, case_a, provider_user=None, provider_partner=partner)
    void(director_a, wrong)
    page = en_get(supervisor, f"/partners/{partner.pk}/").content.decode()
    assert "Typed 600 instead of 60." not in page


# --- the API --------------------------------------------------------------------------------


def test_the_api_voids_and_shows_who_and_why(director_a, supervisor, case_a):
    wrong = record(director_a, case_a)
    response = api_client(director_a).post(
        f"/api/v1/service-records/{wrong.pk}/void/", {"reason": "Wrong child."}, format="json"
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["void_reason"] == "Wrong child." and data["voided_at"]
    assert data["voided_by"]["id"] == director_a.pk
    listed = api_client(supervisor).get("/api/v1/service-records/").json()["results"]
    assert wrong.pk not in [r["id"] for r in listed]
    on_case = api_client(supervisor).get(f"/api/v1/cases/{case_a.pk}/service-records/").json()
    assert [r["void_reason"] for r in on_case["results"]] == ["Wrong child."]


def test_the_api_answers_field_level_400_and_403(director_a, station_staff, case_a):
    wrong = record(director_a, case_a)
    url = f"/api/v1/service-records/{wrong.pk}/void/"
    missing = api_client(director_a).post(url, {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    unknown = api_client(director_a).post(url, {"reason": "x", "bogus": 1}, format="json")
    assert unknown.status_code == 400
    assert api_client(station_staff).post(url, {"reason": "x"}, format="json").status_code == 403
    assert ServiceRecord.objects.get(pk=wrong.pk).voided_at is None


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_the_void_endpoint_is_404_outside_the_case(request, director_a, case_a, persona):
    wrong = record(director_a, case_a)
    client = api_client(request.getfixturevalue(persona))
    url = f"/api/v1/service-records/{wrong.pk}/void/"
    assert client.post(url, {"reason": "x"}, format="json").status_code == 404
    assert ServiceRecord.objects.get(pk=wrong.pk).voided_at is None
