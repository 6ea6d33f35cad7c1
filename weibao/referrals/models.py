from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns
from weibao.core.fields import EncryptedTextField
from weibao.partners.choices import ServiceType


class Referral(AreaColumns):
    """A case referred (转介) to a partner. States and who may change them: workflow.REFERRAL."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        COMPLETED = "completed", _("Completed")
        REVOKED = "revoked", _("Revoked")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="referrals"
    )
    service_type = models.CharField(
        _("service needed"), max_length=24, choices=ServiceType.choices, blank=True
    )
    reason = EncryptedTextField(_("reason for the referral"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="pending")
    accept_by = models.DateField(_("accept by"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    response_note = EncryptedTextField(_("partner's response"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    feedback = EncryptedTextField(_("partner's feedback"), blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = EncryptedTextField(_("why it was revoked"), blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        # The table keeps the name it had when referrals were part of the partners app.
        db_table = "partners_referral"
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "case", "partner"],
                condition=Q(state__in=["pending", "accepted"]),
                name="referral_one_live_per_case_partner",
            )
        ]
        indexes = [
            models.Index(fields=["subdistrict", "state", "accept_by"]),
            models.Index(fields=["district", "state", "accept_by"]),
            models.Index(fields=["partner", "state"]),
            models.Index(fields=["case", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.partner}"

    @property
    def is_live(self) -> bool:
        return self.state in (self.State.PENDING, self.State.ACCEPTED)

    @property
    def is_overdue(self) -> bool:
        """Pending after its accept-by day has ended (shown red; see jobs.referral_alerts)."""
        return self.state == self.State.PENDING and self.accept_by < timezone.localdate()
