from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns
from weibao.core.fields import EncryptedTextField
from weibao.partners.choices import ServiceType


class ServiceRecord(AreaColumns):
    """A service delivered (服务台账): shows in the case, the child's file and the ledger."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="service_records")
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="service_records"
    )
    delivered_on = models.DateField(_("date"))
    service_type = models.CharField(_("service"), max_length=24, choices=ServiceType.choices)
    provider_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provided by (staff)"),
    )
    provider_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name=_("provided by (partner)"),
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    notes = EncryptedTextField(_("notes"), blank=True)
    # The item of the case plan (一人一策) this service delivers, if any; saving the record moves
    # the item on (cases.plans.planned_service_progress). Declared by name: cases is below.
    planned_service = models.ForeignKey(
        "cases.PlannedService",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name=_("planned service"),
    )
    completes_item = models.BooleanField(_("this completes the planned service"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # A record entered by mistake is voided (作废), never deleted: it leaves the ledger and the
    # totals but stays in the case, struck through, with who voided it and why.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = EncryptedTextField(_("reason for voiding"), blank=True)

    class Meta:
        # The table keeps the name it had when the ledger was part of the cases app.
        db_table = "cases_servicerecord"
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-delivered_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(provider_user__isnull=False) | Q(provider_partner__isnull=False),
                name="service_record_has_provider",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
                name="service_record_void_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["subdistrict", "delivered_on"]),
            models.Index(fields=["district", "delivered_on"]),
            models.Index(fields=["case", "delivered_on"]),
            models.Index(fields=["child", "delivered_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_type_display()} {self.delivered_on}"
