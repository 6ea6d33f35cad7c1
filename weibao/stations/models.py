"""Workstations (未保站), the district's standard ("八个一") as data, the evidence a station
records for each item and the district's review of it, and the coverage kept month by month
(docs/domain.md §1.10–§1.15)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import DistrictKeyed
from weibao.stations.choices import (
    ComputedKind,
    HostFacility,
    ReviewDecision,
    SelfAssessment,
    StationStatus,
    ZoneKind,
)


class Workstation(DistrictKeyed):
    """The minor-protection workstation of a 街镇 (未保法 Art. 81: one per 街镇). A 街镇 may plan
    a new one while the old one operates, but never has two operating."""

    district = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    subdistrict = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="workstations",
        verbose_name=_("sub-district or town"),
    )
    name = models.CharField(_("station name"), max_length=100)
    host_facility = models.CharField(
        _("host facility"), max_length=20, choices=HostFacility.choices
    )
    host_facility_other = models.CharField(_("host facility (other)"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=StationStatus.choices, default=StationStatus.PLANNED
    )
    planned_on = models.DateField(_("planned on"))
    building_on = models.DateField(_("building started on"), null=True, blank=True)
    opened_on = models.DateField(_("first opened on"), null=True, blank=True)
    status_since = models.DateField(_("in this status since"))
    # The display wall (展示墙): the station's public page, shown without signing in only
    # while this is on.
    published = models.BooleanField(_("public page published"), default=False)
    # The day the daily job found the station's computed evidence lapsed (its supervisor was
    # told then, once); cleared when it holds again.
    lapsed_since = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("workstation")
        verbose_name_plural = _("workstations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "subdistrict"],
                condition=Q(status="operating"),
                name="station_one_operating_per_subdistrict",
            ),
            models.CheckConstraint(
                condition=Q(floor_area__isnull=True) | Q(floor_area__gt=0),
                name="station_floor_area_positive",
            ),
        ]
        indexes = [models.Index(fields=["district", "status"])]

    def __str__(self) -> str:
        return self.name

    def host_label(self) -> str:
        if self.host_facility == HostFacility.OTHER and self.host_facility_other:
            return self.host_facility_other
        return self.get_host_facility_display()


class StationZone(models.Model):
    """A functional zone of a station (接待咨询区, 心理辅导区, …)."""

    station = models.ForeignKey(Workstation, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(_("zone name"), max_length=60)
    kind = models.CharField(_("kind of zone"), max_length=20, choices=ZoneKind.choices)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    area = models.DecimalField(
        _("area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="zone_name_unique_in_station"),
            models.CheckConstraint(
                condition=Q(area__isnull=True) | Q(area__gt=0), name="zone_area_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


def photo_path(instance: "StationPhoto", filename: str) -> str:
    # Never the user's file name on disk.
    return f"stations/{instance.station_id}/photos/{instance.token}"


class StationPhoto(models.Model):
    """A photo of the station (JPEG or PNG, written anew without its metadata: core.uploads).
    It shows on the public page only when its keeper says it shows the place and no child."""

    station = models.ForeignKey(Workstation, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=photo_path)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    on_wall = models.BooleanField(_("show on the public page"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("station photo")
        verbose_name_plural = _("station photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.caption or self.original_name


class Standard(DistrictKeyed):
    """One version of a district's standard for its workstations. The version in force on a
    day is the latest that started on or before it; a version is changed only before it
    starts, so what a station was measured against stays as it was."""

    district = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    name = models.CharField(_("standard"), max_length=60)
    version_name = models.CharField(_("version"), max_length=60)
    starts_on = models.DateField(_("in force from"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        ordering = ["district_id", "-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "starts_on"], name="standard_one_version_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.version_name}"


class StandardItem(models.Model):
    """One requirement of a version of the standard. Its `code` stays the same from version to
    version while the requirement does, so evidence and reviews carry over; a changed
    requirement takes a new code and is reviewed anew."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(_("code"), max_length=32)
    wording = models.CharField(_("wording"), max_length=200)
    source = models.CharField(_("source"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    computed = models.CharField(
        _("computed evidence"), max_length=12, choices=ComputedKind.choices, blank=True
    )
    # What the computed evidence must reach (stations.evidence): people for a team, m² for
    # the venue, service records for the ledger, a percentage for the archive. None: the
    # kind's default.
    threshold = models.PositiveIntegerField(_("threshold"), null=True, blank=True)

    class Meta:
        verbose_name = _("item of the standard")
        verbose_name_plural = _("items of the standard")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="standard_item_code_unique")
        ]

    def __str__(self) -> str:
        return self.wording


class ItemEvidence(models.Model):
    """What a station shows for one item of the standard (by the item's code): a note, a
    self-assessment and files, and the latest review of it. The latest event wins: evidence
    changed after a review awaits a new one."""

    station = models.ForeignKey(Workstation, on_delete=models.CASCADE, related_name="evidence")
    code = models.SlugField(max_length=32)
    note = models.TextField(_("note"), blank=True)
    self_assessment = models.CharField(
        _("self-assessment"), max_length=10, choices=SelfAssessment.choices, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The latest review (its history is ItemReview).
    review_decision = models.CharField(
        max_length=12, choices=ReviewDecision.choices, blank=True, editable=False
    )
    review_note = models.TextField(blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.UniqueConstraint(fields=["station", "code"], name="evidence_once_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.code}"


def evidence_path(instance: "EvidenceFile", filename: str) -> str:
    return f"stations/{instance.evidence.station_id}/evidence/{instance.token}"


class EvidenceFile(models.Model):
    """A file of evidence: a JPEG or PNG photo (written anew) or a PDF, recognised by content."""

    evidence = models.ForeignKey(ItemEvidence, on_delete=models.CASCADE, related_name="files")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=evidence_path)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ItemReview(models.Model):
    """The district's review of a station's evidence for one item, kept as history."""

    evidence = models.ForeignKey(ItemEvidence, on_delete=models.CASCADE, related_name="reviews")
    item = models.ForeignKey(StandardItem, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(_("decision"), max_length=12, choices=ReviewDecision.choices)
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.evidence_id} {self.decision}"


class CoverageSnapshot(DistrictKeyed):
    """A district's coverage for one month, as it stood when the month was last measured: the
    daily job rewrites the current month's row and never an earlier one, so last year's figure
    stays what it was whatever happens to today's data."""

    district = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # the first day of the month
    measured_on = models.DateField()
    subdistricts = models.PositiveIntegerField()
    meeting = models.PositiveIntegerField()
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Per 街镇: {"subdistrict": id, "name": …, "station": id|None, "status": …, "meets": bool}.
    rows = models.JSONField(default=list)

    class Meta:
        ordering = ["district_id", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["district", "month"], name="coverage_once_per_month"),
            models.CheckConstraint(
                condition=Q(meeting__lte=models.F("subdistricts")),
                name="coverage_meeting_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.month:%Y-%m}: {self.meeting}/{self.subdistricts}"

    @property
    def percent(self) -> int | None:
        if not self.subdistricts:
            return None
        return round(100 * self.meeting / self.subdistricts)
