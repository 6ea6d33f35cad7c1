import pytest

from tests.staff.helpers import add_member


@pytest.fixture
def member_a(areas, district_officer):
    """The 儿童主任 of 居民区 A on the roster (no account)."""
    return add_member(district_officer, areas["community_a"], name="王甲主任")


@pytest.fixture
def member_c(areas, district_officer):
    """The 儿童主任 of 居民区 C (仙霞新村)."""
    return add_member(district_officer, areas["community_c"], name="李丙主任")
