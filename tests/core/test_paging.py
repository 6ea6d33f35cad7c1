"""core.paging: counts that stop at a cap."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from weibao.areas.models import Area
from weibao.core.paging import count_to_cap, counts_to_cap


def test_counts_to_the_cap_stop_one_past_it_each_in_one_statement(areas):
    communities = Area.objects.filter(level=Area.Level.COMMUNITY)
    assert communities.count() == 3
    asked = {
        "communities": communities.values_list("code"),
        "one": communities.filter(pk=areas["community_a"].pk).values_list("code"),
        "none_match": communities.filter(code="no such code").values_list("code"),
        "nothing_asked": Area.objects.none(),
    }
    with CaptureQueriesContext(connection) as queries:
        counts = counts_to_cap(asked, cap=2)
    assert counts == {"communities": 3, "one": 1, "none_match": 0, "nothing_asked": 0}
    assert len(queries) == 1
    assert counts_to_cap(asked, cap=5)["communities"] == 3
    # The same answers one by one.
    assert [count_to_cap(qs, 2) for qs in asked.values()] == [3, 1, 0, 0]


def test_counts_to_the_cap_of_nothing_ask_nothing(db):
    with CaptureQueriesContext(connection) as queries:
        assert counts_to_cap({"none": Area.objects.none()}) == {"none": 0}
        assert counts_to_cap({}) == {}
    assert len(queries) == 0
