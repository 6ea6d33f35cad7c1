"""The case workflow (workflow.CASE) through the services: every transition from every stage by
every role, the guards around it, one open case per child, and the notifications sent.

The helpers (and the expected table) shared with the other case tests are in
tests/cases/helpers.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from tests.cases.helpers import (
    EXPECTED_TABLE,
    IN_SCOPE,
    S,
    a_plan,
    fresh,
    put_in_stage,
    ready_to_close,
    take,
)
from weibao.audit.models import AuditEvent
from weibao.cases import services, workflow
from weibao.cases.choices import RiskLevel, Stage
from weibao.cases.models import Case
from weibao.cases.selectors import (
    case_get_for_user,
    case_roles,
    cases_visible_to,
    eligible_owners,
)
from weibao.core.exceptions import Blocked, ConflictError
from weibao.notifications.models import Notification

pytestmark = pytest.mark.usefixtures("english")


# --- the table itself ---------------------------------------------------------------------


def test_the_case_table_is_the_closed_loop_with_approval():
    table = {
        name: (set(t.sources), t.target, t.roles) for name, t in workflow.CASE.transitions.items()
    }
    assert table == EXPECTED_TABLE
    assert {"owner", "staff", "supervisor", "district"} == workflow.WORKERS
    assert {"supervisor", "district"} == workflow.APPROVERS


# --- every transition, every stage, every role ------------------------------------------------

OUT_OF_SCOPE = ["director_a2", "director_b", "director_elsewhere", "unassigned"]


def test_each_persona_has_the_roles_the_matrix_assumes(
    case_a, director_a, station_staff, supervisor, district_officer
):
    people = {
        "director_a": director_a,
        "station_staff": station_staff,
        "supervisor": supervisor,
        "district_officer": district_officer,
    }
    for name, roles in IN_SCOPE.items():
        assert case_roles(people[name], case_a) == roles, name


def expected_outcome(name: str, stage: str, roles: set[str]) -> str:
    sources, _target, allowed = EXPECTED_TABLE[name]
    if not roles & allowed:
        return "forbidden"
    if stage in sources:
        return "allowed"
    if name == "assess" and stage in services.REASSESS_STAGES:
        return "reassess"
    return "invalid"


@pytest.mark.parametrize("persona", list(IN_SCOPE))
@pytest.mark.parametrize("stage", Stage.values)
@pytest.mark.parametrize("name", list(EXPECTED_TABLE))
def test_every_transition_from_every_stage_by_every_role(
    request, case_a, director_a, name, stage, persona
):
    actor = request.getfixturevalue(persona)
    requester = request.getfixturevalue("station_staff") if persona != "station_staff" else None
    a_plan(director_a, case_a)  # so that "intervene" is only about the table
    if name in ("request_close", "approve_close"):
        ready_to_close(case_a)  # ... and closing too
    case = put_in_stage(case_a, stage, requester=requester or director_a)
    before_events = AuditEvent.objects.filter(case=case).count()
    outcome = expected_outcome(name, stage, IN_SCOPE[persona])

    if outcome == "forbidden":
        with pytest.raises(PermissionDenied):
            take(actor, case, name)
    elif outcome == "invalid":
        with pytest.raises(ValidationError) as exc:
            take(actor, case, name)
        assert "state" in exc.value.message_dict
    else:
        result = take(actor, case, name)
        target = EXPECTED_TABLE[name][1]
        if outcome == "reassess":
            target = stage
        elif name == "reject_close":
            target = Stage.SERVING  # back where the case was when closing was asked
        assert result.stage == target
        assert fresh(case).stage == target
        event = AuditEvent.objects.filter(case=case).latest("id")
        assert event.actor == actor
        assert event.action == f"case.{'reject_close' if name == 'reject_close' else name}"
        return
    assert fresh(case).stage == stage
    assert AuditEvent.objects.filter(case=case).count() == before_events


@pytest.mark.parametrize("persona", OUT_OF_SCOPE)
@pytest.mark.parametrize("name", list(EXPECTED_TABLE))
def test_people_outside_the_case_cannot_even_find_it(request, case_a, name, persona):
    actor = request.getfixturevalue(persona)
    source = sorted(EXPECTED_TABLE[name][0])[0]
    case = put_in_stage(case_a, source)
    assert case_roles(actor, case) == set()
    assert not cases_visible_to(actor).filter(pk=case.pk).exists()
    with pytest.raises(Http404):
        case_get_for_user(actor, case.pk)
    # Even called directly, the service refuses them.
    with pytest.raises(PermissionDenied):
        take(actor, case, name)


def test_a_director_not_on_the_team_does_not_see_a_case_of_their_own_area(
    case_a, director_a, director_a2, supervisor
):
    # director_a2 took up the 居民区 after the case was opened: not on its team.
    assert cases_visible_to(director_a).filter(pk=case_a.pk).exists()
    assert not cases_visible_to(director_a2).exists()
    # Handed to the other director, the case gains its new owner; the former owner stays on
    # the team as the 居民区's director.
    services.case_assign(actor=supervisor, case=case_a, owner=director_a2)
    assert cases_visible_to(director_a2).filter(pk=case_a.pk).exists()
    assert cases_visible_to(director_a).filter(pk=case_a.pk).exists()


# --- guards -----------------------------------------------------------------------------------


def test_the_intervention_needs_a_plan(case_a, director_a):
    case = put_in_stage(case_a, Stage.ASSESSED)
    with pytest.raises(Blocked) as exc:
        take(director_a, case, "intervene")
    assert "plan" in exc.value.message
    a_plan(director_a, case)
    assert take(director_a, case, "intervene").stage == Stage.INTERVENING


def test_nobody_approves_their_own_closing_request(case_a, supervisor, district_officer):
    case = ready_to_close(put_in_stage(case_a, Stage.SERVING))
    case = take(supervisor, case, "request_close")
    with pytest.raises(ValidationError) as exc:
        take(supervisor, case, "approve_close")
    assert "someone other" in exc.value.message_dict["state"][0]
    with pytest.raises(ValidationError):
        take(supervisor, case, "reject_close")
    closed = take(district_officer, case, "approve_close")
    assert closed.stage == Stage.CLOSED
    assert closed.closed_by == district_officer


def test_a_refusal_needs_a_reason_and_sends_the_case_back(case_a, director_a, supervisor):
    case = take(director_a, ready_to_close(put_in_stage(case_a, Stage.TRACKING)), "request_close")
    with pytest.raises(ValidationError) as exc:
        services.case_decide_close(actor=supervisor, case=case, approve=False, note="  ")
    assert "note" in exc.value.message_dict
    case = services.case_decide_close(
        actor=supervisor, case=case, approve=False, note="Check the school first."
    )
    assert case.stage == Stage.TRACKING
    assert case.stage_before_closing == ""


@pytest.mark.parametrize(
    "stage,call,field",
    [
        (S.DISCOVERED, lambda a, c: services.case_file(actor=a, case=c, summary=" "), "summary"),
        (
            S.FILED,
            lambda a, c: services.case_assess(actor=a, case=c, risk_level="high", reasons=""),
            "reasons",
        ),
        (
            S.FILED,
            lambda a, c: services.case_assess(actor=a, case=c, risk_level="dire", reasons="x"),
            "risk_level",
        ),
        (
            S.SERVING,
            lambda a, c: services.case_request_close(actor=a, case=c, summary=""),
            "summary",
        ),
        (S.CLOSED, lambda a, c: services.case_reopen(actor=a, case=c, reason=""), "reason"),
    ],
)
def test_each_step_needs_its_text(case_a, director_a, stage, call, field):
    case = ready_to_close(put_in_stage(case_a, stage))  # closing misses only its summary
    with pytest.raises(ValidationError) as exc:
        call(director_a, case)
    assert field in exc.value.message_dict
    assert fresh(case).stage == stage


def test_a_later_assessment_keeps_the_stage_and_is_recorded(case_a, director_a):
    case = put_in_stage(case_a, Stage.SERVING)
    case = services.case_assess(
        actor=director_a, case=case, risk_level=RiskLevel.EMERGENCY, reasons="Injured."
    )
    assert case.stage == Stage.SERVING
    assert case.risk_level == RiskLevel.EMERGENCY
    event = AuditEvent.objects.filter(case=case, action="case.assess").latest("id")
    assert event.changes["risk_level"] == {"old": "medium", "new": "emergency"}
    assert "stage" not in event.changes


def test_reopening_is_refused_when_the_child_has_another_open_case(case_a, director_a):
    closed = put_in_stage(case_a, Stage.CLOSED)
    services.case_open(actor=director_a, child=closed.child)
    with pytest.raises(ValidationError) as exc:
        take(director_a, closed, "reopen")
    assert "already has an open case" in exc.value.message_dict["state"][0]
    assert fresh(closed).stage == Stage.CLOSED


def test_reopening_goes_back_to_filing_and_counts(case_a, director_a):
    case = take(director_a, put_in_stage(case_a, Stage.CLOSED), "reopen")
    assert case.stage == Stage.FILED
    assert case.reopened_count == 1
    assert case.closed_at is None and case.closed_by is None


def test_a_child_has_one_open_case(case_a, director_a, supervisor):
    with pytest.raises(ValidationError) as exc:
        services.case_open(actor=supervisor, child=case_a.child)
    assert "child" in exc.value.message_dict
    assert Case.objects.filter(child=case_a.child).count() == 1


def test_the_database_itself_refuses_a_second_open_case(case_a, director_a):
    second = Case(child=case_a.child, owner=director_a, opened_by=director_a)
    second.copy_area_of(case_a.child)
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    # Once the first is closed, a new case can be opened.
    put_in_stage(case_a, Stage.CLOSED)
    assert services.case_open(actor=director_a, child=case_a.child).pk != case_a.pk


def test_a_closed_case_needs_its_approver_in_the_database(case_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case_a.pk).update(stage=Stage.CLOSED)


def test_a_stale_version_is_a_conflict(case_a, director_a, supervisor):
    seen = case_a.version
    take(supervisor, case_a, "file")
    with pytest.raises(ConflictError):
        services.case_assess(
            actor=director_a,
            case=case_a,
            risk_level="low",
            reasons="x",
            expected_version=seen,
        )


# --- owners -----------------------------------------------------------------------------------


def test_the_eligible_owners_are_the_people_working_in_the_childs_area(
    child_a, director_a, director_b, director_elsewhere, supervisor, district_officer,
    station_staff, unassigned,
):  # fmt: skip
    owners = set(eligible_owners(child_a))
    assert owners == {director_a, supervisor, district_officer, station_staff}
    for user in owners:
        assert services.eligible_owner(user, child_a)
    for user in (director_b, director_elsewhere, unassigned):
        assert not services.eligible_owner(user, child_a)
    station_staff.is_active = False
    station_staff.save()
    assert not services.eligible_owner(station_staff, child_a)


def test_a_case_cannot_be_given_to_someone_outside_the_area(case_a, supervisor, director_b):
    with pytest.raises(ValidationError) as exc:
        services.case_assign(actor=supervisor, case=case_a, owner=director_b)
    assert "owner" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.case_open(actor=supervisor, child=case_a.child, owner=director_b)


def test_only_supervisors_and_district_staff_reassign(case_a, director_a, station_staff):
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=director_a, case=case_a, owner=station_staff)
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=station_staff, case=case_a, owner=station_staff)


# --- notifications ------------------------------------------------------------------------------


def notes(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind))


def test_the_new_owner_is_told_the_case_is_theirs(child_a, director_a, supervisor, station_staff):
    case = services.case_open(actor=supervisor, child=child_a, owner=director_a)
    [note] = notes(director_a, Notification.Kind.CASE_ASSIGNED)
    assert note.url == f"/cases/{case.pk}/"
    assert note.params == {"child": child_a.name, "case": case.reference}
    services.case_assign(actor=supervisor, case=case, owner=station_staff)
    assert len(notes(station_staff, Notification.Kind.CASE_ASSIGNED)) == 1
    # Nobody is told about their own choice.
    assert notes(supervisor, Notification.Kind.CASE_ASSIGNED) == []


def test_opening_a_case_for_yourself_sends_nothing(child_a, director_a):
    services.case_open(actor=director_a, child=child_a)
    assert not Notification.objects.filter(kind=Notification.Kind.CASE_ASSIGNED).exists()


def test_a_closing_request_goes_to_the_supervisor(case_a, director_a, supervisor, district_officer):
    take(director_a, ready_to_close(put_in_stage(case_a, Stage.TRACKING)), "request_close")
    assert len(notes(supervisor, Notification.Kind.CASE_CLOSE_REQUESTED)) == 1
    assert notes(district_officer, Notification.Kind.CASE_CLOSE_REQUESTED) == []
    assert notes(director_a, Notification.Kind.CASE_CLOSE_REQUESTED) == []


def test_the_supervisors_own_closing_request_goes_to_the_district(
    case_a, supervisor, district_officer
):
    take(supervisor, ready_to_close(put_in_stage(case_a, Stage.TRACKING)), "request_close")
    assert len(notes(district_officer, Notification.Kind.CASE_CLOSE_REQUESTED)) == 1
    assert notes(supervisor, Notification.Kind.CASE_CLOSE_REQUESTED) == []


@pytest.mark.parametrize("approve", [True, False])
def test_the_owner_and_the_requester_hear_the_decision(
    case_a, director_a, station_staff, supervisor, approve
):
    case = ready_to_close(put_in_stage(case_a, Stage.TRACKING))
    case = take(station_staff, case, "request_close")
    services.case_decide_close(actor=supervisor, case=case, approve=approve, note="Reason.")
    for user in (director_a, station_staff):
        [note] = notes(user, Notification.Kind.CASE_CLOSE_DECIDED)
        assert note.params["approved"] is approve
    assert notes(supervisor, Notification.Kind.CASE_CLOSE_DECIDED) == []


def test_deciding_a_closing_request_clears_it_from_every_approvers_bell(
    supervisor, district_officer, director_a, child_a
):
    from weibao.cases import services
    from weibao.notifications.models import Notification

    case = services.case_open(actor=supervisor, child=child_a, owner=director_a, summary="s")
    case = services.case_file(actor=director_a, case=case, summary="s")
    case = services.case_assess(actor=director_a, case=case, risk_level="low", reasons="r")
    case = services.case_request_close(
        actor=director_a, case=case, summary="done", no_need_reason="no_harm_found"
    )
    asked = Notification.objects.filter(key__startswith=f"case_close_requested:{case.pk}:")
    assert asked.filter(recipient=supervisor, read_at__isnull=True).exists()
    services.case_decide_close(actor=district_officer, case=case, approve=True)
    assert not asked.filter(read_at__isnull=True).exists()
