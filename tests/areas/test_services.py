"""District staff create, rename and close the 街镇 and 居民区 of their district, every change
audited; nobody else changes the tree; a closing is refused while anything still lives in the
area (docs/domain.md §1.16)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import _user
from tests.helpers import error_dict
from weibao.accounts.models import Role
from weibao.areas.models import Area
from weibao.areas.services import area_close, area_close_refusals, area_create, area_rename
from weibao.audit.models import AuditEvent
from weibao.core.exceptions import Blocked


@pytest.fixture
def other_district_staff(db):
    district = Area.objects.create(name="徐汇区", code="310104", level="district")
    return _user("xuhui_staff", Role.DISTRICT_STAFF, district)


def test_district_staff_create_a_residential_area_and_it_is_audited(district_officer, areas):
    area = area_create(actor=district_officer, parent=areas["tianshan"], name="  新建居民区 ")
    assert (area.name, area.level, area.parent, area.code) == (
        "新建居民区",
        "community",
        areas["tianshan"],
        "",
    )
    row = AuditEvent.objects.get(action="area.create")
    assert row.actor == district_officer and row.object_id == str(area.pk)
    assert row.object_type == "areas.area"
    assert row.changes["name"] == {"old": None, "new": "新建居民区"}
    assert row.changes["parent"]["new"] == {"id": areas["tianshan"].pk, "name": "天山路街道"}


def test_a_new_subdistrict_needs_its_nine_digit_code_under_the_districts(district_officer, areas):
    with pytest.raises(ValidationError) as missing:
        area_create(actor=district_officer, parent=areas["district"], name="新街道")
    with pytest.raises(ValidationError) as short:
        area_create(actor=district_officer, parent=areas["district"], name="新街道", code="3101")
    with pytest.raises(ValidationError) as foreign:
        area_create(
            actor=district_officer, parent=areas["district"], name="新街道", code="310104099"
        )
    with pytest.raises(ValidationError) as taken:
        area_create(
            actor=district_officer, parent=areas["district"], name="新街道", code="310105006"
        )
    for exc in (missing, short, foreign, taken):
        assert list(error_dict(exc)) == ["code"]
    sub = area_create(
        actor=district_officer, parent=areas["district"], name="新街道", code="310105099"
    )
    assert (sub.level, sub.code) == ("subdistrict", "310105099")


def test_a_name_is_unique_among_its_siblings_closed_ones_included(district_officer, areas):
    with pytest.raises(ValidationError) as same:
        area_create(actor=district_officer, parent=areas["tianshan"], name="测试甲居民区")
    assert list(error_dict(same)) == ["name"]
    spare = area_create(actor=district_officer, parent=areas["tianshan"], name="旧居民区")
    area_close(actor=district_officer, area=spare)
    with pytest.raises(ValidationError) as closed:
        area_create(actor=district_officer, parent=areas["tianshan"], name="旧居民区")
    assert list(error_dict(closed)) == ["name"]
    # Elsewhere the name is free.
    assert area_create(actor=district_officer, parent=areas["xianxia"], name="测试甲居民区")


def test_nothing_is_created_below_a_residential_area_or_in_a_closed_one(district_officer, areas):
    with pytest.raises(ValidationError) as below:
        area_create(actor=district_officer, parent=areas["community_a"], name="楼组")
    spare = area_create(actor=district_officer, parent=areas["district"], name="空街道",
                        code="310105098")  # fmt: skip
    area_close(actor=district_officer, area=spare)
    with pytest.raises(ValidationError) as closed:
        area_create(actor=district_officer, parent=spare, name="新居民区")
    assert list(error_dict(below)) == list(error_dict(closed)) == ["parent"]


@pytest.mark.parametrize(
    "persona", ["supervisor", "station_staff", "director_a", "unassigned", "other_district_staff"]
)
def test_only_district_staff_of_the_district_change_its_areas(request, persona, areas):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        area_create(actor=user, parent=areas["tianshan"], name="越权居民区")
    with pytest.raises(PermissionDenied):
        area_rename(actor=user, area=areas["community_b"], name="越权")
    with pytest.raises(PermissionDenied):
        area_close(actor=user, area=areas["community_b"])
    assert not AuditEvent.objects.filter(action__startswith="area.").exists()
    assert Area.objects.get(pk=areas["community_b"].pk).name == "测试乙居民区"


def test_the_system_administrator_changes_no_area_here(areas):
    admin = _user("root", Role.SYSADMIN)
    with pytest.raises(PermissionDenied):
        area_create(actor=admin, parent=areas["tianshan"], name="管理员居民区")


def test_renaming_is_audited_and_the_district_itself_is_not_renamed(district_officer, areas):
    area = area_rename(
        actor=district_officer, area=areas["community_b"], name="乙新村", code="310105006123"
    )
    assert (area.name, area.code) == ("乙新村", "310105006123")
    row = AuditEvent.objects.get(action="area.rename")
    assert row.changes == {
        "name": {"old": "测试乙居民区", "new": "乙新村"},
        "code": {"old": "", "new": "310105006123"},
    }
    # Nothing changed: no row.
    area_rename(actor=district_officer, area=area, name="乙新村")
    assert AuditEvent.objects.filter(action="area.rename").count() == 1
    with pytest.raises(PermissionDenied):
        area_rename(actor=district_officer, area=areas["district"], name="新区")


def test_an_empty_residential_area_closes_and_keeps_its_row(district_officer, areas):
    closed = area_close(actor=district_officer, area=areas["community_b"])
    assert closed.closed_at is not None and closed.merged_into is None
    assert Area.objects.filter(pk=closed.pk).exists()
    assert AuditEvent.objects.get(action="area.close").object_id == str(closed.pk)
    with pytest.raises(Blocked) as again:
        area_close(actor=district_officer, area=closed)
    assert again.value.code == "closed"
    with pytest.raises(Blocked):
        area_rename(actor=district_officer, area=closed, name="复活")


def test_closing_is_refused_while_children_or_roles_are_there(district_officer, child_a, areas):
    director = _user("director_of_a", Role.DIRECTOR, areas["community_a"])
    assert director
    codes = {exc.code for exc in area_close_refusals(areas["community_a"])}
    assert codes == {"children", "roles"}
    with pytest.raises(Blocked):
        area_close(actor=district_officer, area=areas["community_a"])
    assert Area.objects.get(pk=areas["community_a"].pk).closed_at is None
    assert not AuditEvent.objects.filter(action="area.close").exists()


def test_a_subdistrict_closes_only_once_its_residential_areas_have(district_officer, areas):
    with pytest.raises(Blocked) as open_below:
        area_close(actor=district_officer, area=areas["xianxia"])
    assert open_below.value.code == "communities"
    area_close(actor=district_officer, area=areas["community_c"])
    assert area_close(actor=district_officer, area=areas["xianxia"]).closed_at is not None


def test_a_pending_transfer_into_the_area_keeps_it_open(district_officer, child_a, director_a,
                                                        areas):  # fmt: skip
    from tests.transfers.helpers import ask

    ask(director_a, child_a, areas["community_b"])
    codes = {exc.code for exc in area_close_refusals(areas["community_b"])}
    assert "transfers" in codes


def test_an_open_report_keeps_its_subdistrict_open(district_officer, make_report, areas):
    make_report()
    codes = {exc.code for exc in area_close_refusals(areas["tianshan"])}
    assert "reports" in codes


def test_a_merge_target_must_be_another_open_community_of_the_same_subdistrict(
    district_officer, areas
):
    for target in (areas["community_c"], areas["community_a"], areas["tianshan"]):
        with pytest.raises(ValidationError) as exc:
            area_close(actor=district_officer, area=areas["community_a"], merged_into=target)
        assert list(error_dict(exc)) == ["into"]
