"""A service record may say which service of the case plan (一人一策) it delivers: the item is then
in progress, or done when the record completes it (written by the cases app, with the case's
audit row). Only an item of the case's current plan still to be done may be chosen: anything
else is a field error, on the page and in the API."""

import pytest
from django.core.exceptions import ValidationError

from tests.cases.helpers import a_plan
from tests.conftest import api_client, en_get, en_post
from tests.helpers import record_service, today
from weibao.audit.models import AuditEvent
from weibao.cases.models import PlannedService
from weibao.cases.selectors import current_plan
from weibao.ledger.models import ServiceRecord
from weibao.ledger.services import service_record_void

pytestmark = pytest.mark.usefixtures("english")


def item_of(case, director) -> PlannedService:
    return a_plan(director, case).services.get()


def status(item: PlannedService) -> str:
    return PlannedService.objects.get(pk=item.pk).status


def form(item=None, **overrides) -> dict:
    data = {
        "delivered_on": today().isoformat(),
        "service_type": "guardianship_guidance",
        "duration_minutes": "45",
        "notes": "Evening routine agreed.",
    }
    if item is not None:
        data["planned_service"] = str(item.pk)
    data.update(overrides)
    return data


def test_a_service_record_for_a_planned_item_puts_it_in_progress(case_a, director_a):
    item = item_of(case_a, director_a)
    record = record_service(director_a, case_a, planned_service=item)
    assert record.planned_service == item and not record.completes_item
    assert status(item) == "in_progress"


def test_a_service_record_that_completes_the_item_marks_it_done_in_the_timeline(case_a, director_a):
    item = item_of(case_a, director_a)
    record_service(director_a, case_a, planned_service=item, completes_item=True)
    assert status(item) == "done"
    event = AuditEvent.objects.get(case=case_a, action="plan.item_progress")
    assert event.changes["status"] == {"old": "planned", "new": "done"}
    timeline = en_get(director_a, f"/cases/{case_a.pk}/timeline/").content.decode()
    assert "Planned service moved on by a service record" in timeline


def test_the_record_form_offers_the_open_items_and_completes_the_chosen_one(case_a, director_a):
    item = item_of(case_a, director_a)
    page = en_get(director_a, f"/ledger/record/{case_a.pk}/").content.decode()
    assert f'<option value="{item.pk}">Family guardianship guidance' in page
    assert 'name="completes_item"' in page

    response = en_post(
        director_a,
        f"/ledger/record/{case_a.pk}/",
        form(item, provider=f"user:{director_a.pk}", completes_item="on"),
    )

    assert response.status_code == 302
    assert ServiceRecord.objects.get(case=case_a).planned_service == item
    assert status(item) == "done"
    # Done, it is no longer offered; with no item left the choice is not shown at all.
    page = en_get(director_a, f"/ledger/record/{case_a.pk}/").content.decode()
    assert 'name="planned_service"' not in page


def test_an_item_of_another_case_is_a_field_error_on_the_page(
    case_a, case_b, director_a, director_b, supervisor
):
    other = item_of(case_b, director_b)
    response = en_post(
        supervisor,
        f"/ledger/record/{case_a.pk}/",
        form(other, provider=f"user:{director_a.pk}", notes="Typed notes"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "Typed notes" in page
    assert not ServiceRecord.objects.exists()
    assert status(other) == "planned"


def test_an_item_of_another_case_is_refused_by_the_service(case_a, case_b, director_a, director_b):
    other = item_of(case_b, director_b)
    with pytest.raises(ValidationError) as exc:
        record_service(director_a, case_a, planned_service=other)
    assert "planned_service" in exc.value.message_dict
    assert status(other) == "planned"


def test_an_item_of_an_earlier_plan_version_or_already_done_is_refused(case_a, director_a):
    first = item_of(case_a, director_a)
    a_plan(director_a, case_a)  # version 2
    with pytest.raises(ValidationError) as exc:
        record_service(director_a, case_a, planned_service=first)
    assert "planned_service" in exc.value.message_dict
    current = current_plan(case_a).services.get()
    record_service(director_a, case_a, planned_service=current, completes_item=True)
    with pytest.raises(ValidationError):
        record_service(director_a, case_a, planned_service=current)


def test_completing_needs_an_item(case_a, director_a):
    with pytest.raises(ValidationError) as exc:
        record_service(director_a, case_a, completes_item=True)
    assert "completes_item" in exc.value.message_dict


def test_the_api_links_a_record_to_a_planned_item(case_a, director_a):
    item = item_of(case_a, director_a)
    response = api_client(director_a).post(
        f"/api/v1/cases/{case_a.pk}/service-records/",
        {
            "delivered_on": today().isoformat(),
            "service_type": "guardianship_guidance",
            "duration_minutes": 60,
            "provider_user": director_a.pk,
            "planned_service": item.pk,
            "completes_item": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["planned_service"] == item.pk
    assert response.json()["completes_item"] is True
    assert status(item) == "done"


@pytest.mark.parametrize("which", ["other_case", "missing"])
def test_an_item_of_another_case_is_a_field_error_in_the_api(
    case_a, case_b, director_a, director_b, which
):
    other = item_of(case_b, director_b).pk if which == "other_case" else 999999
    response = api_client(director_a).post(
        "/api/v1/service-records/",
        {
            "case": case_a.pk,
            "delivered_on": today().isoformat(),
            "service_type": "guardianship_guidance",
            "duration_minutes": 60,
            "provider_user": director_a.pk,
            "planned_service": other,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "planned_service" in response.json()
    assert not ServiceRecord.objects.exists()


def test_voiding_a_linked_record_leaves_the_item_done(case_a, director_a):
    item = item_of(case_a, director_a)
    record = record_service(director_a, case_a, planned_service=item, completes_item=True)
    service_record_void(actor=director_a, record=record, reason="Wrong day.")
    assert status(item) == "done"
