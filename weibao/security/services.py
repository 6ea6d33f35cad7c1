"""Writes of sign-in security, each audited: two-factor enrolment, sign-in codes, recovery
codes and the district's reset; API tokens; signed-in devices; the district's rule for its
儿童主任."""

import datetime as dt
import re
from importlib import import_module

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from weibao.areas.models import Area
from weibao.audit.services import audit_record
from weibao.core.cached import forget
from weibao.core.exceptions import Blocked
from weibao.security import tokens
from weibao.security.fingerprints import password_fingerprint
from weibao.security.models import ApiToken, SignedInDevice, SignInPolicy
from weibao.security.selectors import (
    confirmed_totp,
    devices_of,
    directors_need_two_factor_key,
    has_two_factor,
    has_two_factor_key,
    managed_districts,
    tokens_visible_to,
    two_factor_required,
    users_managed_by,
)
from weibao.security.useragents import summarise

RECOVERY_CODES = 10
REASON_MAX = 200
TOKEN_NAME_MAX = 60
SIX_DIGITS = re.compile(r"^\d{6}$")


# --- two-factor: enrolment ------------------------------------------------------------------


@transaction.atomic
def two_factor_enrol_start(*, actor) -> TOTPDevice:
    """A new secret for the user's authenticator app, not yet in force: it counts once the
    user types a code it makes (two_factor_enrol_confirm). Each start replaces the secret of
    an unfinished one, so a secret is never shown twice."""
    if has_two_factor(actor):
        raise Blocked(_("Two-factor sign-in is already set up."), code="enrolled")
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)
    audit_record(actor=actor, action="2fa.enrol_start", obj=actor)
    return device


def two_factor_enrol_confirm(*, actor, code: str) -> tuple[TOTPDevice, list[str]]:
    """The code from the app proves the secret was saved: two-factor sign-in is on from now,
    and the user gets their recovery codes (returned here, shown once, never again)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-id").first()
    if device is None:
        raise Blocked(_("Start again: the set-up was not found."), code="no_enrolment")
    _check_code(actor, device, _normalise(code))
    return _enrol_finish(actor, device)


@transaction.atomic
def _enrol_finish(actor, device: TOTPDevice) -> tuple[TOTPDevice, list[str]]:
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    forget(has_two_factor_key(actor.pk))
    codes = _new_recovery_codes(actor)
    audit_record(actor=actor, action="2fa.enrol", obj=actor)
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, actor) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if not has_two_factor(actor):
        raise Blocked(_("Set up two-factor sign-in first."), code="not_enrolled")
    codes = _new_recovery_codes(actor)
    audit_record(actor=actor, action="2fa.recovery_codes", obj=actor)
    return codes


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


# --- two-factor: signing in -----------------------------------------------------------------


def two_factor_verify(*, actor, code: str) -> Device:
    """The second step of signing in: a 6-digit code of the user's app, or one of their
    recovery codes (which is then used up). Returns the device that took it; a wrong code, or
    one typed while repeated mistakes make the user wait, is refused on the `code` field."""
    code = _normalise(code)
    device_class = TOTPDevice if SIX_DIGITS.match(code) else StaticDevice
    device = device_class.objects.filter(user=actor, confirmed=True).first()
    if device is None:
        _refuse(actor, "2fa.failed", _("This code is not right. Check it and try again."))
    _check_code(actor, device, code)
    action = "2fa.recovery_used" if device_class is StaticDevice else "2fa.verified"
    with transaction.atomic():
        left = StaticToken.objects.filter(device__user=actor).count()
        audit_record(actor=actor, action=action, obj=actor, changes={"recovery_codes_left": left})
    return device


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", str(code or "")).lower()[:32]


def _check_code(actor, device, code: str) -> None:
    """django-otp checks the code and counts the mistakes (each one doubles the wait before
    the next try); its writes and the audit row of a refusal are kept although the caller
    answers with an error, so this runs outside the caller's transaction."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, info = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            return
    _refuse_attempt(
        actor, allowed, info, "code", _("This code is not right. Check it and try again.")
    )


def _check_password(actor, device: TOTPDevice, password: str) -> None:
    """The password instead of a code (turning two-factor sign-in off): its mistakes count on
    the app's device like wrong codes, so guessing the password here waits just as long."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, info = device.verify_is_allowed()
        if allowed:
            if actor.check_password(password):
                device.throttle_reset()
                return
            device.throttle_increment()
    _refuse_attempt(
        actor, allowed, info, "password", _("This password is not right. Check it and try again.")
    )


def _refuse_attempt(actor, allowed: bool, info: dict | None, field: str, wrong: str) -> None:
    if not allowed and (info or {}).get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        until = time_format(timezone.localtime(info["locked_until"]), "H:i:s")
        wait = (
            _("Too many wrong codes. Try again after %(time)s.")
            if field == "code"
            else _("Too many wrong attempts. Try again after %(time)s.")
        )
        _refuse(actor, "2fa.throttled", wait % {"time": until}, field=field)
    _refuse(actor, "2fa.failed", wrong, field=field)


def _refuse(actor, action: str, message: str, *, field: str = "code") -> None:
    with transaction.atomic():
        audit_record(actor=actor, action=action, obj=actor)
    raise ValidationError({field: message})


# --- two-factor: turning it off ---------------------------------------------------------------


def two_factor_disable(*, actor, code: str = "", password: str = "") -> None:
    """Someone for whom two-factor sign-in is optional (a 儿童主任 whose district does not
    require it; anyone while the instance requires it of nobody) turns it off, proving again
    that it is them with a code of their app, a recovery code, or their password. The app's
    secret and the recovery codes are deleted, in the audit trail as `2fa.disable`. Whoever
    must use it (two_factor_required, the rule the sign-in gate applies) is refused."""
    if two_factor_required(actor):
        raise PermissionDenied
    device = confirmed_totp(actor)
    if device is None:
        raise Blocked(_("Two-factor sign-in is not on."), code="not_enrolled")
    code = _normalise(code)
    if code:
        proof = "code"
        checked = device if SIX_DIGITS.match(code) else _recovery_device(actor)
        if checked is None:
            _refuse(actor, "2fa.failed", _("This code is not right. Check it and try again."))
        _check_code(actor, checked, code)
    elif password:
        proof = "password"
        _check_password(actor, device, password)
    else:
        raise ValidationError(
            {"code": _("Enter a code from your authenticator app, or your password.")}
        )
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=actor).delete()[0]
        StaticDevice.objects.filter(user=actor).delete()
        forget(has_two_factor_key(actor.pk))
        audit_record(
            actor=actor,
            action="2fa.disable",
            obj=actor,
            changes={"proved_with": proof, "devices_removed": removed},
        )


def _recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


# --- two-factor: the district's reset -------------------------------------------------------


@transaction.atomic
def two_factor_reset(*, actor, user, reason: str) -> None:
    """District staff take away a person's two-factor devices and recovery codes (a lost
    phone): they set it up again at their next sign-in. Never one's own (the recovery codes
    are for that), always with a reason, which the audit row keeps."""
    if not users_managed_by(actor).filter(pk=user.pk).exists():
        raise PermissionDenied
    if user.pk == actor.pk:
        raise ValidationError({"reason": _("You cannot reset your own two-factor sign-in.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the two-factor sign-in is reset.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("At most %(n)d characters.") % {"n": REASON_MAX}},
        )
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    StaticDevice.objects.filter(user=user).delete()
    forget(has_two_factor_key(user.pk))
    audit_record(
        actor=actor,
        action="2fa.reset",
        obj=user,
        changes={"devices_removed": removed},
        note=reason,
    )


def two_factor_reset_by_operator(*, user, reason: str) -> None:
    """The same reset from the command line (`weibao two_factor_reset`), for the system
    administrator's own account or a district without staff: the operator is the actor."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        forget(has_two_factor_key(user.pk))
        audit_record(actor=None, action="2fa.reset", obj=user, note=reason.strip()[:REASON_MAX])


# --- API tokens -----------------------------------------------------------------------------


def _token_days(days: int | None) -> int:
    longest = settings.WEIBAO_TOKEN_DAYS
    if days is None:
        return longest
    if not 1 <= days <= longest:
        raise ValidationError(
            {"days": _("Between 1 and %(n)d days.") % {"n": longest}},
        )
    return days


@transaction.atomic
def api_token_create(
    *,
    actor,
    name: str,
    days: int | None = None,
    source: str = ApiToken.Source.PAGE,
) -> tuple[ApiToken, str]:
    """A new token for the actor; returns it with its key, which is shown once and kept
    nowhere (only its hash is stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the tool that uses it.")})
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationError({"name": _("At most %(n)d characters.") % {"n": TOKEN_NAME_MAX}})
    key = tokens.new_key()
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=key[: tokens.PREFIX_LENGTH],
        key_hash=tokens.key_hash(key),
        password_fingerprint=password_fingerprint(actor),
        source=source,
        expires_at=timezone.now() + dt.timedelta(days=_token_days(days)),
    )
    audit_record(
        actor=actor,
        action="token.create",
        obj=token,
        changes={"name": name, "source": source, "expires_at": token.expires_at.isoformat()},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Its owner, or the staff of the owner's district, end a token at once."""
    token = tokens_visible_to(actor).select_for_update(of=("self",)).get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.revoke_reason = (
        ApiToken.RevokeReason.OWNER if token.user_id == actor.pk else ApiToken.RevokeReason.DISTRICT
    )
    token.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(actor=actor, action="token.revoke", obj=token, changes={"user": token.user_id})
    return token


def api_token_used(token: ApiToken) -> None:
    """Note when a token was last used, to the minute: one UPDATE per request, which writes
    only when the minute has passed (no audit row: the use is not a change)."""
    now = timezone.now()
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - dt.timedelta(minutes=1)),
        pk=token.pk,
    ).update(last_used_at=now)


# --- signed-in devices ----------------------------------------------------------------------

DEVICE_SESSION_KEY = "_weibao_device"
# How stale "last seen" may get before a request writes it again: a write per minute at most.
TOUCH_EVERY = 60


def device_signed_in(sender, request, user, **kwargs) -> None:
    """On Django's user_logged_in (registered in apps.py): the session's device row."""
    if getattr(request, "session", None) is None:
        return
    device_record(request=request, user=user)


def device_record(*, request, user) -> None:
    """Write (or refresh) the row of this request's session, and note in the session what was
    written and when, so the next requests know whether to write again."""
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    now = timezone.now()
    fingerprint = password_fingerprint(user)
    agent = _agent(request)
    seen = {
        "user": user,
        "user_agent": agent,
        "ip": request.META.get("REMOTE_ADDR") or None,
        "password_fingerprint": fingerprint,
        "last_seen_at": now,
    }
    SignedInDevice.objects.update_or_create(
        session_key=key,
        defaults={**seen, "ended_at": None},
        create_defaults={**seen, "signed_in_at": now},
    )
    request.session[DEVICE_SESSION_KEY] = [key, int(now.timestamp()), fingerprint[:16], agent]


def _agent(request) -> str:
    return summarise(request.META.get("HTTP_USER_AGENT", ""))[:120]


def device_touch(request) -> None:
    """Called for each signed-in request (SignInGuardMiddleware): rewrites the row only when
    the session changed key, the password or the browser changed, or a minute has passed."""
    seen = request.session.get(DEVICE_SESSION_KEY)
    now = [
        request.session.session_key,
        password_fingerprint(request.user)[:16],
        _agent(request),
    ]
    if (
        isinstance(seen, list)
        and len(seen) == 4
        and [seen[0], seen[2], seen[3]] == now
        and timezone.now().timestamp() - seen[1] < TOUCH_EVERY
    ):
        return
    device_record(request=request, user=request.user)


@transaction.atomic
def device_revoke(*, actor, device: SignedInDevice, current_key: str | None) -> None:
    """Sign one of the user's other devices out: its session is deleted at once."""
    if device.user_id != actor.pk:
        raise PermissionDenied
    if device.session_key == current_key:
        raise Blocked(_("To sign this device out, log out."), code="current_device")
    _end(device)
    audit_record(
        actor=actor,
        action="device.revoke",
        obj=device,
        changes={"device": device.user_agent, "ip": device.ip},
    )


@transaction.atomic
def devices_revoke_others(*, actor, current_key: str | None) -> int:
    """Sign out every device of the user but the one of `current_key` (every one when it is
    None: an API client signed in with a token). Returns how many of those listed were
    signed out; rows whose session had already ended are closed too, without counting."""
    listed = {d.pk for d in devices_of(actor, current_key) if not d.current}
    devices = list(
        SignedInDevice.objects.filter(user=actor, ended_at__isnull=True).exclude(
            session_key=current_key or ""
        )
    )
    for device in devices:
        _end(device)
    count = sum(1 for d in devices if d.pk in listed)
    if devices:
        audit_record(
            actor=actor, action="device.revoke_others", obj=actor, changes={"count": count}
        )
    return count


def user_access_end(*, actor, user) -> dict:
    """accounts.hooks.account_access_end: district staff deactivated the account or reset its
    password, so every web session of it is signed out and every API token revoked, now
    (inside the change's transaction; its audit row carries the counts)."""
    devices = list(SignedInDevice.objects.filter(user=user, ended_at__isnull=True))
    for device in devices:
        _end(device)
    tokens_revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(),
        revoked_by=actor if getattr(actor, "is_authenticated", False) else None,
        revoke_reason=ApiToken.RevokeReason.DISTRICT,
    )
    return {"sessions_ended": len(devices), "tokens_revoked": tokens_revoked}


def _end(device: SignedInDevice) -> None:
    import_module(settings.SESSION_ENGINE).SessionStore(session_key=device.session_key).delete()
    device.ended_at = timezone.now()
    device.save(update_fields=["ended_at"])


# --- the district's rule for its 儿童主任 ---------------------------------------------------


@transaction.atomic
def sign_in_policy_update(
    *, actor, district: Area, directors_need_two_factor: bool
) -> SignInPolicy:
    """District staff decide whether the 儿童主任 of their district must use two-factor sign-in
    (from their next request on)."""
    if district.pk not in {d.pk for d in managed_districts(actor)}:
        raise PermissionDenied
    policy, _created = SignInPolicy.objects.select_for_update().get_or_create(district=district)
    old = policy.directors_need_two_factor
    policy.directors_need_two_factor = directors_need_two_factor
    policy.save()
    forget(directors_need_two_factor_key(district.pk))
    changes = {}
    if old != directors_need_two_factor:
        changes["directors_need_two_factor"] = {"old": old, "new": directors_need_two_factor}
    audit_record(actor=actor, action="signin.policy", obj=policy, changes=changes)
    return policy
