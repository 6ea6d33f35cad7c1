"""Reads for mandatory reports. ONE scope function, reports_visible_to."""

from django.db.models import Q, QuerySet
from django.http import Http404

from weibao.accounts.models import Role
from weibao.accounts.selectors import user_role_assignments
from weibao.areas.selectors import area_scope_q
from weibao.reports import workflow
from weibao.reports.models import Report

TRIAGE_ROLES = {Role.SUPERVISOR, Role.STATION_STAFF, Role.DISTRICT_STAFF}
# The reporter's identity is confidential by law: the supervisor and above only.
REPORTER_ROLES = {Role.SUPERVISOR, Role.DISTRICT_STAFF}


def reports_visible_to(user) -> QuerySet[Report]:
    """THE scope rule for reports: reports in the user's areas (a report without a 街镇 lies in
    its district only; the 居民区 is set once the child is linked, so the child's director then
    sees it), plus the reports the user entered."""
    if not user.is_authenticated:
        return Report.objects.none()
    q = Q(created_by=user)
    area_q = area_scope_q(user)
    if area_q is not None:
        q |= area_q
    return Report.objects.filter(q)


def report_get_for_user(user, pk) -> Report:
    try:
        return (
            reports_visible_to(user)
            .select_related("district", "subdistrict", "community", "child", "case")
            .get(pk=int(pk))
        )
    except (Report.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def _holds(user, report: Report, roles: set[str]) -> bool:
    for ra in user_role_assignments(user):
        if ra.role not in roles or ra.area is None:
            continue
        if ra.area.level == "district" and ra.area_id == report.district_id:
            return True
        if ra.area.level == "subdistrict" and ra.area_id == report.subdistrict_id:
            return True
    return False


def report_roles(user, report: Report) -> set[str]:
    return {workflow.TRIAGE} if _holds(user, report, TRIAGE_ROLES) else set()


def can_see_reporter(user, report: Report) -> bool:
    return _holds(user, report, REPORTER_ROLES)
