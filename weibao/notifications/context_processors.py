from weibao.notifications.selectors import unread_count


def topbar(request):
    """What the top bar needs on every page: the bell's unread count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": unread_count(user),
    }
