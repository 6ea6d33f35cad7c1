from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import DistrictKeyed

# Bounds of RetentionPolicy.years (docs/domain.md §9.5).
RETENTION_YEARS_DEFAULT = 5
RETENTION_YEARS_MAX = 30


class RetentionPolicy(DistrictKeyed):
    """How long a district keeps a child's file after the child turns 18 or leaves the
    register, before it is anonymised (未保法 Art. 72, PIPL; docs/domain.md §9.5). A district
    without a row keeps files for the default period."""

    district = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="retention_policy"
    )
    years = models.PositiveSmallIntegerField(
        _("years a file is kept after the child turns 18 or leaves"),
        default=RETENTION_YEARS_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(RETENTION_YEARS_MAX)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")

    def __str__(self) -> str:
        return str(self.district)
