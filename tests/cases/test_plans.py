"""一人一策: the case plan service (plans.plan_save) and its pages. A changed plan keeps its
earlier versions."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.cases.helpers import (
    a_plan,
    put_in_stage,
)
from tests.conftest import web_client
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened_note
from weibao.cases.choices import PlannedServiceStatus, Stage
from weibao.cases.models import PlannedService, PlanVersion
from weibao.cases.plans import PlannedServiceInput, plan_save
from weibao.cases.selectors import current_plan
from weibao.core.exceptions import ConflictError
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner

pytestmark = pytest.mark.usefixtures("english")

TODAY = timezone.localdate
OUTSIDERS = ["director_a2", "director_b", "director_elsewhere", "unassigned"]


def days(n: int) -> dt.date:
    return TODAY() + dt.timedelta(days=n)


@pytest.fixture
def partner(areas):
    return Partner.objects.create(name="阳光社工", kind="social_work", area=areas["tianshan"])


@pytest.fixture
def partner_elsewhere(areas):
    return Partner.objects.create(name="仙霞社工", kind="social_work", area=areas["xianxia"])


def error_fields(exc_info) -> set[str]:
    return set(exc_info.value.message_dict)


# --- the service --------------------------------------------------------------------------


def test_each_save_is_a_new_version_and_earlier_ones_stay_as_they_were(
    case_a, director_a, supervisor, partner
):
    first = a_plan(director_a, case_a, goals="Evening care.\nBack to school.")
    second = plan_save(
        actor=supervisor,
        case=case_a,
        goals="Evening care.",
        review_on=days(60),
        services=[
            PlannedServiceInput(
                service_type=ServiceType.EDUCATION, responsible_partner=partner, due_on=days(20)
            ),
            {
                "service_type": ServiceType.PSYCHOLOGICAL,
                "responsible_user": director_a.pk,
                "due_on": days(10).isoformat(),
                "status": PlannedServiceStatus.IN_PROGRESS,
                "description": "Weekly talks",
            },
        ],
        change_note="School found; counselling added.",
        expected_number=1,
    )
    assert (first.number, second.number) == (1, 2)
    assert current_plan(case_a) == second
    first.refresh_from_db()
    assert first.goals == "Evening care.\nBack to school."
    assert list(first.services.values_list("service_type", flat=True)) == [
        ServiceType.GUARDIANSHIP_GUIDANCE
    ]
    rows = list(second.services.order_by("due_on"))
    assert [(r.service_type, r.status) for r in rows] == [
        (ServiceType.PSYCHOLOGICAL, PlannedServiceStatus.IN_PROGRESS),
        (ServiceType.EDUCATION, PlannedServiceStatus.PLANNED),
    ]
    assert rows[0].responsible_user == director_a and rows[0].description == "Weekly talks"
    assert rows[1].responsible_partner == partner
    assert PlannedService.objects.count() == 3


def test_saving_the_plan_is_in_the_case_timeline(case_a, director_a):
    plan = a_plan(director_a, case_a, change_note="First plan")
    event = AuditEvent.objects.get(case=case_a, action="plan.save")
    assert event.actor == director_a
    assert opened_note(event.note) == "First plan"
    assert event.changes["version"] == {"old": None, "new": plan.number}
    assert event.changes["services"] == [ServiceType.GUARDIANSHIP_GUIDANCE]


def test_goals_are_one_per_line_and_at_least_one_is_needed(case_a, director_a):
    with pytest.raises(ValidationError) as exc:
        a_plan(director_a, case_a, goals=" \n  \n")
    assert error_fields(exc) == {"goals"}
    plan = a_plan(director_a, case_a, goals=["  Safe at home ", "", "Back to school"])
    assert plan.goals == "Safe at home\nBack to school"


def test_the_first_review_date_cannot_be_in_the_past(case_a, director_a):
    with pytest.raises(ValidationError) as exc:
        a_plan(director_a, case_a, review_on=days(-1))
    assert error_fields(exc) == {"review_on"}
    with pytest.raises(ValidationError):
        a_plan(director_a, case_a, review_on=None)
    with pytest.raises(ValidationError):
        a_plan(director_a, case_a, review_on=days(365 * 20))
    assert PlanVersion.objects.count() == 0


def test_a_later_version_may_keep_its_review_date_but_not_set_a_past_one(case_a, director_a):
    first = a_plan(director_a, case_a)
    PlanVersion.objects.filter(pk=first.pk).update(review_on=days(-5))  # time has passed
    kept = a_plan(director_a, case_a, review_on=days(-5))
    assert kept.number == 2
    with pytest.raises(ValidationError) as exc:
        a_plan(director_a, case_a, review_on=days(-3))
    assert error_fields(exc) == {"review_on"}


@pytest.mark.parametrize(
    "service,field",
    [
        ({"service_type": "astrology"}, "service_type"),
        ({"responsible_user": None}, "responsible_user"),
        ({"due_on": None}, "due_on"),
        ({"due_on": "tomorrow"}, "due_on"),
        ({"status": "forgotten"}, "status"),
        ({"description": "x" * 301}, "description"),
    ],
)
def test_each_planned_service_needs_a_type_a_responsible_and_a_due_date(
    case_a, director_a, service, field
):
    good = {
        "service_type": ServiceType.DAILY_CARE,
        "responsible_user": director_a,
        "due_on": days(7),
    }
    with pytest.raises(ValidationError) as exc:
        a_plan(director_a, case_a, services=[good, {**good, **service}])
    assert error_fields(exc) == {f"services.1.{field}"}
    assert not PlanVersion.objects.exists()


def test_the_responsible_person_works_in_the_childs_area(
    case_a, director_a, director_elsewhere, director_a2, station_staff
):
    def with_user(user):
        return a_plan(
            director_a,
            case_a,
            services=[{"service_type": "education", "responsible_user": user, "due_on": days(3)}],
        )

    with pytest.raises(ValidationError) as exc:
        with_user(director_elsewhere)
    assert error_fields(exc) == {"services.0.responsible_user"}
    with pytest.raises(ValidationError):
        with_user(999_999)
    # Another director of the same 居民区 and station staff may be responsible.
    assert with_user(director_a2).number == 1
    assert with_user(station_staff.pk).number == 2


def test_the_responsible_partner_serves_the_users_areas(
    case_a, supervisor, partner, partner_elsewhere
):
    def with_partner(p):
        return a_plan(
            supervisor,
            case_a,
            services=[{"service_type": "legal_aid", "responsible_partner": p, "due_on": days(3)}],
        )

    with pytest.raises(ValidationError) as exc:
        with_partner(partner_elsewhere)
    assert error_fields(exc) == {"services.0.responsible_partner"}
    partner.active = False
    partner.save()
    with pytest.raises(ValidationError):
        with_partner(partner)
    partner.active = True
    partner.save()
    assert with_partner(partner).services.get().responsible_partner == partner
    # A partner already in the plan may stay even once inactive.
    partner.active = False
    partner.save()
    assert with_partner(partner).number == 2


def test_a_stale_edit_is_a_conflict(case_a, director_a, supervisor):
    a_plan(director_a, case_a, expected_number=0)
    a_plan(supervisor, case_a, expected_number=1)
    with pytest.raises(ConflictError):
        a_plan(director_a, case_a, expected_number=1)
    assert current_plan(case_a).number == 2
    # Without an expected number the save simply comes next.
    assert a_plan(director_a, case_a).number == 3


def test_the_plan_of_a_closed_case_cannot_change(case_a, director_a):
    closed = put_in_stage(case_a, Stage.CLOSED)
    with pytest.raises(ValidationError) as exc:
        a_plan(director_a, closed)
    assert error_fields(exc) == {"state"}


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_only_the_case_workers_write_the_plan(request, case_a, persona):
    with pytest.raises(PermissionDenied):
        a_plan(request.getfixturevalue(persona), case_a)


def test_too_many_services_are_refused(case_a, director_a):
    one = {"service_type": "education", "responsible_user": director_a, "due_on": days(3)}
    with pytest.raises(ValidationError) as exc:
        a_plan(director_a, case_a, services=[one] * 31)
    assert "services" in error_fields(exc)


# --- the pages ------------------------------------------------------------------------------


def plan_post(services: list[dict], initial: int = 0, **fields) -> dict:
    data = {
        "goals": "Evening care",
        "review_on": days(30).isoformat(),
        "change_note": "",
        "expected_number": "0",
        "services-TOTAL_FORMS": str(len(services)),
        "services-INITIAL_FORMS": str(initial),
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(services):
        for key, value in row.items():
            data[f"services-{i}-{key}"] = value
    data.update(fields)
    return data


def row(user, **kw) -> dict:
    return {
        "service_type": "daily_care",
        "responsible_user": str(user.pk),
        "responsible_partner": "",
        "description": "",
        "due_on": days(10).isoformat(),
        "status": "planned",
        **kw,
    }


EMPTY_ROW = {
    "service_type": "",
    "responsible_user": "",
    "responsible_partner": "",
    "description": "",
    "due_on": "",
    "status": "planned",
}


def test_the_plan_page_saves_a_first_version_and_skips_empty_rows(case_a, director_a):
    client = web_client(director_a)
    page = client.get(f"/cases/{case_a.pk}/plan/")
    assert page.status_code == 200
    assert page.content.decode().count('name="services-') >= 3 * 6  # several empty rows
    response = client.post(
        f"/cases/{case_a.pk}/plan/", plan_post([row(director_a), EMPTY_ROW, EMPTY_ROW])
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case_a.pk}/"
    plan = current_plan(case_a)
    assert plan.number == 1 and plan.services.count() == 1


def test_the_plan_page_is_filled_from_the_current_version(case_a, director_a):
    a_plan(director_a, case_a, goals="Evening care\nSchool")
    body = web_client(director_a).get(f"/cases/{case_a.pk}/plan/").content.decode()
    assert "Evening care\nSchool</textarea>" in body
    assert 'name="expected_number" value="1"' in body
    assert 'value="guardianship_guidance" selected' in body
    assert 'name="services-INITIAL_FORMS" value="1"' in body


def test_a_removed_row_is_not_in_the_next_version(case_a, director_a):
    a_plan(
        director_a,
        case_a,
        services=[
            {"service_type": "education", "responsible_user": director_a, "due_on": days(3)},
            {"service_type": "material", "responsible_user": director_a, "due_on": days(4)},
        ],
    )
    data = plan_post(
        [row(director_a, service_type="education"), row(director_a, service_type="material")],
        initial=2,
        expected_number="1",
        change_note="Material help no longer needed",
    )
    data["services-1-DELETE"] = "on"
    response = web_client(director_a).post(f"/cases/{case_a.pk}/plan/", data)
    assert response.status_code == 302
    plan = current_plan(case_a)
    assert plan.number == 2
    assert list(plan.services.values_list("service_type", flat=True)) == ["education"]
    assert plan.change_note == "Material help no longer needed"
    assert PlanVersion.objects.get(case=case_a, number=1).services.count() == 2


def test_plan_errors_are_shown_next_to_the_fields_and_the_input_is_kept(case_a, director_a):
    bad = row(director_a, responsible_user="", description="Tutoring twice a week")
    response = web_client(director_a).post(
        f"/cases/{case_a.pk}/plan/",
        plan_post([bad], review_on=days(-3).isoformat(), goals="Keep this goal"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please choose who is responsible for this service." in body
    assert "The review date cannot be in the past." in body
    assert "Keep this goal</textarea>" in body
    assert 'value="Tutoring twice a week"' in body
    assert not PlanVersion.objects.exists()


def test_a_stale_plan_edit_keeps_the_input_and_says_what_happened(case_a, director_a, supervisor):
    a_plan(supervisor, case_a)  # saved while director_a was typing
    response = web_client(director_a).post(
        f"/cases/{case_a.pk}/plan/",
        plan_post([row(director_a)], goals="My careful goals", expected_number="0"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone saved a newer version of this plan" in body
    assert "My careful goals</textarea>" in body
    # Saving again on purpose makes the user's version the next one.
    assert 'name="expected_number" value="1"' in body
    assert current_plan(case_a).number == 1


def test_the_versions_are_listed_and_each_can_be_read(case_a, director_a, supervisor):
    a_plan(director_a, case_a, goals="First goal")
    a_plan(supervisor, case_a, goals="Second goal", change_note="Revised after review")
    client = web_client(director_a)
    listing = client.get(f"/cases/{case_a.pk}/plan/versions/").content.decode()
    assert "Revised after review" in listing
    assert f"/cases/{case_a.pk}/plan/versions/1/" in listing
    old = client.get(f"/cases/{case_a.pk}/plan/versions/1/")
    assert old.status_code == 200
    assert "First goal" in old.content.decode()
    assert "This is an earlier version" in old.content.decode()
    assert client.get(f"/cases/{case_a.pk}/plan/versions/3/").status_code == 404


def test_a_closed_case_shows_no_plan_form(case_a, director_a):
    closed = put_in_stage(case_a, Stage.CLOSED)
    body = web_client(director_a).get(f"/cases/{closed.pk}/plan/").content.decode()
    assert "cannot be changed" in body
    assert "services-TOTAL_FORMS" not in body


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("path", ["plan/", "plan/versions/", "plan/versions/1/"])
def test_plan_pages_are_404_outside_the_case(request, case_a, director_a, persona, path):
    a_plan(director_a, case_a)
    client = web_client(request.getfixturevalue(persona))
    assert client.get(f"/cases/{case_a.pk}/{path}").status_code == 404
    if path == "plan/":
        assert client.post(f"/cases/{case_a.pk}/{path}", plan_post([])).status_code == 404
    assert current_plan(case_a).number == 1
