from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    # A work phone, given when district staff create the account (to pass on its sign-in
    # link); shown to the district's staff only. Digits only.
    phone = models.CharField(_("work phone"), max_length=20, blank=True)
    # The district whose staff created the account (accounts.services.user_invite): they
    # keep managing it while it holds no role there (accounts.selectors.people_managed_by).
    home_district = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )

    # `createsuperuser` asks for these after the user name: the name is what the audit trail and
    # the pages show of the account.
    REQUIRED_FIELDS = ["full_name", "email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    DIRECTOR = "director", _("Child director")
    SUPERVISOR = "supervisor", _("Child supervisor")
    STATION_STAFF = "station_staff", _("Workstation staff")
    DISTRICT_STAFF = "district_staff", _("District civil-affairs staff")
    SYSADMIN = "sysadmin", _("System administrator")


# Which level of area each role is bound to. A system administrator manages accounts, not
# children, so that role carries no area and therefore no view of any child's file.
ROLE_AREA_LEVEL: dict[str, str | None] = {
    Role.DIRECTOR: "community",
    Role.SUPERVISOR: "subdistrict",
    Role.STATION_STAFF: "subdistrict",
    Role.DISTRICT_STAFF: "district",
    Role.SYSADMIN: None,
}


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("area"),
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="role_assignment_unique"),
            models.CheckConstraint(
                condition=Q(role="sysadmin", area__isnull=True)
                | (~Q(role="sysadmin") & Q(area__isnull=False)),
                name="role_assignment_area_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.area or '—'}"

    def clean(self) -> None:
        expected = ROLE_AREA_LEVEL.get(self.role)
        if expected is None:
            if self.area_id:
                raise ValidationError({"area": _("A system administrator has no area.")})
            return
        if self.area is None or self.area.level != expected:
            raise ValidationError(
                {"area": _("This role must be bound to an area of the right level.")}
            )
