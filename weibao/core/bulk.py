"""Inserting derived rows by the thousand without a model instance per row.

`Model.objects.bulk_create` builds an instance per row and prepares each value through its
field: right for the rows people write, but for derived rows written by the thousand (the
match keys of each child an import registers) that preparation costs several times the insert
itself (docs/performance.md, "Spreadsheet import"). `insert_plain` sends tuples of values
straight to the driver (PostgreSQL's COPY, SQLite's executemany), and so only takes columns
whose Python value is what the database stores — numbers, text, booleans, foreign keys' ids —
and dates, times and JSON, adapted as Django adapts them (a JSON value of None is SQL NULL, as
in Django's own save). Every column without a database default must be given (a model's Python
defaults are not applied)."""

from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from functools import partial
from typing import Any

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


def _adapter(connection, field: models.Field) -> Callable[[Any], Any] | None:
    """How the driver is given a value of this column (None: as it is), exactly as Django's
    own field would prepare it; a column of another converting type is refused."""
    kind, ops = type(field), connection.ops
    if kind in PLAIN:
        return None
    if kind is models.DateField:
        return ops.adapt_datefield_value
    if kind is models.DateTimeField:
        return ops.adapt_datetimefield_value
    if kind is models.JSONField:
        return partial(_json, ops.adapt_json_value, field.encoder)
    raise ValueError(f"{field.model.__name__}.{field.attname} is not a plain column")


class JsonText(str):
    """A JSON column's value already written as JSON text (json.dumps with the field's
    encoder): given to the database as it is, not written again."""


def _json(adapt: Callable[..., Any], encoder, value: Any) -> Any:
    return str(value) if type(value) is JsonText else adapt(value, encoder)


def insert_plain(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """INSERT `rows` (tuples in the order of `columns`, attribute names such as "child_id")
    into the model's table. Refuses a column that is not plain (an encrypted or other
    converted field), whose value the driver would store unconverted."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    connection = connections[router.db_for_write(model)]
    adapters = []
    for i, column in enumerate(columns):
        if column not in fields:
            raise ValueError(f"{model.__name__}.{column} is not a plain column")
        adapt = _adapter(connection, fields[column])
        if adapt is not None:
            adapters.append((i, adapt))
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(fields[c].column) for c in columns)
    if adapters:
        rows = (_adapted(row, adapters) for row in rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, f"COPY {table} ({names}) FROM STDIN", rows)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        cursor.executemany(sql, list(rows))


def _copy(cursor, sql: str, rows: Iterable[tuple]) -> None:
    """PostgreSQL's COPY: the rows streamed in one statement, which the server parses and
    inserts several times faster than the same rows sent as INSERTs, even pipelined
    (docs/performance.md, "Spreadsheet import"). psycopg dumps each value by its Python type,
    as it would a query parameter. Under Django's debug cursor (DEBUG, or a test counting
    queries) the statement is logged as one query, as an INSERT would be."""
    logged = getattr(cursor, "debug_sql", None)
    # The driver's errors as Django's (an IntegrityError), as an INSERT's would be.
    with (
        cursor.db.wrap_database_errors,
        logged(sql) if logged else nullcontext(),
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _adapted(row: tuple, adapters: list[tuple[int, Callable[[Any], Any]]]) -> tuple:
    values = list(row)
    for i, adapt in adapters:
        if values[i] is not None:
            values[i] = adapt(values[i])
    return tuple(values)
