"""The tables an import writes a row of per child keep no index that another of their indexes
already gives: each index is one more write per row (docs/performance.md, "Spreadsheet
import")."""

import pytest
from django.db import connection

from weibao.audit.models import AuditEvent
from weibao.duplicates.models import MatchKey
from weibao.visits.models import VisitDue


@pytest.mark.django_db
@pytest.mark.parametrize("model", [AuditEvent, MatchKey, VisitDue])
def test_no_index_repeats_the_leading_columns_of_another(model):
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    plain = {
        name: tuple(c["columns"])
        for name, c in found.items()
        if c["index"] and not c["unique"] and not c["primary_key"]
    }
    # A unique index may be partial (one open due per child), which introspection does not
    # say: only the primary key is counted beside the plain indexes.
    everything = [
        *plain.values(),
        *(tuple(c["columns"]) for c in found.values() if c["primary_key"]),
    ]
    repeated = [
        name
        for name, columns in plain.items()
        if any(other != columns and other[: len(columns)] == columns for other in everything)
        or sum(other == columns for other in everything) > 1
    ]
    assert repeated == []
