import pytest

from tests.staff.helpers import add_member


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(areas, district_officer):
    """The roster the rate is counted over: the 儿童主任 of 居民区 A, B and C, the 天山路
    督导员 and a full-time worker (the default required roles), and a volunteer (not
    required)."""
    officer = district_officer
    return {
        "a": add_member(officer, areas["community_a"], name="甲主任"),
        "b": add_member(officer, areas["community_b"], name="乙主任"),
        "c": add_member(officer, areas["community_c"], name="丙主任"),
        "supervisor": add_member(officer, areas["tianshan"], "supervisor", name="天山督导员"),
        "full_time": add_member(officer, areas["tianshan"], "full_time", name="天山专职"),
        "volunteer": add_member(officer, areas["community_a"], "volunteer", name="甲志愿者"),
    }
