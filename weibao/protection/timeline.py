"""How the case timeline shows the rows of emergency protection."""

from django.utils.translation import gettext_lazy

from weibao.cases.timeline import TimelineFamily
from weibao.protection.choices import CapacityResult, Placement, ProtectionEnd, ProtectionGround
from weibao.protection.models import ProtectionRecord


def protection_family() -> TimelineFamily:
    return TimelineFamily(
        name="protection",
        label=gettext_lazy("Protection"),
        model=ProtectionRecord,
        actions={
            "protection.start": gettext_lazy("Temporary guardianship started"),
            "protection.create": gettext_lazy("Temporary guardianship started"),
            "protection.update": gettext_lazy("Protection record changed"),
            "protection.assess": gettext_lazy("Guardianship capacity assessed"),
            "protection.capacity": gettext_lazy("Guardianship capacity assessed"),
            "protection.end": gettext_lazy("Temporary guardianship ended"),
            "protection.alert": gettext_lazy("One-year limit alert sent"),
        },
        changes={
            "ground": gettext_lazy("legal ground"),
            "placement": gettext_lazy("placement"),
            "started_on": gettext_lazy("start date"),
            "limit_on": gettext_lazy("one-year limit"),
            "capacity_result": gettext_lazy("capacity assessment"),
            "capacity_assessed_on": gettext_lazy("capacity assessed on"),
            "ended_on": gettext_lazy("end date"),
            "end_reason": gettext_lazy("how it ended"),
        },
        choices={
            "ground": dict(ProtectionGround.choices),
            "placement": dict(Placement.choices),
            "capacity_result": dict(CapacityResult.choices),
            "end_reason": dict(ProtectionEnd.choices),
        },
    )
