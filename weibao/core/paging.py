"""Pages of a list whose length is known without counting its query, and whose deep pages read
their ids first (shared by the web pages, core.views_helpers, and the API, core.pagination)."""

from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.utils.functional import cached_property

# A page that starts this many rows in or deeper reads its ids on their own: OFFSET makes the
# database build every row it skips, and a list's row is joined to what it shows (the child,
# the 居民区, the people). Before it, the joined rows skipped are few and a second statement
# would cost more than it saves (docs/performance.md, "A deep page of the case list reads its
# ids first").
DEEP_PAGE_ROWS = 1000

# A list that may hold a whole district (its children, a city's 30,000,000 visits) counts its
# rows to this many and pages to it: counting every match grows with the district, counting
# to the cap does not. Its export has every row.
CAP = 10_000


def count_to_cap(queryset, cap: int | None = None) -> int:
    """How many rows `queryset` holds, counted to one past the cap and no further:
    SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1)."""
    cap = CAP if cap is None else cap
    return queryset.order_by()[: cap + 1].count()


def counts_to_cap(querysets: dict[str, object], cap: int | None = None) -> dict[str, int]:
    """count_to_cap of each queryset, in one statement: SELECT (SELECT COUNT(*) FROM (… LIMIT
    cap + 1)), (…), … (a page that shows several counts pays one round trip, not one each).
    The querysets read the same database; each selects only what its index holds (e.g.
    values_list of an indexed column), as a count needs no more."""
    cap = CAP if cap is None else cap
    counts = dict.fromkeys(querysets, 0)
    parts, params = {}, []
    for name, queryset in querysets.items():
        try:
            sql, part_params = queryset.order_by()[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # e.g. .none(): nothing to ask
            continue
        # Django's own compiled SQL with its parameters apart: nothing of the user's is in it.
        parts[name] = f"(SELECT COUNT(*) FROM ({sql}) counted)"  # noqa: S608
        params.extend(part_params)
    if parts:
        database = next(iter(querysets.values())).db
        with connections[database].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts.values()), params)
            counts.update(zip(parts, cursor.fetchone(), strict=True))
    return counts


class CountedPaginator(Paginator):
    """A paginator told its list's length by `counter()`, read more cheaply than a COUNT over
    the list's own query (e.g. on the main table alone, without the joins the rows need).

    `ids`, if given, is the list's ids in the list's order, read without those joins: a page
    from `deep` rows on takes its ids from it (an index-only scan where an index has the
    order), then its rows by those ids."""

    def __init__(
        self,
        object_list,
        per_page: int,
        *,
        counter: Callable[[], int],
        ids=None,
        deep: int | None = None,
    ):
        super().__init__(object_list, per_page)
        self._counter = counter
        self.ids = ids
        self.deep = DEEP_PAGE_ROWS if deep is None else deep

    @cached_property
    def count(self) -> int:
        return self._counter()

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.ids is None or bottom < self.deep:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.ids[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)
