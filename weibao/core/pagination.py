"""The API's pages of a list (its own module: DRF's settings import it while DRF's generic
views are still loading, so it may import nothing that imports those)."""

import functools

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from weibao.core.paging import CountedPaginator


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

    def paginate_counted(self, queryset, count: int, request, view=None, *, ids=None):
        """A page of `queryset` whose length the caller read more cheaply than a COUNT over it
        (e.g. from an index alone). `count` must be exactly its number of rows: the pages, the
        links and the last page are cut by it. `ids`: queryset's ids in its order, read
        without its joins, for its deep pages (core.paging.CountedPaginator)."""
        self.django_paginator_class = functools.partial(
            CountedPaginator, counter=lambda: count, ids=ids
        )
        return self.paginate_queryset(queryset, request, view)
