import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns, DistrictKeyed, area_column, registry_district
from weibao.children.categories import Category
from weibao.children.choices import (
    AGED_OUT,
    AGED_OUT_LABEL,
    DisabilityLevel,
    DisabilityType,
    Grade,
    Health,
    HukouType,
    IncomeSource,
    Relation,
    Sex,
    Status,
)
from weibao.children.ethnicity import ETHNICITIES
from weibao.core.fields import EncryptedTextField

ADULT_AGE = 18
# The name an anonymised file carries ("已匿名 #<id>"): stored, not translated, so that every
# page, list and export that shows a child's name shows it without knowing about anonymisation.
ANONYMISED_NAME = "已匿名 #{pk}"


# The columns the list's filters test (children.selectors.child_list), carried by its indexes.
LIST_FILTERED = ["sex", "birth_date", "status", "category_bits"]


def adult_cutoff(today: dt.date | None = None) -> dt.date:
    """Children born on or before this date are 18 or over today."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February: the birthday falls on 1 March in a common year
        return today.replace(year=today.year - ADULT_AGE, month=3, day=1) - dt.timedelta(days=1)


class Child(DistrictKeyed):
    """One file per child (一人一档).

    The area columns are denormalised on purpose: every scope check, list and count filters on
    them, and at a city's scale that has to be one indexed comparison, not a walk up the tree.
    """

    name = models.CharField(_("name"), max_length=64)
    name_initials = models.CharField(max_length=64, db_index=True, editable=False)
    name_pinyin = models.CharField(max_length=256, db_index=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, default="01")
    birth_date = models.DateField(_("birth date"), db_index=True)

    id_number = EncryptedTextField(_("ID number"))
    # Unique within the district only (the constraint below): across districts, the one rule
    # is kept by IdNumberRegistration, so that this table needs no index without its district.
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(max_length=18, editable=False)

    hukou_type = models.CharField(
        _("household registration type"), max_length=8, choices=HukouType.choices
    )
    hukou_place = models.CharField(_("household registration place"), max_length=100, blank=True)
    address = EncryptedTextField(_("home address"), blank=True)

    district = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    subdistrict = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    community = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="children_registered",
        verbose_name=_("residential area"),
    )

    school = models.CharField(_("school"), max_length=100, blank=True)
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, blank=True)
    boarding = models.BooleanField(_("boarding at school"), default=False)

    health = models.CharField(
        _("health"), max_length=10, choices=Health.choices, default=Health.HEALTHY
    )
    disability_type = models.CharField(
        _("disability type"), max_length=16, choices=DisabilityType.choices, blank=True
    )
    disability_level = models.CharField(
        _("disability grade"), max_length=1, choices=DisabilityLevel.choices, blank=True
    )
    health_notes = EncryptedTextField(_("health notes"), blank=True)

    family_situation = EncryptedTextField(_("family situation"), blank=True)
    income_source = models.CharField(
        _("main income source"), max_length=12, choices=IncomeSource.choices, blank=True
    )
    notes = EncryptedTextField(_("notes"), blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    # The categories of the child's ChildCategory rows as bits (categories.CATEGORY_BITS), kept
    # with them by the services: the list's category filter is then a test on the child's own
    # index entry instead of a look-up per child (docs/performance.md, "Registry reads at a
    # city's scale"). The rows stay the record; these bits are derived from them.
    category_bits = models.PositiveIntegerField(default=0, editable=False)
    # Set when the child returns home after protection; drives the follow-up visits.
    returned_home_on = models.DateField(_("returned home on"), null=True, blank=True)
    # The date of the child's last completed visit, kept by visits.services.visit_complete so
    # that the daily job reads it with the child instead of aggregating half a city's visits.
    last_visited_on = models.DateField(null=True, blank=True, editable=False)
    status_date = models.DateField(_("status date"), null=True, blank=True)
    status_reason = EncryptedTextField(_("status reason"), max_length=200, blank=True)
    # Set when the retention period ran out and the file was anonymised (docs/domain.md §9.5,
    # children.services.child_anonymise): identity and free text are gone, the coded fields the
    # statistics count remain, and nothing changes the file again.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    # Optimistic concurrency: a save based on an older version is refused, never merged silently.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        # Pinyin order is what people expect of a list of Chinese names (not code-point order).
        ordering = ["community_id", "name_pinyin", "id"]
        permissions = [("reveal_sensitive", "Can reveal ID numbers, phones and addresses")]
        indexes = [
            models.Index(fields=["community", "name_pinyin", "id"]),
            # The list's order within a 街镇 and a district (docs/performance.md, "Registry
            # reads at a city's scale"): its first page is the first rows of one range, whatever
            # the area holds. The filtered columns follow the order's, so that the filters are
            # checked in the index and a count or a deep page reads the index alone. A 街镇's
            # indexes end with the district, which its scope names too (accounts.selectors.
            # area_q): without it a 督导员's count to the cap read 10,001 children from the
            # table, 39 ms at 2,500,000 (docs/performance.md, "The API's lists from their
            # indexes alone").
            models.Index(
                fields=["subdistrict", "community", "name_pinyin", "id", *LIST_FILTERED, "district"]
            ),
            models.Index(fields=["district", "community", "name_pinyin", "id", *LIST_FILTERED]),
            # The count of an age band in a 街镇 or a district (alone or with the other
            # filters): one range.
            models.Index(
                fields=["subdistrict", "birth_date", "sex", "status", "category_bits", "district"]
            ),
            models.Index(fields=["district", "birth_date", "sex", "status", "category_bits"]),
            # The pinyin search within a 街镇: a range of the 街镇's matches only
            # (selectors._prefix_q).
            models.Index(fields=["subdistrict", "name_initials"]),
            models.Index(fields=["subdistrict", "name_pinyin"]),
            models.Index(fields=["community", "status", "birth_date"]),
            models.Index(fields=["subdistrict", "status", "birth_date"]),
            models.Index(fields=["district", "status", "birth_date"]),
            # The files whose retention period ran out after they left the register
            # (safekeeping.retention): one range per status.
            models.Index(fields=["district", "status", "status_date"]),
            # The month's registrations, counted for the dashboards (docs/domain.md §11.1).
            models.Index(fields=["district", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active") | Q(status_date__isnull=False),
                name="child_status_change_has_date",
            ),
            # Also the index of the search by a full ID number, which the scope's district
            # leads (children.selectors.child_search).
            models.UniqueConstraint(
                fields=["district", "id_number_hash"], name="child_id_number_once_in_district"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def age(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        before_birthday = (today.month, today.day) < (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - before_birthday

    def is_minor(self, today: dt.date | None = None) -> bool:
        return self.birth_date > adult_cutoff(today)

    def effective_status(self, today: dt.date | None = None) -> str:
        if self.status == Status.ACTIVE and not self.is_minor(today):
            return AGED_OUT
        return self.status

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def effective_status_label(self) -> str:
        status = self.effective_status()
        return str(AGED_OUT_LABEL) if status == AGED_OUT else self.get_status_display()


class IdNumberRegistration(models.Model):
    """Which district's file holds an ID number: the one question asked across districts
    (docs/scale.md, "What changes in the code", point 2). Its primary key is the rule that a
    number is registered once in the country; on a district-distributed database this is a
    reference table, so "already registered in another area" reads no other district's rows.

    Written only by the children services, in the transaction that writes the file: a new file
    adds its row (child_create, children_create_many), a new number re-keys it (child_update),
    a move to another district carries its district (child_update, child_move), anonymising
    removes it (child_anonymise: the number is gone from the file). The child is referenced
    without a database constraint: a reference table may not point into a distributed one, and
    the rows are deleted with the file by Django (on_delete), not by the database."""

    id_number_hash = models.CharField(max_length=64, primary_key=True)
    district = registry_district()
    child = models.OneToOneField(
        Child, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    def __str__(self) -> str:
        return f"{self.district_id}/{self.child_id}"


class ChildCategory(DistrictKeyed):
    """A child's membership of one category, as a row so that counts and filters use an index.

    `district` is a copy of the child's (docs/scale.md): the key a district-partitioned or
    Citus-distributed table is split by, so the reads of a child's categories name it and read
    one partition. The children services write it with the row and move it with the child
    (child_update, child_move). Like duplicates.MatchKey's area columns it is not checked
    against the areas again (the child's own foreign key holds the same value) and has no index
    of its own: the unique index leads with it and serves the reads by (district, child). An
    import writes one or two of these rows per child, so each reference checked or index kept
    would cost its commit."""

    district = area_column(db_constraint=False, db_index=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="category_rows")
    category = models.CharField(max_length=32, choices=Category.choices)

    class Meta:
        constraints = [
            # One row per child and category; the district is the child's, so adding it in
            # front keeps the rule (and a unique index on a distributed table must contain
            # the distribution column).
            models.UniqueConstraint(
                fields=["district", "child", "category"], name="child_category_unique"
            )
        ]
        indexes = [models.Index(fields=["category", "child"])]

    def __str__(self) -> str:
        return self.get_category_display()


class Guardian(DistrictKeyed):
    """One of the child's guardians.

    `district` is a copy of the child's, as ChildCategory's is (docs/scale.md): the key a
    district-partitioned or Citus-distributed table is split by, so the reads of a child's
    guardians name it (children.selectors.guardian_rows_of, guardian_rows_prefetch) and read
    one partition. The children services write it with the row and move it with the child
    (child_update, child_move). Not checked against the areas again (the child's own foreign
    key holds the same value) and no index of its own: the reads are by (district, child),
    which the child's index answers. An import writes a guardian row with most children, so
    each reference checked or index kept would cost its commit."""

    district = area_column(db_constraint=False, db_index=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("name"), max_length=64)
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(max_length=20, blank=True, editable=False)
    work_location = models.CharField(_("work location"), max_length=100, blank=True)
    is_entrusted_carer = models.BooleanField(_("entrusted carer"), default=False)
    able_to_guard = models.BooleanField(_("able to guard"), default=True)
    notes = EncryptedTextField(_("notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class CategoryTally(AreaColumns):
    """How many minors of one 居民区 are in one category (or in difficulty, or in all): the home
    page's counts read these few rows per 居民区 instead of counting every child of a district.
    Derived data, rewritten by children.tallies (on every child write for its 居民区, and for
    all 居民区 by the daily job, since children turn 18 without any write)."""

    key = models.CharField(max_length=24)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district", "community", "key"], name="category_tally_unique"
            )
        ]
        indexes = [
            models.Index(fields=["subdistrict", "key"]),
            models.Index(fields=["district", "key"]),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.key}: {self.n}"
