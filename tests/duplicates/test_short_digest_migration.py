"""duplicates.0003 keeps the first 16 hex digits of the stored keys: the files registered
before it are still found by the files registered after it."""

from unittest.mock import patch

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.duplicates.helpers import pair_of, register
from weibao.duplicates import matching
from weibao.duplicates.models import MatchKey

BEFORE = [("duplicates", "0002_matchkey_fewer_checks_and_indexes")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_file_keyed_before_the_short_digests_is_still_found_after(areas, district_officer):
    _migrate(BEFORE)
    try:
        # Registered by the code of before: keys of 64 hex digits.
        with patch.object(matching, "DIGEST_LENGTH", 64):
            a = register(district_officer, areas["community_a"], "张小明")
        assert {len(d) for d in MatchKey.objects.values_list("digest", flat=True)} == {64}
    finally:
        _migrate(None)
    assert {len(d) for d in MatchKey.objects.values_list("digest", flat=True)} == {16}
    b = register(district_officer, areas["community_b"], "张小明")
    assert pair_of(a, b) is not None


@pytest.mark.django_db(transaction=True)
def test_going_back_removes_the_keys_that_cannot_be_made_long_again(areas, district_officer):
    register(district_officer, areas["community_a"], "张小明")
    assert MatchKey.objects.exists()
    try:
        _migrate(BEFORE)
        assert not MatchKey.objects.exists()
    finally:
        _migrate(None)
