import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.db.models import F, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.areas.models import Area
from weibao.core.scope import get_or_404

# Who may reveal children's ID numbers, phones and addresses (a permission of the children app).
REVEAL_PERMISSION = "children.reveal_sensitive"


def may_reveal(user) -> bool:
    """`user.has_perm(REVEAL_PERMISSION)` (Django's one authentication backend) in one query,
    not two: Django reads all of the user's permissions and then all of their groups' to answer
    it, and every child's file asks (its own part and the archive's). Kept on the user object,
    which lives for one request, as the roles are."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_weibao_may_reveal", None)
    if cached is None:
        app_label, codename = REVEAL_PERMISSION.split(".")
        cached = user._weibao_may_reveal = Permission.objects.filter(
            Q(user=user) | Q(group__user=user),
            content_type__app_label=app_label,
            codename=codename,
        ).exists()
    return cached


def user_role_assignments(user) -> list[RoleAssignment]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_weibao_roles", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user).select_related(
                "area", "area__parent", "area__parent__parent"
            )
        )
        # Cached on the user object, which lives for one request.
        user._weibao_roles = cached
    return cached


def user_scope_areas(user) -> list:
    """Areas whose children this user may see: the areas of all their area-bound roles."""
    return [ra.area for ra in user_role_assignments(user) if ra.area is not None]


def user_is_sysadmin(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or any(ra.role == "sysadmin" for ra in user_role_assignments(user))
    )


def users_with_role_in_areas(*, roles, area_ids) -> list[int]:
    """Ids of the users holding one of `roles` on one of the areas (who to notify)."""
    return list(
        RoleAssignment.objects.filter(role__in=list(roles), area_id__in=list(area_ids))
        .values_list("user_id", flat=True)
        .distinct()
    )


def districts_managed_by(user) -> list[Area]:
    """The districts whose people and roles this user manages: those where they are district
    staff. No bypass for superusers: a system administrator manages accounts, not the roles
    that reach children's files (docs/security.md)."""
    if not user.is_authenticated or not user.is_active:
        return []
    return [ra.area for ra in user_role_assignments(user) if ra.role == Role.DISTRICT_STAFF]


def user_is_admin_account(user) -> bool:
    """An account of the framework admin (staff, superuser or system administrator): such an
    account holds no role that reaches children's files, so the two duties stay apart."""
    return bool(
        user.is_staff
        or user.is_superuser
        or RoleAssignment.objects.filter(user=user, role=Role.SYSADMIN).exists()
    )


def district_area_ids(districts) -> list[int]:
    """The ids of the districts and of every area below them."""
    ids = [d.pk for d in districts]
    if not ids:
        return []
    below = Area.objects.filter(Q(parent_id__in=ids) | Q(parent__parent_id__in=ids))
    return ids + list(below.values_list("pk", flat=True))


def _in_districts_q(district_ids: list[int], prefix: str = "") -> Q:
    """The condition "this area lies in one of these districts" on an area foreign key."""
    return (
        Q(**{f"{prefix}_id__in": district_ids})
        | Q(**{f"{prefix}__parent_id__in": district_ids})
        | Q(**{f"{prefix}__parent__parent_id__in": district_ids})
    )


def people_managed_by(user) -> QuerySet[User]:
    """THE scope of the accounts district staff manage (create, reset a password, deactivate;
    docs/security.md): the people holding a role in one of their districts, and those they
    created (home_district) while they hold none. Never an administrator's account (staff,
    superuser, system administrator): those are the system administrator's. Everyone else
    answers 404."""
    districts = [d.pk for d in districts_managed_by(user)]
    if not districts:
        return User.objects.none()
    with_role = RoleAssignment.objects.filter(_in_districts_q(districts, "area")).values("user_id")
    admins = RoleAssignment.objects.filter(role=Role.SYSADMIN).values("user_id")
    return (
        User.objects.filter(Q(pk__in=with_role) | Q(home_district_id__in=districts))
        .exclude(Q(is_staff=True) | Q(is_superuser=True) | Q(pk__in=admins))
        .order_by("full_name", "username", "pk")
    )


def person_get_for_manager(user, pk) -> User:
    """An account `user` manages, or 404 exactly as if it did not exist."""
    return get_or_404(people_managed_by(user), pk)


def people_with_roles(user) -> QuerySet[User]:
    """The people `user` manages, each with `district_roles`: their roles in the user's
    districts (one query for a page of people, one for their roles)."""
    districts = [d.pk for d in districts_managed_by(user)]
    roles = (
        RoleAssignment.objects.filter(_in_districts_q(districts, "area"))
        .select_related("area", "area__parent", "area__parent__parent")
        .order_by("role", "area__name", "pk")
    )
    return people_managed_by(user).prefetch_related(
        Prefetch("role_assignments", queryset=roles, to_attr="district_roles")
    )


def password_link(user: User) -> tuple[str, dt.datetime]:
    """The path of a one-time link with which `user` sets their password, and when it stops
    working (PASSWORD_RESET_TIMEOUT). Django's password-reset token: made from the password
    hash and the last sign-in, so it works once — setting the password, or a newer reset,
    ends it. Shown once to the district officer who made it; never stored or audited."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:set_password", kwargs={"uidb64": uidb64, "token": token})
    return path, timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def users_who_may_reveal(user_ids) -> set[int]:
    """Which of these users hold the reveal permission (directly or through a group)."""
    app_label, codename = REVEAL_PERMISSION.split(".")
    direct = Q(
        user_permissions__content_type__app_label=app_label, user_permissions__codename=codename
    )
    grouped = Q(
        groups__permissions__content_type__app_label=app_label,
        groups__permissions__codename=codename,
    )
    users = User.objects.filter(direct | grouped, pk__in=list(user_ids))
    return set(users.values_list("pk", flat=True))


def is_district_staff(user) -> bool:
    """Holds a district-staff role. No bypass for superusers (as districts_managed_by): the
    system administrator runs the system, district staff set its rules (docs/security.md)."""
    return user.is_authenticated and any(
        ra.role == Role.DISTRICT_STAFF for ra in user_role_assignments(user)
    )


# --- the area scope: which areas, and so which rows, a user may see ------------------------


def area_q(area, prefix: str = "") -> Q:
    """The condition "lies in this area" over the district/subdistrict/community columns of a
    row. It always names the district as well as the 街镇 or 居民区: the district is the key
    a district-partitioned (or Citus-distributed) table is split by, so the read touches one
    partition (docs/scale.md; tests/children/test_partition_pruning.py)."""
    district = Q(**{f"{prefix}district_id": area.district_pk})
    if area.level == area.Level.DISTRICT:
        return district
    return district & Q(**{f"{prefix}{area.scope_field()}_id": area.pk})


def area_scope_q(user, prefix: str = "") -> Q | None:
    """The condition "lies in one of this user's areas" over the district/subdistrict/community
    columns of a row (with `prefix` for a related row), each area with its district (area_q).
    None when the user has no area."""
    q = Q()
    for area in user_scope_areas(user):
        q |= area_q(area, prefix)
    return q or None


def same_district_as_child(prefix: str = "") -> Q:
    """The join of a row with its child made on the district as well as the child (the two are
    kept equal by the services): PostgreSQL carries the row's district over to the child's
    table, so a district-partitioned children table is read in one partition, and on Citus
    the join is co-located (docs/scale.md). Always true; it only says so to the planner."""
    return Q(**{f"{prefix}child__district_id": F(f"{prefix}district_id")})


def user_district_ids(user) -> list[int]:
    """The districts of the user's area-bound roles (no query: the roles are cached)."""
    return sorted({area.district_pk for area in user_scope_areas(user)})


def areas_visible_to(user) -> QuerySet[Area]:
    """The one answer to "which areas may this user see": their assigned areas, everything
    below them, and the ancestors (so that a path such as 长宁区 › 天山路街道 can be shown)."""
    assigned = user_scope_areas(user)
    if not assigned:
        return Area.objects.none()
    q = Q()
    for area in assigned:
        q |= Q(pk=area.pk) | Q(parent_id=area.pk) | Q(parent__parent_id=area.pk)
        parent = area.parent
        while parent is not None:
            q |= Q(pk=parent.pk)
            parent = parent.parent
    return Area.objects.filter(q).select_related("parent")


def communities_to_pick(user, *, keep: int | None = None) -> QuerySet[Area]:
    """The 居民区 a user may choose as a new value (register a child there, move one there):
    those visible to them that are open, plus `keep` (the record's present one, closed or not,
    so that a form can show what is there). Lists and filters use communities_visible_to,
    which keeps the closed ones for the records of the past (docs/domain.md §1.16)."""
    return communities_visible_to(user).filter(Q(closed_at__isnull=True) | Q(pk=keep))


def communities_visible_to(user) -> QuerySet[Area]:
    """The 居民区 of the user's areas, as a condition on the area tree, not as a list of ids:
    a district's thousand 居民区 written into every query that asks for them cost a district
    page some 15 ms of Python to build and send the list (docs/performance.md, "The district's
    居民区 as a condition, not a list")."""
    q = Q()
    for area in user_scope_areas(user):
        if area.level == Area.Level.COMMUNITY:
            q |= Q(pk=area.pk)
        elif area.level == Area.Level.SUBDISTRICT:
            q |= Q(parent_id=area.pk)
        else:
            q |= Q(parent__parent_id=area.pk)
    if not q:
        return Area.objects.none()
    return areas_visible_to(user).filter(q, level=Area.Level.COMMUNITY)


def export_area(user, area=None):
    """The area a list export is recorded against (the audit row's object, which the district's
    review of unusual access reads): the area the list was filtered to, else the area of the
    user's first role; None for someone with no role (who exports nothing)."""
    if area is not None:
        return area
    return next((a.area for a in user_role_assignments(user) if a.area is not None), None)
