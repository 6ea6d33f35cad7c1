"""Merging a 街镇 into another of its district (docs/domain.md §1.16): each of its open 居民区
moves under the other as a 居民区 of the same name made there — its directors' roles, the people
of its roster still at work and its children on the register (with their visits and cases, as
an accepted transfer moves them) — and closes, merged into it; the roles on the 街镇 end and it
closes, merged. One transaction, every step audited; refused before anything moves while an
open report, a pending transfer or an operating station would be left behind."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import api_client, web_client
from tests.helpers import error_dict, report_input
from tests.staff.helpers import add_member
from tests.stations.conftest import make_station
from tests.transfers.helpers import ANSWERS, area_of, ask
from weibao.accounts.models import RoleAssignment
from weibao.administration.services import area_close_moving, subdistrict_merge
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.children.models import Child
from weibao.core.exceptions import Blocked
from weibao.reports import services as report_services
from weibao.staff.models import StaffMember
from weibao.staff.services import staff_end
from weibao.stations.evidence import district_coverage
from weibao.visits import services as visit_services
from weibao.visits.models import Visit


@pytest.fixture
def xianxia_people(areas, district_officer, director_elsewhere, supervisor_elsewhere, child_c):
    """仙霞新村 at work: 居民区 C's director (a role and a roster entry), a volunteer who has
    left, the 街镇's supervisor, and child C with a completed visit."""
    visit = visit_services.visit_start(actor=director_elsewhere, child=child_c)
    visit = visit_services.visit_complete(
        actor=director_elsewhere, visit=visit, expected_version=visit.version, data=ANSWERS
    )
    director = add_member(district_officer, areas["community_c"], name="丙主任")
    gone = add_member(district_officer, areas["community_c"], "volunteer", name="丙志愿者")
    staff_end(actor=district_officer, member=gone, end_date=dt.date(2023, 1, 1))
    return {"visit": visit, "director": director, "gone": gone}


def _merge(actor, areas):
    return subdistrict_merge(actor=actor, subdistrict=areas["xianxia"], into=areas["tianshan"])


def test_its_communities_move_under_the_other_subdistrict_with_their_children(
    district_officer, xianxia_people, child_c, areas
):
    closed = _merge(district_officer, areas)
    assert closed.closed_at is not None and closed.merged_into == areas["tianshan"]
    old_c = Area.objects.get(pk=areas["community_c"].pk)
    new_c = Area.objects.get(parent=areas["tianshan"], name="测试丙居民区")
    assert old_c.closed_at is not None and old_c.merged_into == new_c
    assert new_c.closed_at is None and new_c.code == ""
    where = (areas["district"].pk, areas["tianshan"].pk, new_c.pk)
    assert area_of(Child.objects.get(pk=child_c.pk)) == where
    assert area_of(Visit.objects.get(pk=xianxia_people["visit"].pk)) == where


def test_the_directors_role_and_the_roster_move_and_the_subdistricts_roles_end(
    district_officer, xianxia_people, director_elsewhere, supervisor_elsewhere, areas
):
    _merge(district_officer, areas)
    new_c = Area.objects.get(parent=areas["tianshan"], name="测试丙居民区")
    assert list(director_elsewhere.role_assignments.values_list("area", flat=True)) == [new_c.pk]
    assert not RoleAssignment.objects.filter(user=supervisor_elsewhere).exists()
    director = StaffMember.objects.get(pk=xianxia_people["director"].pk)
    assert (director.subdistrict_id, director.community_id) == (areas["tianshan"].pk, new_c.pk)
    gone = StaffMember.objects.get(pk=xianxia_people["gone"].pk)
    assert gone.community_id == areas["community_c"].pk  # who left stays where they worked


def test_every_step_is_audited(district_officer, xianxia_people, areas):
    _merge(district_officer, areas)
    actions = list(
        AuditEvent.objects.filter(actor=district_officer)
        .exclude(action__startswith="staff.create")
        .values_list("action", flat=True)
    )
    for action in ("area.create", "role.move", "role.revoke", "area.merge"):
        assert action in actions, action
    merges = AuditEvent.objects.filter(action="area.merge")
    assert {e.object_id for e in merges} == {
        str(areas["community_c"].pk),
        str(areas["xianxia"].pk),
    }
    assert AuditEvent.objects.filter(action="staff.update").count() == 1


def _nothing_moved(areas, child_c) -> None:
    assert Area.objects.get(pk=areas["xianxia"].pk).closed_at is None
    assert Area.objects.get(pk=areas["community_c"].pk).closed_at is None
    assert not Area.objects.filter(parent=areas["tianshan"], name="测试丙居民区").exists()
    assert Child.objects.get(pk=child_c.pk).community_id == areas["community_c"].pk


def test_an_open_report_of_the_subdistrict_refuses_it_and_nothing_moves(
    district_officer, xianxia_people, child_c, areas
):
    report_services.report_create(
        data=report_input(areas, subdistrict="xianxia"), channel="public", actor=None
    )
    with pytest.raises(ValidationError) as exc:
        _merge(district_officer, areas)
    assert "into" in error_dict(exc)
    _nothing_moved(areas, child_c)


def test_an_operating_station_refuses_it(
    district_officer, supervisor_elsewhere, xianxia_people, child_c, areas
):
    make_station(supervisor_elsewhere, areas["xianxia"], name="仙霞新村工作站")
    with pytest.raises(ValidationError) as exc:
        _merge(district_officer, areas)
    assert "工作站" in " ".join(error_dict(exc)["into"])
    _nothing_moved(areas, child_c)


def test_a_pending_transfer_refuses_it(district_officer, director_elsewhere, child_c, areas):
    ask(director_elsewhere, child_c, areas["community_a"])
    with pytest.raises(ValidationError):
        _merge(district_officer, areas)
    _nothing_moved(areas, child_c)


def test_a_name_the_other_subdistrict_already_has_is_a_field_error(
    district_officer, child_c, areas
):
    Area.objects.create(name="测试丙居民区", level="community", parent=areas["tianshan"])
    with pytest.raises(ValidationError) as exc:
        _merge(district_officer, areas)
    assert "测试丙居民区" in error_dict(exc)["into"][0]
    assert Area.objects.get(pk=areas["xianxia"].pk).closed_at is None
    assert Child.objects.get(pk=child_c.pk).community_id == areas["community_c"].pk


def test_the_target_must_be_another_open_subdistrict_of_the_district(district_officer, areas):
    for target in (areas["xianxia"], areas["community_a"], areas["district"]):
        with pytest.raises(ValidationError) as exc:
            subdistrict_merge(actor=district_officer, subdistrict=areas["xianxia"], into=target)
        assert "into" in error_dict(exc)


@pytest.mark.parametrize("persona", ["supervisor", "supervisor_elsewhere", "director_a"])
def test_only_district_staff_merge_a_subdistrict(request, persona, areas):
    with pytest.raises(PermissionDenied):
        _merge(request.getfixturevalue(persona), areas)
    assert Area.objects.get(pk=areas["xianxia"].pk).closed_at is None


def test_the_merge_page_and_the_api(district_officer, supervisor, xianxia_people, areas):
    url = f"/administration/areas/{areas['xianxia'].pk}/merge/"
    detail = web_client(district_officer).get(f"/administration/areas/{areas['xianxia'].pk}/")
    assert url in detail.content.decode()
    page = web_client(district_officer).get(url)
    assert page.status_code == 200
    offered = set(page.context["form"].fields["into"].queryset)
    assert offered == {areas["tianshan"]}
    assert "测试丙居民区" in page.content.decode()
    assert web_client(supervisor).get(url).status_code == 404
    bad = web_client(district_officer).post(url, {"into": areas["community_a"].pk})
    assert bad.status_code == 200 and bad.context["form"].errors["into"]
    done = web_client(district_officer).post(url, {"into": areas["tianshan"].pk})
    assert done.status_code == 302
    assert Area.objects.get(pk=areas["xianxia"].pk).merged_into == areas["tianshan"]


def test_the_api_merges_a_subdistrict(district_officer, child_c, areas):
    response = api_client(district_officer).post(
        f"/api/v1/areas/{areas['xianxia'].pk}/merge/",
        {"into": areas["tianshan"].pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["merged_into"] == areas["tianshan"].pk
    assert Child.objects.get(pk=child_c.pk).subdistrict_id == areas["tianshan"].pk


def test_a_merged_subdistrict_leaves_the_coverage(district_officer, child_c, areas):
    _merge(district_officer, areas)
    rows = district_coverage(areas["district"], None, dt.date.today()).rows
    assert [row.subdistrict.name for row in rows] == ["天山路街道"]


def test_closing_a_subdistrict_with_an_operating_station_is_refused(
    district_officer, supervisor_elsewhere, areas
):
    make_station(supervisor_elsewhere, areas["xianxia"], name="仙霞新村工作站")
    RoleAssignment.objects.filter(user=supervisor_elsewhere).delete()
    area_close_moving(actor=district_officer, area=areas["community_c"])
    with pytest.raises(Blocked) as exc:
        area_close_moving(actor=district_officer, area=areas["xianxia"])
    assert exc.value.code == "station"
