"""Possible duplicates (docs/domain.md §10): the keys each child is matched by, and the pairs
found, each waiting for a person to say whether they are one child."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns, area_column
from weibao.core.fields import EncryptedTextField


class MatchKey(AreaColumns):
    """One key a child is matched by (duplicates.matching.keys_of): a keyed hash of two signals
    (a name and a birth date, a phone and a birth date, a phone and a name). Derived data,
    rewritten whenever the child's name, birth date, ID number, guardians or 居民区 change; a
    registration looks up its few keys in one indexed query instead of reading the registry.
    Matching stays inside a district, so the index leads with it.

    The area columns are copies of the child's, written with the keys from the child's row,
    whose own foreign keys hold them; the database does not check them again here, and does
    not index them one by one: the matching reads (district, digest), the rewrite reads child.
    A child has three to five keys, so an import of 100,000 rows writes up to half a million
    of them, and each reference checked or index kept costs its commits about a second per
    100,000 keys on PostgreSQL (docs/performance.md, "Spreadsheet import"). Deleting an area
    still finds its keys (Django's PROTECT)."""

    district = area_column(db_constraint=False, db_index=False)
    subdistrict = area_column(db_constraint=False, db_index=False)
    community = area_column(db_constraint=False, db_index=False, verbose_name=_("residential area"))
    # Indexed by Meta's index on child.
    child = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=1)
    digest = models.CharField(max_length=16)  # duplicates.matching.DIGEST_LENGTH

    class Meta:
        indexes = [
            models.Index(fields=["district", "digest"]),
            models.Index(fields=["child"]),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.kind}"


class State(models.TextChoices):
    OPEN = "open", _("to be checked")
    CONFIRMED = "confirmed", _("the same child")
    DISMISSED = "dismissed", _("not the same child")


class PossibleDuplicate(AreaColumns):
    """Two files that may be one child: `child` has the lower id, `other` the higher, so a pair
    has one row whichever was registered or changed last. The area columns are `child`'s, the
    `other_*` ones `other`'s: each side's readers find the pair by an indexed column. Confirming
    records the pair for the people to resolve (one file closed by its owner); nothing is merged
    (docs/domain.md §10). A dismissed pair is never shown again, however the files change."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="+")
    other_district = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    other_subdistrict = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    other_community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(_("reasons"), default=list)
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = EncryptedTextField(_("reason"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "child", "other"], name="duplicate_pair_unique"
            ),
            models.CheckConstraint(condition=Q(child__lt=F("other")), name="duplicate_pair_order"),
        ]
        indexes = [
            models.Index(fields=["district", "state", "score"]),
            models.Index(fields=["subdistrict", "state", "score"]),
            models.Index(fields=["community", "state", "score"]),
            models.Index(fields=["other_subdistrict", "state", "score"]),
            models.Index(fields=["other_community", "state", "score"]),
            models.Index(fields=["other", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} ~ {self.other_id}"
