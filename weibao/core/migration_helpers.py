"""Steps that several migrations share. A migration runs the code of this module as it is on
the day it runs, not as it was when the migration was written: a function here must keep doing
exactly what it does (a different step is a new function). It reaches the tables only through
the historical models a migration passes in (`apps.get_model`), never through an app's own
models, so `core` still knows no domain (docs/architecture.md)."""

from collections.abc import Callable, Sequence

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill_district_from(apps, *, model: str, parent: str, key: str) -> int:
    """Set the `district` of every row of `model` ("app.Model") to the district of the row of
    `parent` it belongs to (`key`: the foreign key's column, e.g. "child_id"), in one
    `UPDATE … SET district_id = (SELECT district_id FROM parent WHERE id = key)`, which SQLite
    and PostgreSQL both run (on PostgreSQL in about half the time of `UPDATE … FROM`:
    docs/scale.md, "children.Guardian has it"). Returns how many rows it set."""
    parents = apps.get_model(parent)
    rows = apps.get_model(model)
    district = parents.objects.filter(pk=OuterRef(key)).values("district_id")[:1]
    return rows.objects.update(district_id=Subquery(district))


def district_filler(*, model: str, parent: str, key: str) -> Callable[..., None]:
    """fill_district_from as a RunPython step (`migrations.RunPython(district_filler(…))`)."""

    def fill(apps, schema_editor) -> None:
        fill_district_from(apps, model=model, parent=parent, key=key)

    return fill


def fill_district_from_first(apps, *, model: str, parents: Sequence[tuple[str, str]]) -> int:
    """fill_district_from for a row that may belong to one of several parents (`parents`:
    ("app.Model", key column) pairs, in order of preference), or to none: its district is that
    of the first parent it names, and null if it names none. Still one `UPDATE … SET
    district_id = COALESCE((SELECT … parent 1), (SELECT … parent 2), …)` (PostgreSQL runs a
    later subquery only for the rows the earlier ones leave null). Returns how many rows it
    updated (every row of `model`)."""
    rows = apps.get_model(model)
    districts = [
        Subquery(apps.get_model(parent).objects.filter(pk=OuterRef(key)).values("district_id")[:1])
        for parent, key in parents
    ]
    value = Coalesce(*districts) if len(districts) > 1 else districts[0]
    return rows.objects.update(district_id=value)


def first_district_filler(*, model: str, parents: Sequence[tuple[str, str]]) -> Callable[..., None]:
    """fill_district_from_first as a RunPython step."""

    def fill(apps, schema_editor) -> None:
        fill_district_from_first(apps, model=model, parents=parents)

    return fill
