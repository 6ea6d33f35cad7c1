"""The one lookup every `<thing>_get_for_user` goes through, and a condition scope functions
share."""

from typing import TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BooleanField, F, Func, Model, Q, QuerySet
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


def in_subquery(field: str, ids: QuerySet) -> Q:
    """`field IN (ids)`, for a condition joined to others by OR (a scope's "on the case's team,
    or in my area"). PostgreSQL does not combine an IN (subquery) with another index under an
    OR: it read a district's every case to keep a supervisor's 500. Written
    `field = ANY(ARRAY(subquery))`, the subquery runs once and both conditions are index
    scans, combined (docs/performance.md, "A supervisor's cases: the team read once").
    `ids`: a queryset of one column of whole numbers."""
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    return Q(_EqualsAny(F(field), ArraySubquery(ids.order_by())))


class _EqualsAny(Func):
    """`field = ANY(array)`."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()
