"""What closing a case needs (docs/domain.md §7.5, §7.7): the plan's services done or cancelled
with a reason, a service recorded, the follow-up's home visits (a number each district sets) —
or, right after the assessment, a listed reason why no protection is needed. Checked by the
services (Blocked with a code; 409 in the API), shown on the case page before anyone types."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.cases.helpers import (
    a_home_visit,
    a_plan,
    fresh,
    put_in_stage,
    ready_to_close,
    take,
)
from tests.conftest import api_client, web_client
from weibao.audit.models import AuditEvent
from weibao.cases import services
from weibao.cases.blockers import close_problems
from weibao.cases.choices import NoNeedReason, PlannedServiceStatus, Stage
from weibao.cases.models import Case, CasePolicy, PlannedService
from weibao.cases.plans import plan_save
from weibao.cases.selectors import current_plan
from weibao.core.exceptions import Blocked
from weibao.partners.choices import ServiceType
from weibao.visits.models import Visit

pytestmark = pytest.mark.usefixtures("english")

URL = "/api/v1/cases/"


def codes(case: Case) -> list[str]:
    return [problem.code for problem in close_problems(fresh(case))]


def refused_with(actor, case: Case, name: str = "request_close") -> Blocked:
    with pytest.raises(Blocked) as exc:
        take(actor, case, name)
    return exc.value


def in_tracking(case: Case, director) -> Case:
    """A case in 跟踪 with a plan and everything closing needs."""
    a_plan(director, case)
    return ready_to_close(put_in_stage(case, Stage.TRACKING))


def close_action(page: str) -> str:
    action = page[page.index('class="action action-request_close') :]
    return action[: action.index("</details>")]


# --- (a) the plan's services --------------------------------------------------------------


def test_a_case_with_a_planned_item_cannot_ask_to_close(case_a, director_a):
    case = in_tracking(case_a, director_a)
    a_plan(director_a, case)  # a second version: its one service is planned again

    exc = refused_with(director_a, case)

    assert exc.code == "plan_items_open"
    assert "1 planned service is not finished (Family guardianship guidance)" in exc.message
    assert fresh(case).stage == Stage.TRACKING


def test_an_item_in_progress_also_stops_closing_and_a_cancelled_one_with_a_reason_does_not(
    case_a, director_a
):
    case = in_tracking(case_a, director_a)
    item = current_plan(case).services.get()
    PlannedService.objects.filter(pk=item.pk).update(status=PlannedServiceStatus.IN_PROGRESS)
    assert codes(case) == ["plan_items_open"]
    PlannedService.objects.filter(pk=item.pk).update(
        status=PlannedServiceStatus.CANCELLED, cancel_reason="The family moved the child."
    )
    assert codes(case) == []


def test_an_item_cancelled_without_a_reason_still_stops_closing(case_a, director_a):
    # Rows written before the reason was required.
    case = in_tracking(case_a, director_a)
    current_plan(case).services.update(status=PlannedServiceStatus.CANCELLED, cancel_reason="")
    assert codes(case) == ["plan_items_open"]


# --- (b) a service recorded ---------------------------------------------------------------


def test_a_case_without_a_service_record_cannot_ask_to_close(case_a, director_a):
    case = in_tracking(case_a, director_a)
    case.service_records.all().delete()

    exc = refused_with(director_a, case)

    assert exc.code == "service_record_missing"
    assert "No service has been recorded on this case" in exc.message


def test_a_voided_service_record_does_not_count_for_closing(case_a, director_a):
    case = in_tracking(case_a, director_a)
    case.service_records.update(
        voided_at=timezone.now(), voided_by=director_a, void_reason="Wrong child."
    )
    assert codes(case) == ["service_record_missing"]


# --- (c) the follow-up --------------------------------------------------------------------


def test_a_case_that_never_started_the_follow_up_cannot_ask_to_close(case_a, director_a):
    case = in_tracking(case_a, director_a)
    Case.objects.filter(pk=case.pk).update(stage=Stage.SERVING, tracking_since=None)

    exc = refused_with(director_a, fresh(case))

    assert exc.code == "follow_up_missing"
    assert "The follow-up has not started" in exc.message


def test_only_home_visits_since_the_follow_up_began_count(case_a, director_a):
    case = in_tracking(case_a, director_a)
    Visit.objects.filter(child=case.child).delete()
    a_home_visit(case, timezone.localdate() - dt.timedelta(days=1))  # during the services
    phone = a_home_visit(case)
    Visit.objects.filter(pk=phone.pk).update(kind=Visit.Kind.PHONE)

    exc = refused_with(director_a, case)

    assert exc.code == "follow_up_missing"
    assert "needs 1 completed home visit of the child since" in exc.message
    assert "0 so far" in exc.message
    a_home_visit(case)
    assert codes(case) == []


def test_a_visit_made_earlier_on_the_day_the_follow_up_began_is_not_a_follow_up(case_a, director_a):
    case = in_tracking(case_a, director_a)
    Visit.objects.filter(child=case.child).delete()
    earlier = a_home_visit(case)  # the visit that found the risk, this morning
    Visit.objects.filter(pk=earlier.pk).update(
        completed_at=case.tracking_since - dt.timedelta(hours=2)
    )
    assert codes(case) == ["follow_up_missing"]
    a_home_visit(case)
    assert codes(case) == []


def test_entering_the_follow_up_starts_its_count_and_resuming_services_clears_it(
    case_a, director_a
):
    a_plan(director_a, case_a)
    case = put_in_stage(case_a, Stage.SERVING)
    case = take(director_a, case, "track")
    assert case.tracking_since is not None
    case = take(director_a, case, "resume_services")
    assert fresh(case).tracking_since is None


def test_the_district_setting_changes_how_many_follow_up_visits_closing_needs(
    case_a, director_a, district_officer, areas
):
    case = in_tracking(case_a, director_a)
    assert codes(case) == []

    services.case_policy_update(
        actor=district_officer, district=areas["district"], follow_up_visits=2
    )

    exc = refused_with(director_a, case)
    assert exc.code == "follow_up_missing"
    assert "needs 2 completed home visits" in exc.message
    a_home_visit(case)
    assert take(director_a, case, "request_close").stage == Stage.CLOSING


def test_only_district_staff_change_the_closing_rules_within_their_limits(
    district_officer, supervisor, areas
):
    district = areas["district"]
    with pytest.raises(PermissionDenied):
        services.case_policy_update(actor=supervisor, district=district, follow_up_visits=2)
    with pytest.raises(ValidationError):
        services.case_policy_update(actor=district_officer, district=district, follow_up_visits=0)
    policy = services.case_policy_update(
        actor=district_officer, district=district, follow_up_visits=3
    )
    assert (
        CasePolicy.objects.get(district=district).follow_up_visits == 3 == policy.follow_up_visits
    )
    assert AuditEvent.objects.filter(action="case.policy").exists()


def test_district_staff_edit_the_closing_rules_on_their_page(district_officer, areas):
    district = areas["district"]
    client = web_client(district_officer)
    assert "/cases/closing-rules/" in client.get("/cases/").content.decode()
    assert client.get("/cases/closing-rules/").status_code == 200
    field = f"d{district.pk}-follow_up_visits"
    response = client.post("/cases/closing-rules/", {"district": district.pk, field: "13"})
    assert response.status_code == 200
    assert "less than or equal to 12" in response.content.decode()
    response = client.post("/cases/closing-rules/", {"district": district.pk, field: "2"})
    assert response.status_code == 302
    assert CasePolicy.objects.get(district=district).follow_up_visits == 2


@pytest.mark.parametrize(
    "persona", ["supervisor", "station_staff", "director_a", "director_elsewhere", "unassigned"]
)
def test_the_closing_rules_page_is_a_404_for_everyone_but_district_staff(
    all_personas, persona, areas
):
    client = web_client(all_personas[persona])
    assert client.get("/cases/closing-rules/").status_code == 404
    response = client.post("/cases/closing-rules/", {"district": areas["district"].pk})
    assert response.status_code == 404


# --- all of them, and approval -----------------------------------------------------------


def test_everything_missing_is_named_one_sentence_a_line(case_a, director_a):
    a_plan(director_a, case_a)
    case = put_in_stage(case_a, Stage.SERVING)

    exc = refused_with(director_a, case)

    lines = exc.message.split("\n")
    assert len(lines) == 3
    assert lines[0].startswith("1 planned service is not finished")
    assert lines[1].startswith("No service has been recorded")
    assert lines[2].startswith("The follow-up has not started")
    assert exc.code == "plan_items_open"  # the first thing to do


def test_approving_checks_again_what_closing_needs(case_a, director_a, supervisor):
    case = take(director_a, in_tracking(case_a, director_a), "request_close")
    a_plan(director_a, case)  # a service added to the plan while the request waited

    exc = refused_with(supervisor, case, "approve_close")

    assert exc.code == "plan_items_open"
    assert fresh(case).stage == Stage.CLOSING
    # Refusing is still possible: the case goes back to the follow-up.
    assert take(supervisor, case, "reject_close").stage == Stage.TRACKING


@pytest.mark.parametrize(
    "undo,code",
    [
        (lambda case: current_plan(case).services.update(status="planned"), "plan_items_open"),
        (lambda case: case.service_records.all().delete(), "service_record_missing"),
        (lambda case: Visit.objects.filter(child=case.child).delete(), "follow_up_missing"),
    ],
)
def test_the_api_answers_409_with_the_code_of_what_is_missing(case_a, director_a, undo, code):
    case = in_tracking(case_a, director_a)
    undo(case)

    response = api_client(director_a).post(
        f"{URL}{case.pk}/request-close/", {"summary": "Safe"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert fresh(case).stage == Stage.TRACKING


def test_approving_through_the_api_checks_again(case_a, director_a, supervisor):
    case = take(director_a, in_tracking(case_a, director_a), "request_close")
    case.service_records.all().delete()

    response = api_client(supervisor).post(
        f"{URL}{case.pk}/decide-close/", {"approve": True}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "service_record_missing"


def test_the_case_page_shows_asking_to_close_disabled_with_what_is_missing(case_a, director_a):
    a_plan(director_a, case_a)
    case = put_in_stage(case_a, Stage.SERVING)

    action = close_action(web_client(director_a).get(f"/cases/{case.pk}/").content.decode())

    assert 'disabled aria-describedby="blocked-request_close"' in action
    assert "<textarea" not in action
    assert "1 planned service is not finished (Family guardianship guidance)" in action
    assert "No service has been recorded on this case" in action
    assert "The follow-up has not started" in action
    assert "<br>" in action  # one line each


def test_the_case_page_offers_asking_to_close_once_everything_is_there(case_a, director_a):
    case = in_tracking(case_a, director_a)
    page = web_client(director_a).get(f"/cases/{case.pk}/?step=request_close").content.decode()
    action = close_action(page)
    assert "blocked-request_close" not in action
    assert f'action="/cases/{case.pk}/request-close/"' in action
    assert "no_need_reason" not in action  # only offered after the assessment


# --- no protection need (无保护需求) -------------------------------------------------------


def test_an_assessed_case_closes_for_no_protection_need_with_a_listed_reason(
    case_a, director_a, supervisor
):
    case = put_in_stage(case_a, Stage.ASSESSED)

    case = services.case_request_close(
        actor=director_a,
        case=case,
        summary="The neighbour looked after the child.",
        no_need_reason=NoNeedReason.CARE_RESTORED,
    )
    # No plan, no service, no follow-up: the approval does not ask for them either.
    case = take(supervisor, case, "approve_close")

    assert case.stage == Stage.CLOSED
    assert Case.objects.filter(close_no_need_reason=NoNeedReason.CARE_RESTORED).count() == 1
    event = AuditEvent.objects.get(case=case, action="case.request_close")
    assert event.changes["close_no_need_reason"] == {"old": None, "new": "care_restored"}
    timeline = web_client(director_a).get(f"/cases/{case.pk}/timeline/").content.decode()
    assert "no protection need" in timeline
    assert "The family again cares for the child properly" in timeline
    page = web_client(director_a).get(f"/cases/{case.pk}/").content.decode()
    assert "The family again cares for the child properly" in page


@pytest.mark.parametrize("stage", [Stage.INTERVENING, Stage.SERVING, Stage.TRACKING])
def test_no_protection_need_is_refused_after_the_assessed_stage(case_a, director_a, stage):
    case = ready_to_close(put_in_stage(case_a, stage))
    with pytest.raises(ValidationError) as exc:
        services.case_request_close(
            actor=director_a, case=case, summary="Safe.", no_need_reason="no_harm_found"
        )
    assert "Only a case at the stage" in exc.value.message_dict["no_need_reason"][0]
    assert fresh(case).stage == stage


@pytest.mark.parametrize("reason,message", [("", "Please choose why"), ("bored", "from the list")])
def test_an_assessed_case_cannot_ask_to_close_without_a_listed_reason(
    case_a, director_a, reason, message
):
    case = put_in_stage(case_a, Stage.ASSESSED)
    with pytest.raises(ValidationError) as exc:
        services.case_request_close(
            actor=director_a, case=case, summary="Safe.", no_need_reason=reason
        )
    assert message in exc.value.message_dict["no_need_reason"][0]
    assert fresh(case).stage == Stage.ASSESSED


def test_the_close_form_offers_the_reasons_only_at_the_assessed_stage(case_a, director_a):
    client = web_client(director_a)
    case = put_in_stage(case_a, Stage.ASSESSED)
    action = close_action(client.get(f"/cases/{case.pk}/?step=request_close").content.decode())
    assert 'name="request_close-no_need_reason"' in action
    assert "blocked-request_close" not in action
    assert "Other (explain it in the closing summary)" in action

    response = client.post(
        f"/cases/{case.pk}/request-close/",
        {"request_close-version": str(case.version), "request_close-summary": "All fine."},
    )
    assert response.status_code == 200
    assert "Please choose why the case needs no protection." in response.content.decode()
    assert "All fine.</textarea>" in response.content.decode()

    response = client.post(
        f"/cases/{case.pk}/request-close/",
        {
            "request_close-version": str(case.version),
            "request_close-summary": "All fine.",
            "request_close-no_need_reason": "no_harm_found",
        },
    )
    assert response.status_code == 302
    assert fresh(case).close_no_need_reason == "no_harm_found"


def test_the_api_takes_the_no_need_reason_on_the_closing_request(case_a, director_a):
    client = api_client(director_a)
    serving = put_in_stage(case_a, Stage.SERVING)
    response = client.post(
        f"{URL}{serving.pk}/request-close/",
        {"summary": "Safe", "no_need_reason": "moved_away"},
        format="json",
    )
    assert response.status_code == 400
    assert "no_need_reason" in response.json()

    case = put_in_stage(case_a, Stage.ASSESSED)
    response = client.post(f"{URL}{case.pk}/request-close/", {"summary": "Safe"}, format="json")
    assert response.status_code == 400
    assert "no_need_reason" in response.json()

    response = client.post(
        f"{URL}{case.pk}/request-close/",
        {"summary": "Moved to Beijing.", "no_need_reason": "moved_away"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == Stage.CLOSING
    assert response.json()["close_no_need_reason"] == "moved_away"


def test_refusing_or_reopening_clears_the_no_need_reason(case_a, director_a, supervisor):
    case = take(director_a, put_in_stage(case_a, Stage.ASSESSED), "request_close")
    assert case.close_no_need_reason == "no_harm_found"
    case = take(supervisor, case, "reject_close")
    assert case.stage == Stage.ASSESSED and case.close_no_need_reason == ""
    case = take(supervisor, take(director_a, case, "request_close"), "approve_close")
    case = take(director_a, case, "reopen")
    assert case.close_no_need_reason == ""


# --- cancelling a planned service needs a reason -----------------------------------------


def one_service(**overrides) -> dict:
    return {
        "service_type": ServiceType.EDUCATION,
        "responsible_user": None,
        "due_on": timezone.localdate() + dt.timedelta(days=7),
        **overrides,
    }


def test_cancelling_a_planned_service_needs_a_reason(case_a, director_a):
    item = one_service(responsible_user=director_a, status="cancelled")
    with pytest.raises(ValidationError) as exc:
        a_plan(director_a, case_a, services=[item])
    assert (
        "Please say why this service is cancelled."
        in (exc.value.message_dict["services.0.cancel_reason"])
    )
    plan = a_plan(director_a, case_a, services=[{**item, "cancel_reason": "School offers it."}])
    assert plan.services.get().cancel_reason == "School offers it."


def test_cancelling_without_a_reason_is_a_field_error_on_the_page_and_in_the_api(
    case_a, director_a
):
    plan = a_plan(director_a, case_a)
    [item] = plan.services.all()
    row = {
        "services-TOTAL_FORMS": "1", "services-INITIAL_FORMS": "1",
        "services-MIN_NUM_FORMS": "0", "services-MAX_NUM_FORMS": "30",
        "goals": plan.goals, "review_on": plan.review_on.isoformat(), "expected_number": "1",
        "services-0-service_type": item.service_type,
        "services-0-responsible_user": str(director_a.pk),
        "services-0-due_on": item.due_on.isoformat(), "services-0-status": "cancelled",
        "services-0-id": str(item.pk), "services-0-shown_status": "planned",
    }  # fmt: skip
    response = web_client(director_a).post(f"/cases/{case_a.pk}/plan/", row)
    assert response.status_code == 200
    assert "Please say why this service is cancelled." in response.content.decode()
    row["services-0-cancel_reason"] = "The school tutors the child."
    assert web_client(director_a).post(f"/cases/{case_a.pk}/plan/", row).status_code == 302
    [saved] = current_plan(case_a).services.all()
    assert (saved.status, saved.cancel_reason) == ("cancelled", "The school tutors the child.")
    # The plan shows why.
    page = web_client(director_a).get(f"/cases/{case_a.pk}/").content.decode()
    assert "The school tutors the child." in page

    response = api_client(director_a).post(
        f"{URL}{case_a.pk}/plan/",
        {
            "goals": "Care", "review_on": plan.review_on.isoformat(), "expected_number": 2,
            "services": [{"service_type": "education", "responsible_user": director_a.pk,
                          "due_on": item.due_on.isoformat(), "status": "cancelled"}],
        },
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "services.0.cancel_reason" in response.json()


# --- a new version of the plan keeps the progress of its services -----------------------


def test_a_new_plan_version_carries_forward_the_progress_of_the_services_it_continues(
    case_a, director_a
):
    [item] = a_plan(director_a, case_a).services.all()
    PlannedService.objects.filter(pk=item.pk).update(status=PlannedServiceStatus.IN_PROGRESS)

    plan = plan_save(
        actor=director_a,
        case=case_a,
        goals="Care",
        review_on=item.plan.review_on,
        services=[
            one_service(responsible_user=director_a, id=item.pk),
            one_service(responsible_user=director_a),
        ],
    )

    statuses = [s.status for s in plan.services.order_by("id")]
    assert statuses == ["in_progress", "planned"]
    assert PlannedService.objects.get(pk=item.pk).status == "in_progress"  # history kept


def test_the_plan_page_keeps_progress_made_while_it_was_open_unless_the_status_was_changed(
    case_a, director_a
):
    plan = a_plan(director_a, case_a)
    [item] = plan.services.all()
    page = web_client(director_a).get(f"/cases/{case_a.pk}/plan/").content.decode()
    assert f'name="services-0-id" value="{item.pk}"' in page
    assert 'name="services-0-shown_status" value="planned"' in page
    # A service record completes the item while the page is open.
    PlannedService.objects.filter(pk=item.pk).update(status=PlannedServiceStatus.DONE)
    row = {
        "services-TOTAL_FORMS": "1", "services-INITIAL_FORMS": "1",
        "services-MIN_NUM_FORMS": "0", "services-MAX_NUM_FORMS": "30",
        "goals": "Care, reviewed", "review_on": plan.review_on.isoformat(),
        "expected_number": "1", "services-0-service_type": item.service_type,
        "services-0-responsible_user": str(director_a.pk),
        "services-0-due_on": item.due_on.isoformat(), "services-0-status": "planned",
        "services-0-id": str(item.pk), "services-0-shown_status": "planned",
    }  # fmt: skip
    assert web_client(director_a).post(f"/cases/{case_a.pk}/plan/", row).status_code == 302
    assert current_plan(case_a).services.get().status == "done"
    # A status the user did change is theirs.
    item = current_plan(case_a).services.get()
    row |= {"expected_number": "2", "services-0-id": str(item.pk),
            "services-0-shown_status": "done", "services-0-status": "in_progress"}  # fmt: skip
    assert web_client(director_a).post(f"/cases/{case_a.pk}/plan/", row).status_code == 302
    assert current_plan(case_a).services.get().status == "in_progress"


def test_continuing_a_service_that_is_not_in_the_current_plan_is_a_field_error(
    case_a, case_b, director_a, director_b
):
    [other] = a_plan(director_b, case_b).services.all()
    with pytest.raises(ValidationError) as exc:
        a_plan(director_a, case_a, services=[one_service(responsible_user=director_a, id=other.pk)])
    assert "services.0.id" in exc.value.message_dict
