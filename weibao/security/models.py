"""Sign-in security: a district's two-factor rule for its 儿童主任, API tokens (only their hash
is stored) and the signed-in devices (one row per web session). The two-factor devices
themselves are django-otp's (TOTP and static recovery codes)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weibao.areas.models import DistrictKeyed


class SignInPolicy(DistrictKeyed):
    """Set by each district's staff: whether its 儿童主任 must use two-factor sign-in (district
    staff, supervisors, station staff and the system administrator always must). A district
    without a row leaves it optional."""

    district = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="sign_in_policy"
    )
    directors_need_two_factor = models.BooleanField(
        _("child directors must use two-factor sign-in"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sign-in rules")
        verbose_name_plural = _("sign-in rules")

    def __str__(self) -> str:
        return str(self.district)


class ApiToken(models.Model):
    """A key for the API (`Authorization: Token <key>`). The key is shown once when it is made;
    only its SHA-256 is kept, with its first characters to tell tokens apart. A token stops
    working when it expires, when it is revoked, or when its owner's password changes (the
    fingerprint of the password hash it was made under no longer matches)."""

    class Source(models.TextChoices):
        PAGE = "page", _("API tokens page")
        PASSWORD = "password", _("Password sign-in (demo)")

    class RevokeReason(models.TextChoices):
        OWNER = "owner", _("Revoked by its owner")
        DISTRICT = "district", _("Revoked by the district")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=60)
    prefix = models.CharField(_("starts with"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    password_fingerprint = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PAGE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(max_length=10, choices=RevokeReason.choices, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


class SignedInDevice(models.Model):
    """One web session of a user: which browser, from where, last seen when. Written when the
    user signs in and refreshed as they use the site; the session itself is Django's, and a
    device whose session has ended (signed out, expired, revoked) is no longer listed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_devices"
    )
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(_("device"), max_length=120, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    password_fingerprint = models.CharField(max_length=64)
    signed_in_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signed-in device")
        verbose_name_plural = _("signed-in devices")
        ordering = ["-last_seen_at", "-id"]
        indexes = [models.Index(fields=["user", "-last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.user_agent}"
