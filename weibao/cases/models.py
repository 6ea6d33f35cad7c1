from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns, DistrictKeyed, area_column
from weibao.cases.choices import NoNeedReason, PlannedServiceStatus, RiskLevel, Stage
from weibao.core.fields import EncryptedTextField
from weibao.partners.choices import ServiceType


class Case(AreaColumns):
    """A child's case (建档 onwards): at most one open case per child, enforced by the database.
    The stages and who may move between them live in workflow.CASE."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        verbose_name=_("case owner"),
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default="discovered")
    summary = EncryptedTextField(_("summary"), blank=True)
    origin_concern = models.ForeignKey(
        "visits.Concern", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )

    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    risk_reasons = EncryptedTextField(_("reasons for the risk level"), blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # When the case last entered 跟踪: the follow-up visits closing needs count from that day
    # (blockers.require_follow_up). Cleared when services resume or the case is reopened.
    tracking_since = models.DateTimeField(null=True, blank=True)
    close_summary = EncryptedTextField(_("closing summary"), blank=True)
    # Closing after the assessment without services (无保护需求), and why; indexed for the
    # statistics that count these closings.
    close_no_need_reason = models.CharField(
        _("no protection need"),
        max_length=16,
        choices=NoNeedReason.choices,
        blank=True,
        db_index=True,
    )
    # Where a refused closing request sends the case back to.
    stage_before_closing = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    close_requested_at = models.DateTimeField(null=True, blank=True)
    close_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # A restricted case is hidden from the 儿童主任 of the child's 居民区 (e.g. the director is
    # related to the family): only the team named on it and the area roles see it.
    restricted = models.BooleanField(_("restricted"), default=False)
    restricted_reason = EncryptedTextField(_("reason for the restriction"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "child"],
                condition=~Q(stage="closed"),
                name="case_one_open_per_child",
            ),
            models.CheckConstraint(
                condition=~Q(stage="closed") | Q(closed_at__isnull=False, closed_by__isnull=False),
                name="case_closed_has_approver",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "stage", "opened_at"]),
            models.Index(fields=["subdistrict", "stage", "opened_at"]),
            models.Index(fields=["district", "stage", "opened_at"]),
            # The district's list, newest first, walked in its order (docs/performance.md,
            # "The case team").
            models.Index(fields=["district", "opened_at", "id"]),
            # A 街镇's list, newest first, walked in its order (a supervisor's, a station's).
            models.Index(fields=["subdistrict", "opened_at", "id"], name="case_subdistrict_newest"),
            # The district's list by risk level: its count read every case of the level in
            # the district from the table, 17 ms at 2,500,000 children (docs/performance.md,
            # "The district's 居民区 as a condition, not a list").
            models.Index(fields=["district", "risk_level", "opened_at"], name="case_district_risk"),
            models.Index(fields=["owner", "stage"]),
            # The few restricted cases, which hide their reports from whoever is not on them
            # (selectors.reports_of_hidden_cases).
            models.Index(
                fields=["district"], condition=Q(restricted=True), name="case_restricted_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"AJ{self.opened_at:%Y}-{self.pk:06d}" if self.opened_at and self.pk else "AJ—"

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED


class CaseMember(AreaColumns):
    """The case team (docs/domain.md §7.8): the people who see a case besides the supervisor,
    station staff and district staff of its area. One row per person, with the first reason
    they joined. The area columns are the case's, so the team moves with a transferred case."""

    class Why(models.TextChoices):
        OWNER = "owner", _("Case owner")
        PLAN = "plan", _("Responsible for a plan item")
        DIRECTOR = "director", _("Child director of the residential area")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    why = models.CharField(_("why on the team"), max_length=10, choices=Why.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case team member")
        verbose_name_plural = _("case team members")
        ordering = ["case", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "case", "user"], name="case_member_once"),
        ]
        # The scope rule asks "which cases is this user on": (user, case) answers it from the
        # index alone.
        indexes = [models.Index(fields=["user", "case"])]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class PlanVersion(DistrictKeyed):
    """一人一策: each change to a case's plan is a new version; earlier ones are kept as they
    were. The current plan is the case's highest-numbered version.

    `district` is a copy of the case's (docs/scale.md), as children.ChildCategory's is of the
    child's: the key a district-partitioned or Citus-distributed table is split by, so the
    reads of a case's plan versions name it (cases.selectors.plan_versions_of) and read one
    partition. plans.plan_save writes it with the row and cases.services.case_move_area moves
    it with the case. Not checked against the areas again (the case's own columns are) and no
    index of its own: the unique index leads with it and serves the reads by (district, case).
    """

    district = area_column(db_constraint=False, db_index=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plan_versions")
    number = models.PositiveIntegerField()
    goals = EncryptedTextField(_("goals"))
    review_on = models.DateField(_("review date"))
    change_note = EncryptedTextField(_("what changed and why"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case plan")
        verbose_name_plural = _("case plans")
        ordering = ["case", "-number"]
        constraints = [
            # One version per case and number; the district is the case's, so adding it in
            # front keeps the rule (and a unique index on a distributed table must contain
            # the distribution column).
            models.UniqueConstraint(
                fields=["district", "case", "number"], name="plan_version_number_unique"
            )
        ]
        indexes = [models.Index(fields=["review_on"])]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.number}"


class PlannedService(models.Model):
    plan = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="services")
    service_type = models.CharField(_("service"), max_length=24, choices=ServiceType.choices)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    responsible_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible partner"),
    )
    description = EncryptedTextField(_("details"), max_length=300, blank=True)
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PlannedServiceStatus.choices,
        default=PlannedServiceStatus.PLANNED,
    )
    # Why a planned service was cancelled (required then: plans.plan_save). The status and this
    # reason are the item's progress: a service record updates them in place on the current
    # version (plans.planned_service_progress), and a new version carries them forward.
    cancel_reason = EncryptedTextField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        ordering = ["plan", "due_on", "id"]
        # The clocks job looks up the items falling due today.
        indexes = [models.Index(fields=["due_on", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible_user__isnull=False) | Q(responsible_partner__isnull=False),
                name="planned_service_has_responsible",
            )
        ]

    def __str__(self) -> str:
        return self.get_service_type_display()


# Bounds of CasePolicy.follow_up_visits.
FOLLOW_UP_VISITS_DEFAULT = 1
FOLLOW_UP_VISITS_MAX = 12


class CasePolicy(DistrictKeyed):
    """What closing a case needs, set by each district (docs/domain.md §7.5): how many home
    visits of the child the follow-up (跟踪) must have completed. A district without a row
    uses the defaults."""

    district = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="case_policy"
    )
    follow_up_visits = models.PositiveSmallIntegerField(
        _("home visits the follow-up needs before closing"),
        default=FOLLOW_UP_VISITS_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(FOLLOW_UP_VISITS_MAX)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("closing rules")
        verbose_name_plural = _("closing rules")

    def __str__(self) -> str:
        return str(self.district)
