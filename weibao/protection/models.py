from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns
from weibao.core.fields import EncryptedTextField
from weibao.protection.choices import CapacityResult, Placement, ProtectionEnd, ProtectionGround
from weibao.protection.limits import limit_state


class ProtectionRecord(AreaColumns):
    """Temporary guardianship by civil affairs (强制保护, 未保法 Art. 92–93). Generally at most
    one year (Shanghai Art. 77): an alert goes out a month before; a guardianship-capacity
    assessment comes before the child returns home."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="protections")
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="protections"
    )
    ground = models.CharField(_("legal ground"), max_length=24, choices=ProtectionGround.choices)
    placement = models.CharField(_("placement"), max_length=24, choices=Placement.choices)
    # Where the child is placed is as sensitive as a home address.
    placement_detail = EncryptedTextField(_("placement details"), blank=True)
    started_on = models.DateField(_("start date"))
    limit_on = models.DateField(_("one-year limit"))
    limit_alert_sent_at = models.DateTimeField(null=True, blank=True)

    capacity_assessed_on = models.DateField(_("capacity assessed on"), null=True, blank=True)
    capacity_result = models.CharField(
        _("capacity assessment"), max_length=24, choices=CapacityResult.choices, blank=True
    )
    capacity_notes = EncryptedTextField(_("assessment notes"), blank=True)
    capacity_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    ended_on = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(
        _("how it ended"), max_length=16, choices=ProtectionEnd.choices, blank=True
    )
    end_note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        # The table keeps the name it had when protection was part of the cases app.
        db_table = "cases_protectionrecord"
        verbose_name = _("protection record")
        verbose_name_plural = _("protection records")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "child"],
                condition=Q(ended_on__isnull=True),
                name="protection_one_active_per_child",
            ),
            models.CheckConstraint(
                condition=~Q(end_reason="returned_home") | Q(capacity_assessed_on__isnull=False),
                name="protection_return_needs_assessment",
            ),
        ]
        indexes = [
            models.Index(fields=["subdistrict", "ended_on", "limit_on"]),
            models.Index(fields=["ended_on", "limit_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_ground_display()} {self.started_on}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    @property
    def limit_state(self) -> str:
        """ "past", "near" (a month before the limit) or "": for red/amber on the pages."""
        return limit_state(self)
