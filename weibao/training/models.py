from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import DistrictKeyed
from weibao.training.choices import (
    DEFAULT_MIN_HOURS,
    DEFAULT_REQUIRED_ROLES,
    AttendanceStatus,
    Mode,
)


def default_required_roles() -> list[str]:
    return [str(role) for role in DEFAULT_REQUIRED_ROLES]


class TrainingTopic(DistrictKeyed):
    """A topic of the district's list (民法典, 未成年人保护法, …): district staff add, rename and
    retire them; a retired topic stays on the sessions that used it."""

    district = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="training_topics"
    )
    name = models.CharField(_("topic"), max_length=60)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training topic")
        verbose_name_plural = _("training topics")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="training_topic_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TrainingPolicy(DistrictKeyed):
    """What "trained" means in a district (docs/domain.md §2.7): the roster roles that must be
    trained, and the hours each needs in the period. A district without a row uses the
    defaults (training.choices)."""

    district = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="training_policy"
    )
    required_roles = models.JSONField(
        _("roles that must be trained"), default=default_required_roles
    )
    min_hours = models.DecimalField(
        _("hours needed in the period"),
        max_digits=4,
        decimal_places=1,
        default=DEFAULT_MIN_HOURS,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(200)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("training rule")
        verbose_name_plural = _("training rules")

    def __str__(self) -> str:
        return str(self.district)


class TrainingSession(DistrictKeyed):
    """One training session, organised by the district or by a 街镇 (`subdistrict`; empty for
    the district's own)."""

    district = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey(
        TrainingTopic, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("topic")
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    held_on = models.DateField(_("date"))
    mode = models.CharField(_("online or in person"), max_length=10, choices=Mode.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    trainer = models.CharField(_("trainer"), max_length=100)
    hours = models.DecimalField(_("training hours"), max_digits=4, decimal_places=1)
    # The roster roles expected to attend: the roll-call lists them.
    audience = models.JSONField(_("who is expected"), default=default_required_roles)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["district", "held_on"]),
            models.Index(fields=["subdistrict", "held_on"]),
        ]

    def __str__(self) -> str:
        return self.title or self.topic.name

    @property
    def organiser(self):
        return self.subdistrict or self.district

    @property
    def display_title(self) -> str:
        return self.title or self.topic.name


class Attendance(models.Model):
    """One person's attendance at a session. The hours of the sessions a person was present at
    make their training in a period (training.selectors.training_rate)."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="attendance_once")
        ]
        # The rate's GROUP BY: a person's present rows, joined to their sessions' dates.
        indexes = [models.Index(fields=["member", "status", "session"])]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.session_id}: {self.status}"


def material_path(instance: "SessionMaterial", filename: str) -> str:
    # Never the user's file name on disk.
    return f"training/{instance.session_id}/{instance.token}"


class SessionMaterial(models.Model):
    """A file of a session (slides as PDF, photos of the session), taken in by core.uploads."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="materials")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=material_path)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
