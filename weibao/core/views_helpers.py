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
