import pytest

from tests.duplicates.helpers import pair_of, register


@pytest.fixture
def pair_ab(areas, district_officer):
    """张小明 of 居民区 A and 张小明 of 居民区 B (both 天山路), born the same day: open."""
    a = register(district_officer, areas["community_a"], "张小明")
    b = register(district_officer, areas["community_b"], "张小明")
    return pair_of(a, b)


@pytest.fixture
def pair_ac(areas, district_officer):
    """李小红 of 居民区 A (天山路) and 李小红 of 居民区 C (仙霞新村): across two 街镇."""
    a = register(district_officer, areas["community_a"], "李小红", sex="F")
    c = register(district_officer, areas["community_c"], "李晓虹", sex="F")
    return pair_of(a, c)
