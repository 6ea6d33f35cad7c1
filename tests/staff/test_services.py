"""The roster's writes (weibao/staff/services.py): where each role works, the wall's consent,
dates; the phone encrypted at rest, masked in the audit trail and revealed with a reason;
every change audited; honours; a person who leaves is ended, not deleted."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from tests.helpers import error_dict, today
from tests.staff.helpers import add_member
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import opened, opened_note
from weibao.core.exceptions import ConflictError
from weibao.staff.models import Honour, StaffMember
from weibao.staff.selectors import active_staff_role_counts
from weibao.staff.services import (
    honour_add,
    honour_remove,
    staff_end,
    staff_phone_reveal,
    staff_update,
)

PHONE = "13912340000"


def _raw_phone(member: StaffMember) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM staff_staffmember WHERE id = %s", [member.pk])
        return cursor.fetchone()[0]


def test_a_person_is_added_with_the_area_columns_and_an_audit_row(areas, supervisor):
    member = add_member(supervisor, areas["community_a"], name="张主任", phone=PHONE)
    assert (member.district, member.subdistrict, member.community) == (
        areas["district"], areas["tianshan"], areas["community_a"],
    )  # fmt: skip
    event = AuditEvent.objects.get(action="staff.create", object_id=str(member.pk))
    assert event.actor == supervisor
    assert event.changes["name"] == {"new": "张主任"}
    # The phone is masked in the audit trail (and sealed there, as the values of every
    # encrypted field are), and encrypted in the table.
    assert opened(event.changes["phone"]) == {"new": "139****0000"}
    assert PHONE not in str(opened(event.changes)) and "139****0000" not in str(event.changes)
    assert PHONE not in _raw_phone(member)
    assert StaffMember.objects.get(pk=member.pk).phone == PHONE


def test_a_station_person_has_no_residential_area(areas, supervisor):
    member = add_member(supervisor, areas["tianshan"], "station_head")
    assert member.community is None and member.subdistrict == areas["tianshan"]
    assert member.place == areas["tianshan"]


@pytest.mark.parametrize(
    ("role", "area", "field"),
    [
        ("director", "tianshan", "area"),  # a 儿童主任 works in a 居民区
        ("station_head", "community_a", "area"),  # the head works at the station
        ("supervisor", "community_a", "area"),
        ("director", "district", "area"),  # not a 街镇 or 居民区
        ("director", "community_c", "area"),  # not the supervisor's 街镇
        ("zookeeper", "community_a", "role"),
    ],
)
def test_a_role_must_work_where_it_belongs_in_the_keepers_areas(
    areas, supervisor, role, area, field
):
    with pytest.raises(ValidationError) as exc:
        add_member(supervisor, areas[area], role)
    assert field in error_dict(exc)
    assert not StaffMember.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"phone": "call me"}, "phone"),
        ({"start_date": None}, "start_date"),
        ({"start_date": dt.date(1900, 1, 1)}, "start_date"),
        ({"end_date": dt.date(2019, 1, 1)}, "end_date"),  # before the start
        ({"qualifications": ["astronaut"]}, "qualifications"),
        ({"publish_on_display_wall": True}, "work_phone"),  # no work phone to show
    ],
)
def test_bad_input_is_refused_field_by_field(areas, supervisor, overrides, field):
    with pytest.raises(ValidationError) as exc:
        add_member(supervisor, areas["community_a"], **overrides)
    assert field in error_dict(exc)


def test_only_supervisors_and_directors_may_be_shown_on_the_wall(areas, supervisor):
    with pytest.raises(ValidationError) as exc:
        add_member(
            supervisor,
            areas["community_a"],
            "volunteer",
            work_phone="021-00000001",
            publish_on_display_wall=True,
        )
    assert "publish_on_display_wall" in error_dict(exc)


def test_a_director_keeps_no_roster(areas, director_a):
    with pytest.raises(PermissionDenied):
        add_member(director_a, areas["community_a"])


def test_an_update_records_old_and_new_and_keeps_the_phone_masked(areas, supervisor):
    member = add_member(supervisor, areas["community_a"], phone=PHONE)
    updated = staff_update(
        actor=supervisor,
        member=member,
        data={"phone": "13900001111", "full_time": True},
        expected_version=member.version,
    )
    assert updated.version == member.version + 1 and updated.full_time
    event = AuditEvent.objects.get(action="staff.update")
    assert opened(event.changes) == {
        "phone": {"old": "139****0000", "new": "139****1111"},
        "full_time": {"old": False, "new": True},
    }


def test_a_stale_version_is_a_conflict(areas, supervisor):
    member = add_member(supervisor, areas["community_a"])
    with pytest.raises(ConflictError):
        staff_update(actor=supervisor, member=member, data={"name": "新"}, expected_version=99)


def test_moving_a_person_to_another_subdistrict_needs_both(areas, supervisor, district_officer):
    member = add_member(supervisor, areas["community_a"])
    with pytest.raises(ValidationError) as exc:
        staff_update(actor=supervisor, member=member, data={"area": areas["community_c"]})
    assert "area" in error_dict(exc)
    moved = staff_update(actor=district_officer, member=member, data={"area": areas["community_c"]})
    assert (moved.subdistrict, moved.community) == (areas["xianxia"], areas["community_c"])


def test_a_person_who_leaves_is_ended_not_deleted(areas, supervisor):
    member = add_member(supervisor, areas["community_a"])
    assert active_staff_role_counts(subdistrict=areas["tianshan"])["director"] == 1
    ended = staff_end(
        actor=supervisor, member=member, end_date=today() - dt.timedelta(days=1), note="调走"
    )
    assert ended.end_date == today() - dt.timedelta(days=1)
    assert not ended.is_active_on(today())
    assert active_staff_role_counts(subdistrict=areas["tianshan"])["director"] == 0
    event = AuditEvent.objects.get(action="staff.end")
    assert opened_note(event.note) == "调走" and event.changes["end_date"]["old"] is None
    with pytest.raises(ValidationError):
        staff_end(actor=supervisor, member=ended, end_date=dt.date(2019, 1, 1))


def test_the_phone_is_revealed_with_a_reason_and_the_reveal_is_audited(areas, supervisor):
    member = add_member(supervisor, areas["community_a"], phone=PHONE)
    with pytest.raises(ValidationError):
        staff_phone_reveal(actor=supervisor, member=member, reason="  ", channel="web")
    assert not AuditEvent.objects.filter(action="staff.phone_reveal").exists()
    value = staff_phone_reveal(actor=supervisor, member=member, reason="培训通知", channel="web")
    assert value == PHONE
    event = AuditEvent.objects.get(action="staff.phone_reveal")
    assert (event.actor, opened_note(event.note), event.changes) == (
        supervisor, "培训通知", {"field": "phone", "channel": "web"},
    )  # fmt: skip


def test_a_director_cannot_reveal_a_colleagues_phone(areas, supervisor, director_a):
    member = add_member(supervisor, areas["community_a"], phone=PHONE)
    with pytest.raises(PermissionDenied):
        staff_phone_reveal(actor=director_a, member=member, reason="x", channel="web")


def test_honours_are_recorded_and_removed_with_audit_rows(areas, supervisor):
    member = add_member(supervisor, areas["community_a"])
    honour = honour_add(
        actor=supervisor,
        member=member,
        data={
            "title": "全国先进个人",
            "level": "national",
            "awarded_on": dt.date(2021, 6, 30),
            "issuer": "民政部",
        },
    )
    assert list(member.honours.all()) == [honour]
    assert AuditEvent.objects.get(action="staff.honour_add").changes["title"] == "全国先进个人"
    honour_remove(actor=supervisor, honour=honour)
    assert not Honour.objects.exists()
    assert AuditEvent.objects.get(action="staff.honour_remove").changes["level"] == "national"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "level": "national", "awarded_on": dt.date(2021, 1, 1)}, "title"),
        ({"title": "x", "level": "galactic", "awarded_on": dt.date(2021, 1, 1)}, "level"),
        ({"title": "x", "level": "national", "awarded_on": None}, "awarded_on"),
    ],
)
def test_a_bad_honour_is_refused_field_by_field(areas, supervisor, data, field):
    member = add_member(supervisor, areas["community_a"])
    with pytest.raises(ValidationError) as exc:
        honour_add(actor=supervisor, member=member, data=data)
    assert field in error_dict(exc)


def test_an_honour_in_the_future_is_refused(areas, supervisor):
    member = add_member(supervisor, areas["community_a"])
    with pytest.raises(ValidationError) as exc:
        honour_add(
            actor=supervisor,
            member=member,
            data={"title": "x", "level": "district", "awarded_on": today() + dt.timedelta(1)},
        )
    assert "awarded_on" in error_dict(exc)
