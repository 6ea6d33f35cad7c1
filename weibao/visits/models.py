from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns, area_column
from weibao.children.categories import Category
from weibao.core.fields import EncryptedTextField

RETURNED_HOME = "returned_home"
RULE_KEY_CHOICES = [*Category.choices, (RETURNED_HOME, _("Returned home after protection"))]


class VisitRule(models.Model):
    """How often children of one category are visited (一月一访 for 监护缺失/监护不当, the rest
    local policy), or, for RETURNED_HOME, the follow-up after a child returns home from
    protection (docs/domain.md §4.3: 3 months to 1 year)."""

    key = models.CharField(_("category"), max_length=32, choices=RULE_KEY_CHOICES, unique=True)
    interval_months = models.PositiveSmallIntegerField(
        _("visit every (months)"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    duration_months = models.PositiveSmallIntegerField(
        _("follow-up period (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(3), MaxValueValidator(12)],
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit rule")
        verbose_name_plural = _("visit rules")
        ordering = ["interval_months", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_months__gte=1, interval_months__lte=12),
                name="visit_rule_interval_range",
            ),
            models.CheckConstraint(
                condition=~Q(key=RETURNED_HOME)
                | Q(duration_months__gte=3, duration_months__lte=12),
                name="visit_rule_follow_up_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return self.get_key_display()


class VisitDue(AreaColumns):
    """One visit a child is owed: the open row is the child's next due date (at most one per
    child, enforced by the database); closed rows are the record the completion table counts."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    # The area columns indexed only by Meta's indexes, which lead with each of them: an
    # index of the column alone would be one more for every due written (an import writes
    # one per child).
    district = area_column(db_index=False)
    subdistrict = area_column(db_index=False)
    community = area_column(db_index=False, verbose_name=_("residential area"))
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="visit_dues")
    due_date = models.DateField(_("due date"))
    # Visits from this date on settle this due (see scheduling.Due.counts_from).
    counts_from = models.DateField(null=True, blank=True)
    # The last visit this due was counted from (None: counted from registration or return).
    based_on = models.DateField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=32, choices=RULE_KEY_CHOICES)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    visit = models.ForeignKey(
        "visits.Visit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_on = models.DateField(null=True, blank=True)
    on_time = models.BooleanField(null=True)
    # 0: nobody told yet; 1: the director was told it is overdue; 2: the supervisor too (>7 days).
    overdue_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("due visit")
        verbose_name_plural = _("due visits")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "child"],
                condition=Q(state="open"),
                name="visit_due_one_open_per_child",
            )
        ]
        indexes = [
            models.Index(fields=["community", "state", "due_date"]),
            # The district last: a 街镇's condition names its district too (accounts.selectors.
            # area_q, docs/scale.md), and without it here the 街镇's worklist counts could not
            # be read from the index alone (PostgreSQL at 200,000 children: 102 ms instead of
            # 0.6 ms; docs/performance.md, "Load test").
            models.Index(fields=["subdistrict", "state", "due_date", "district"]),
            models.Index(fields=["district", "state", "due_date"]),
            # The worklist of a district and of a 街镇 in its order, (due_date, id), for the
            # open dues alone: a month's dues share a few dates (7,144 of a district's on one
            # day at 200,000 children), and without the id each page sorted its date's every
            # due, joined to its child (docs/performance.md, "The district's lists through the
            # API"). Partial, so small: the id, unique, leaves nothing to deduplicate, and the
            # same columns over every due made a 114 MB index that the counts then avoided.
            models.Index(
                fields=["district", "due_date", "id"],
                condition=Q(state="open"),
                name="visit_due_district_open",
            ),
            models.Index(
                fields=["subdistrict", "district", "due_date", "id"],
                condition=Q(state="open"),
                name="visit_due_subdistrict_open",
            ),
            # The completion table of a 街镇's month (selectors.completion_table) counts from
            # this index alone: every column it reads is here (docs/performance.md, "Load test").
            models.Index(
                fields=["subdistrict", "due_date", "district", "community", "state", "on_time"]
            ),
            # The dues the daily job has still to tell about (jobs.mark_overdue): open and
            # not yet told at both levels. Led by the level, so that "level 0 and due before
            # today" and "level 1 and due more than a week ago" are each one range holding
            # only the dues to tell; the dues told at both levels (most overdue ones) are not
            # in it at all. It replaces (state, due_date), which made the job walk every open
            # due already told, each day (docs/performance.md, "The daily job at a city's
            # scale").
            models.Index(
                fields=["overdue_level", "due_date"],
                condition=Q(state="open", overdue_level__lt=2),
                name="visit_due_to_tell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.due_date}"


class Visit(AreaColumns):
    """A home visit (家庭随访). Saved as a draft while it is being filled in, completed once."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COMPLETED = "completed", _("Completed")

    class Kind(models.TextChoices):
        HOME = "home", _("Home visit")
        PHONE = "phone", _("Phone call")
        SCHOOL = "school", _("School visit")
        OTHER = "other", _("Other")

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_APPLICABLE = "na", _("Not applicable")

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="visits")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    visit_date = models.DateField(_("visit date"), null=True, blank=True)
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.HOME)
    met_with = models.CharField(_("who was met"), max_length=200, blank=True)
    psychology = EncryptedTextField(_("psychology and emotions"), blank=True)
    study = EncryptedTextField(_("study"), blank=True)
    family_economy = EncryptedTextField(_("family economy"), blank=True)
    guardianship = EncryptedTextField(_("guardianship situation"), blank=True)
    # 未保法 Art. 21–23 as explicit questions, each asked so that "yes" is the breach: the risk
    # answer is the same for every check (docs/domain.md §4.7, services.RISK_ANSWER).
    under8_unattended = models.CharField(
        _("Is a child under 8 left without care?"),
        max_length=3,
        choices=Answer.choices,
        blank=True,
    )
    under16_alone = models.CharField(
        _("Is a child under 16 living alone without a guardian?"),
        max_length=3,
        choices=Answer.choices,
        blank=True,
    )
    away_without_carer = models.CharField(
        _("Are the parents working away without a fit entrusted carer?"),
        max_length=3,
        choices=Answer.choices,
        blank=True,
    )
    no_weekly_contact = models.CharField(
        _("Do the parents or carer fail to contact the child at least once a week?"),
        max_length=3,
        choices=Answer.choices,
        blank=True,
    )
    policy_publicity = models.BooleanField(_("policy publicity given"), default=False)
    guardianship_guidance = models.BooleanField(_("guardianship guidance given"), default=False)
    concern_marked = models.BooleanField(_("I am concerned about this child"), default=False)
    findings = EncryptedTextField(_("findings"), blank=True)
    next_steps = EncryptedTextField(_("next steps"), blank=True)
    version = models.PositiveIntegerField(default=1)
    # The browser tab that autosaved the draft last, and its count of saves: a tab's own
    # earlier save (e.g. sent as the page was reloaded) is no conflict with its next one.
    draft_tab = models.CharField(max_length=40, blank=True, editable=False)
    draft_tab_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visit_date", "-id"]
        indexes = [
            models.Index(fields=["child", "state", "visit_date"]),
            models.Index(fields=["subdistrict", "state", "visit_date"]),
            # The month's completed visits of a district, counted for the dashboards.
            models.Index(fields=["district", "state", "visit_date"]),
            # A district's, a 街镇's and a 居民区's visits, newest first, walked in the API
            # list's order (docs/performance.md, "The district's lists through the API"). They
            # hold what the list's scope and filters read (the district, the state, the
            # author), so that its ids and its count to the cap are read from the index alone:
            # with the rows, a 街镇's count read 10,001 visits from the table, 52–94 ms at
            # 2,500,000 children ("The API's lists from their indexes alone"). Only
            # PostgreSQL has INCLUDE; elsewhere they are the key columns alone.
            models.Index(
                fields=["district", "visit_date", "id"],
                include=["state", "author"],
                name="visit_district_newest",
            ),
            models.Index(
                fields=["subdistrict", "visit_date", "id"],
                include=["district", "state", "author"],
                name="visit_subdistrict_newest",
            ),
            models.Index(
                fields=["community", "visit_date", "id"],
                include=["district", "state", "author"],
                name="visit_community_newest",
            ),
            models.Index(fields=["author", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="draft")
                | Q(visit_date__isnull=False, completed_at__isnull=False),
                name="visit_completed_has_date",
            )
        ]

    # Audit rows written before migration 0008 name the weekly-contact check by its old
    # question, to which "yes" was the safe answer: a child's history shows them as they were
    # asked (children.history).
    RETIRED_FIELDS = {
        "weekly_contact": (
            _("Are the parents or carer in touch with the child at least weekly?"),
            Answer.choices,
        ),
    }

    def __str__(self) -> str:
        return f"{self.child_id} {self.visit_date or '—'}"


def attachment_path(instance: "VisitAttachment", filename: str) -> str:
    # Never the user's file name on disk: it may carry a child's name.
    return f"visits/{instance.visit_id}/{instance.token}"


class VisitAttachment(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path)
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


class Concern(AreaColumns):
    """A risk noticed about a child (风险线索), e.g. by a visit. The reports-and-cases work turns
    concerns into mandatory reports and cases."""

    class Kind(models.TextChoices):
        UNDER8_UNATTENDED = "under8_unattended", _("Child under 8 left without care (Art. 21)")
        UNDER16_ALONE = "under16_alone", _("Child under 16 living alone (Art. 21)")
        AWAY_WITHOUT_CARER = "away_without_carer", _("No fit entrusted carer (Art. 22)")
        NO_WEEKLY_CONTACT = "no_weekly_contact", _("No weekly contact with the child (Art. 23)")
        MARKED = "marked", _("Concern raised by the visitor")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        HANDLED = "handled", _("Handled")

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="concerns")
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    description = EncryptedTextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="open")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = EncryptedTextField(_("how it was handled"), blank=True)
    # The mandatory report this concern went into (one report takes all of a visit's concerns).
    filed_report = models.ForeignKey(
        "reports.Report",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filed_concerns",
    )

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["subdistrict", "state", "raised_at"]),
            models.Index(fields=["community", "state", "raised_at"]),
            models.Index(fields=["child", "state"]),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
