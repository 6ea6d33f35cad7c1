from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import DistrictKeyed


class Figure(models.Model):
    """One number of the dashboards: an indicator (`key`, broken down by `dim`) for one area (a
    district, a 街镇 or a 居民区, each holding the total of everything below it) and one month.

    Derived data, rewritten for the running month by dashboards.services.figures_refresh and
    frozen once the month is past (docs/domain.md §11.1): a dashboard reads these rows, a few
    hundred per area and year, and never the children, visits or reports themselves."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # the first day of the month
    key = models.CharField(max_length=40)
    dim = models.CharField(max_length=40, blank=True, default="")
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "month", "key", "dim"], name="dashboard_figure_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m} {self.key}/{self.dim}={self.value}"


class FigureMonth(DistrictKeyed):
    """A district's month of figures: when it was last computed, from which point of the audit
    log (a refresh with nothing new to count is skipped), and whether it is frozen."""

    district = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    computed_at = models.DateTimeField(_("computed at"))
    audit_seq = models.PositiveBigIntegerField(default=0)
    frozen = models.BooleanField(_("frozen"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "month"], name="figure_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.month:%Y-%m}{' frozen' if self.frozen else ''}"


def report_path(instance: "MonthlyReport", filename: str) -> str:
    return f"monthly-reports/{instance.area_id}/{instance.month:%Y-%m}/{filename}"


class MonthlyReport(models.Model):
    """The monthly statistical report (月报) of a district or a 街镇: the month's figures beside
    the month before's, as a spreadsheet and a PDF, made by the scheduled job on the 1st of the
    next month (from the frozen figures) or on demand (docs/domain.md §11.3). One per area and
    month: making it again replaces the files, and each making is audited."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    made_at = models.DateTimeField(_("made at"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    frozen = models.BooleanField(_("from frozen figures"), default=False)
    xlsx = models.FileField(upload_to=report_path)
    pdf = models.FileField(upload_to=report_path, blank=True)

    class Meta:
        ordering = ["-month", "area_id"]
        constraints = [
            models.UniqueConstraint(fields=["area", "month"], name="monthly_report_unique")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m}"
