from typing import TypeVar

from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weibao.core.exceptions import ConflictError


class AreaQuerySet(models.QuerySet):
    def open(self) -> "AreaQuerySet":
        """The areas not closed: what a picker offers for a new value (docs/domain.md §1.16)."""
        return self.filter(closed_at__isnull=True)

    def pickable(self, keep: int | None = None) -> "AreaQuerySet":
        """The open areas, plus `keep` (a record's present area, closed or not, so that its form
        still shows what is there): the choices of a picker (docs/domain.md §1.16)."""
        return self.filter(Q(closed_at__isnull=True) | Q(pk=keep))


class Area(models.Model):
    """A node of the administrative tree 区 → 街道/镇 → 居民区/村. District staff create, rename,
    merge and close 街镇 and 居民区 (areas.services); a closed area is never deleted: the
    records of the past keep pointing at it, it only leaves the pickers and the lists."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("District")
        SUBDISTRICT = "subdistrict", _("Sub-district or town")
        COMMUNITY = "community", _("Residential area")

    name = models.CharField(pgettext_lazy("place", "name"), max_length=64)
    # 统计用区划代码 where one is published; blank for places without an official code.
    code = models.CharField(_("official code"), max_length=12, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The 居民区 a merged one became part of (None for one closed without a merge).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="area_code_unique"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="area_name_unique_in_parent"),
            models.CheckConstraint(
                condition=(Q(level="district", parent__isnull=True))
                | (~Q(level="district") & Q(parent__isnull=False)),
                name="area_only_districts_are_roots",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def district_pk(self) -> int:
        """The id of the district this area lies in, read from the parent chain (no query when
        the parents are loaded, as user_role_assignments does): the key every scoped read
        names, so that a district-partitioned table is read in one partition (docs/scale.md)."""
        if self.level == self.Level.DISTRICT:
            return self.pk
        if self.level == self.Level.SUBDISTRICT:
            return self.parent_id
        return self.parent.parent_id

    def scope_field(self) -> str:
        """The Child column that holds an area of this level."""
        return {"district": "district", "subdistrict": "subdistrict", "community": "community"}[
            self.level
        ]


def area_column(**options) -> models.ForeignKey:
    """One of AreaColumns' columns; a model that indexes or checks them otherwise redefines
    them with its `options` (db_index=False where a composite index leads with the column)."""
    return models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", **options)


def registry_district() -> models.ForeignKey:
    """The district column of a registry: a reference table from a number looked up with no
    district (an ID number, a report's reference, a suggestion's code) to the district of the
    row that holds it (docs/scale.md, "What changes in the code", points 2 and 7). Checked
    against the areas, a reference table too; no index of its own, the number being the key."""
    return area_column(db_index=False)


class DistrictKeyed(models.Model):
    """A row of a table split by district (docs/scale.md, "What changes in the code", point 8):
    its `save()` names the district in the UPDATE's WHERE, as every read names it.

    Django's `save()` updates a row by its id alone. On a table partitioned by district that
    reads every partition's index of ids; on Citus it is sent to every worker, and when the
    SET clause holds the district (a `save()` without `update_fields` writes every column),
    Citus refuses it unless the WHERE fixes the district to the same value. So the UPDATE
    says `AND district_id = <the district the row was read with>`: the row's own partition.

    The district the row was read with, not the one in hand: a service that moves the row
    changes `district_id` and saves, and the row is still where it was. Where the district was
    not read (a `.only()` without it), the UPDATE is by id, as before. A row moved to another
    district since it was read is not written over: its save raises ConflictError."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        row._district_read = row.__dict__.get("district_id")
        return row

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._district_read = self.__dict__.get("district_id")

    def district_read(self) -> int | None:
        """The district the row is in, as far as this instance knows: the one it was read (or
        last saved) with, else its district. For the writes that do not go through `save()`
        (a `bulk_update` of rows that may move): they name it, as `save()` does."""
        return getattr(self, "_district_read", self.__dict__.get("district_id"))

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        # Model._do_update (Django 5.2) is the one place save() builds its UPDATE's WHERE;
        # tests/areas/test_district_keyed.py fails if a new Django builds it elsewhere. A row
        # saved since it was made, never read, is where its district says.
        district = self.district_read()
        if district is not None:
            base_qs = base_qs.filter(district_id=district)
        updated = super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        if updated:
            self._district_read = self.__dict__.get("district_id")
        elif district is not None and self._is_elsewhere(using, pk_val):
            # Moved to another district since it was read (a transfer, a merge of 居民区):
            # saving would write over a row someone has just moved. Said as the conflict it is
            # (core.versioning: the page keeps the input; the API answers 409).
            raise ConflictError
        return updated

    def _is_elsewhere(self, using, pk_val) -> bool:
        """Whether the row is in the table at all (one query, on a failed save only)."""
        return type(self)._base_manager.using(using).filter(pk=pk_val).exists()


K = TypeVar("K", bound=DistrictKeyed)


def lock_where_read(queryset: QuerySet[K] | models.Manager[K], row: K) -> K:
    """`row` read again and locked (`SELECT … FOR UPDATE`) where it was read: by its district
    and id, as its `save()` writes it. Citus runs a `FOR UPDATE` in a query of one shard only,
    so a lock by id alone fails there; on the partitioned stand-in it reads one partition
    (docs/scale.md, "What changes in the code", point 9). `queryset` says what else to read
    (`select_related`, `of=`); a table joined to it that is split by district too must be
    joined on the district as well (`accounts.selectors.same_district_as_child`).

    A row moved to another district since it was read is a ConflictError, as its save would
    be; a row that is gone is the model's DoesNotExist, as before."""
    queryset = queryset.all()  # a model's manager will do
    locked = queryset if queryset.query.select_for_update else queryset.select_for_update()
    district = row.district_read()
    if district is None:
        return locked.get(pk=row.pk)
    try:
        return locked.get(district_id=district, pk=row.pk)
    except queryset.model.DoesNotExist:
        if row._is_elsewhere(queryset.db, row.pk):
            raise ConflictError from None
        raise


def joined_in_district(*relations: str) -> Q:
    """The join of a row with each of `relations` made on the district as well as the id:
    foreign keys to tables split by district whose rows the services keep in the row's district
    (an inspection finding's team and patrol take the team's area). Always true; it says so
    to the planner, so that a lock reaches one district's shard on Citus (docs/scale.md, "What
    changes in the code", point 9). A nullable key is left out of a lock's joins instead: a
    join on it would drop the rows without one, and PostgreSQL cannot lock the nullable side
    of an outer join."""
    return Q(**{f"{relation}__district_id": F("district_id") for relation in relations})


class AreaColumns(DistrictKeyed):
    """The child's district, 街镇 and 居民区 copied onto rows that area worklists, ledgers and
    completion tables filter on, so each of those is one indexed range."""

    district = area_column()
    subdistrict = area_column()
    community = area_column(verbose_name=_("residential area"))

    class Meta:
        abstract = True

    def copy_area_of(self, child) -> None:
        self.district_id = child.district_id
        self.subdistrict_id = child.subdistrict_id
        self.community_id = child.community_id
