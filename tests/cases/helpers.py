"""What the case tests share: putting a case in a stage, a valid plan, what closing needs,
taking one transition through its service, and the case workflow's table written out by hand.
(The fixtures station_staff, director_a2 and case_a are in tests/conftest.py.)"""

import datetime as dt

from django.utils import timezone

from weibao.cases import services, workflow
from weibao.cases.choices import NoNeedReason, PlannedServiceStatus, RiskLevel, Stage
from weibao.cases.models import Case, PlannedService
from weibao.cases.plans import plan_save
from weibao.cases.selectors import UNSETTLED, current_plan
from weibao.ledger.models import ServiceRecord
from weibao.partners.choices import ServiceType
from weibao.visits.models import Visit


def fresh(case: Case) -> Case:
    return Case.objects.select_related("child").get(pk=case.pk)


def put_in_stage(case: Case, stage: str, *, requester=None, before: str = Stage.SERVING) -> Case:
    """Set a case's stage directly (with what that stage implies), to test the next step."""
    now = timezone.now()
    fields: dict = {"stage": stage}
    if stage in (Stage.CLOSING, Stage.CLOSED):
        fields |= {
            "close_summary": "The child is safe.",
            "close_requested_at": now,
            "close_requested_by": requester or case.owner,
            "stage_before_closing": before if stage == Stage.CLOSING else "",
        }
    if stage == Stage.CLOSED:
        fields |= {"closed_at": now, "closed_by": requester or case.owner}
    if stage not in (Stage.DISCOVERED, Stage.FILED):
        fields |= {"risk_level": RiskLevel.MEDIUM, "risk_reasons": "Left alone."}
    Case.objects.filter(pk=case.pk).update(**fields)
    return fresh(case)


def a_plan(actor, case: Case, **overrides):
    data = {
        "goals": "Someone looks after the child every evening.",
        "review_on": timezone.localdate() + dt.timedelta(days=30),
        "services": [
            {
                "service_type": ServiceType.GUARDIANSHIP_GUIDANCE,
                "responsible_user": case.owner,
                "due_on": timezone.localdate() + dt.timedelta(days=14),
            }
        ],
    }
    data.update(overrides)
    return plan_save(actor=actor, case=case, **data)


def a_service_record(case: Case, **overrides) -> ServiceRecord:
    """A service delivered today, written straight to the table (the ledger's own tests go
    through its service)."""
    record = ServiceRecord(
        case=case,
        child=case.child,
        delivered_on=timezone.localdate(),
        service_type=ServiceType.GUARDIANSHIP_GUIDANCE,
        provider_user=case.owner,
        duration_minutes=60,
        recorded_by=case.owner,
        district_id=case.district_id,
        subdistrict_id=case.subdistrict_id,
        community_id=case.community_id,
    )
    for name, value in overrides.items():
        setattr(record, name, value)
    record.save()
    return record


def a_home_visit(case: Case, day: dt.date | None = None) -> Visit:
    """A completed home visit of the case's child (today unless `day`)."""
    visit = Visit(
        child=case.child,
        author=case.owner,
        state=Visit.State.COMPLETED,
        kind=Visit.Kind.HOME,
        visit_date=day or timezone.localdate(),
        met_with="Mother.",
        completed_at=timezone.now(),
    )
    visit.copy_area_of(case.child)
    visit.save()
    return visit


def ready_to_close(case: Case) -> Case:
    """Give a case what closing needs (docs/domain.md §7.5): its plan's services done, a service
    recorded, the follow-up started and one home visit of the child since."""
    plan = current_plan(case)
    if plan is not None:
        PlannedService.objects.filter(plan=plan, status__in=UNSETTLED).update(
            status=PlannedServiceStatus.DONE
        )
    a_service_record(case)
    Case.objects.filter(pk=case.pk).update(tracking_since=timezone.now())
    a_home_visit(case)
    return fresh(case)


def take(actor, case: Case, name: str, **kwargs) -> Case:
    """Take one transition of workflow.CASE through its service, with valid input."""
    if name == "file":
        return services.case_file(actor=actor, case=case, summary="Summary.", **kwargs)
    if name == "assess":
        return services.case_assess(
            actor=actor, case=case, risk_level=RiskLevel.HIGH, reasons="Alone.", **kwargs
        )
    if name in services.SIMPLE_TRANSITIONS:
        return services.case_advance(actor=actor, case=case, transition=name, **kwargs)
    if name == "request_close":
        # From 评估 the only way to close is for no protection need (docs/domain.md §7.7).
        if case.stage == Stage.ASSESSED:
            kwargs.setdefault("no_need_reason", NoNeedReason.NO_HARM_FOUND)
        return services.case_request_close(actor=actor, case=case, summary="Safe.", **kwargs)
    if name in ("approve_close", "reject_close"):
        return services.case_decide_close(
            actor=actor, case=case, approve=name == "approve_close", note="Why.", **kwargs
        )
    if name == "reopen":
        return services.case_reopen(actor=actor, case=case, reason="New harm.", **kwargs)
    raise AssertionError(name)


S = Stage
W, A = workflow.WORKERS, workflow.APPROVERS
# Written out by hand: a change to the table must be a deliberate change to this test too.
EXPECTED_TABLE = {
    "file": ({S.DISCOVERED}, S.FILED, W),
    "assess": ({S.FILED}, S.ASSESSED, W),
    "intervene": ({S.ASSESSED}, S.INTERVENING, W),
    "serve": ({S.INTERVENING}, S.SERVING, W),
    "track": ({S.SERVING}, S.TRACKING, W),
    "resume_services": ({S.TRACKING}, S.SERVING, W),
    "request_close": ({S.ASSESSED, S.INTERVENING, S.SERVING, S.TRACKING}, S.CLOSING, W),
    "approve_close": ({S.CLOSING}, S.CLOSED, A),
    "reject_close": ({S.CLOSING}, S.TRACKING, A),
    "reopen": ({S.CLOSED}, S.FILED, W),
}


IN_SCOPE = {
    "director_a": {workflow.OWNER},
    "station_staff": {workflow.STAFF},
    "supervisor": {workflow.SUPERVISOR},
    "district_officer": {workflow.DISTRICT},
}
