"""Reads of the service ledger. ONE scope function: a user sees the service records of the
cases they see."""

from django.db.models import QuerySet

from weibao.cases.models import Case
from weibao.cases.selectors import cases_visible_to
from weibao.core.hooks import Panel
from weibao.ledger.models import ServiceRecord


def service_records_visible_to(user) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(case__in=cases_visible_to(user).values("pk"))


SERVICES_SHOWN = 10


def child_panel_services(user, child, cases: list[Case]) -> dict:
    """The latest valid services of the child, for the case part of the child's file. A user
    sees the services of the cases they see: with none of the child's cases (`cases`, those
    they see), there is nothing to read."""
    if not cases:
        return {"services": []}
    services = list(
        service_records_visible_to(user)
        .filter(child=child, voided_at__isnull=True)
        .select_related("provider_user", "provider_partner")
        .order_by("-delivered_on", "-id")[:SERVICES_SHOWN]
    )
    return {"services": services}


def partner_page_services(user, partner) -> Panel:
    """The partner's valid services that the user may see, for the partner's page."""
    records = (
        service_records_visible_to(user)
        .filter(provider_partner=partner, voided_at__isnull=True)
        .select_related("child")
        .order_by("-delivered_on", "-pk")
    )
    return Panel("ledger/_partner_panel.html", {"records": records[:50]})
