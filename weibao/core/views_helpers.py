"""Small helpers shared by the web views (HTML pages)."""

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: each message next to its field, or above
    the form when the field is not one of the form's."""
    for field, msgs in error.message_dict.items():
        for message in msgs:
            form.add_error(field if field in form.fields else None, message)


def page_of(request: HttpRequest, queryset, size: int) -> Page:
    """The page of queryset asked for by ?page= (the last one when out of range)."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The query string of the request without ?page=, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
