"""{% child_cases_panel child %}: the cases part of a child's file, for the user viewing it."""

from django import template
from django.db.models import F

from weibao.cases.selectors import (
    child_cases_for_user,
    open_case_for_child,
    protections_visible_to,
    service_records_visible_to,
)
from weibao.children.selectors import children_visible_to

register = template.Library()

SERVICES_SHOWN = 10


@register.inclusion_tag("cases/_child_panel.html", takes_context=True)
def child_cases_panel(context, child) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return {"child": child, "hidden": True}
    cases = list(child_cases_for_user(user, child))
    open_case = open_case_for_child(child)
    services = list(
        service_records_visible_to(user)
        .filter(child=child, voided_at__isnull=True)
        .select_related("provider_user", "provider_partner")
        .order_by("-delivered_on", "-id")[:SERVICES_SHOWN]
    )
    # The active temporary guardianship, else the one that ended last (e.g. returned home).
    protection = (
        protections_visible_to(user)
        .filter(child=child)
        .order_by(F("ended_on").desc(nulls_first=True), "-started_on", "-id")
        .first()
    )
    sees_child = children_visible_to(user).filter(pk=child.pk).exists()
    return {
        "child": child,
        "cases": cases,
        "services": services,
        "protection": protection,
        "can_open": sees_child and open_case is None,
        # The child has an open case this user does not see (owned by someone else).
        "open_elsewhere": open_case is not None and all(c.pk != open_case.pk for c in cases),
    }
