"""{% child_cases_panel child %}: the cases part of a child's file, for the user viewing it."""

from django import template

from weibao.cases.hooks import child_panel_parts
from weibao.cases.selectors import child_cases_for_user, open_case_for_child
from weibao.children.selectors import children_visible_to

register = template.Library()


@register.inclusion_tag("cases/_child_panel.html", takes_context=True)
def child_cases_panel(context, child) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return {"child": child, "hidden": True}
    cases = list(child_cases_for_user(user, child))
    open_case = open_case_for_child(child)
    sees_child = children_visible_to(user).filter(pk=child.pk).exists()
    return {
        "child": child,
        "cases": cases,
        # The latest services and the temporary guardianship, from the apps that keep them.
        "services": [],
        "protection": None,
        **{k: v for part in child_panel_parts.call(user, child) for k, v in part.items()},
        "can_open": sees_child and open_case is None,
        # The child has an open case this user does not see (owned by someone else).
        "open_elsewhere": open_case is not None and all(c.pk != open_case.pk for c in cases),
    }
