"""Reads: who must use two-factor sign-in, the scope of API tokens and of the district's
users, and the signed-in devices still alive."""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from weibao.accounts.models import Role, User
from weibao.accounts.selectors import user_is_sysadmin, user_role_assignments
from weibao.areas.models import Area
from weibao.core.cached import cached_read
from weibao.security.fingerprints import password_fingerprint
from weibao.security.models import ApiToken, SignedInDevice, SignInPolicy

# The roles that reach many children's files, or every account: always two-factor.
ALWAYS_TWO_FACTOR = {Role.DISTRICT_STAFF, Role.SUPERVISOR, Role.STATION_STAFF, Role.SYSADMIN}
DB_SESSION_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


# --- two-factor sign-in ---------------------------------------------------------------------


def two_factor_required(user) -> bool:
    """Whether this user may not work without a confirmed two-factor device: always for the
    roles above, for a 儿童主任 when their district says so; nobody when the instance turns the
    requirement off (WEIBAO_2FA_REQUIRED, off in the demo)."""
    if not settings.WEIBAO_2FA_REQUIRED or not user.is_authenticated:
        return False
    roles = user_role_assignments(user)
    if user_is_sysadmin(user) or any(ra.role in ALWAYS_TWO_FACTOR for ra in roles):
        return True
    districts = {_district_id(ra.area) for ra in roles if ra.role == Role.DIRECTOR and ra.area}
    return any(_directors_need_two_factor(district_id) for district_id in sorted(districts))


# The sign-in gate (security.middleware) asks the next two facts on every request. They are
# kept this long in the shared cache and forgotten by the services that change them, at once
# and again at their commit (core.cached). The time bounds what a reader that straddled a
# writer's commit may keep; a device added or removed outside the services (the shell, SQL),
# which nothing forgets, counts within that time too (docs/security.md, "Two-factor sign-in").
KEPT_SECONDS = 60


def directors_need_two_factor_key(district_id: int) -> str:
    return f"security.directors_2fa.{district_id}"


def has_two_factor_key(user_id: int) -> str:
    return f"security.has_2fa.{user_id}"


def _directors_need_two_factor(district_id: int) -> bool:
    return cached_read(
        directors_need_two_factor_key(district_id),
        KEPT_SECONDS,
        lambda: SignInPolicy.objects.filter(
            district_id=district_id, directors_need_two_factor=True
        ).exists(),
    )


def _district_id(area: Area) -> int:
    while area.parent is not None:
        area = area.parent
    return area.pk


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_two_factor_kept(user) -> bool:
    """has_two_factor for the sign-in gate: kept KEPT_SECONDS, forgotten by the services that
    confirm or remove a device. The services read the device from the database; the district's
    rule (two_factor_required) is read through the cache by the gate and the services alike."""
    return cached_read(has_two_factor_key(user.pk), KEPT_SECONDS, lambda: has_two_factor(user))


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- the district's users -------------------------------------------------------------------


def managed_districts(user) -> list[Area]:
    """The districts whose people's sign-in this user looks after: district staff of it."""
    return [
        ra.area
        for ra in user_role_assignments(user)
        if ra.role == Role.DISTRICT_STAFF and ra.area is not None
    ]


def users_managed_by(user) -> QuerySet[User]:
    """The people holding a role somewhere in the user's districts (the one scope of the
    district's 2FA reset and token pages); nobody for anyone else."""
    districts = [d.pk for d in managed_districts(user)]
    if not districts:
        return User.objects.none()
    in_district = (
        Q(role_assignments__area_id__in=districts)
        | Q(role_assignments__area__parent_id__in=districts)
        | Q(role_assignments__area__parent__parent_id__in=districts)
    )
    return User.objects.filter(in_district).distinct().order_by("username")


def district_people(user) -> list[User]:
    """The district's people with their two-factor state (one query per kind of fact)."""
    people = list(users_managed_by(user).filter(is_active=True))
    ids = [p.pk for p in people]
    enrolled = dict(
        TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list(
            "user_id", "created_at"
        )
    )
    tokens = set(
        ApiToken.objects.filter(
            user_id__in=ids, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).values_list("user_id", flat=True)
    )
    for person in people:
        person.two_factor_since = enrolled.get(person.pk)
        person.has_tokens = person.pk in tokens
    return people


# --- API tokens -----------------------------------------------------------------------------


def tokens_visible_to(user) -> QuerySet[ApiToken]:
    """The one scope of API tokens: a user's own, and for district staff those of the people
    of their district."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    q = Q(user=user)
    if managed_districts(user):
        q |= Q(user__in=users_managed_by(user).values("pk"))
    return ApiToken.objects.filter(q).select_related("user")


def token_get_for_user(user, pk: int) -> ApiToken:
    return tokens_visible_to(user).get(pk=pk)


def token_state(token: ApiToken) -> tuple[str, str]:
    """(code, words) of a token: active, expired, revoked, or ended by a password change."""
    if token.revoked_at is not None:
        return "revoked", str(token.get_revoke_reason_display() or _("Revoked"))
    if token.password_fingerprint != password_fingerprint(token.user):
        return "password", str(_("Ended: the password was changed"))
    if token.expired:
        return "expired", str(_("Expired"))
    return "active", str(_("Active"))


def with_states(tokens) -> list[ApiToken]:
    rows = list(tokens)
    for token in rows:
        token.state, token.state_label = token_state(token)
    return rows


def active_tokens(tokens) -> list[ApiToken]:
    return [t for t in with_states(tokens) if t.state == "active"]


# --- signed-in devices ----------------------------------------------------------------------


def devices_of(user, current_key: str | None, *, pk: int | None = None) -> list[SignedInDevice]:
    """The one scope of signed-in devices: the user's own web sessions still alive — not
    ended, their session still in the store and made under the current password (Django ends
    the others at their next request). Nobody sees another person's devices, district staff
    included: the district has no page of its people's devices (docs/security.md). `current`
    marks the session `current_key` names: none for an API client signed in with a token,
    which has no web session."""
    devices = SignedInDevice.objects.filter(user=user, ended_at__isnull=True)
    if pk is not None:
        devices = devices.filter(pk=pk)
    if settings.SESSION_ENGINE in DB_SESSION_ENGINES:
        alive = Session.objects.filter(
            session_key=OuterRef("session_key"), expire_date__gt=timezone.now()
        )
        devices = devices.filter(Exists(alive))
    fingerprint = password_fingerprint(user)
    rows = [
        d for d in devices if d.password_fingerprint == fingerprint or d.session_key == current_key
    ]
    for device in rows:
        device.current = device.session_key == current_key
    return rows


def device_get_for_user(user, pk: int, current_key: str | None = None) -> SignedInDevice:
    """One device of devices_of; SignedInDevice.DoesNotExist for any other id, whoever's it
    is (the page and the API answer both with the same 404)."""
    rows = devices_of(user, current_key, pk=pk)
    if not rows:
        raise SignedInDevice.DoesNotExist
    return rows[0]


# --- the district's sign-in rules -----------------------------------------------------------


def sign_in_policy_for(district: Area) -> SignInPolicy:
    """The district's rules, or the defaults (not saved) when it has none yet."""
    return SignInPolicy.objects.filter(district=district).first() or SignInPolicy(district=district)
