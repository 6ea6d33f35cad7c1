"""Recording a service delivered (服务台账): who may, on which cases, which dates, durations and
providers, and what is copied and audited."""

import datetime as dt
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import _user
from tests.helpers import error_dict, record_service, today
from weibao.accounts.models import Role
from weibao.audit.models import AuditEvent
from weibao.cases.models import Case
from weibao.cases.selectors import BACKDATE_DAYS
from weibao.cases.services import case_open
from weibao.ledger.models import ServiceRecord
from weibao.ledger.services import LedgerFilters, ledger_records
from weibao.partners.models import Partner

pytestmark = pytest.mark.usefixtures("english")


record = partial(
    record_service,
    service_type="guardianship_guidance",
    duration_minutes=60,
    notes="Talked with the grandmother about homework routines.",
)


@pytest.mark.parametrize("persona", ["director_a", "supervisor", "district_officer", "staff"])
def test_every_worker_on_the_case_records_a_service(request, areas, case_a, persona):
    if persona == "staff":
        actor = _user("station_staff", Role.STATION_STAFF, areas["tianshan"])
    else:
        actor = request.getfixturevalue(persona)
    done = record(actor, case_a)
    assert done.recorded_by == actor and done.case == case_a and done.child_id == case_a.child_id
    assert (done.district_id, done.subdistrict_id, done.community_id) == (
        case_a.district_id,
        case_a.subdistrict_id,
        case_a.community_id,
    )
    event = AuditEvent.objects.get(action="service.record")
    assert event.case_id == case_a.pk and event.child_id == case_a.child_id
    assert event.changes["duration_minutes"] == {"new": 60}
    assert event.changes["provider"] == {"new": str(actor)}
    assert event.changes["service_record"] == {"new": done.pk}


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_someone_with_no_role_on_the_case_cannot_record(request, case_a, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        record(user, case_a, provider_user=case_a.owner)
    assert not ServiceRecord.objects.exists()


def test_a_partner_may_be_the_provider(director_a, case_a, partner):
    done = record(director_a, case_a, provider_user=None, provider_partner=partner)
    assert done.provider_partner == partner and done.provider_user is None


def test_a_closed_case_takes_no_new_service(director_a, case_a):
    Case.objects.filter(pk=case_a.pk).update(
        stage="closed", closed_at=timezone.now(), closed_by=director_a
    )
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a)
    assert error_dict(exc) == {"state": ["Services can only be recorded on an open case."]}


def test_the_date_cannot_be_in_the_future(director_a, case_a):
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a, delivered_on=today() + dt.timedelta(days=1))
    assert error_dict(exc) == {"delivered_on": ["The date cannot be in the future."]}


def test_back_dating_is_allowed_up_to_thirty_days_before_the_case_opened(director_a, case_a):
    earliest = today() - dt.timedelta(days=BACKDATE_DAYS)
    assert record(director_a, case_a, delivered_on=earliest).delivered_on == earliest
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a, delivered_on=earliest - dt.timedelta(days=1))
    assert error_dict(exc)["delivered_on"] == [
        f"The date cannot be before {earliest.isoformat()} (the child's birth, or 30 days "
        "before the case was opened)."
    ]


def test_a_service_cannot_predate_the_childs_birth(make_child, director_a):
    baby = make_child("community_a", name="小宝", birth_date=today() - dt.timedelta(days=5))
    case = case_open(actor=director_a, child=baby, owner=director_a)
    with pytest.raises(ValidationError) as exc:
        record(director_a, case, delivered_on=today() - dt.timedelta(days=6))
    assert "delivered_on" in error_dict(exc)
    assert record(director_a, case, delivered_on=today() - dt.timedelta(days=5)).pk


@pytest.mark.parametrize("minutes", [0, -5, 1441, None, "60", True])
def test_the_duration_is_one_to_1440_minutes(director_a, case_a, minutes):
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a, duration_minutes=minutes)
    assert list(error_dict(exc)) == ["duration_minutes"]


@pytest.mark.parametrize("minutes", [1, 1440])
def test_the_duration_limits_are_inclusive(director_a, case_a, minutes):
    assert record(director_a, case_a, duration_minutes=minutes).duration_minutes == minutes


def test_the_service_type_must_be_one_of_the_list(director_a, case_a):
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a, service_type="massage")
    assert error_dict(exc) == {"service_type": ["Please choose the service."]}


def test_a_provider_is_required_and_only_one(director_a, case_a, partner):
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a, provider_user=None)
    assert error_dict(exc) == {
        "provider": ["Please choose who provided the service: a staff member or a partner."]
    }
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a, provider_partner=partner)
    assert error_dict(exc) == {"provider": ["Choose either a staff member or a partner, not both."]}


def test_a_staff_provider_must_work_in_the_childs_area(director_a, director_elsewhere, case_a):
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a, provider_user=director_elsewhere)
    assert error_dict(exc) == {"provider": ["This person does not work in the child's area."]}


def test_a_partner_provider_must_be_visible_and_active(director_a, case_a, areas, partner):
    elsewhere = Partner.objects.create(
        name="仙霞儿童之家", kind="childrens_home", area=areas["xianxia"]
    )
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a, provider_user=None, provider_partner=elsewhere)
    assert error_dict(exc) == {"provider": ["No such partner in your areas."]}
    Partner.objects.filter(pk=partner.pk).update(active=False)
    partner.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        record(director_a, case_a, provider_user=None, provider_partner=partner)
    assert error_dict(exc) == {"provider": ["This partner is no longer active."]}


def test_several_problems_are_reported_together(director_a, case_a):
    with pytest.raises(ValidationError) as exc:
        record(
            director_a,
            case_a,
            delivered_on=None,
            service_type="",
            duration_minutes=0,
            provider_user=None,
            notes="x" * 5001,
        )
    assert set(error_dict(exc)) == {
        "delivered_on", "service_type", "duration_minutes", "provider", "notes",
    }  # fmt: skip


def test_the_ledger_query_is_scoped_and_filtered(
    director_a, director_b, supervisor, case_a, make_child, partner
):
    child_b = make_child("community_b", name="李小红", sex="F")
    case_b = case_open(actor=director_b, child=child_b, owner=director_b)
    a1 = record(director_a, case_a, service_type="education")
    a2 = record(director_a, case_a, provider_user=None, provider_partner=partner)
    b1 = record(director_b, case_b, delivered_on=today() - dt.timedelta(days=BACKDATE_DAYS))

    def ids(user, **filters):
        return set(ledger_records(user, LedgerFilters(**filters)).values_list("pk", flat=True))

    assert ids(director_a) == {a1.pk, a2.pk}
    assert ids(director_b) == {b1.pk}
    assert ids(supervisor) == {a1.pk, a2.pk, b1.pk}
    assert ids(supervisor, service_type="education") == {a1.pk}
    assert ids(supervisor, provider=f"partner:{partner.pk}") == {a2.pk}
    assert ids(supervisor, provider=f"user:{director_b.pk}") == {b1.pk}
    assert ids(supervisor, community_id=child_b.community_id) == {b1.pk}
    month = today() - dt.timedelta(days=BACKDATE_DAYS)
    in_month = ids(supervisor, year=month.year, month=month.month)
    assert b1.pk in in_month
    assert (a1.pk in in_month) == (month.month == today().month and month.year == today().year)
