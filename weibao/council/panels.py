"""The council's section of a child's page (children.hooks.child_page_panels): the child's terms
on a station's council and the meetings they attended."""

from django.db.models import Count
from django.http import HttpRequest

from weibao.children.models import Child
from weibao.core.hooks import Panel
from weibao.council.selectors import members_visible_to


def child_council_panel(request: HttpRequest, child: Child) -> Panel:
    memberships = list(
        members_visible_to(request.user)
        .filter(child=child)
        .select_related("station")
        .annotate(attended=Count("meetings"))
        .order_by("-term_start")
    )
    # Always a panel (the child's page takes every answer); empty, it shows nothing.
    return Panel("council/_child_panel.html", {"council_memberships": memberships})
