from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PartnerKind(models.TextChoices):
    """The "N" of the "1+N" network (docs/domain.md §1.7)."""

    TEMPORARY_CARE = "temporary_care", _("Temporary care point")
    SERVICE_CENTRE = "service_centre", _("Children's service centre")
    CHILDRENS_HOME = "childrens_home", _("Children's home (儿童之家)")
    SCHOOL = "school", _("School")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    HOSPITAL = "hospital", _("Hospital")
    POLICE = "police", _("Police station")
    SOCIAL_WORK = "social_work", _("Social-work organisation")
    LEGAL_AID = "legal_aid", _("Legal aid")
    COMPANY_CHARITY = "company_charity", _("Company or charity")


class Partner(models.Model):
    """A node of the network that cases are referred to. `area` is where it serves: a district
    partner serves every 街镇 of the district."""

    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=100)
    kind = models.CharField(
        pgettext_lazy("organisation", "type"), max_length=20, choices=PartnerKind.choices
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="partners", verbose_name=_("area")
    )
    services = models.CharField(_("services offered"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking of the registry form: a stale edit is refused, not silently merged.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="partner_name_unique_in_area")
        ]
        indexes = [models.Index(fields=["area", "kind", "active"])]

    def __str__(self) -> str:
        return self.name
