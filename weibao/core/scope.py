"""The one lookup every `<thing>_get_for_user` goes through."""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_or_404(queryset: QuerySet[M], value: object, *, field: str = "pk") -> M:
    """The row of `queryset` — a scope function's answer — whose `field` is the whole number
    `value`, else Http404. A row out of scope, a missing one and a malformed or too large id
    all answer alike, so probing ids tells nothing."""
    try:
        return queryset.get(**{field: int(value)})  # type: ignore[arg-type]
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc
