import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone

from weibao.accounts.models import Role
from weibao.accounts.selectors import (
    area_q,
    area_scope_q,
    user_district_ids,
    user_role_assignments,
)
from weibao.areas.models import Area
from weibao.children import idnumber
from weibao.children.categories import (
    IN_DIFFICULTY,
    IN_DIFFICULTY_FILTER,
    Category,
    category_bits,
)
from weibao.children.choices import AGED_OUT, Status
from weibao.children.models import (
    CategoryTally,
    Child,
    ChildCategory,
    Guardian,
    IdNumberRegistration,
    adult_cutoff,
)
from weibao.children.tallies import TOTAL, tallies_ready
from weibao.core import crypto
from weibao.core.dates import years_before
from weibao.core.scope import get_or_404
from weibao.core.text import normalize_name


def children_visible_to(user) -> QuerySet[Child]:
    """THE scope rule for children: a user sees the children whose 居民区 lies inside one of
    the areas of their role assignments. Every list, detail, search, count, export and API call
    about children starts here."""
    q = area_scope_q(user)
    if q is None:
        return Child.objects.none()
    return Child.objects.filter(q)


def child_get_for_user(user, pk) -> Child:
    """A child the user may see, or 404 exactly as if it did not exist."""
    child = get_or_404(
        children_visible_to(user).select_related(
            "community", "subdistrict", "district", "created_by"
        ),
        pk,
    )
    # Read through the scope just now: child_visible need not ask again (the child's page asks
    # in its panels). Kept on this instance only, which lives for the request.
    child._visible_to_user = user.pk
    return child


def child_visible(user, child: Child) -> bool:
    """Whether `user` may see `child` (children_visible_to): no query when the instance came
    from child_get_for_user for this user."""
    if user.is_authenticated and getattr(child, "_visible_to_user", None) == user.pk:
        return True
    return children_visible_to(user).filter(pk=child.pk).exists()


# --- who looked at a child's file ------------------------------------------------------------


def _access_log_q(user) -> Q | None:
    q = Q()
    for assignment in user_role_assignments(user):
        if assignment.role in (Role.SUPERVISOR, Role.DISTRICT_STAFF) and assignment.area:
            q |= area_q(assignment.area)
    return q or None


def children_with_access_log_visible_to(user) -> QuerySet[Child]:
    """Whose access log (who read the file, when, what, why) a user may read: the children of
    the 街镇s they supervise and of the districts they work for. Others answer 404."""
    q = _access_log_q(user)
    return Child.objects.filter(q) if q is not None else Child.objects.none()


def child_access_log_visible(user, child: Child) -> bool:
    """The same rule for one child already read (no query: the roles are cached)."""
    return any(
        (a.role == Role.SUPERVISOR and a.area_id == child.subdistrict_id)
        or (a.role == Role.DISTRICT_STAFF and a.area_id == child.district_id)
        for a in user_role_assignments(user)
    )


def child_access_log_get_for_user(user, pk) -> Child:
    return get_or_404(
        children_with_access_log_visible_to(user).select_related("community", "subdistrict"), pk
    )


def access_review_districts(user) -> list[Area]:
    """The districts whose unusual access the user reviews: those they are district staff of."""
    return [a.area for a in user_role_assignments(user) if a.role == Role.DISTRICT_STAFF and a.area]


def _birth_range_for_ages(lo: int, hi: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """Birth dates of children aged lo..hi (inclusive) today."""
    oldest = years_before(today, hi + 1) + dt.timedelta(days=1)
    youngest = years_before(today, lo)
    return oldest, youngest


PHONE_RE = re.compile(r"^1\d{10}$")
INITIALS_RE = re.compile(r"^[a-zA-Z]+$")


def child_search(qs: QuerySet[Child], text: str) -> QuerySet[Child]:
    """Search by full ID number, by a guardian's phone, by Chinese name or by pinyin."""
    text = (text or "").strip()
    if not text:
        return qs
    normalized = idnumber.normalize(text)
    if len(normalized) == 18 and not idnumber.format_errors(normalized):
        return qs.filter(id_number_hash=crypto.lookup_hash(normalized))
    digits = crypto.normalize_phone(text) if re.fullmatch(r"[\d\s+()-]+", text) else ""
    if PHONE_RE.match(digits):
        # Correlated by the child's district too, as every read of a child's guardians is.
        phone_match = Guardian.objects.filter(
            district_id=OuterRef("district_id"),
            child=OuterRef("pk"),
            phone_hash=crypto.lookup_hash(digits),
        )
        return qs.filter(Exists(phone_match))
    if INITIALS_RE.match(text):
        lowered = text.lower()
        return qs.filter(_prefix_q("name_initials", lowered) | _prefix_q("name_pinyin", lowered))
    return _name_contains(qs, normalize_name(text))


def _prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, said as a range so that the (街镇, field) indexes answer it
    on every database: SQLite never uses an index for LIKE, PostgreSQL only with a C collation
    or a pattern index (a city-wide one, which it would then prefer). The range is exact: the
    stored pinyin are lower-case letters only (children.pinyin), and a string of letters lies
    between `prefix` and `prefix` followed by z's exactly when it starts with `prefix`."""
    top = prefix + "z" * (Child._meta.get_field(field).max_length - len(prefix))
    return Q(**{f"{field}__gte": prefix, f"{field}__lte": top})


def _name_contains(qs: QuerySet[Child], text: str) -> QuerySet[Child]:
    """Names containing `text`. On PostgreSQL also said over the name with every character
    doubled, which the trigram index of migration 0011 holds: a search of two characters (a
    surname and a given name, the usual search) has no trigram of its own, its doubled form
    has two. The plain LIKE stays, so the answer is the same on every database."""
    qs = qs.filter(name__contains=text)
    if connection.vendor != "postgresql" or len(text) < 2:
        return qs
    doubled = Func(
        F("name"), Value("(.)"), Value(r"\1\1"), Value("g"), function="regexp_replace",
        output_field=CharField(),
    )  # fmt: skip
    return qs.alias(name_doubled=doubled).filter(
        name_doubled__contains="".join(c * 2 for c in text)
    )


@dataclass(frozen=True)
class ChildFilters:
    subdistrict: int | None = None
    community: int | None = None
    category: str = ""
    sex: str = ""
    age_band: str = ""
    status: str = ""
    q: str = ""


def child_list(user, filters: ChildFilters, today: dt.date | None = None) -> QuerySet[Child]:
    today = today or timezone.localdate()
    qs = children_visible_to(user)
    if filters.subdistrict:
        qs = qs.filter(subdistrict_id=filters.subdistrict)
    if filters.community:
        qs = qs.filter(community_id=filters.community)
    if filters.category:
        # Tested on the child's category bits (kept with its ChildCategory rows by the
        # services): a test in the list's index entries, not one look-up per child.
        codes = IN_DIFFICULTY if filters.category == IN_DIFFICULTY_FILTER else [filters.category]
        qs = qs.alias(in_category=F("category_bits").bitand(category_bits(codes))).filter(
            in_category__gt=0
        )
    if filters.sex:
        qs = qs.filter(sex=filters.sex)
    if filters.age_band:
        lo, hi = (int(x) for x in filters.age_band.split("-"))
        oldest, youngest = _birth_range_for_ages(lo, hi, today)
        qs = qs.filter(birth_date__gte=oldest, birth_date__lte=youngest)
    cutoff = adult_cutoff(today)
    if filters.status == Status.ACTIVE:
        qs = qs.filter(status=Status.ACTIVE, birth_date__gt=cutoff)
    elif filters.status == AGED_OUT:
        qs = qs.filter(status=Status.ACTIVE, birth_date__lte=cutoff)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    qs = child_search(qs, filters.q)
    return qs.select_related("community").prefetch_related(
        category_rows_prefetch(user_district_ids(user))
    )


def category_rows_of(child: Child) -> QuerySet[ChildCategory]:
    """The child's category rows, read with the child's district (docs/scale.md: the key a
    district-partitioned table is split by; the unique index leads with it)."""
    return ChildCategory.objects.filter(district_id=child.district_id, child=child)


def category_rows_prefetch(district_ids: list[int]) -> Prefetch:
    """The prefetch of `category_rows` for children of these districts (a list's, the user's):
    Django adds "child IN (the children read)", this names their districts too."""
    return Prefetch(
        "category_rows", queryset=ChildCategory.objects.filter(district_id__in=district_ids)
    )


def guardian_rows_of(child: Child) -> QuerySet[Guardian]:
    """The child's guardians, read with the child's district (docs/scale.md: the key a
    district-partitioned table is split by), as category_rows_of reads the categories."""
    return Guardian.objects.filter(district_id=child.district_id, child=child)


def guardian_rows_prefetch(district_ids: Iterable[int]) -> Prefetch:
    """The prefetch of `guardians` for children of these districts (a list's, the user's):
    Django adds "child IN (the children read)", this names their districts too."""
    return Prefetch("guardians", queryset=Guardian.objects.filter(district_id__in=district_ids))


def child_guardians(child: Child) -> list[Guardian]:
    """The child's guardians: from a list's prefetch (guardian_rows_prefetch) when it was read
    in one, else read with the child's district."""
    if "guardians" in getattr(child, "_prefetched_objects_cache", {}):
        return list(child.guardians.all())
    return list(guardian_rows_of(child))


def minors_in_scope(user, today: dt.date | None = None) -> QuerySet[Child]:
    """Children counted as minors: on the register and under 18 today."""
    return children_visible_to(user).filter(
        status=Status.ACTIVE, birth_date__gt=adult_cutoff(today)
    )


def category_counts(user, today: dt.date | None = None) -> dict[str, int]:
    """Number of minors in the user's scope per category, plus the 困境儿童 total and the
    overall total; categories with no children are present with 0. Read from the tallies of the
    居民区 in scope (children.tallies) once they have been counted, else from the register."""
    if today is None and tallies_ready():
        return _tallied_counts(user)
    return _counted_counts(user, today)


def _tallied_counts(user) -> dict[str, int]:
    # The same scope condition as children_visible_to, over the tallies' area columns.
    q = area_scope_q(user)
    counts: Counter[str] = Counter({c.value: 0 for c in Category})
    counts.update({IN_DIFFICULTY_FILTER: 0, TOTAL: 0})
    if q is not None:
        rows = CategoryTally.objects.filter(q).values("key").annotate(n=Sum("n")).order_by()
        counts.update({row["key"]: row["n"] for row in rows})
    return dict(counts)


def _counted_counts(user, today: dt.date | None) -> dict[str, int]:
    minors = minors_in_scope(user, today)
    # The minors lie in the user's districts, and so do their category rows.
    in_districts = ChildCategory.objects.filter(district_id__in=user_district_ids(user))
    rows = in_districts.filter(child__in=minors).values("category").annotate(n=Count("id"))
    counts: Counter[str] = Counter({c.value: 0 for c in Category})
    counts.update({row["category"]: row["n"] for row in rows})
    result = dict(counts)
    result[IN_DIFFICULTY_FILTER] = minors.filter(
        Exists(
            ChildCategory.objects.filter(
                district_id=OuterRef("district_id"),
                child=OuterRef("pk"),
                category__in=IN_DIFFICULTY,
            )
        )
    ).count()
    result["total"] = minors.count()
    return result


def minors_per_community(user, district: Area) -> dict[int, int]:
    """居民区 id → the minors on its register, for the district's tree of areas: read from the
    tallies (one grouped query over a few rows per 居民区), else counted from the register
    until the first full count has run."""
    q = area_scope_q(user)
    if q is None:
        return {}
    if tallies_ready():
        rows = CategoryTally.objects.filter(q, district=district, key=TOTAL)
        return dict(rows.values_list("community_id").annotate(n=Sum("n")).order_by())
    minors = minors_in_scope(user).filter(district=district)
    return dict(minors.values_list("community_id").annotate(n=Count("pk")).order_by())


def children_on_register_in(area: Area) -> QuerySet[Child]:
    """The files on the register (minors and those aged out alike) filed in an area: what
    closing it would strand, and what moves when a 居民区 is merged or closed
    (docs/domain.md §1.10). No user scope: the caller has checked who may."""
    return Child.objects.filter(
        **{f"{area.scope_field()}_id": area.pk},
        status=Status.ACTIVE,
        anonymised_at__isnull=True,
    )


def child_categories(child: Child) -> list[str]:
    """The child's categories: from a list's prefetch (category_rows_prefetch) when it was
    read in one, else read with the child's district."""
    if "category_rows" in getattr(child, "_prefetched_objects_cache", {}):
        rows = child.category_rows.all()
    else:
        rows = category_rows_of(child)
    return sorted(row.category for row in rows)


@dataclass(frozen=True)
class DuplicateOwner:
    child: Child | None  # set only when the user may see the existing record


def id_number_owners(
    user, id_numbers: list[str], prefetch: tuple[str | Prefetch, ...] = ()
) -> dict[str, DuplicateOwner]:
    """`id_number_owner` for many numbers at once (a batch of new files, an import's chunk),
    in two queries (and one per relation to `prefetch`): the numbers already registered, each
    with its record only if the user may see it anyway. A number not in the answer is not
    registered. The registry answers across districts; the records are read in their
    districts (docs/scale.md, "What changes in the code", point 2)."""
    by_hash = {crypto.lookup_hash(n): n for n in id_numbers if n}
    if not by_hash:
        return {}
    found = {
        h: (district_id, child_id)
        for h, district_id, child_id in IdNumberRegistration.objects.filter(
            id_number_hash__in=by_hash
        ).values_list("id_number_hash", "district_id", "child_id")
    }
    visible = (
        children_visible_to(user)
        .filter(district_id__in={d for d, _c in found.values()})
        .prefetch_related(*prefetch)
        .in_bulk([c for _d, c in found.values()])
    )
    return {by_hash[h]: DuplicateOwner(child=visible.get(c)) for h, (_d, c) in found.items()}


def id_number_owner(user, id_number: str, exclude_pk: int | None = None) -> DuplicateOwner | None:
    """The one lookup across scopes: is this ID number registered already? Reveals the record
    only if the user may see it anyway (the registry answers, the record is read in its
    district: id_number_owners)."""
    qs = IdNumberRegistration.objects.filter(id_number_hash=crypto.lookup_hash(id_number))
    if exclude_pk is not None:
        qs = qs.exclude(child_id=exclude_pk)
    found = qs.values_list("district_id", "child_id").first()
    if found is None:
        return None
    district_id, child_id = found
    visible = children_visible_to(user).filter(district_id=district_id, pk=child_id).first()
    return DuplicateOwner(child=visible)
