"""Inserting derived rows by the thousand without a model instance per row.

`Model.objects.bulk_create` builds an instance per row and prepares each value through its
field: right for the rows people write, but for derived rows written by the thousand (the five
match keys of each child an import registers) that preparation costs several times the insert
itself (docs/performance.md, "Spreadsheet import"). `insert_plain` sends tuples of values
straight to the driver's executemany, and so only takes columns whose Python value is what the
database stores — numbers, text, booleans, foreign keys' ids — and dates, adapted as Django
adapts them. Every column without a database default must be given (a model's Python
defaults are not applied)."""

from collections.abc import Iterable, Sequence

from django.db import connections, models, router

# Exact types: a subclass (an encrypted field, say) may convert its values.
PLAIN = frozenset(
    {
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.PositiveSmallIntegerField,
        models.BooleanField,
        models.ForeignKey,
    }
)


def insert_plain(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """INSERT `rows` (tuples in the order of `columns`, attribute names such as "child_id")
    into the model's table. Refuses a column that is not plain (an encrypted, date, JSON or
    other converted field), whose value the driver would store unconverted."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    dates = []
    for i, column in enumerate(columns):
        kind = type(fields.get(column))
        if kind is models.DateField:
            dates.append(i)
        elif kind not in PLAIN:
            raise ValueError(f"{model.__name__}.{column} is not a plain column")
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    names = ", ".join(quote(fields[c].column) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
    if dates:
        adapt = connection.ops.adapt_datefield_value
        rows = (tuple(adapt(v) if i in dates else v for i, v in enumerate(row)) for row in rows)
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(rows))
