"""core.bulk.insert_plain writes plain rows as bulk_create would (dates, times and JSON
adapted as Django adapts them), and refuses a column whose values a field converts otherwise
(an encrypted field, a decimal), which the driver would store as given."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import child_data
from weibao.activities.models import Project
from weibao.audit.models import AuditEvent
from weibao.children.models import Child, ChildCategory
from weibao.children.services import child_create
from weibao.core.bulk import JsonText, insert_plain
from weibao.duplicates.models import MatchKey
from weibao.visits.models import VisitDue
from weibao.visits.services import NEW_DUE_COLUMNS


def test_plain_rows_read_back_as_written(director_a, areas):
    child = child_create(
        actor=director_a, data=child_data(areas["community_a"]), categories=[], guardians=[]
    )
    MatchKey.objects.filter(child=child).delete()
    area = (child.district_id, child.subdistrict_id, child.community_id)
    insert_plain(
        MatchKey,
        ("child_id", "kind", "digest", "district_id", "subdistrict_id", "community_id"),
        [(child.pk, "n", "a" * 16, *area), (child.pk, "b", "b" * 16, *area)],
    )
    rows = MatchKey.objects.filter(child=child).order_by("kind")
    assert [(k.kind, k.digest[0], k.community_id) for k in rows] == [
        ("b", "b", child.community_id),
        ("n", "a", child.community_id),
    ]


@pytest.mark.parametrize(
    ("model", "column"),
    [(Child, "id_number"), (Child, "address"), (Project, "budget"), (ChildCategory, "nope")],
)
def test_a_column_that_converts_its_values_is_refused(model, column):
    with pytest.raises(ValueError, match="not a plain column"):
        insert_plain(model, (column,), [])


def test_dates_read_back_as_dates(director_a, areas):
    child = child_create(
        actor=director_a, data=child_data(areas["community_a"]), categories=[], guardians=[]
    )
    VisitDue.objects.filter(child=child).delete()
    insert_plain(
        VisitDue,
        NEW_DUE_COLUMNS,
        [(child.pk, "open", dt.date(2026, 3, 31), "left_behind", None, dt.date(2026, 2, 28), 0,
          child.district_id, child.subdistrict_id, child.community_id)],
    )  # fmt: skip
    due = VisitDue.objects.get(child=child)
    assert (due.due_date, due.counts_from, due.based_on) == (
        dt.date(2026, 3, 31),
        None,
        dt.date(2026, 2, 28),
    )
    assert VisitDue.objects.filter(due_date__lt=dt.date(2026, 4, 1), child=child).exists()


def test_times_and_json_read_back_as_written(director_a, areas):
    at = dt.datetime(2026, 3, 31, 23, 30, 15, 123456, tzinfo=dt.UTC)  # the next day in Shanghai
    changes = {"name": {"old": None, "new": "测试"}, "categories": ["orphan"], "n": None}
    insert_plain(
        AuditEvent,
        ("seq", "at", "actor_id", "action", "object_type", "object_id", "changes", "note",
         "chain_hash"),
        [(10**9, at, director_a.pk, "x", "children.child", "1", changes, "", "h" * 64)],
    )  # fmt: skip
    row = AuditEvent.objects.get(seq=10**9)
    assert (row.at, row.changes) == (at, changes)
    assert AuditEvent.objects.filter(at__date=dt.date(2026, 4, 1), seq=10**9).exists()


def test_rows_are_one_statement_counted_as_one_query(director_a, areas):
    # PostgreSQL's COPY or SQLite's executemany: either way one statement, which a test
    # counting queries (and DEBUG's log) sees.
    child = child_create(
        actor=director_a, data=child_data(areas["community_a"]), categories=[], guardians=[]
    )
    MatchKey.objects.filter(child=child).delete()
    area = (child.district_id, child.subdistrict_id, child.community_id)
    with CaptureQueriesContext(connection) as queries:
        insert_plain(
            MatchKey,
            ("child_id", "kind", "digest", "district_id", "subdistrict_id", "community_id"),
            [(child.pk, kind, kind * 16, *area) for kind in "nbp"],
        )
    assert len(queries) == 1
    assert MatchKey.objects.filter(child=child).count() == 3


def test_a_row_the_database_refuses_refuses_the_statement(director_a, areas):
    # A NULL where the column may not hold one: the driver's error, not rows half written.
    child = child_create(
        actor=director_a, data=child_data(areas["community_a"]), categories=[], guardians=[]
    )
    MatchKey.objects.filter(child=child).delete()
    area = (child.district_id, child.subdistrict_id, child.community_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_plain(
            MatchKey,
            ("child_id", "kind", "digest", "district_id", "subdistrict_id", "community_id"),
            [(child.pk, "n", "a" * 16, *area), (child.pk, "b", None, *area)],
        )
    assert not MatchKey.objects.filter(child=child).exists()


def test_json_already_written_as_text_is_stored_as_that_json(director_a):
    changes = {"name": {"old": None, "new": "测试"}, "1": [1, 2]}
    insert_plain(
        AuditEvent,
        ("seq", "at", "actor_id", "action", "object_type", "object_id", "changes", "note",
         "chain_hash"),
        [(10**9 + 1, dt.datetime(2026, 3, 1, tzinfo=dt.UTC), director_a.pk, "x",
          "children.child", "1", JsonText(json.dumps(changes)), "", "h" * 64)],
    )  # fmt: skip
    assert AuditEvent.objects.get(seq=10**9 + 1).changes == changes
    assert AuditEvent.objects.filter(seq=10**9 + 1, changes__name__new="测试").exists()
