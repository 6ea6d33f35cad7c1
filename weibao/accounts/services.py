"""Changes to accounts and roles, and the record of every sign-in.

Each writes its row of the product's audit trail in its own transaction, through the
`account_audit` hook (the audit app sits above this one and registers its `audit_record`).

Who may do what (docs/security.md):
- the system administrator creates, changes and deactivates accounts and resets passwords (in
  the framework admin);
- district staff do the same for the people of their district (people_managed_by), on the
  people page: an account is created with its first role and a one-time link to set its
  password; a reset makes a new link; both end the account's sessions and API tokens;
- a role that reaches children's files is granted and revoked by district staff of the
  district it lies in, never by the system administrator;
- the first district staff of a district, and the system administrator role, are granted by
  the server's operator with the `weibao roles` command (an `Operator` actor);
- district staff open the account of a person of their district's staff roster together with
  the one role of that person's post (`worker_account_create`): a worker's account, never an
  administrator's, whose role they could grant anyway.
"""

from django.contrib.auth import password_validation
from django.contrib.auth.models import Permission
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.accounts.hooks import account_access_end, account_audit
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.selectors import (
    REVEAL_PERMISSION,
    districts_managed_by,
    people_managed_by,
    user_is_admin_account,
    user_is_sysadmin,
)
from weibao.areas.models import Area
from weibao.areas.selectors import district_of
from weibao.core.crypto import normalize_phone
from weibao.core.exceptions import Blocked
from weibao.core.operator import Operator
from weibao.core.text import clean_text

# The roles whose area lets their holder read children's files.
DATA_ROLES = frozenset({Role.DIRECTOR, Role.SUPERVISOR, Role.STATION_STAFF, Role.DISTRICT_STAFF})
# What the system administrator may change on an account (and what its audit row compares).
ACCOUNT_FIELDS = ("username", "full_name", "email", "is_active", "is_staff", "is_superuser")


def _audit(*, actor, action: str, obj, changes: dict, note: str = "") -> None:
    if not account_audit:
        # Never change an account without its audit row.
        raise ImproperlyConfigured("Nothing is registered on accounts.hooks.account_audit.")
    if isinstance(actor, Operator):
        actor, note = None, note or f"command: {actor.command}"
    account_audit.call(actor=actor, action=action, obj=obj, changes=changes, note=note)


def _assert_account_manager(actor) -> None:
    if not isinstance(actor, Operator) and not (
        actor is not None and actor.is_active and user_is_sysadmin(actor)
    ):
        raise PermissionDenied


# --- accounts (the system administrator) ------------------------------------------------------


@transaction.atomic
def user_create(*, actor, user: User) -> User:
    """Save a new account built by the administrator's form (its password already hashed, or
    unusable)."""
    _assert_account_manager(actor)
    if user.pk is not None:
        raise ValueError("user_create saves a new account only.")
    user.save()
    _audit(
        actor=actor,
        action="account.create",
        obj=user,
        changes={field: getattr(user, field) for field in ACCOUNT_FIELDS},
    )
    return user


@transaction.atomic
def user_update(*, actor, user: User) -> User:
    """Save the account fields changed on `user` (as the administrator's form left them)."""
    _assert_account_manager(actor)
    before = User.objects.select_for_update().get(pk=user.pk)
    changes = {
        field: [getattr(before, field), getattr(user, field)]
        for field in ACCOUNT_FIELDS
        if getattr(before, field) != getattr(user, field)
    }
    if not changes:
        return before
    if "is_superuser" in changes and not isinstance(actor, Operator) and not actor.is_superuser:
        raise PermissionDenied
    problem = admin_flags_problem(user, is_staff=user.is_staff, is_superuser=user.is_superuser)
    if problem and not (before.is_staff or before.is_superuser):
        raise ValidationError({"is_staff": problem})
    user.save(update_fields=list(changes))
    action = "account.update"
    if "is_active" in changes:
        action = "account.activate" if user.is_active else "account.deactivate"
    _audit(actor=actor, action=action, obj=user, changes=changes)
    return user


def admin_flags_problem(user: User, *, is_staff: bool, is_superuser: bool) -> str | None:
    """Why this account may not become an administrator's (None when it may): it holds a role
    that reaches children's files, and the two duties stay apart."""
    if (is_staff or is_superuser) and user.pk and _holds_data_role(user):
        return _(
            "This account holds a role that reaches children's files, so it cannot "
            "administer the system. Use a separate account."
        )
    return None


@transaction.atomic
def user_password_set(*, actor, user: User, password: str | None) -> User:
    """The administrator sets a new password (None: password sign-in disabled). Every session
    of the account ends, since a session is bound to the password it began with."""
    _assert_account_manager(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if password is None:
        user.set_unusable_password()
    else:
        password_validation.validate_password(password, user)
        user.set_password(password)
    user.save(update_fields=["password"])
    _audit(
        actor=actor,
        action="account.password_reset",
        obj=user,
        changes={"usable": password is not None},
    )
    return user


# --- one's own password ------------------------------------------------------------------------


@transaction.atomic
def user_password_change(*, actor, password: str) -> User:
    """A signed-in user changes their own password (the form has checked the old one). Their
    other sessions end; the view keeps the current one (update_session_auth_hash)."""
    if not actor.is_authenticated:
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=actor.pk)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit(actor=user, action="auth.password_change", obj=user, changes={})
    return user


# --- roles (district staff; the operator for the first of a district) ---------------------


def _holds_data_role(user: User) -> bool:
    return RoleAssignment.objects.filter(user=user, role__in=DATA_ROLES).exists()


def _assert_role_manager(actor, role: str, area: Area | None) -> None:
    """Data roles: district staff of the area's district. The system administrator role: a
    system administrator. The operator: any role (the first district staff of a district)."""
    if isinstance(actor, Operator):
        return
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied
    if role == Role.SYSADMIN:
        if not user_is_sysadmin(actor):
            raise PermissionDenied
        return
    if area is None or district_of(area) not in districts_managed_by(actor):
        raise PermissionDenied


def _check_grant(*, user: User, role: str, area: Area | None) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    if role in DATA_ROLES and user_is_admin_account(user):
        raise ValidationError(
            {
                "user": _(
                    "A system administrator's account cannot hold a role that reaches "
                    "children's files. Use a separate account."
                )
            }
        )
    if role == Role.SYSADMIN and _holds_data_role(user):
        raise ValidationError(
            {
                "user": _(
                    "This account holds a role that reaches children's files, so it cannot "
                    "administer the system. Use a separate account."
                )
            }
        )
    if area is not None and area.closed_at is not None:
        raise ValidationError({"area": _("%(area)s is closed.") % {"area": area.name}})
    assignment = RoleAssignment(user=user, role=role, area=area)
    assignment.clean()
    if RoleAssignment.objects.filter(user=user, role=role, area=area).exists():
        raise ValidationError({"role": _("This person already holds this role here.")})
    return assignment


@transaction.atomic
def role_assignment_grant(*, actor, user: User, role: str, area: Area | None) -> RoleAssignment:
    """Give `user` a role on `area` (no area for the system administrator role)."""
    _assert_role_manager(actor, role, area)
    user = User.objects.select_for_update().get(pk=user.pk)
    assignment = _check_grant(user=user, role=role, area=area)
    assignment.save()
    _audit(actor=actor, action="role.grant", obj=assignment, changes=_role_changes(assignment))
    return assignment


@transaction.atomic
def role_assignment_revoke(*, actor, assignment: RoleAssignment) -> None:
    """Take a role away. The last district staff of a district stays (someone must be able to
    grant roles there); the operator can replace them."""
    _assert_role_manager(actor, assignment.role, assignment.area)
    assignment = (
        # Only the assignment's own row is locked: PostgreSQL cannot lock the nullable side of
        # the join to its area.
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related("user", "area")
        .get(pk=assignment.pk)
    )
    if (
        assignment.role == Role.DISTRICT_STAFF
        and not isinstance(actor, Operator)
        and not RoleAssignment.objects.filter(role=Role.DISTRICT_STAFF, area=assignment.area)
        .exclude(pk=assignment.pk)
        .exists()
    ):
        raise ValidationError(
            {"role": _("The last district staff of a district cannot be removed here.")}
        )
    _audit(actor=actor, action="role.revoke", obj=assignment, changes=_role_changes(assignment))
    assignment.delete()


@transaction.atomic
def role_assignment_move(*, actor, assignment: RoleAssignment, area: Area) -> RoleAssignment:
    """Move a role to another area of the same level (a 居民区 merged into another: its
    directors now serve the merged one). One audit row names both areas; a person who
    already holds the role there just loses the old one."""
    _assert_role_manager(actor, assignment.role, assignment.area)
    _assert_role_manager(actor, assignment.role, area)
    assignment = (
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related("user", "area")
        .get(pk=assignment.pk)
    )
    old = assignment.area
    if area.closed_at is not None:
        raise ValidationError({"area": _("%(area)s is closed.") % {"area": area.name}})
    RoleAssignment(user=assignment.user, role=assignment.role, area=area).clean()
    held = RoleAssignment.objects.filter(user=assignment.user, role=assignment.role, area=area)
    if held.exists():
        _audit(actor=actor, action="role.revoke", obj=assignment, changes=_role_changes(assignment))
        assignment.delete()
        return held.get()
    changes = {
        **_role_changes(assignment),
        "area": [old.name, area.name],
        "area_id": [old.pk, area.pk],
    }
    assignment.area = area
    assignment.save(update_fields=["area"])
    _audit(actor=actor, action="role.move", obj=assignment, changes=changes)
    return assignment


def _role_changes(assignment: RoleAssignment) -> dict:
    return {
        "user": assignment.user.username,
        "role": assignment.role,
        "area": assignment.area.name if assignment.area else "",
        "area_id": assignment.area_id,
    }


@transaction.atomic
def user_reveal_set(*, actor, user: User, allowed: bool) -> None:
    """Let a person reveal children's ID numbers, phones and addresses (or not). Granted by
    district staff of a district where the person holds a role, like the roles themselves."""
    if not isinstance(actor, Operator):
        areas = [ra.area for ra in RoleAssignment.objects.filter(user=user, area__isnull=False)]
        managed = districts_managed_by(actor)
        if not any(district_of(area) in managed for area in areas):
            raise PermissionDenied
    app_label, codename = REVEAL_PERMISSION.split(".")
    perm = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    holds = user.user_permissions.filter(pk=perm.pk).exists()
    if holds == allowed:
        return
    if allowed:
        user.user_permissions.add(perm)
    else:
        user.user_permissions.remove(perm)
    _audit(
        actor=actor,
        action="account.reveal_grant" if allowed else "account.reveal_revoke",
        obj=user,
        changes={"permission": REVEAL_PERMISSION},
    )


# --- the area tree's hooks (areas.hooks, registered in apps.py) ------------------------------


def area_manager(*, actor, district: Area) -> bool:
    """areas.hooks.area_managers: district staff of the district change its areas."""
    return actor.is_active and district in districts_managed_by(actor)


def area_roles_guard(*, area: Area) -> None:
    """areas.hooks.area_close_guards: nobody holds a role on an area that closes (the
    administration app moves or revokes them first, audited)."""
    held = RoleAssignment.objects.filter(area=area).count()
    if held:
        raise Blocked(
            _("%(n)d people still hold a role on %(area)s: move or remove the roles first.")
            % {"n": held, "area": area.name},
            code="roles",
        )


# --- the district's people: accounts created, reset and deactivated by district staff --------

FULL_NAME_LIMIT = User._meta.get_field("full_name").max_length
USERNAME_LIMIT = User._meta.get_field("username").max_length


def _assert_person_manager(actor, user: User) -> None:
    """District staff of a district the person works in (or was created for); never on their
    own account (the password page is for that) — docs/security.md."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied
    if not people_managed_by(actor).filter(pk=user.pk).exists():
        raise PermissionDenied


def _refuse_own(actor, user: User, message: str) -> None:
    if actor.pk == user.pk:
        raise ValidationError({"user": message})


def _end_access(actor, user: User) -> dict:
    """Every session and API token of the account ends (security registers the hook)."""
    ended: dict = {}
    for counts in account_access_end.call(actor=actor, user=user):
        ended.update(counts or {})
    return ended


def checked_username(value: object) -> str:
    username = clean_text(value)
    if not username:
        raise ValidationError({"username": _("Please give a username.")})
    if len(username) > USERNAME_LIMIT:
        raise ValidationError(
            {"username": _("Please keep this under %(n)d characters.") % {"n": USERNAME_LIMIT}}
        )
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise ValidationError(
            {"username": _("Use letters, digits and . @ + - _ only, without spaces.")}
        ) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken: choose another.")})
    return username


def checked_phone(value: object) -> str:
    phone = normalize_phone(clean_text(value))
    if (value and not phone) or (phone and not 7 <= len(phone) <= 15):
        raise ValidationError({"phone": _("Please give a phone number (digits).")})
    return phone


@transaction.atomic
def user_invite(
    *, actor, username: str, full_name: str, role: str, area: Area, phone: str = ""
) -> User:
    """District staff create an account for a person of their district with its first role:
    no password yet — the view shows the officer a one-time link (password_link) to pass on,
    with which the person sets one. Audited: account.create, then role.grant."""
    if role not in DATA_ROLES:
        raise ValidationError({"role": _("Choose a role.")})
    if area is None:
        raise ValidationError({"area": _("Please choose the area.")})
    _assert_role_manager(actor, role, area)
    errors: dict = {}
    values: dict = {}
    for field, check in (
        ("username", lambda: checked_username(username)),
        ("phone", lambda: checked_phone(phone)),
    ):
        try:
            values[field] = check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    values["full_name"] = clean_text(full_name)
    if not values["full_name"]:
        errors["full_name"] = [_("Please give the person's full name.")]
    elif len(values["full_name"]) > FULL_NAME_LIMIT:
        errors["full_name"] = [
            _("Please keep this under %(n)d characters.") % {"n": FULL_NAME_LIMIT}
        ]
    if area.closed_at is not None:
        errors["area"] = [_("%(area)s is closed.") % {"area": area.name}]
    if errors:
        raise ValidationError(errors)
    district = district_of(area)
    user = User(
        username=values["username"],
        full_name=values["full_name"],
        phone=values["phone"],
        home_district=district,
    )
    user.set_unusable_password()
    user.save()
    _audit(
        actor=actor,
        action="account.create",
        obj=user,
        changes={
            "username": user.username,
            "full_name": user.full_name,
            "phone": bool(user.phone),
            "home_district": district.name,
            "password": "link",
        },
    )
    role_assignment_grant(actor=actor, user=user, role=role, area=area)
    return user


@transaction.atomic
def user_password_reset(*, actor, user: User) -> User:
    """District staff reset a person's password: the old one stops working at once, every
    session and API token of the account ends, and the view shows the officer a new one-time
    link (password_link) to pass on. Never one's own."""
    _assert_person_manager(actor, user)
    _refuse_own(actor, user, _("Change your own password on the password page."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated: reactivate it first.")})
    user.set_unusable_password()
    user.save(update_fields=["password"])
    ended = _end_access(actor, user)
    _audit(
        actor=actor,
        action="account.password_reset",
        obj=user,
        changes={"usable": False, "link": True, **ended},
    )
    return user


def _last_active_district_staff(user: User) -> Area | None:
    """A district where `user` is the only active district staff (None if there is none)."""
    for ra in RoleAssignment.objects.filter(user=user, role=Role.DISTRICT_STAFF).select_related(
        "area"
    ):
        others = RoleAssignment.objects.filter(
            role=Role.DISTRICT_STAFF, area=ra.area, user__is_active=True
        ).exclude(user=user)
        if not others.exists():
            return ra.area
    return None


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    """District staff deactivate a person's account (they can no longer sign in; every
    session and API token ends; their name stays on what they wrote) or reactivate it. Never
    one's own, nor the last active district staff of a district."""
    _assert_person_manager(actor, user)
    _refuse_own(actor, user, _("You cannot deactivate your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    if not active:
        district = _last_active_district_staff(user)
        if district is not None:
            raise ValidationError(
                {
                    "user": _(
                        "%(person)s is the last active district staff of %(district)s: "
                        "give the role to someone else first."
                    )
                    % {"person": user, "district": district.name}
                }
            )
    user.is_active = active
    user.save(update_fields=["is_active"])
    ended = {} if active else _end_access(actor, user)
    _audit(
        actor=actor,
        action="account.activate" if active else "account.deactivate",
        obj=user,
        changes={"is_active": [not active, active], **ended},
    )
    return user


@transaction.atomic
def user_password_set_by_link(*, user: User, password: str) -> User:
    """The person sets their password with the one-time link (the view has checked its
    token, which this change uses up: the token is made from the password hash)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise PermissionDenied
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit(actor=user, action="auth.password_set", obj=user, changes={"by_link": True})
    return user


# --- sign-in events ------------------------------------------------------------------------------


class _NoSuchAccount:
    """The object of a failed sign-in's audit row when the name typed is no account's: an
    "accounts.user" row with an empty id (the name typed is in its changes)."""

    _meta = User._meta
    pk = ""


def _account_named(username: str):
    return User.objects.filter(username=username).first() or _NoSuchAccount()


@transaction.atomic
def sign_in_record(*, user: User, address: str, channel: str) -> None:
    _audit(
        actor=user,
        action="auth.login",
        obj=user,
        changes={"address": address, "channel": channel},
    )


@transaction.atomic
def sign_in_failure_record(
    *, username: object, address: str, channel: str, locked: bool, lockout: bool
) -> None:
    """A refused sign-in: wrong credentials, or (`locked`) any attempt while the account is
    locked out from this address. `lockout`: this failure reached the limit and locked it, so a
    second row says so. The name typed is kept; the password never is."""
    name = str(username or "").strip()[:150]
    target = _account_named(name)
    changes = {"username": name, "address": address, "channel": channel, "locked": locked}
    _audit(actor=None, action="auth.login_failed", obj=target, changes=changes)
    if lockout:
        _audit(
            actor=None,
            action="auth.lockout",
            obj=target,
            changes={"username": name, "address": address, "channel": channel},
        )


@transaction.atomic
def sign_out_record(*, user: User, address: str, reason: str) -> None:
    """`reason`: "user" (the log-out button), "idle" or "expired" (the session's limits)."""
    _audit(
        actor=user,
        action="auth.logout",
        obj=user,
        changes={"address": address, "reason": reason},
    )
