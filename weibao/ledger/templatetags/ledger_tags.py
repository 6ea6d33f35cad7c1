"""{% case_service_records case user as svc %}: the service records on a case's pages (the case
page's services section and the ledger's record page), fetched in one query."""

from django import template

from weibao.cases.models import Case
from weibao.ledger.services import can_void, hours

register = template.Library()


@register.simple_tag
def case_service_records(case: Case, user) -> dict:
    """The case's records, newest first, each with `voidable` for `user`; the count and hours
    leave out voided records, as the ledger does."""
    records = list(
        case.service_records.select_related(
            "provider_user", "provider_partner", "voided_by", "planned_service"
        ).order_by("-delivered_on", "-pk")
    )
    for record in records:
        record.case = case
        record.voidable = can_void(user, record)
    valid = [r for r in records if r.voided_at is None]
    return {
        "records": records,
        "count": len(valid),
        "hours": hours(sum(r.duration_minutes for r in valid)),
    }
