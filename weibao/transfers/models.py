from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns
from weibao.core.fields import EncryptedTextField


class Transfer(AreaColumns):
    """A child moving to another 居民区 (转移), with a handover (docs/domain.md §3.12): the
    sending area asks, the receiving 街镇 accepts or refuses, and on acceptance the child's
    file, cases and visits move in one transaction. The area columns are the SENDING area's,
    as they were when the transfer was asked for (so the sending side keeps seeing its
    request); the receiving side is `to_community` and its 街镇 `to_subdistrict`, or, for a
    move out of the district, the receiving district's name."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting decision")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="transfers")
    reason = EncryptedTextField(_("reason for the move"))
    to_community = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new residential area"),
    )
    # The receiving 街镇 (to_community's parent), a column of its own for the receiving
    # supervisor's scope and pending list.
    to_subdistrict = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiving sub-district or town"),
    )
    out_of_district = models.BooleanField(_("moved out of the district"), default=False)
    to_district_name = models.CharField(_("receiving district"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = EncryptedTextField(_("decision note"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "child"],
                condition=Q(status="requested"),
                name="transfer_one_pending_per_child",
            ),
            models.CheckConstraint(
                condition=Q(
                    out_of_district=False,
                    to_community__isnull=False,
                    to_subdistrict__isnull=False,
                    to_district_name="",
                )
                | (
                    Q(out_of_district=True, to_community__isnull=True, to_subdistrict__isnull=True)
                    & ~Q(to_district_name="")
                ),
                name="transfer_has_one_destination",
            ),
            models.CheckConstraint(
                condition=Q(status="requested", decided_at__isnull=True, decided_by__isnull=True)
                | (~Q(status="requested") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="transfer_decision_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(decision_note=""),
                name="transfer_refusal_has_note",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "requested_at"]),
            models.Index(fields=["subdistrict", "status", "requested_at"]),
            models.Index(fields=["district", "status", "requested_at"]),
            models.Index(fields=["to_subdistrict", "status", "requested_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"ZY{self.requested_at:%Y}-{self.pk:06d}" if self.requested_at and self.pk else "ZY—"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.REQUESTED

    @property
    def destination(self) -> str:
        """Where the child moves to, in words: "街镇 · 居民区", or the other district."""
        if self.out_of_district:
            return self.to_district_name
        return f"{self.to_community.parent.name} · {self.to_community.name}"
