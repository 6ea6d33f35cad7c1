"""Who looked at a child's file (its 街镇's supervisor and its district see it), and the unusual
access a district reviews: many files read outside one's usual 居民区s, reads at night, large
exports."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from weibao.accounts.selectors import areas_visible_to
from weibao.audit.models import AccessLog
from weibao.audit.selectors import NIGHT_FROM, NIGHT_UNTIL, access_log_of_child, unusual_access
from weibao.children.selectors import access_review_districts, child_access_log_get_for_user
from weibao.core.views_helpers import page_of, query_without_page

PAGE_SIZE = 50
REVIEW_DAYS = (7, 14, 30)
DEFAULT_REVIEW_DAYS = 14

# What an access-log row's `field` names (the part before ":"; a guardian's phone carries the
# guardian's id after it).
READ_WHAT = {
    "": _("the file"),
    "id_number": _("ID number"),
    "address": _("home address"),
    "guardian_phone": _("a guardian's phone"),
    "case": _("a case"),
    "visit": _("a visit"),
    "visit_attachment": _("a visit's attachment"),
    "service_record": _("a service record"),
    "protection": _("the temporary guardianship"),
    "archive": _("the whole file, printed as PDF"),
}


# The exports the audit log records (action → what was exported).
EXPORTS = {
    "ledger.export": _("Service ledger"),
    "visit.ledger_export": _("Visit ledger"),
    "children.export": _("List of children"),
    "visit.list_export": _("List of visits"),
    "report.export": _("List of mandatory reports"),
    "case.export": _("List of cases"),
}


def read_what(entry: AccessLog) -> str:
    key = entry.field.split(":", 1)[0]
    return str(READ_WHAT.get(key, entry.field))


@login_required
@require_GET
def child_access_log_view(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_access_log_get_for_user(request.user, pk)
    page = page_of(request, access_log_of_child(child), PAGE_SIZE)
    return render(
        request,
        "children/access_log.html",
        {
            "child": child,
            "page": page,
            "rows": [(entry, read_what(entry)) for entry in page],
            "query": query_without_page(request),
        },
    )


def _review_days(request: HttpRequest) -> int:
    raw = request.GET.get("days", "")
    return int(raw) if raw in {str(d) for d in REVIEW_DAYS} else DEFAULT_REVIEW_DAYS


@login_required
@require_GET
def unusual_access_view(request: HttpRequest) -> HttpResponse:
    districts = access_review_districts(request.user)
    if not districts:
        raise Http404
    days = _review_days(request)
    since = timezone.now() - dt.timedelta(days=days)
    area_names = dict(areas_visible_to(request.user).values_list("pk", "name"))
    report = unusual_access(
        district_ids=[d.pk for d in districts],
        area_ids=list(area_names),
        since=since,
        per_day=settings.UNUSUAL_ACCESS_READS_PER_DAY,
        export_rows=settings.UNUSUAL_EXPORT_ROWS,
    )
    return render(
        request,
        "children/unusual_access.html",
        {
            "report": report,
            "exports": [
                (e, str(EXPORTS.get(e.action, e.action)), area_names.get(int(e.object_id), ""))
                for e in report.exports
            ],
            "days": days,
            "review_days": REVIEW_DAYS,
            "per_day": settings.UNUSUAL_ACCESS_READS_PER_DAY,
            "export_rows": settings.UNUSUAL_EXPORT_ROWS,
            "night_from": f"{NIGHT_FROM:02d}:00",
            "night_until": f"{NIGHT_UNTIL:02d}:00",
        },
    )
