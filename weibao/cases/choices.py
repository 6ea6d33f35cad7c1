"""Case management lists (domain §6–7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The closed loop 发现 → 建档 → 评估 → 介入 → 服务 → 跟踪 → 结案 (see workflow.CASE)."""

    DISCOVERED = "discovered", _("Discovered")
    FILED = "filed", _("Filed")
    ASSESSED = "assessed", _("Assessed")
    INTERVENING = "intervening", _("Intervention")
    SERVING = "serving", _("Services")
    TRACKING = "tracking", _("Follow-up")
    CLOSING = "closing", _("Closing (awaiting approval)")
    CLOSED = "closed", _("Closed")


OPEN_STAGES = [s for s in Stage.values if s != Stage.CLOSED]


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    EMERGENCY = "emergency", _("Emergency")


class ServiceType(models.TextChoices):
    """The services of the closed loop (domain §7)."""

    GUARDIANSHIP_GUIDANCE = "guardianship_guidance", _("Family guardianship guidance")
    EDUCATION = "education", _("Education support")
    DAILY_CARE = "daily_care", _("Daily care")
    PSYCHOLOGICAL = "psychological", _("Psychological counselling")
    BEHAVIOUR = "behaviour", _("Behaviour correction")
    SOCIAL_INTEGRATION = "social_integration", _("Social integration")
    LEGAL_AID = "legal_aid", _("Legal aid")
    MATERIAL = "material", _("Material help")
    TEMPORARY_CARE = "temporary_care", _("Temporary care")


class PlannedServiceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ProtectionGround(models.TextChoices):
    """未保法 Art. 92: when civil affairs takes temporary guardianship."""

    WANDERING = (
        "wandering",
        _("Wandering or unidentified, and no guardian can be found (Art. 92.1)"),
    )
    GUARDIAN_MISSING = (
        "guardian_missing",
        _("Guardian missing or whereabouts unknown, with no substitute (Art. 92.2)"),
    )
    GUARDIAN_UNABLE = (
        "guardian_unable",
        _("Guardian unable to care through objective causes or an emergency (Art. 92.3)"),
    )
    GUARDIAN_NEGLECT = (
        "guardian_neglect",
        _("Guardian refuses or neglects care, leaving the child uncared for (Art. 92.4)"),
    )
    USED_FOR_CRIME = "used_for_crime", _("Guardian uses the child for crime (Art. 92.5)")
    HARMED_BY_GUARDIAN = (
        "harmed_by_guardian",
        _(
            "Seriously harmed or threatened by the guardian, needing emergency placement "
            "(Art. 92.6)"
        ),
    )
    OTHER_LEGAL = "other_legal", _("Other cases provided by law (Art. 92.7)")


class Placement(models.TextChoices):
    """未保法 Art. 93: where a child under temporary guardianship lives."""

    RELATIVES = "relatives", _("With relatives")
    FOSTER_FAMILY = "foster_family", _("Foster family")
    RESCUE_INSTITUTION = "rescue_institution", _("Minor rescue-protection institution")
    WELFARE_INSTITUTION = "welfare_institution", _("Child-welfare institution")


class ProtectionEnd(models.TextChoices):
    RETURNED_HOME = "returned_home", _("Returned home to the guardian")
    LONG_TERM = "long_term", _("Long-term guardianship by civil affairs (Art. 94)")
    OTHER = "other", _("Other")


class CapacityResult(models.TextChoices):
    CAPABLE = "capable", _("Guardian able to care")
    CAPABLE_WITH_SUPPORT = "capable_with_support", _("Able to care with support")
    NOT_CAPABLE = "not_capable", _("Not able to care")
