"""Reads for cases and everything that hangs off a case (plans, services, protection). ONE
scope function, cases_visible_to; the others start from it."""

from django.db.models import Q, QuerySet
from django.http import Http404

from weibao.accounts.models import Role
from weibao.accounts.selectors import user_role_assignments
from weibao.cases import workflow
from weibao.cases.models import Case, PlanVersion, ProtectionRecord, ServiceRecord

# The roles that see every case of their area; a director sees only the cases they own.
AREA_ROLES = {
    Role.SUPERVISOR: workflow.SUPERVISOR,
    Role.STATION_STAFF: workflow.STAFF,
    Role.DISTRICT_STAFF: workflow.DISTRICT,
}


def cases_visible_to(user) -> QuerySet[Case]:
    """THE scope rule for cases: the owner, and the supervisor, station staff and district
    staff of the case's area. Other directors do not see a case, even in their 居民区."""
    if not user.is_authenticated:
        return Case.objects.none()
    q = Q(owner=user)
    for ra in user_role_assignments(user):
        if ra.role in AREA_ROLES and ra.area is not None:
            q |= Q(**{f"{ra.area.scope_field()}_id": ra.area_id})
    return Case.objects.filter(q)


def case_get_for_user(user, pk) -> Case:
    try:
        return (
            cases_visible_to(user)
            .select_related("child", "owner", "community", "subdistrict")
            .get(pk=int(pk))
        )
    except (Case.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def case_roles(user, case: Case) -> set[str]:
    """The user's roles on this case, as the workflow tables name them."""
    roles: set[str] = set()
    if not user.is_authenticated:
        return roles
    if case.owner_id == user.pk:
        roles.add(workflow.OWNER)
    area_of = {
        "district": case.district_id,
        "subdistrict": case.subdistrict_id,
        "community": case.community_id,
    }
    for ra in user_role_assignments(user):
        in_area = ra.area is not None and area_of[ra.area.scope_field()] == ra.area_id
        if ra.role in AREA_ROLES and in_area:
            roles.add(AREA_ROLES[ra.role])
    return roles


def open_case_for_child(child) -> Case | None:
    return Case.objects.filter(child=child).exclude(stage="closed").first()


def current_plan(case: Case) -> PlanVersion | None:
    return case.plan_versions.order_by("-number").first()


def service_records_visible_to(user) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(case__in=cases_visible_to(user).values("pk"))


def protections_visible_to(user) -> QuerySet[ProtectionRecord]:
    return ProtectionRecord.objects.filter(case__in=cases_visible_to(user).values("pk"))
