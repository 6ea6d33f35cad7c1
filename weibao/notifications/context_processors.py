from weibao.accounts.selectors import is_district_staff
from weibao.notifications.selectors import unread_count


def topbar(request):
    """What the top bar needs on every page: the bell's unread count and whether to link the
    visit-rules page (district staff only)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": unread_count(user),
        "show_visit_rules": is_district_staff(user),
    }
