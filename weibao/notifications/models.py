from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message (the bell). `key` makes sending idempotent: the daily job can run
    twice in a day and each person is still told once."""

    class Kind(models.TextChoices):
        VISIT_OVERDUE = "visit_overdue", _("Visit overdue")
        VISIT_OVERDUE_7 = "visit_overdue_7", _("Visit overdue by more than 7 days")
        CONCERN_RAISED = "concern_raised", _("Concern raised")
        LEFT_BEHIND_16 = "left_behind_16", _("Left-behind child turned 16: review the category")
        REPORT_RECEIVED = "report_received", _("New mandatory report")
        REPORT_LATE = "report_late", _("Report clock missed")
        CASE_ASSIGNED = "case_assigned", _("Case assigned to you")
        CASE_CLOSE_REQUESTED = "case_close_requested", _("Case closing awaits approval")
        CASE_CLOSE_DECIDED = "case_close_decided", _("Case closing decided")
        CASE_STAGE_CHANGED = "case_stage_changed", _("A case you are on moved to another stage")
        PLAN_ITEM_ASSIGNED = "plan_item_assigned", _("A plan item is yours")
        PLAN_ITEM_DUE = "plan_item_due", _("A plan item of yours is due")
        REFERRAL_OVERDUE = "referral_overdue", _("Referral not answered in time")
        PROTECTION_LIMIT = "protection_limit", _("Temporary guardianship nears its one-year limit")
        TRANSFER_REQUESTED = "transfer_requested", _("Transfer awaits your decision")
        TRANSFER_DECIDED = "transfer_decided", _("Transfer decided")
        TRANSFER_ARRIVED = "transfer_arrived", _("A child moved into your area")
        AUDIT_CHAIN_BROKEN = "audit_chain_broken", _("The audit log was tampered with")
        STATION_LAPSED = "station_lapsed", _("A workstation no longer meets the standard")
        SUGGESTION_LATE = "suggestion_late", _("A child's suggestion is past its deadline")

    # No index of its own: the (recipient, key) uniqueness and the (recipient, read_at,
    # -created_at) index both lead with it, and a third index was one more entry for every
    # reminder the daily job writes (docs/performance.md, "The first run's writes").
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    key = models.CharField(max_length=80)
    # Not checked by the database: a district-distributed registry takes no foreign key from
    # a table kept on the coordinator, as this one is (docs/scale.md), and the check of every
    # reminder of a long backlog at the commit cost seconds (docs/performance.md, "The first
    # run's writes"). The rows are written with the ids of children read in the same statement,
    # and Django still deletes a child's notifications with it (on_delete).
    child = models.ForeignKey(
        "children.Child",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # Values for the message, rendered in the reader's language when shown.
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            # The job and the services look notifications up by key alone.
            models.Index(fields=["key"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"
