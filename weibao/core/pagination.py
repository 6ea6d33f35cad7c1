"""The API's pages of a list (its own module: DRF's settings import it while DRF's generic
views are still loading, so it may import nothing that imports those)."""

import functools

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from weibao.core.paging import CAP, CountedPaginator, count_to_cap


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset, request, view=None):
        # DRF answers a page that is not a positive whole number, or one past the last, with a
        # 404 the schema does not document; it is a mistake in the query: a 400 naming `page`.
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError(
                {self.page_query_param: [_("No such page of this list.")]}
            ) from exc

    # Set by paginate_counted: whether more rows match than `count` says (None: not a capped list).
    capped: bool | None = None

    def paginate_counted(
        self,
        queryset,
        count: int,
        request,
        view=None,
        *,
        ids=None,
        deep: int | None = None,
        capped: bool | None = None,
    ):
        """A page of `queryset` whose length the caller read more cheaply than a COUNT over it
        (e.g. from an index alone). `count` must be exactly its number of rows: the pages, the
        links and the last page are cut by it. `ids`: queryset's ids in its order, read
        without its joins, for its pages from `deep` rows on (core.paging.CountedPaginator;
        0: every page). `capped`: whether `count` stopped at a cap, where more rows match
        (the answer's `capped`; None leaves it out)."""
        self.capped = capped
        self.django_paginator_class = functools.partial(
            CountedPaginator, counter=lambda: count, ids=ids, deep=deep
        )
        return self.paginate_queryset(queryset, request, view)

    def paginate_capped(self, queryset, request, view=None, *, ids=None, deep=None):
        """A page of a list that may hold a whole district, counted to core.paging.CAP rows
        (as the web's lists are: core.views_helpers.CappedPaginator) and paged to them; the
        answer's `capped` says whether more rows match. Counting a district's every visit took
        480 ms at 200,000 children (docs/performance.md, "The district's lists through the
        API"); the export has every row."""
        counted = count_to_cap(queryset, CAP)
        return self.paginate_counted(
            queryset, min(counted, CAP), request, view, ids=ids, deep=deep, capped=counted > CAP
        )

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if self.capped is not None:
            response.data["capped"] = self.capped
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["capped"] = {
            "type": "boolean",
            "description": (
                f"Only on lists that may hold a whole district (children, visits, the "
                f"worklist): true when more rows match than `count` says, which then stops at "
                f"{CAP} (the worklist: {CAP} in each bucket that reached it) and the pages with "
                "it; narrow the filters, or use the list's export to have every row."
            ),
        }
        return paginated
