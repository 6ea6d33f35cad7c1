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
from django.db.models import Count
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
    cutoff = adult_cutoff(today)
    minors = Child.objects.filter(status=Status.ACTIVE, birth_date__gt=cutoff)
    # Categories joined to their child (not "child IN (minors)", which SQLite answers by
    # building the whole set of minors first).
    rows_of_minors = ChildCategory.objects.filter(
        child__status=Status.ACTIVE, child__birth_date__gt=cutoff
    )
    tallies = CategoryTally.objects.all()
    if community_ids is not None:
        minors = minors.filter(community_id__in=locked)
        rows_of_minors = rows_of_minors.filter(child__community_id__in=locked)
        tallies = tallies.filter(community_id__in=locked)
    area = ("district_id", "subdistrict_id", "community_id")
    child_area = tuple(f"child__{column}" for column in area)
    rows = list(
        rows_of_minors.values_list(*child_area, "category").annotate(n=Count("pk")).order_by()
    )
    rows += [
        (*r[:3], IN_DIFFICULTY_FILTER, r[3])
        for r in rows_of_minors.filter(category__in=IN_DIFFICULTY)
        .values_list(*child_area)
        .annotate(n=Count("child_id", distinct=True))
        .order_by()
    ]
    rows += [
        (*r[:3], TOTAL, r[3])
        for r in minors.values_list(*area).annotate(n=Count("pk")).order_by()
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
        _mark_counted(today)


def _mark_counted(today: dt.date) -> None:
    SiteState.objects.update_or_create(key=READY_KEY, defaults={"value": today.isoformat()})


def tallies_daily(*, today: dt.date) -> None:
    """The daily job's part. Children who turned 18 since the last count leave the counts of
    their 居民区 (every other change is counted by the service that makes it); everything is
    recounted on the first run and whenever the date is not later than the last count's."""
    state = SiteState.objects.filter(key=READY_KEY).first()
    try:
        last = dt.date.fromisoformat(state.value) if state else None
    except ValueError:
        last = None
    if last is None or last > today:
        tallies_refresh(today=today)
        return
    if last == today:
        return
    turned_18 = (
        Child.objects.filter(
            status=Status.ACTIVE,
            birth_date__gt=adult_cutoff(last),
            birth_date__lte=adult_cutoff(today),
        )
        .values_list("community_id", flat=True)
        .distinct()
    )
    tallies_refresh(community_ids=set(turned_18), today=today)
    _mark_counted(today)
