"""Audit rows about neither a child nor a case are filed under the district of what they are
about (audit.services.own_district; docs/scale.md): a district-distributed audit log takes no
row without one. A record with a district column gives its own, a partner or a role its area's,
an area the district it lies in, a station's evidence its station's (passed by its service);
an account names none."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.partners.test_services import partner_data
from tests.staff.helpers import add_member
from tests.stations.conftest import review, submit
from weibao.accounts.models import Role, User
from weibao.accounts.services import role_assignment_grant, user_create
from weibao.areas.services import area_create
from weibao.audit.chain import log_verify
from weibao.audit.models import AuditEvent
from weibao.core.operator import Operator
from weibao.partners.services import partner_create
from weibao.staff.services import honour_add


def _row(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def test_a_station_and_its_evidence_are_filed_under_the_station_s_district(
    station, supervisor, reviewer, areas
):
    submit(supervisor, station, "window")
    review(reviewer, station, "window")
    for action in ("station.create", "evidence.submit", "evidence.review"):
        row = _row(action)
        assert (row.child_id, row.case_id) == (None, None)
        assert row.district_id == areas["district"].pk, action


def test_a_person_s_honour_is_filed_under_the_person_s_district(supervisor, areas):
    member = add_member(supervisor, areas["community_a"], name="甲居民区主任")
    honour_add(
        actor=supervisor,
        member=member,
        data={"title": "优秀儿童主任", "level": "district", "awarded_on": dt.date(2025, 5, 1)},
    )
    assert _row("staff.honour_add").district_id == areas["district"].pk


def test_a_partner_and_a_role_are_filed_under_the_district_of_their_area(
    district_officer, areas, unassigned
):
    partner_create(actor=district_officer, data=partner_data(areas, area=areas["community_a"]))
    role_assignment_grant(
        actor=district_officer, user=unassigned, role=Role.DIRECTOR, area=areas["community_b"]
    )
    assert _row("partner.create").district_id == areas["district"].pk
    assert _row("role.grant").district_id == areas["district"].pk


def test_a_new_residential_area_is_filed_under_the_district_it_lies_in(district_officer, areas):
    community = area_create(actor=district_officer, parent=areas["tianshan"], name="测试丁居民区")
    row = AuditEvent.objects.get(object_type="areas.area", object_id=str(community.pk))
    assert row.district_id == areas["district"].pk


def test_an_account_names_no_district(db):
    user_create(actor=Operator("test"), user=User(username="new_person", full_name="新同事"))
    assert _row("account.create").district_id is None


@pytest.mark.django_db(transaction=True)
def test_migration_0010_gives_the_rows_written_before_their_object_s_district(
    station, supervisor, reviewer, district_officer, areas
):
    submit(supervisor, station, "window")
    partner_create(actor=district_officer, data=partner_data(areas, area=areas["community_a"]))
    area_create(actor=district_officer, parent=areas["tianshan"], name="测试丁居民区")
    user_create(actor=Operator("test"), user=User(username="new_person", full_name="新同事"))
    about_neither = AuditEvent.objects.filter(child=None, case=None)
    expected = dict(about_neither.values_list("pk", "district_id"))
    assert {None, areas["district"].pk} == set(expected.values())
    # As before the services filed them: no district (an UPDATE that changes the district
    # alone, which the append-only trigger lets through; the rows already without one are left).
    about_neither.exclude(district=None).update(district=None)
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0009_auditevent_district")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert dict(about_neither.values_list("pk", "district_id")) == expected
    assert log_verify("audit").ok
