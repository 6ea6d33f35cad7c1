"""The suggestion board (docs/domain.md §8.4): a child's suggestion about the community, left
on a station's public page (or recorded from a council's decision), moderated, routed to the
responsible department with a deadline and answered in public."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import DistrictKeyed, registry_district
from weibao.core.fields import EncryptedTextField
from weibao.suggestions.choices import Source, State


class Suggestion(DistrictKeyed):
    station = models.ForeignKey(
        "stations.Workstation", on_delete=models.PROTECT, related_name="suggestions"
    )
    # The station's district and 街镇, copied so that every list is one indexed range.
    district = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    subdistrict = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    # The 居民区 the child chose (optional): what the suggestion is about.
    community = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("residential area"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.BOARD
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.HELD)
    # What the child wrote, as typed (markup kept as text, escaped on output): never public.
    text = EncryptedTextField(_("what the child wrote"))
    given_name = EncryptedTextField(_("given name"), blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    # The version staff publish, personal data removed (docs/domain.md §8.4).
    public_text = models.TextField(_("public text"), blank=True)
    # The child's code to check the answer: only its keyed hash (core.crypto.lookup_hash).
    # Unique in the country by CodeRegistration's key, here within the district (Meta). Null,
    # not blank, for a council's suggestion (no code): nulls never collide in the unique rule.
    code_digest = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    reject_reason = models.TextField(_("why it is not published"), blank=True)
    department = models.CharField(_("responsible department"), max_length=100, blank=True)
    routed_community = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("responsible residential area"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    progress_note = models.TextField(_("progress"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    decline_reason = models.TextField(_("why it is declined"), blank=True)
    # The deadline for which the supervisor was told it is late (once per deadline).
    late_told_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    routed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["district", "state"]),
            models.Index(fields=["subdistrict", "state"]),
            models.Index(fields=["routed_community", "state"]),
            models.Index(fields=["station", "state", "created_at"]),
            models.Index(fields=["state", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(age__isnull=True) | Q(age__gte=3, age__lte=18),
                name="suggestion_age_range",
            ),
            models.UniqueConstraint(
                fields=["district", "code_digest"], name="suggestion_code_once_in_district"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class CodeRegistration(models.Model):
    """Which district a child's suggestion code lies in: the child checks an answer on the one
    public page (/board/check/) with the code alone, which names no district (docs/scale.md,
    "What changes in the code", point 7). Its primary key is the rule that a code is given once
    in the country; on a district-distributed database this is a reference table, so the check
    reads one row here and then the suggestion in its district, as children's ID numbers and
    reports' reference numbers are found.

    Written only by suggestion_submit, in the suggestion's transaction. The suggestion is
    referenced without a database constraint (a reference table may not point into a
    distributed one); Django deletes the row with the suggestion."""

    code_digest = models.CharField(max_length=64, primary_key=True)
    district = registry_district()
    suggestion = models.OneToOneField(
        Suggestion, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    def __str__(self) -> str:
        return f"{self.district_id}/{self.suggestion_id}"
