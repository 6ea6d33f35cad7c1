"""The home page's counts of minors per 居民区 and category, kept in CategoryTally.

Counting a district's children on every page load grows with the district (about 2 s at
200,000 children on SQLite, see docs/performance.md); the tallies make it a read of a few rows
per 居民区. They are derived data: `tallies_refresh` recounts a set of 居民区 from the register
(each child service calls it for the 居民区 it touched, in its transaction), and the daily job
recounts the 居民区 where a child turned 18 (no write marks that), or all of them on its first
run. Until that first full count has run, `tallies_ready()` is false and the counts are made
from the register directly."""

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from weibao.areas.models import Area
from weibao.children.categories import IN_DIFFICULTY, IN_DIFFICULTY_FILTER
from weibao.children.choices import Status
from weibao.children.models import CategoryTally, Child, ChildCategory, adult_cutoff
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set

TOTAL = "total"
READY_KEY = "category_tallies"


# The 居民区 whose recount is put off to the end of a batch (tallies_deferred), per thread.
_deferred = threading.local()


@contextmanager
def tallies_deferred() -> Iterator[None]:
    """Inside this block (itself inside one transaction), the child services' recounts of
    their 居民区 are collected and made once at its end: a batch of registrations (the
    spreadsheet import) recounts each 居民区 it touched once, not once per child. Nothing is
    recounted if the block fails (its transaction is rolled back with the children)."""
    if getattr(_deferred, "ids", None) is not None:  # already inside one: the outer one counts
        yield
        return
    _deferred.ids = set()
    try:
        yield
        ids = _deferred.ids
    finally:
        _deferred.ids = None
    tallies_refresh(community_ids=ids)


def tallies_ready() -> bool:
    return SiteState.objects.filter(key=READY_KEY).exists()


@transaction.atomic
def tallies_refresh(*, community_ids: Iterable[int] | None = None, today: dt.date | None = None):
    """Recount the minors of the given 居民区 (every 居民区 when None): per category, in
    difficulty (困境儿童, any of IN_DIFFICULTY) and in all. The 居民区 rows are locked first, so
    that two writers of one 居民区 recount one after the other and the second sees the first's
    child."""
    pending = getattr(_deferred, "ids", None)
    if pending is not None and community_ids is not None and today is None:
        pending.update(community_ids)
        return
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
    # Grouped by 居民区 alone (its 街镇 and district come from the area tree): the total then
    # streams through the (community, status, birth_date) index instead of being sorted.
    parents = {
        pk: (district, subdistrict)
        for pk, subdistrict, district in Area.objects.filter(pk__in=locked).values_list(
            "pk", "parent_id", "parent__parent_id"
        )
    }
    tallies = CategoryTally.objects.all()
    if community_ids is not None:
        # With their districts: a write names the district, as a read does (docs/scale.md,
        # "What changes in the code", point 8).
        districts = {district for district, _subdistrict in parents.values()}
        tallies = tallies.filter(district_id__in=districts, community_id__in=locked)
    counts = _counted_all(cutoff) if community_ids is None else _counted_few(cutoff, locked)
    tallies.delete()
    CategoryTally.objects.bulk_create(
        [
            CategoryTally(
                district_id=parents[community][0],
                subdistrict_id=parents[community][1],
                community_id=community,
                key=key,
                n=n,
            )
            for community, key, n in counts
            if community in parents
        ],
        batch_size=1000,
    )
    if community_ids is None:
        _mark_counted(today)


@transaction.atomic
def tallies_add(*, children: list[Child], categories: dict[int, list[str]]) -> None:
    """Count a batch of new files into the tallies of their 居民区 (children.services.
    children_create_many), by adding to the counts instead of recounting the 居民区: an
    import of 100,000 rows into a few 居民区 would otherwise read them whole after every
    chunk, and grow with the square of its size. The 居民区 rows are locked first, as
    tallies_refresh locks them, so the two never interleave."""
    cutoff = adult_cutoff(timezone.localdate())
    added: Counter[tuple[int, str]] = Counter()
    for child in children:
        if child.status != Status.ACTIVE or child.birth_date <= cutoff:
            continue
        kinds = set(categories.get(child.pk, ()))
        added[(child.community_id, TOTAL)] += 1
        added.update((child.community_id, kind) for kind in kinds)
        if kinds & set(IN_DIFFICULTY):
            added[(child.community_id, IN_DIFFICULTY_FILTER)] += 1
    ids = sorted({community for community, _key in added})
    if not ids:
        return
    list(Area.objects.filter(pk__in=ids).select_for_update().order_by("pk").values_list("pk"))
    parents = {
        pk: (district, subdistrict)
        for pk, subdistrict, district in Area.objects.filter(pk__in=ids).values_list(
            "pk", "parent_id", "parent__parent_id"
        )
    }
    districts = {district for district, _subdistrict in parents.values()}
    tallies = CategoryTally.objects.filter(district_id__in=districts, community_id__in=ids)
    rows = {(t.community_id, t.key): t for t in tallies}
    changed, new = [], []
    for (community, key), n in added.items():
        row = rows.get((community, key))
        if row is None:
            district, subdistrict = parents[community]
            new.append(
                CategoryTally(
                    district_id=district,
                    subdistrict_id=subdistrict,
                    community_id=community,
                    key=key,
                    n=n,
                )
            )
        else:
            row.n += n
            changed.append(row)
    tallies.bulk_update(changed, ["n"], batch_size=500)  # its UPDATEs name the districts
    CategoryTally.objects.bulk_create(new, batch_size=500)


def _counted_all(cutoff: dt.date) -> list[tuple[int, str, int]]:
    """(居民区, key, n) for every 居民区, grouped by the database."""
    minors = Child.objects.filter(status=Status.ACTIVE, birth_date__gt=cutoff)
    # Categories joined to their child (not "child IN (minors)", which SQLite answers by
    # building the whole set of minors first).
    rows_of_minors = ChildCategory.objects.filter(
        child__status=Status.ACTIVE, child__birth_date__gt=cutoff
    )
    counts = list(
        rows_of_minors.values_list("child__community_id", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts += [
        (community, IN_DIFFICULTY_FILTER, n)
        for community, n in rows_of_minors.filter(category__in=IN_DIFFICULTY)
        .values_list("child__community_id")
        .annotate(n=Count("child_id", distinct=True))
        .order_by()
    ]
    counts += [
        (community, TOTAL, n)
        for community, n in minors.values_list("community_id").annotate(n=Count("pk")).order_by()
    ]
    return counts


def _counted_few(cutoff: dt.date, community_ids: list[int]) -> list[tuple[int, str, int]]:
    """The same for a few 居民区 (a child service's write): their minors through the
    (community, status, birth_date) index, then their categories by child, counted here; a
    join would make PostgreSQL hash the whole category table."""
    minors = Child.objects.filter(
        community_id__in=community_ids, status=Status.ACTIVE, birth_date__gt=cutoff
    )
    community_of, districts = {}, set()
    for pk, community_id, district_id in minors.values_list("pk", "community_id", "district_id"):
        community_of[pk] = community_id
        districts.add(district_id)
    tally: Counter[tuple[int, str]] = Counter((c, TOTAL) for c in community_of.values())
    ids = list(community_of)
    for start in range(0, len(ids), 2000):
        in_difficulty = set()
        # By child with the children's districts, like every read of a child's categories.
        for child_id, category in ChildCategory.objects.filter(
            district_id__in=districts, child_id__in=ids[start : start + 2000]
        ).values_list("child_id", "category"):
            tally[(community_of[child_id], category)] += 1
            if category in IN_DIFFICULTY:
                in_difficulty.add(child_id)
        tally.update((community_of[child_id], IN_DIFFICULTY_FILTER) for child_id in in_difficulty)
    return [(community, key, n) for (community, key), n in tally.items()]


def _mark_counted(today: dt.date) -> None:
    site_state_set(key=READY_KEY, value=today.isoformat())


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
