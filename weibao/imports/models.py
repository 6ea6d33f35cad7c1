from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import DistrictKeyed


class ImportJob(DistrictKeyed):
    """One uploaded register: the file (kept under MEDIA_ROOT/imports, never in the database), its
    column mapping, and the state and counts of its dry run and of its commit.

    `area` is the importer's widest role area when they uploaded (their 居民区, 街镇 or
    district): the job is seen by the uploader and by the roles above that area
    (imports.selectors.import_jobs_visible_to)."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Dry run in progress")
        CHECKED = "checked", _("Dry run done")
        IMPORTING = "importing", _("Import in progress")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        XLSX = "xlsx", "xlsx"
        CSV = "csv", "csv"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", null=True
    )
    original_name = models.CharField(_("file"), max_length=200)
    stored_name = models.CharField(max_length=100, editable=False)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    encoding = models.CharField(max_length=16, blank=True)  # a csv's: utf-8-sig or gb18030
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    hukou_default = models.CharField(max_length=8, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.UPLOADED)
    message = models.TextField(blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["uploaded_by", "created_at"]),
            models.Index(fields=["subdistrict", "created_at"]),
            models.Index(fields=["district", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def running(self) -> bool:
        return self.state in (self.State.CHECKING, self.State.IMPORTING)

    @property
    def percent(self) -> int:
        return min(100, (100 * self.processed) // self.total) if self.total else 0


class ImportRow(models.Model):
    """What the last run (dry run or commit) did with one row of the file: what it would do
    (dry run) or did (commit), and why a refused row was refused. The row's values stay in the
    file; only the name and the masked ID number are kept here, to say which row it was."""

    class Outcome(models.TextChoices):
        CREATE = "create", _("New")
        UPDATE = "update", _("Update")
        UNCHANGED = "unchanged", _("Unchanged")
        REFUSED = "refused", _("Refused")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()  # the line in the spreadsheet (the header is line 1)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    label = models.CharField(max_length=100, blank=True)
    reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "line"]
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="import_row_unique")]
        indexes = [models.Index(fields=["job", "outcome", "line"])]

    def __str__(self) -> str:
        return f"{self.line}: {self.outcome}"


class ImportMapping(models.Model):
    """The column mapping an uploader last used (target field → header text), remembered to
    pre-fill the next upload's mapping."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.user_id)
