import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import DistrictKeyed, registry_district
from weibao.core.fields import EncryptedTextField
from weibao.reports.choices import Channel, ChildSex, NoCaseReason, ReporterType, Situation

# Far in the future: a met (or absent) clock never decides how urgent a report is.
NEVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
# The states in which a report's clocks still run: the triage queue.
OPEN_STATES = ("received", "acknowledged", "handling")
# The core.SiteState row of the clocks' last run to the end (reports.jobs.check_clocks).
CLOCKS_RAN_KEY = "report_clocks_ran"


def _unmet(due: str, met: str) -> Case:
    """The `due` time while `met` is empty and `due` is set, else NEVER."""
    unmet = Q(**{f"{met}__isnull": True, f"{due}__isnull": False})
    never = Value(NEVER, output_field=models.DateTimeField())
    return Case(When(unmet, then=F(due)), default=never)


class ClockPolicy(DistrictKeyed):
    """The legal clocks of a report, set by each district (defaults: acknowledge within 1 hour,
    police told within 24 hours for situations 1–8, outcome to the reporter within 15 days)."""

    district = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="report_clock_policy"
    )
    ack_minutes = models.PositiveIntegerField(
        _("acknowledge within (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    police_hours = models.PositiveIntegerField(
        _("tell the police within (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
    )
    outcome_days = models.PositiveIntegerField(
        _("tell the reporter the outcome within (days)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report clocks")
        verbose_name_plural = _("report clocks")

    def __str__(self) -> str:
        return str(self.district)


class Report(DistrictKeyed):
    """A mandatory report (强制报告) of suspected harm to a minor, from the public page, from
    staff, or from a visit concern. The reporter's identity is confidential by law: it is
    encrypted and shown only to the supervisor and above (see selectors.can_see_reporter)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        HANDLING = "handling", _("Being handled")
        CLOSED = "closed", _("Closed")

    class Link(models.TextChoices):
        PENDING = "pending", _("Not yet linked")
        LINKED = "linked", _("Linked to a registered child")
        REGISTERED = "registered", _("Registered as a new child")
        UNIDENTIFIED = "unidentified", _("Child unidentified")

    # What the reporter keeps: a reference and a secret code (only its hash is stored).
    # Unique in the country by ReferenceRegistration's key; unique here within the district
    # (Meta), which a table split by district can keep (docs/scale.md, point 7).
    reference = models.CharField(_("reference number"), max_length=20)
    code_hash = models.CharField(max_length=128)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(
        _("state"), max_length=14, choices=State.choices, default=State.RECEIVED
    )

    # Where: the 街镇 (blank when the reporter does not know it: the district's queue).
    district = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    subdistrict = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sub-district or town"),
    )
    # Set from the linked child, so the child's director sees the report.
    community = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # What happened.
    other_situation = EncryptedTextField(_("other situation"), max_length=200, blank=True)
    police_required = models.BooleanField(default=False)
    description = EncryptedTextField(_("what happened"))
    occurred_when = models.CharField(_("when"), max_length=100, blank=True)
    place = EncryptedTextField(_("where"), max_length=200, blank=True)

    # The child as the reporter knows them.
    child_name = models.CharField(_("child's name"), max_length=64, blank=True)
    child_age = models.PositiveSmallIntegerField(
        _("child's age"), null=True, blank=True, validators=[MaxValueValidator(17)]
    )
    child_sex = models.CharField(
        _("child's sex"), max_length=1, choices=ChildSex.choices, blank=True
    )
    child_school = models.CharField(_("child's school"), max_length=100, blank=True)
    child_address = EncryptedTextField(_("child's address"), blank=True)

    # Who reported (confidential).
    reporter_type = models.CharField(
        _("reporter type"), max_length=24, choices=ReporterType.choices
    )
    reporter_name = EncryptedTextField(_("reporter's name"), blank=True)
    reporter_phone = EncryptedTextField(_("reporter's phone"), blank=True)
    reporter_org = EncryptedTextField(_("reporter's organisation"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    concern = models.ForeignKey(
        "visits.Concern", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    received_at = models.DateTimeField(default=timezone.now)

    # Triage.
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    link_state = models.CharField(
        _("child link"), max_length=14, choices=Link.choices, default=Link.PENDING
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    # A report of harm (situations 1–8) closed without a case says why (choices.NoCaseReason);
    # indexed because the statistics count these decisions.
    no_case_reason = models.CharField(
        _("why no case is needed"),
        max_length=20,
        choices=NoCaseReason.choices,
        blank=True,
        db_index=True,
    )
    # When the report opened a case or was attached to the child's open case (shown to the
    # reporter on the status page as "being handled since").
    handling_at = models.DateTimeField(null=True, blank=True)

    # Clocks: *_due_at is fixed when the report arrives (from the district's ClockPolicy);
    # the matching *_at records when it was met; *_escalated_at when the district was told it
    # was missed.
    ack_due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ack_escalated_at = models.DateTimeField(null=True, blank=True)

    police_due_at = models.DateTimeField(null=True, blank=True)  # None: not required
    police_notified_at = models.DateTimeField(_("police told at"), null=True, blank=True)
    police_told = models.CharField(_("who at the police was told"), max_length=100, blank=True)
    police_receipt_no = models.CharField(_("police receipt number"), max_length=50, blank=True)
    police_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    police_escalated_at = models.DateTimeField(null=True, blank=True)

    outcome_due_at = models.DateTimeField()
    outcome_sent_at = models.DateTimeField(null=True, blank=True)
    # Shown to the reporter on the status page: no details of the child or the case.
    outcome_message = EncryptedTextField(_("outcome message to the reporter"), blank=True)
    outcome_escalated_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # The earliest clock not yet met (NEVER when all are): the triage queue's order, kept by the
    # database from the columns above, so no write can leave it stale, and indexed per area
    # for the open reports (docs/performance.md, "The report queue").
    next_due_at = models.GeneratedField(
        expression=Least(
            _unmet("ack_due_at", "acknowledged_at"),
            _unmet("police_due_at", "police_notified_at"),
            _unmet("outcome_due_at", "outcome_sent_at"),
        ),
        output_field=models.DateTimeField(),
        db_persist=True,
    )

    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("mandatory report")
        verbose_name_plural = _("mandatory reports")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["subdistrict", "state", "received_at"]),
            models.Index(fields=["district", "state", "received_at"]),
            # A district's reports newest first, walked in that order (docs/performance.md,
            # "The report queue"). The case last, as in the queues' indexes below: a deep
            # page's ids are read from this index alone.
            models.Index(
                fields=["district", "received_at", "id", "case"], name="report_district_newest"
            ),
            models.Index(fields=["community", "state", "received_at"]),
            models.Index(fields=["state", "ack_due_at"]),
            models.Index(fields=["state", "police_due_at"]),
            models.Index(fields=["state", "outcome_due_at"]),
            models.Index(fields=["child", "state"]),
            models.Index(fields=["created_by", "received_at"]),
            # The triage queues, most urgent first: a district's and a 街镇's open reports.
            # The case last, so the hidden-reports rule reads it from the index (a key
            # column, not INCLUDE, which SQLite does not have).
            models.Index(
                fields=["district", "next_due_at", "received_at", "id", "case"],
                condition=Q(state__in=OPEN_STATES),
                name="report_district_queue",
            ),
            models.Index(
                fields=["subdistrict", "next_due_at", "received_at", "id", "case"],
                condition=Q(state__in=OPEN_STATES),
                name="report_subdistrict_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(link_state__in=["linked", "registered"], child__isnull=False)
                | (~Q(link_state__in=["linked", "registered"]) & Q(child__isnull=True)),
                name="report_child_matches_link_state",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(outcome_sent_at__isnull=False),
                name="report_closed_has_outcome",
            ),
            models.UniqueConstraint(
                fields=["district", "reference"], name="report_reference_once_in_district"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ReferenceRegistration(models.Model):
    """Which district a report's reference number lies in: the lookup a reporter makes with the
    reference and the code names no district (docs/scale.md, "What changes in the code", points
    2 and 7). Its primary key is the rule that a reference is given once in the country; on a
    district-distributed database this is a reference table, so a reporter's lookup reads one
    row here and then the report in its district, as children.IdNumberRegistration does for an
    ID number.

    Written only by the reports services, in the report's transaction: report_create adds it,
    report_link_child carries the district when the report moves to its child's. The report is
    referenced without a database constraint (a reference table may not point into a
    distributed one); Django deletes the row with the report."""

    reference = models.CharField(max_length=20, primary_key=True)
    district = registry_district()
    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    def __str__(self) -> str:
        return f"{self.reference} → {self.district_id}"


class ReportSituation(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="situation_rows")
    situation = models.CharField(max_length=8, choices=Situation.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "situation"], name="report_situation_once")
        ]
        indexes = [models.Index(fields=["situation", "report"])]

    def __str__(self) -> str:
        return self.get_situation_display()
