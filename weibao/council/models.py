"""The children's council (儿童议事会) of each station (docs/domain.md §8.1): its members —
registered children, each with a guardian's consent and a term — its meetings with their
attendance, minutes and decisions; each decision followed up on the station's suggestion board."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns, DistrictKeyed
from weibao.core.fields import EncryptedTextField
from weibao.council.choices import ConsentHow


class CouncilMember(AreaColumns):
    """A child on a station's council for a term. The area columns are the child's (it is a
    child-keyed table)."""

    station = models.ForeignKey(
        "stations.Workstation", on_delete=models.PROTECT, related_name="council_members"
    )
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="council_memberships"
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    # The guardian's consent (docs/domain.md §9.1): who gave it, when and how.
    consent_by = EncryptedTextField(_("consent given by"))
    consent_on = models.DateField(_("consent given on"))
    consent_how = models.CharField(
        _("how consent was given"), max_length=12, choices=ConsentHow.choices
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        ordering = ["station", "term_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "station", "child", "term_start"],
                name="council_member_once_per_term",
            ),
            models.CheckConstraint(
                condition=Q(term_end__gte=F("term_start")), name="council_term_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["subdistrict", "term_end"]),
            models.Index(fields=["community", "term_end"]),
            models.Index(fields=["district", "term_end"]),
        ]

    def __str__(self) -> str:
        return f"{self.station_id}:{self.child_id}"

    def in_term(self, day) -> bool:
        return self.term_start <= day <= self.term_end


class CouncilMeeting(DistrictKeyed):
    station = models.ForeignKey(
        "stations.Workstation", on_delete=models.PROTECT, related_name="council_meetings"
    )
    district = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    subdistrict = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    held_on = models.DateField(_("held on"))
    agenda = models.TextField(_("agenda"))
    # The minutes may name the children who spoke: kept encrypted.
    minutes = EncryptedTextField(_("minutes"), blank=True)
    present = models.ManyToManyField(
        CouncilMember, related_name="meetings", blank=True, verbose_name=_("members present")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["subdistrict", "held_on"]),
            models.Index(fields=["district", "held_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.station_id}:{self.held_on}"


class CouncilDecision(models.Model):
    """A decision of a meeting, followed up as a suggestion on the station's board."""

    meeting = models.ForeignKey(CouncilMeeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    suggestion = models.OneToOneField(
        "suggestions.Suggestion", on_delete=models.PROTECT, related_name="council_decision"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("council decision")
        verbose_name_plural = _("council decisions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]
