"""Reads of emergency protection. ONE scope function: a user sees the protection records of
the cases they see."""

from django.db.models import F, QuerySet

from weibao.cases.models import Case
from weibao.cases.selectors import cases_visible_to
from weibao.core.scope import get_or_404
from weibao.protection.models import ProtectionRecord


def protections_visible_to(user) -> QuerySet[ProtectionRecord]:
    return ProtectionRecord.objects.filter(case__in=cases_visible_to(user).values("pk"))


def child_panel_protection(user, child, cases: list[Case]) -> dict:
    """The active temporary guardianship, else the one that ended last (e.g. returned home),
    for the case part of the child's file. A user sees the records of the cases they see:
    with none of the child's cases (`cases`, those they see), there is nothing to read."""
    if not cases:
        return {"protection": None}
    protection = (
        protections_visible_to(user)
        .filter(child=child)
        .order_by(F("ended_on").desc(nulls_first=True), "-started_on", "-id")
        .first()
    )
    return {"protection": protection}


def protection_get_for_user(user, pk) -> ProtectionRecord:
    """A protection record of a case the user sees, or 404 as if it did not exist."""
    return get_or_404(
        protections_visible_to(user).select_related(
            "case", "child", "recorded_by", "capacity_assessed_by"
        ),
        pk,
    )
