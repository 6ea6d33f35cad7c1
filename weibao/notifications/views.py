from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from weibao.notifications.models import Notification
from weibao.notifications.selectors import (
    message,
    notification_get_for_user,
    notifications_visible_to,
    unread_groups,
)
from weibao.notifications.services import notifications_mark_read

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list_view(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first; unread ones of a kind that came many times are
    one line with their count, which opens onto them (on the first page)."""
    groups = unread_groups(request.user)
    rest = notifications_visible_to(request.user)
    if groups:
        rest = rest.exclude(read_at__isnull=True, kind__in=[g.kind for g in groups])
    page = Paginator(rest, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "groups": groups if page.number == 1 else [],
            "items": [(n, message(n)) for n in page],
        },
    )


@login_required
@require_POST
def notifications_read_view(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind")
    # One group of the list ("19 visits are overdue"), or everything (no kind posted).
    if kind is None:
        n = notifications_mark_read(actor=request.user)
    elif kind in Notification.Kind.values:
        n = notifications_mark_read(actor=request.user, kind=kind)
    else:
        n = 0
    if n:
        messages.success(
            request,
            ngettext("%(n)s notification marked as read.", "%(n)s notifications marked as read.", n)
            % {"n": n},
        )
    return redirect("notifications:list")


@login_required
@require_POST
def notification_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and follow its link (only ever to a page of this site)."""
    notification = notification_get_for_user(request.user, pk)
    notifications_mark_read(actor=request.user, ids=[notification.pk])
    url = notification.url
    if (
        url
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect(url)
    messages.info(request, _("This notification has no page to open."))
    return redirect("notifications:list")
