import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.core.fields import EncryptedTextField
from weibao.staff.choices import (
    PROFESSIONAL_QUALIFICATIONS,
    HonourLevel,
    Qualification,
    StaffRole,
)


class StaffMember(models.Model):
    """One person of the work of a 街镇 (docs/domain.md §2), placed at the station (the 街镇)
    or in one of its 居民区.

    The area columns are those of areas.AreaColumns, except that the 居民区 may be empty (a
    person of the station): district and 街镇 are always set, so the roster of a 街镇 and of
    the district are each one indexed range. A person who leaves is ended (end_date), never
    deleted: the training record and the honours stay with them."""

    district = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("sub-district")
    )
    community = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("residential area"),
    )
    name = models.CharField(_("name"), max_length=64)
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    # Encrypted at rest like a guardian's phone, shown masked; the full number is revealed
    # with a reason, and the reveal is audited (docs/security.md).
    phone = EncryptedTextField(_("phone"), blank=True)
    # The number the person agreed may be public (the display wall): a work phone, never the
    # private one above.
    work_phone = models.CharField(_("work phone"), max_length=30, blank=True)
    publish_on_display_wall = models.BooleanField(
        _("agrees to be shown on the display wall"), default=False
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    full_time = models.BooleanField(_("full-time"), default=False)
    qualifications = models.JSONField(_("qualifications"), default=list, blank=True)
    qualifications_note = models.CharField(_("other qualifications"), max_length=200, blank=True)
    # The person's login account, where they have one. At most one open-ended roster entry
    # per account (a new post ends the old one first). Accounts are deactivated, not deleted;
    # should one be deleted all the same, the person stays on the roster without it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_entries",
        verbose_name=_("account"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(user__isnull=False, end_date__isnull=True),
                name="staff_one_open_entry_per_account",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="staff_ends_after_it_starts",
            ),
        ]
        indexes = [
            models.Index(fields=["subdistrict", "role"]),
            models.Index(fields=["community", "role"]),
            models.Index(fields=["district", "role"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def place(self):
        """Where the person works: their 居民区, or the 街镇 (the station)."""
        return self.community or self.subdistrict

    def is_active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    @property
    def qualification_labels(self) -> list[str]:
        held = set(self.qualifications or ())
        return [str(label) for value, label in Qualification.choices if value in held]

    @property
    def is_professional(self) -> bool:
        """Holds a social-work or counselling certificate (docs/domain.md §1: the Shanghai
        standard's qualified professional)."""
        return bool(PROFESSIONAL_QUALIFICATIONS & set(self.qualifications or ()))


class Honour(models.Model):
    """An honour or award of a person of the roster (e.g. 全国先进个人, 征文二等奖)."""

    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="honours")
    title = models.CharField(_("title of the honour"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=HonourLevel.choices)
    awarded_on = models.DateField(_("date awarded"))
    issuer = models.CharField(_("awarded by"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        ordering = ["-awarded_on", "-id"]

    def __str__(self) -> str:
        return self.title
