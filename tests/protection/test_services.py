"""Emergency protection (强制保护, docs/domain.md §6): the services' rules — who records
temporary guardianship, the one-year limit, one active record per child, the capacity
assessment before return home and the follow-up visits that return starts."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.helpers import SECRET_PLACE, error_dict, opened_on, today
from weibao.audit.models import AuditEvent
from weibao.cases.models import Case
from weibao.cases.services import case_open
from weibao.children.models import Child
from weibao.core.dates import add_months
from weibao.core.exceptions import ConflictError
from weibao.protection import services as protection
from weibao.protection.limits import limit_state, month_before, one_year_after
from weibao.protection.models import ProtectionRecord
from weibao.visits.models import RETURNED_HOME, VisitDue

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def case_a(uncategorised_case_a):
    return uncategorised_case_a


def start(actor, case, **overrides) -> ProtectionRecord:
    kwargs = {
        "ground": "guardian_neglect",
        "placement": "foster_family",
        "placement_detail": SECRET_PLACE,
        "started_on": today() - dt.timedelta(days=40),
    }
    kwargs.update(overrides)
    if kwargs["started_on"] is not None:
        opened_on(case, kwargs["started_on"])
    return protection.protection_start(actor=actor, case=case, **kwargs)


def assess(actor, record, **overrides) -> ProtectionRecord:
    kwargs = {
        "assessed_on": today() - dt.timedelta(days=2),
        "result": "capable",
        "notes": "Mother has stable work and completed parenting guidance.",
    }
    kwargs.update(overrides)
    return protection.protection_assess_capacity(actor=actor, record=record, **kwargs)


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_on", "limit"),
    [
        (dt.date(2026, 3, 15), dt.date(2027, 3, 15)),
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28)),  # no 29 February next year
        (dt.date(2023, 2, 28), dt.date(2024, 2, 28)),
        (dt.date(2025, 12, 31), dt.date(2026, 12, 31)),
    ],
)
def test_the_one_year_limit_is_the_same_day_a_year_later(start_on, limit):
    assert one_year_after(start_on) == limit


@pytest.mark.parametrize(
    ("day", "before"),
    [
        (dt.date(2027, 3, 31), dt.date(2027, 2, 28)),
        (dt.date(2028, 3, 31), dt.date(2028, 2, 29)),
        (dt.date(2027, 1, 15), dt.date(2026, 12, 15)),
        (dt.date(2025, 2, 28), dt.date(2025, 1, 28)),
    ],
)
def test_a_month_before_is_clamped_to_the_shorter_month(day, before):
    assert month_before(day) == before


def test_a_start_on_29_february_has_its_limit_on_28_february(supervisor, case_a):
    record = start(supervisor, case_a, started_on=dt.date(2024, 2, 29))
    assert record.limit_on == dt.date(2025, 2, 28)


def test_the_limit_state_is_amber_a_month_before_and_red_after(supervisor, case_a):
    record = start(supervisor, case_a, started_on=dt.date(2026, 3, 31))
    assert record.limit_on == dt.date(2027, 3, 31)
    assert limit_state(record, dt.date(2027, 2, 27)) == ""
    assert limit_state(record, dt.date(2027, 2, 28)) == "near"
    assert limit_state(record, dt.date(2027, 3, 31)) == "near"
    assert limit_state(record, dt.date(2027, 4, 1)) == "past"
    record.ended_on = dt.date(2026, 9, 1)
    assert limit_state(record, dt.date(2027, 4, 1)) == ""


# --- who may record -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "district_officer"])
def test_the_supervisor_and_district_staff_record_temporary_guardianship(personas, case_a, who):
    record = start(personas[who], case_a)
    assert record.case == case_a and record.child == case_a.child
    assert record.limit_on == one_year_after(record.started_on)
    assert (record.district_id, record.subdistrict_id, record.community_id) == (
        case_a.district_id,
        case_a.subdistrict_id,
        case_a.community_id,
    )
    assert record.recorded_by == personas[who]


@pytest.mark.parametrize("who", ["director_a", "director_b", "director_elsewhere", "unassigned"])
def test_the_owner_and_people_outside_the_case_cannot_start_it(personas, case_a, who):
    # Civil affairs decides temporary guardianship: the owning director follows, not records.
    with pytest.raises(PermissionDenied):
        start(personas[who], case_a)
    assert not ProtectionRecord.objects.exists()


@pytest.mark.parametrize("who", ["director_a", "director_b", "director_elsewhere", "unassigned"])
def test_only_the_supervisor_and_district_assess_and_end(personas, supervisor, case_a, who):
    record = start(supervisor, case_a)
    with pytest.raises(PermissionDenied):
        assess(personas[who], record)
    with pytest.raises(PermissionDenied):
        protection.protection_end(
            actor=personas[who], record=record, ended_on=today(), end_reason="other", note="x"
        )
    record.refresh_from_db()
    assert record.capacity_assessed_on is None and record.ended_on is None


# --- starting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"started_on": dt.date.today() + dt.timedelta(days=400)}, "started_on"),
        ({"started_on": dt.date(2015, 5, 31)}, "started_on"),  # before the child was born
        ({"started_on": None}, "started_on"),
        ({"ground": "nonsense"}, "ground"),
        ({"placement": ""}, "placement"),
        ({"placement_detail": "x" * 1001}, "placement_detail"),
    ],
)
def test_bad_start_input_is_refused_field_by_field(supervisor, case_a, overrides, field):
    with pytest.raises(ValidationError) as exc:
        start(supervisor, case_a, **overrides)
    assert field in error_dict(exc)
    assert not ProtectionRecord.objects.exists()


def test_a_start_after_the_child_turned_18_is_refused(supervisor, district_officer, make_child):
    child = make_child("community_a", birth_date=dt.date(today().year - 17, 1, 1))
    case = case_open(actor=district_officer, child=child)
    # The child turned 18 since the case was opened.
    Child.objects.filter(pk=child.pk).update(birth_date=dt.date(today().year - 19, 1, 1))
    case.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        start(supervisor, case, started_on=today() - dt.timedelta(days=10))
    assert error_dict(exc)["started_on"] == ["The child must be under 18 on the start date."]


def test_a_closed_case_gets_no_new_temporary_guardianship(supervisor, case_a):
    Case.objects.filter(pk=case_a.pk).update(
        stage="closed", closed_at=timezone.now(), closed_by=supervisor
    )
    case_a.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        start(supervisor, case_a)
    assert "closed" in error_dict(exc)["case"][0]


def test_a_child_has_one_active_temporary_guardianship_at_a_time(supervisor, case_a):
    first = start(supervisor, case_a)
    with pytest.raises(ValidationError) as exc:
        start(supervisor, case_a, started_on=today())
    assert error_dict(exc)["case"] == [
        "This child is already under temporary guardianship "
        f"(since {first.started_on.isoformat()}). End that record before starting a new one."
    ]
    protection.protection_end(
        actor=supervisor, record=first, ended_on=today(), end_reason="other", note="Moved."
    )
    second = start(supervisor, case_a, started_on=today())
    assert ProtectionRecord.objects.filter(child=case_a.child).count() == 2
    assert second.is_active and not ProtectionRecord.objects.get(pk=first.pk).is_active


def test_the_database_keeps_one_active_record_per_child_even_in_a_race(
    supervisor, case_a, monkeypatch
):
    first = start(supervisor, case_a)
    # The second request checked before the first one was saved: only the constraint is left.
    monkeypatch.setattr(protection, "active_protection", lambda child: None)
    with pytest.raises(ValidationError) as exc:
        start(supervisor, case_a)
    assert error_dict(exc)["case"] == ["Please try again."]
    monkeypatch.undo()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtectionRecord.objects.create(
            case=case_a,
            child=case_a.child,
            ground="wandering",
            placement="relatives",
            started_on=first.started_on,
            limit_on=first.limit_on,
            recorded_by=supervisor,
            district_id=case_a.district_id,
            subdistrict_id=case_a.subdistrict_id,
            community_id=case_a.community_id,
        )


def test_the_start_is_in_the_case_timeline_without_the_placement_in_clear(supervisor, case_a):
    record = start(supervisor, case_a)
    event = AuditEvent.objects.get(action="protection.start")
    assert event.case_id == case_a.pk and event.child_id == case_a.child_id
    assert event.actor == supervisor
    assert event.changes["ground"]["new"] == "guardian_neglect"
    assert event.changes["limit_on"]["new"] == record.limit_on.isoformat()
    assert event.changes["placement_detail"]["new"] == "***"
    for row in AuditEvent.objects.all():
        assert "春晖" not in str(row.changes) + row.note
    # Stored encrypted, read back in clear.
    assert ProtectionRecord.objects.get(pk=record.pk).placement_detail == SECRET_PLACE


# --- capacity assessment --------------------------------------------------------------------


def test_the_assessment_needs_notes_a_result_and_a_sensible_date(supervisor, case_a):
    record = start(supervisor, case_a)
    cases = [
        ({"notes": "   "}, "notes"),
        ({"result": "maybe"}, "result"),
        ({"assessed_on": today() + dt.timedelta(days=1)}, "assessed_on"),
        ({"assessed_on": record.started_on - dt.timedelta(days=1)}, "assessed_on"),
    ]
    for overrides, field in cases:
        with pytest.raises(ValidationError) as exc:
            assess(supervisor, record, **overrides)
        assert field in error_dict(exc), overrides
    record.refresh_from_db()
    assert record.capacity_assessed_on is None and record.version == 1


def test_the_assessment_can_be_redone_and_the_latest_counts(supervisor, district_officer, case_a):
    record = start(supervisor, case_a)
    record = assess(supervisor, record, result="not_capable", assessed_on=today() - dt.timedelta(5))
    record = assess(district_officer, record, result="capable_with_support", assessed_on=today())
    record.refresh_from_db()
    assert (record.capacity_result, record.capacity_assessed_on) == (
        "capable_with_support",
        today(),
    )
    assert record.capacity_assessed_by == district_officer and record.version == 3
    events = AuditEvent.objects.filter(action="protection.assess", case=case_a).order_by("id")
    assert [e.changes["capacity_result"] for e in events] == [
        {"old": None, "new": "not_capable"},
        {"old": "not_capable", "new": "capable_with_support"},
    ]


def test_a_stale_assessment_is_a_conflict(supervisor, case_a):
    record = start(supervisor, case_a)
    assess(supervisor, record, expected_version=1)
    with pytest.raises(ConflictError):
        assess(supervisor, record, result="not_capable", expected_version=1)
    record.refresh_from_db()
    assert record.capacity_result == "capable"


# --- ending and return home -----------------------------------------------------------------


def end(actor, record, **overrides) -> ProtectionRecord:
    kwargs = {"ended_on": today(), "end_reason": "returned_home", "note": ""}
    kwargs.update(overrides)
    return protection.protection_end(actor=actor, record=record, **kwargs)


def test_return_home_is_refused_without_an_assessment(supervisor, case_a):
    record = start(supervisor, case_a)
    with pytest.raises(ValidationError) as exc:
        end(supervisor, record)
    assert "guardianship-capacity assessment" in error_dict(exc)["end_reason"][0]
    record.refresh_from_db()
    assert record.ended_on is None
    assert not VisitDue.objects.filter(child=case_a.child).exists()


def test_return_home_is_refused_when_the_guardian_was_found_unable(supervisor, case_a):
    record = assess(supervisor, start(supervisor, case_a), result="not_capable")
    with pytest.raises(ValidationError) as exc:
        end(supervisor, record)
    assert "not able to care" in error_dict(exc)["end_reason"][0]


def test_return_home_needs_the_assessment_on_or_before_the_return(supervisor, case_a):
    record = assess(supervisor, start(supervisor, case_a), assessed_on=today())
    with pytest.raises(ValidationError) as exc:
        end(supervisor, record, ended_on=today() - dt.timedelta(days=1))
    assert "on or before" in error_dict(exc)["end_reason"][0]


@pytest.mark.parametrize("result", ["capable", "capable_with_support"])
def test_return_home_after_a_favourable_assessment_starts_monthly_follow_up(
    supervisor, case_a, result
):
    returned = today() - dt.timedelta(days=1)
    record = assess(supervisor, start(supervisor, case_a), result=result)
    record = end(supervisor, record, ended_on=returned)
    assert (record.ended_on, record.end_reason, record.is_active) == (
        returned,
        "returned_home",
        False,
    )
    child = case_a.child
    child.refresh_from_db()
    assert child.returned_home_on == returned
    due = VisitDue.objects.get(child=child, state="open")
    assert (due.reason, due.due_date) == (RETURNED_HOME, add_months(returned, 1))
    event = AuditEvent.objects.get(action="protection.end")
    assert event.case_id == case_a.pk
    assert event.changes["end_reason"]["new"] == "returned_home"
    assert AuditEvent.objects.filter(action="child.returned_home", child=child).exists()


@pytest.mark.parametrize("reason", ["long_term", "other"])
def test_long_term_or_other_endings_need_a_note_and_start_no_follow_up(supervisor, case_a, reason):
    record = start(supervisor, case_a)
    with pytest.raises(ValidationError) as exc:
        end(supervisor, record, end_reason=reason, note=" ")
    assert "note" in error_dict(exc)
    record = end(supervisor, record, end_reason=reason, note="Court appointed civil affairs.")
    assert record.end_note == "Court appointed civil affairs."
    case_a.child.refresh_from_db()
    assert case_a.child.returned_home_on is None
    assert not VisitDue.objects.filter(child=case_a.child, reason=RETURNED_HOME).exists()


def test_an_ended_record_cannot_be_ended_or_assessed_again(supervisor, case_a):
    record = end(supervisor, start(supervisor, case_a), end_reason="other", note="Adopted.")
    with pytest.raises(ValidationError) as exc:
        end(supervisor, record, end_reason="other", note="again")
    assert "state" in error_dict(exc)
    with pytest.raises(ValidationError):
        assess(supervisor, record)


def test_bad_end_dates_are_refused(supervisor, case_a):
    record = start(supervisor, case_a)
    for ended_on in (today() + dt.timedelta(days=1), record.started_on - dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            end(supervisor, record, ended_on=ended_on, end_reason="other", note="x")
        assert "ended_on" in error_dict(exc)


def test_a_stale_end_is_a_conflict(supervisor, case_a):
    record = assess(supervisor, start(supervisor, case_a))
    with pytest.raises(ConflictError):
        end(supervisor, record, expected_version=1)
    assert ProtectionRecord.objects.get(pk=record.pk).ended_on is None


def test_a_start_more_than_30_days_before_the_case_was_opened_is_refused(supervisor, case_a):
    opened = timezone.localdate(case_a.opened_at)
    with pytest.raises(ValidationError) as exc:
        protection.protection_start(
            actor=supervisor, case=case_a, ground="guardian_neglect", placement="foster_family",
            started_on=opened - dt.timedelta(days=31),
        )  # fmt: skip
    assert error_dict(exc)["started_on"] == [
        f"The date cannot be before {(opened - dt.timedelta(days=30)).isoformat()} "
        "(30 days before the case was opened)."
    ]
    record = protection.protection_start(
        actor=supervisor, case=case_a, ground="guardian_neglect", placement="foster_family",
        started_on=opened - dt.timedelta(days=30),
    )  # fmt: skip
    assert record.started_on == opened - dt.timedelta(days=30)
