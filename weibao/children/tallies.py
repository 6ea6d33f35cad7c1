"""The home page's counts of minors per 居民区 and category, kept in CategoryTally.

Counting a district's children on every page load grows with the district (about 2 s at
200,000 children on SQLite, see docs/performance.md); the tallies make it a read of a few rows
per 居民区. They are derived data: `tallies_refresh` recounts a set of 居民区 from the register
(each child service calls it for the 居民区 it touched, in its transaction), and the daily job
recounts them all, because children turn 18 without any write. Until that first full count has
run, `tallies_ready()` is false and the counts are made from the register directly."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from weibao.areas.models import Area
from weibao.children.categories import IN_DIFFICULTY, IN_DIFFICULTY_FILTER
from weibao.children.choices import Status
from weibao.children.models import CategoryTally, Child, ChildCategory, adult_cutoff
from weibao.core.models import SiteState

TOTAL = "total"
READY_KEY = "category_tallies"


def tallies_ready() -> bool:
    return SiteState.objects.filter(key=READY_KEY).exists()


@transaction.atomic
def tallies_refresh(*, community_ids: Iterable[int] | None = None, today: dt.date | None = None):
    """Recount the minors of the given 居民区 (every 居民区 when None): per category, in
    difficulty (困境儿童, any of IN_DIFFICULTY) and in all. The 居民区 rows are locked first, so
    that two writers of one 居民区 recount one after the other and the second sees the first's
    child."""
    today = today or timezone.localdate()
    communities = Area.objects.filter(level=Area.Level.COMMUNITY)
    if community_ids is not None:
        ids = sorted({pk for pk in community_ids if pk is not None})
        if not ids:
            return
        communities = communities.filter(pk__in=ids)
    # Evaluated for the lock (SELECT ... FOR UPDATE; SQLite's write lock is already held).
    locked = list(communities.select_for_update().order_by("pk").values_list("pk", flat=True))
    minors = Child.objects.filter(status=Status.ACTIVE, birth_date__gt=adult_cutoff(today))
    tallies = CategoryTally.objects.all()
    if community_ids is not None:
        minors = minors.filter(community_id__in=locked)
        tallies = tallies.filter(community_id__in=locked)
    area = ("district_id", "subdistrict_id", "community_id")
    rows = [
        (*r[:3], r[3], r[4])
        for r in ChildCategory.objects.filter(child__in=minors)
        .values_list(*(f"child__{c}" for c in area), "category")
        .annotate(n=Count("pk"))
        .order_by()
    ]
    in_difficulty = minors.filter(
        Exists(ChildCategory.objects.filter(child=OuterRef("pk"), category__in=IN_DIFFICULTY))
    )
    for key, qs in ((IN_DIFFICULTY_FILTER, in_difficulty), (TOTAL, minors)):
        rows += [
            (*r[:3], key, r[3]) for r in qs.values_list(*area).annotate(n=Count("pk")).order_by()
        ]
    tallies.delete()
    CategoryTally.objects.bulk_create(
        [
            CategoryTally(district_id=d, subdistrict_id=s, community_id=c, key=key, n=n)
            for d, s, c, key, n in rows
        ],
        batch_size=1000,
    )
    if community_ids is None:
        SiteState.objects.update_or_create(key=READY_KEY, defaults={"value": today.isoformat()})
