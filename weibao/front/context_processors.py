from weibao.front.menu import menu_for, menu_grouped


def menu(request):
    """The main menu, for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"menu": menu_grouped(menu_for(request))}
