"""Small helpers shared by the web views (HTML pages)."""

from collections.abc import Callable, Collection
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.functional import cached_property

from weibao.core.paging import CAP, CountedPaginator, count_to_cap

# A key no row has, reversed in its place and then replaced by each row's (row_url below).
_PLACEHOLDER = "2147483647"


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: each message next to its field, or above
    the form when the field is not one of the form's."""
    for field, msgs in error.message_dict.items():
        for message in msgs:
            form.add_error(field if field in form.fields else None, message)


def row_url(viewname: str) -> Callable[[Any], str]:
    """The URL of each row's page for a list: `{% url %}` in a row reverses the name again for
    every row (about 30 µs each, docs/performance.md, "Where the slow pages' CPU goes"); this
    reverses it once, with a placeholder key, and puts each row's key in its place."""
    head, tail = reverse(viewname, args=[_PLACEHOLDER]).split(_PLACEHOLDER)
    return lambda pk: f"{head}{pk}{tail}"


def page_of(
    request: HttpRequest,
    queryset,
    size: int,
    *,
    counter: Callable[[], int] | None = None,
    ids=None,
) -> Page:
    """The page of queryset asked for by ?page= (the last one when out of range). `counter`:
    the number of rows of queryset, exactly, when a cheaper query than counting it tells it;
    `ids`: queryset's ids in its order, read without its joins, for its deep pages
    (core.paging.CountedPaginator)."""
    if counter is None:
        return Paginator(queryset, size).get_page(request.GET.get("page"))
    paginator = CountedPaginator(queryset, size, counter=counter, ids=ids)
    return paginator.get_page(request.GET.get("page"))


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` rows: counting every match of a big area grows
    with the area (the whole 街镇 read for a count, docs/performance.md, "Registry reads at a
    city's scale"), counting to the cap does not. Past the cap (`capped`) the list says "more
    than 10000 children" and pages to the cap; its export has every row."""

    cap = CAP

    def __init__(self, object_list, per_page, *, ids_first: bool = True, deep: int = 0):
        super().__init__(object_list, per_page)
        self.ids_first = ids_first
        self.deep = deep

    @cached_property
    def _counted(self) -> int:
        return count_to_cap(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """True when more rows match than the count says."""
        return self._counted > self.cap

    def page(self, number) -> Page:
        """The page's ids first, then its rows: the rows skipped before a deep page are then
        read from an index alone (PostgreSQL's index-only scan), not fetched one by one. Not
        when `ids_first` is false: for a list whose rows come from a plan that the ids'
        subquery makes dearer (the reports', whose page read the district's every report to
        find its twenty ids: docs/performance.md, "The report queue"). Such a list may still
        read a page that starts `deep` rows or more in the same way, its ids as a query of their
        own: its rows skipped are then read from the index, not each joined to its areas and
        child before being dropped."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.ids_first:
            ids = self.object_list.prefetch_related(None).values("pk")[bottom:top]
        elif self.deep and bottom >= self.deep:
            ids = list(
                self.object_list.prefetch_related(None).values_list("pk", flat=True)[bottom:top]
            )
        else:
            return super().page(number)
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


def capped_page_of(
    request: HttpRequest, queryset, size: int, *, ids_first: bool = True, deep: int = 0
) -> Page:
    """page_of, counting to CappedPaginator.cap."""
    paginator = CappedPaginator(queryset, size, ids_first=ids_first, deep=deep)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The query string of the request without ?page=, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def per_district_forms(districts, policy_for, form_class, bound_pk=None, bound=None) -> list:
    """(district, form) for a page of per-district settings (the report clocks, the closing
    rules): each district's saved settings in a form prefixed by its id, except the one just
    posted (`bound`, for district `bound_pk`), which keeps what was typed."""
    rows = []
    for district in districts:
        if bound is not None and district.pk == bound_pk:
            rows.append((district, bound))
        else:
            form = form_class(instance=policy_for(district), prefix=f"d{district.pk}")
            rows.append((district, form))
    return rows


def per_district_post(
    request: HttpRequest,
    districts: Collection,
    policy_for: Callable,
    form_class: type,
    save: Callable[[Any, dict], object],
    *,
    readable: Collection = (),
) -> tuple[Any, Any, bool]:
    """The POST half of a page of per-district settings: the posted district must be one of
    `districts` (404 otherwise, as for a district that does not exist — but 403 for one of
    `readable`, whose settings the user sees and may not set); the form is validated and saved
    through `save(district, cleaned_data)`, a service whose ValidationError goes onto the form.
    Returns (district, form, saved); a form not saved keeps what was typed."""
    raw = request.POST.get("district", "").strip()
    district = next((d for d in districts if str(d.pk) == raw), None)
    if district is None:
        if any(str(d.pk) == raw for d in readable):
            raise PermissionDenied
        raise Http404
    form = form_class(request.POST, instance=policy_for(district), prefix=f"d{district.pk}")
    if form.is_valid():
        try:
            save(district, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return district, form, True
    return district, form, False


# The largest id a database column holds (a signed 64-bit integer, on SQLite and PostgreSQL).
MAX_ID = 2**63 - 1


def posted_id(value: str) -> int | None:
    """An id typed into a form or a button's value: ASCII digits naming a possible row, else
    None (never an error: "²" is a digit to str.isdigit, and 10**20 overflows the column)."""
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
