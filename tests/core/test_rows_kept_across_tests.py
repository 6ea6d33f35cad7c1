"""tests.helpers.rows_kept_across_tests: rows written once for a module's tests, each test's own
writes undone before the next. The two tests run in file order: the second sees what the
fixture wrote, and nothing of what the first test did."""

import pytest

from tests.helpers import rows_kept_across_tests
from weibao.areas.models import Area


@pytest.fixture(scope="module")
def kept_area(django_db_setup, django_db_blocker):
    with rows_kept_across_tests(django_db_blocker):
        yield Area.objects.create(name="保留区", code="999901", level="district")


def test_a_test_may_change_the_kept_rows(kept_area, db):
    Area.objects.filter(pk=kept_area.pk).update(name="改过的名字")
    Area.objects.create(name="测试新增区", code="999902", level="district")
    assert set(Area.objects.values_list("name", flat=True)) == {"改过的名字", "测试新增区"}


def test_the_next_test_finds_them_as_the_fixture_wrote_them(kept_area, db):
    assert list(Area.objects.values_list("name", flat=True)) == ["保留区"]
