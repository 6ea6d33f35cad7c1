"""core.bulk.insert_plain writes plain rows as bulk_create would (dates adapted as Django
adapts them), and refuses a column whose values a field converts (an encrypted field, a time),
which the driver would store as given."""

import datetime as dt

import pytest

from tests.conftest import child_data
from weibao.children.models import Child, ChildCategory
from weibao.children.services import child_create
from weibao.core.bulk import insert_plain
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
        [(child.pk, "n", "a" * 64, *area), (child.pk, "b", "b" * 64, *area)],
    )
    rows = MatchKey.objects.filter(child=child).order_by("kind")
    assert [(k.kind, k.digest[0], k.community_id) for k in rows] == [
        ("b", "b", child.community_id),
        ("n", "a", child.community_id),
    ]


@pytest.mark.parametrize(
    ("model", "column"),
    [(Child, "id_number"), (Child, "address"), (Child, "created_at"), (ChildCategory, "nope")],
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
