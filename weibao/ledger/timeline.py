"""How the case timeline shows the rows of the service ledger."""

from django.utils.translation import gettext_lazy

from weibao.cases.timeline import TimelineFamily
from weibao.ledger.models import ServiceRecord


def service_family() -> TimelineFamily:
    return TimelineFamily(
        name="service",
        label=gettext_lazy("Service"),
        model=ServiceRecord,
        actions={
            "service.record": gettext_lazy("Service recorded"),
            "service.create": gettext_lazy("Service recorded"),
            "service.void": gettext_lazy("Service record voided"),
        },
        changes={
            "delivered_on": gettext_lazy("date"),
            "duration_minutes": gettext_lazy("duration (minutes)"),
            "provider": gettext_lazy("provided by"),
        },
    )
