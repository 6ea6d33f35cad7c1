"""What the transfer tests share: a child whose file has everything a transfer moves, the
counts that must not change, and asking and deciding through the services."""

import datetime as dt
from dataclasses import dataclass

from tests.cases.helpers import a_plan
from tests.helpers import SECRET_PLACE, record_service, refer, today
from weibao.audit.models import AuditEvent
from weibao.cases.models import Case, PlanVersion
from weibao.cases.services import case_file, case_open
from weibao.children.models import Child
from weibao.ledger.models import ServiceRecord
from weibao.protection.models import ProtectionRecord
from weibao.protection.services import protection_start
from weibao.referrals.models import Referral
from weibao.transfers import services
from weibao.transfers.models import Transfer
from weibao.visits import services as visit_services
from weibao.visits.models import Concern, Visit, VisitDue

ANSWERS = {
    "met_with": "母亲",
    "under8_unattended": "na",
    "under16_alone": "no",
    "away_without_carer": "no",
    "no_weekly_contact": "no",
    "concern_marked": True,
    "findings": "The grandmother is often away.",
}


@dataclass
class FullFile:
    """A child of 居民区 A with one of everything: a visit and its concern, an open case owned by
    director_a with two plan versions, a service, a referral and temporary guardianship."""

    child: Child
    case: Case
    visit: Visit
    concern: Concern
    service: ServiceRecord
    referral: Referral
    protection: ProtectionRecord


def full_file(child: Child, director, supervisor, partner) -> FullFile:
    visit = visit_services.visit_start(actor=director, child=child)
    visit = visit_services.visit_complete(
        actor=director, visit=visit, expected_version=visit.version, data=ANSWERS
    )
    case = case_open(actor=director, child=child, summary="Found alone at night.")
    case = case_file(actor=director, case=case, summary="Filed.")
    a_plan(director, case)
    a_plan(director, case, goals="The grandmother comes back by six.", expected_number=1)
    return FullFile(
        child=child,
        case=case,
        visit=visit,
        concern=Concern.objects.get(visit=visit),
        service=record_service(director, case),
        referral=refer(director, case, partner),
        protection=protection_start(
            actor=supervisor,
            case=case,
            ground="harmed_by_guardian",
            placement="foster_family",
            placement_detail=SECRET_PLACE,
            started_on=today() - dt.timedelta(days=5),
        ),
    )


def counts(child: Child) -> dict[str, int]:
    """Everything of the child's, by table: a transfer loses none of it."""
    return {
        "visits": Visit.objects.filter(child=child).count(),
        "concerns": Concern.objects.filter(child=child).count(),
        "cases": Case.objects.filter(child=child).count(),
        "plan_versions": PlanVersion.objects.filter(case__child=child).count(),
        "services": ServiceRecord.objects.filter(child=child).count(),
        "referrals": Referral.objects.filter(case__child=child).count(),
        "protections": ProtectionRecord.objects.filter(child=child).count(),
        "dues": VisitDue.objects.filter(child=child).count(),
    }


def audit_rows(child: Child) -> list[tuple]:
    """The child's audit rows as written (a transfer adds rows, never changes one)."""
    return list(
        AuditEvent.objects.filter(child=child)
        .order_by("pk")
        .values_list("pk", "at", "actor_id", "action", "changes", "note")
    )


def ask(actor, child: Child, to_community=None, **kwargs) -> Transfer:
    return services.transfer_request(
        actor=actor,
        child=child,
        reason=kwargs.pop("reason", "The family rented a flat near the grandmother."),
        to_community=to_community,
        **kwargs,
    )


def accept(actor, transfer: Transfer, **kwargs) -> Transfer:
    return services.transfer_accept(
        actor=actor, transfer=transfer, expected_version=transfer.version, **kwargs
    )


def area_of(row) -> tuple[int, int, int]:
    row.refresh_from_db()
    return (row.district_id, row.subdistrict_id, row.community_id)
