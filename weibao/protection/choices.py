"""The lists of emergency protection (docs/domain.md §6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
