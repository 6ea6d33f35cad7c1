"""The kinds of service the closed loop provides, by staff or by a partner of the "1+N" network
(docs/domain.md §7.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.TextChoices):
    """The services of the closed loop (docs/domain.md §7.3)."""

    GUARDIANSHIP_GUIDANCE = "guardianship_guidance", _("Family guardianship guidance")
    EDUCATION = "education", _("Education support")
    DAILY_CARE = "daily_care", _("Daily care")
    PSYCHOLOGICAL = "psychological", _("Psychological counselling")
    BEHAVIOUR = "behaviour", _("Behaviour correction")
    SOCIAL_INTEGRATION = "social_integration", _("Social integration")
    LEGAL_AID = "legal_aid", _("Legal aid")
    MATERIAL = "material", _("Material help")
    TEMPORARY_CARE = "temporary_care", _("Temporary care")
