"""Services that change a child's file: audit rows, encryption at rest, concurrency, reveals."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from tests.conftest import child_data
from tests.helpers import (
    error_dict,
    fast_password_hashing,  # noqa: F401  (autouse fixture)
    years_before,
    zh,
)
from weibao.audit.models import AccessLog, AuditEvent
from weibao.audit.sealing import opened
from weibao.children import idnumber
from weibao.children.models import Child, Guardian
from weibao.children.services import (
    GuardianInput,
    child_change_status,
    child_create,
    child_record_view,
    child_reveal,
    child_update,
)
from weibao.core import crypto
from weibao.core.exceptions import ConflictError

PHONE = "13912345678"
ADDRESS = "天山路街道测试路88弄7号302室"


def _raw_row(table: str, pk: int, *columns: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def _audit_json(child: Child) -> str:
    return json.dumps(
        list(AuditEvent.objects.filter(child=child).values_list("changes", flat=True)),
        ensure_ascii=False,
    )


@pytest.fixture
def registered(areas, director_a):
    data = child_data(areas["community_a"], name="张小明", address=ADDRESS)
    child = child_create(
        actor=director_a,
        data=data,
        categories=["left_behind", "economic_hardship"],
        guardians=[
            GuardianInput(name="张大明", relation="father", phone=PHONE, work_location="广东")
        ],
    )
    return child, data["id_number"]


def _reload(child: Child) -> Child:
    return Child.objects.get(pk=child.pk)


# --- child_create --------------------------------------------------------------------------


def test_child_create_writes_exactly_one_audit_event(registered, director_a):
    child, _ = registered
    [event] = AuditEvent.objects.filter(child=child)
    assert event.action == "child.create"
    assert event.actor == director_a
    assert event.object_type == "children.child"
    assert event.object_id == str(child.pk)
    changes = opened(event.changes)
    assert changes["name"] == {"old": None, "new": "张小明"}
    assert changes["birth_date"]["new"] == "2015-06-01"
    assert changes["community"]["new"] == {"id": child.community_id, "name": "测试甲居民区"}
    assert changes["categories"] == {"old": [], "new": ["economic_hardship", "left_behind"]}
    assert changes["guardians"] == [{"op": "add", "name": "张大明", "phone": "139****5678"}]


def test_audit_of_create_records_id_number_and_address_masked(registered):
    child, number = registered
    [event] = AuditEvent.objects.filter(child=child)
    changes = opened(event.changes)
    assert changes["id_number"] == {"old": None, "new": number[:6] + "*" * 8 + number[-4:]}
    assert changes["address"]["new"].endswith("******")
    assert changes["address"]["new"] != ADDRESS


def test_plaintext_id_phone_and_address_appear_nowhere_in_the_audit_json(registered):
    child, number = registered
    dumped = _audit_json(child)
    assert number not in dumped
    assert number[6:14] + number[14:17] not in dumped  # not even the birth-date/sequence part
    assert PHONE not in dumped
    assert ADDRESS not in dumped


def test_id_number_address_and_phone_are_encrypted_at_rest(registered):
    child, number = registered
    raw_id, raw_address, raw_hash, raw_masked = _raw_row(
        Child._meta.db_table, child.pk, "id_number", "address", "id_number_hash", "id_number_masked"
    )
    assert number not in raw_id
    assert number[-6:] not in raw_id
    assert ADDRESS not in raw_address
    assert raw_id.startswith("gAAAAA")  # a Fernet token
    assert raw_masked == number[:6] + "********" + number[-4:]
    expected_hash = hmac.new(
        django_settings.LOOKUP_HASH_KEY.encode(), number.encode(), hashlib.sha256
    ).hexdigest()
    assert raw_hash == expected_hash
    assert raw_hash != hashlib.sha256(number.encode()).hexdigest()  # keyed, not a bare hash

    guardian = child.guardians.get()
    raw_phone, phone_hash, phone_masked = _raw_row(
        Guardian._meta.db_table, guardian.pk, "phone", "phone_hash", "phone_masked"
    )
    assert PHONE not in raw_phone
    assert phone_masked == "139****5678"
    assert len(phone_hash) == 64


def test_masked_id_has_the_form_region_stars_last_four(registered):
    child, number = registered
    child = _reload(child)
    assert len(child.id_number_masked) == 18
    assert child.id_number_masked == f"{number[:6]}********{number[-4:]}"
    assert child.id_number == number  # decrypted transparently for Python code


@pytest.mark.parametrize(
    "name, initials",
    [("𠈌小明", "xm"), ("阿依古丽·买买提", "ayglmmt"), ("张小明", "zxm")],
)
def test_names_round_trip_exactly_and_get_pinyin_initials(director_a, areas, name, initials):
    child = child_create(
        actor=director_a,
        data=child_data(areas["community_a"], name=name),
        categories=[],
        guardians=[],
    )
    stored = _reload(child)
    assert stored.name == name
    assert len(stored.name) == len(name)
    assert stored.name_initials == initials


def test_pinyin_of_zhang_xiao_ming_is_stored(child_a):
    assert (child_a.name_initials, child_a.name_pinyin) == ("zxm", "zhangxiaoming")


def test_name_is_stored_without_surrounding_spaces(director_a, areas):
    child = child_create(
        actor=director_a,
        data=child_data(areas["community_a"], name="  王芳 "),
        categories=[],
        guardians=[],
    )
    assert _reload(child).name == "王芳"


def test_create_derives_subdistrict_and_district_from_the_community(child_c, areas):
    assert child_c.subdistrict == areas["xianxia"]
    assert child_c.district == areas["district"]
    assert child_c.version == 1


# --- child_update --------------------------------------------------------------------------


def test_update_changes_only_the_given_fields_and_records_old_and_new(registered, director_a):
    child, number = registered
    updated = child_update(
        actor=director_a,
        child=child,
        expected_version=1,
        data={"school": "天山第二小学", "grade": "p5"},
    )
    stored = _reload(updated)
    assert (stored.school, stored.grade) == ("天山第二小学", "p5")
    assert stored.name == "张小明"
    assert stored.id_number == number
    assert stored.address == ADDRESS
    assert stored.version == 2
    event = AuditEvent.objects.filter(child=child, action="child.update").get()
    assert opened(event.changes) == {
        "school": {"old": "测试小学", "new": "天山第二小学"},
        "grade": {"old": "p4", "new": "p5"},
    }
    assert event.actor == director_a


def test_update_of_the_name_recomputes_pinyin(registered, director_a):
    child, _ = registered
    child_update(actor=director_a, child=child, expected_version=1, data={"name": " 李四 "})
    stored = _reload(child)
    assert (stored.name, stored.name_initials, stored.name_pinyin) == ("李四", "ls", "lisi")


def test_stale_expected_version_raises_conflict_and_changes_nothing(registered, director_a):
    child, _ = registered
    child_update(actor=director_a, child=child, expected_version=1, data={"school": "甲"})
    events_before = AuditEvent.objects.count()
    with pytest.raises(ConflictError):
        child_update(actor=director_a, child=child, expected_version=1, data={"school": "乙"})
    stored = _reload(child)
    assert stored.school == "甲"
    assert stored.version == 2
    assert AuditEvent.objects.count() == events_before


def test_conflict_is_raised_even_for_category_and_guardian_changes(registered, director_a):
    child, _ = registered
    child_update(actor=director_a, child=child, expected_version=1, data={"notes": "x"})
    with pytest.raises(ConflictError):
        child_update(
            actor=director_a,
            child=child,
            expected_version=1,
            data={},
            categories=["orphan"],
            guardians=[],
        )
    stored = _reload(child)
    assert sorted(stored.category_rows.values_list("category", flat=True)) == [
        "economic_hardship",
        "left_behind",
    ]
    assert stored.guardians.count() == 1


def test_no_op_update_writes_no_audit_row_and_keeps_the_version(registered, director_a):
    child, number = registered
    guardian = child.guardians.get()
    result = child_update(
        actor=director_a,
        child=child,
        expected_version=1,
        data={"name": "张小明", "school": "测试小学", "id_number": number, "address": ADDRESS},
        categories=["left_behind", "economic_hardship"],
        guardians=[
            GuardianInput(
                id=guardian.pk, name="张大明", relation="father", phone=PHONE, work_location="广东"
            )
        ],
    )
    assert result.version == 1
    assert _reload(child).version == 1
    assert AuditEvent.objects.filter(child=child).count() == 1  # only the create


def test_updating_categories_records_old_and_new_sets(registered, director_a):
    child, _ = registered
    child_update(
        actor=director_a,
        child=child,
        expected_version=1,
        data={},
        categories=["orphan", "left_behind", "orphan"],
    )
    stored = _reload(child)
    assert sorted(stored.category_rows.values_list("category", flat=True)) == [
        "left_behind",
        "orphan",
    ]
    event = AuditEvent.objects.get(child=child, action="child.update")
    assert opened(event.changes) == {
        "categories": {
            "old": ["economic_hardship", "left_behind"],
            "new": ["left_behind", "orphan"],
        }
    }
    assert stored.version == 2


def test_updating_with_an_unknown_category_is_refused_and_changes_nothing(registered, director_a):
    child, _ = registered
    with pytest.raises(ValidationError) as exc_info:
        child_update(
            actor=director_a, child=child, expected_version=1, data={}, categories=["ghost"]
        )
    assert list(error_dict(exc_info)) == ["categories"]
    assert _reload(child).category_rows.count() == 2


def test_guardian_add_change_and_remove_are_recorded(registered, director_a):
    child, _ = registered
    father = child.guardians.get()
    child_update(
        actor=director_a,
        child=child,
        expected_version=1,
        data={},
        guardians=[GuardianInput(name="李秀英", relation="m_grandmother", phone="13700001111")],
    )
    [event] = AuditEvent.objects.filter(child=child, action="child.update")
    assert opened(event.changes)["guardians"] == [
        {"op": "add", "name": "李秀英", "phone": "137****1111"},
        {"op": "remove", "name": "张大明"},
    ]
    assert not Guardian.objects.filter(pk=father.pk).exists()

    grandma = child.guardians.get()
    child_update(
        actor=director_a,
        child=child,
        expected_version=2,
        data={},
        guardians=[
            GuardianInput(
                id=grandma.pk,
                name="李秀英",
                relation="m_grandmother",
                phone="137-0000-2222",
                is_entrusted_carer=True,
            )
        ],
    )
    event = AuditEvent.objects.filter(child=child, action="child.update").first()
    assert opened(event.changes)["guardians"] == [
        {
            "op": "change",
            "name": "李秀英",
            "fields": {
                "is_entrusted_carer": {"old": False, "new": True},
                "phone": {"old": "137****1111", "new": "137****2222"},
            },
        }
    ]
    grandma.refresh_from_db()
    assert grandma.phone == "13700002222"
    assert grandma.is_entrusted_carer is True
    assert _reload(child).version == 3
    assert "13700002222" not in _audit_json(child)


def test_guardian_phone_none_keeps_the_stored_phone(registered, director_a):
    child, _ = registered
    father = child.guardians.get()
    child_update(
        actor=director_a,
        child=child,
        expected_version=1,
        data={},
        guardians=[
            GuardianInput(
                id=father.pk, name="张大明", relation="father", phone=None, work_location="浙江"
            )
        ],
    )
    father.refresh_from_db()
    assert (father.phone, father.work_location) == (PHONE, "浙江")
    event = AuditEvent.objects.get(child=child, action="child.update")
    assert opened(event.changes)["guardians"] == [
        {
            "op": "change",
            "name": "张大明",
            "fields": {"work_location": {"old": "广东", "new": "浙江"}},
        }
    ]


def test_guardian_id_of_another_child_is_treated_as_a_new_guardian(registered, child_b, director_a):
    child, _ = registered
    foreign = child_b.guardians.get()
    child_update(
        actor=director_a,
        child=child,
        expected_version=1,
        data={},
        guardians=[GuardianInput(id=foreign.pk, name="王五", relation="father")],
    )
    foreign.refresh_from_db()
    assert foreign.child_id == child_b.pk and foreign.name == "测试家长"
    assert [g.name for g in child.guardians.all()] == ["王五"]


def test_changing_id_number_and_address_records_masked_values_only(registered, director_a):
    child, old_number = registered
    new_number = idnumber.make("310105", dt.date(2015, 6, 1), 321, "M")
    child_update(
        actor=director_a,
        child=child,
        expected_version=1,
        data={"id_number": new_number, "address": "新地址路1号"},
    )
    event = AuditEvent.objects.get(child=child, action="child.update")
    assert opened(event.changes)["id_number"] == {
        "old": old_number[:6] + "********" + old_number[-4:],
        "new": new_number[:6] + "********" + new_number[-4:],
    }
    dumped = _audit_json(child)
    for secret in (old_number, new_number, ADDRESS, "新地址路1号"):
        assert secret not in dumped
    stored = _reload(child)
    assert stored.id_number == new_number
    assert Child.objects.filter(id_number_hash=stored.id_number_hash).get() == stored


def _registered_years_ago(child: Child, birth: dt.date) -> Child:
    """Make `child` one registered as a minor long ago (its ID agreeing with the birth date),
    bypassing child_create, which judges age against the real date."""
    number = idnumber.make("310105", birth, 77, child.sex)
    stored = _reload(child)
    stored.birth_date = birth
    stored.id_number = number
    stored.id_number_hash = crypto.lookup_hash(number)
    stored.id_number_masked = crypto.mask_id_number(number)
    stored.save()
    return stored


def test_file_of_a_child_who_has_turned_18_can_still_be_edited(child_a, director_a):
    adult = _registered_years_ago(child_a, years_before(timezone.localdate(), 19))
    child_update(
        actor=director_a, child=adult, expected_version=1, data={"notes": "全日制在读，继续帮扶"}
    )
    assert _reload(adult).notes == "全日制在读，继续帮扶"


def test_birth_date_may_not_be_changed_to_make_a_child_an_adult(child_a, director_a):
    birth = years_before(timezone.localdate(), 19)
    with pytest.raises(ValidationError) as exc_info:
        child_update(
            actor=director_a,
            child=child_a,
            expected_version=1,
            data={"birth_date": birth, "id_number": idnumber.make("310105", birth, 5, "M")},
        )
    assert error_dict(exc_info) == {
        "birth_date": [zh("This person is 18 or over and cannot be registered as a minor.")]
    }


def test_changing_birth_date_without_the_id_number_is_refused(registered, director_a):
    child, _ = registered
    with pytest.raises(ValidationError) as exc_info:
        child_update(
            actor=director_a,
            child=child,
            expected_version=1,
            data={"birth_date": dt.date(2015, 6, 2)},
        )
    assert "birth_date" in error_dict(exc_info)
    assert _reload(child).birth_date == dt.date(2015, 6, 1)


def test_changing_community_rederives_subdistrict_and_district(child_a, district_officer, areas):
    child_update(
        actor=district_officer,
        child=child_a,
        expected_version=1,
        data={"community": areas["community_c"]},
    )
    stored = _reload(child_a)
    assert stored.community == areas["community_c"]
    assert stored.subdistrict == areas["xianxia"]
    assert stored.district == areas["district"]
    event = AuditEvent.objects.get(child=child_a, action="child.update")
    assert opened(event.changes)["community"] == {
        "old": {"id": areas["community_a"].pk, "name": "测试甲居民区"},
        "new": {"id": areas["community_c"].pk, "name": "测试丙居民区"},
    }


def test_director_cannot_move_a_child_out_of_their_area(child_a, director_a, areas):
    with pytest.raises(ValidationError) as exc_info:
        child_update(
            actor=director_a,
            child=child_a,
            expected_version=1,
            data={"community": areas["community_b"]},
        )
    assert list(error_dict(exc_info)) == ["community"]
    assert _reload(child_a).community == areas["community_a"]


@pytest.mark.parametrize("persona", ["director_b", "director_elsewhere", "unassigned"])
def test_out_of_scope_actor_cannot_update(child_a, personas, persona):
    with pytest.raises(PermissionDenied):
        child_update(
            actor=personas[persona], child=child_a, expected_version=1, data={"school": "x"}
        )
    assert _reload(child_a).school == "测试小学"
    assert not AuditEvent.objects.filter(child=child_a, action="child.update").exists()


# --- child_change_status -------------------------------------------------------------------


def test_change_status_records_the_change_and_bumps_the_version(child_a, director_a):
    day = timezone.localdate() - dt.timedelta(days=3)
    child_change_status(
        actor=director_a,
        child=child_a,
        expected_version=1,
        status="moved_out",
        date=day,
        reason=" 随父母迁居外省 ",
    )
    stored = _reload(child_a)
    assert (stored.status, stored.status_date, stored.status_reason) == (
        "moved_out",
        day,
        "随父母迁居外省",
    )
    assert stored.version == 2
    event = AuditEvent.objects.get(child=child_a, action="child.status")
    assert opened(event.changes) == {
        "status": {"old": "active", "new": "moved_out"},
        "status_date": {"old": None, "new": day.isoformat()},
        "status_reason": {"old": "", "new": "随父母迁居外省"},
    }


@pytest.mark.parametrize("reason", ["", "   "])
def test_change_status_requires_a_reason(child_a, director_a, reason):
    with pytest.raises(ValidationError) as exc_info:
        child_change_status(
            actor=director_a,
            child=child_a,
            expected_version=1,
            status="deceased",
            date=timezone.localdate(),
            reason=reason,
        )
    assert error_dict(exc_info) == {"reason": [zh("Please give the reason.")]}
    assert _reload(child_a).status == "active"


def test_change_status_requires_a_date_that_is_not_in_the_future(child_a, director_a):
    for day in (None, timezone.localdate() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc_info:
            child_change_status(
                actor=director_a,
                child=child_a,
                expected_version=1,
                status="transferred",
                date=day,
                reason="转至其他街道",
            )
        expected = "Please give the date." if day is None else "The date cannot be in the future."
        assert error_dict(exc_info) == {"date": [zh(expected)]}
    assert _reload(child_a).status == "active"
    assert not AuditEvent.objects.filter(action="child.status").exists()


def test_today_is_an_acceptable_status_date(child_a, director_a):
    child_change_status(
        actor=director_a,
        child=child_a,
        expected_version=1,
        status="transferred",
        date=timezone.localdate(),
        reason="转至其他街道",
    )
    assert _reload(child_a).status == "transferred"


def test_aged_out_is_derived_and_cannot_be_set_as_a_status(child_a, director_a):
    with pytest.raises(ValidationError) as exc_info:
        child_change_status(
            actor=director_a,
            child=child_a,
            expected_version=1,
            status="aged_out",
            date=timezone.localdate(),
            reason="满18岁",
        )
    assert "status" in error_dict(exc_info)


def test_change_status_with_a_stale_version_is_a_conflict(child_a, director_a):
    with pytest.raises(ConflictError):
        child_change_status(
            actor=director_a,
            child=child_a,
            expected_version=7,
            status="moved_out",
            date=timezone.localdate(),
            reason="搬家",
        )
    assert _reload(child_a).status == "active"


def test_out_of_scope_actor_cannot_change_status(child_a, director_b):
    with pytest.raises(PermissionDenied):
        child_change_status(
            actor=director_b,
            child=child_a,
            expected_version=1,
            status="moved_out",
            date=timezone.localdate(),
            reason="搬家",
        )
    assert _reload(child_a).status == "active"


# --- child_reveal and child_record_view ----------------------------------------------------


def test_reveal_returns_the_full_id_number_and_logs_who_and_why(registered, director_a):
    child, number = registered
    value = child_reveal(
        actor=director_a, child=child, field="id_number", reason=" 办理低保申请 ", channel="web"
    )
    assert value == number
    [log] = AccessLog.objects.filter(child=child)
    assert (log.user, log.kind, log.field, log.reason, log.channel) == (
        director_a,
        AccessLog.Kind.REVEAL,
        "id_number",
        "办理低保申请",
        "web",
    )


def test_reveal_returns_the_full_address(registered, director_a):
    child, _ = registered
    value = child_reveal(
        actor=director_a, child=child, field="address", reason="家访", channel="api"
    )
    assert value == ADDRESS
    assert AccessLog.objects.get(child=child).field == "address"


def test_reveal_returns_a_guardians_full_phone(registered, director_a):
    child, _ = registered
    guardian = child.guardians.get()
    value = child_reveal(
        actor=director_a,
        child=child,
        field="guardian_phone",
        reason="联系家长",
        channel="web",
        guardian_id=guardian.pk,
    )
    assert value == PHONE
    log = AccessLog.objects.get(child=child)
    assert log.field == f"guardian_phone:{guardian.pk}"
    assert log.kind == "reveal"


def test_reveal_of_another_childs_guardian_phone_is_refused(registered, child_b, supervisor):
    child, _ = registered
    foreign = child_b.guardians.get()
    with pytest.raises(ValidationError) as exc_info:
        child_reveal(
            actor=supervisor,
            child=child,
            field="guardian_phone",
            reason="联系家长",
            channel="web",
            guardian_id=foreign.pk,
        )
    assert error_dict(exc_info) == {"guardian": [zh("No such guardian.")]}
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("reason", ["", "  "])
def test_reveal_requires_a_reason(registered, director_a, reason):
    child, _ = registered
    with pytest.raises(ValidationError) as exc_info:
        child_reveal(actor=director_a, child=child, field="id_number", reason=reason, channel="web")
    assert error_dict(exc_info) == {"reason": [zh("Please say why you need to see it in full.")]}
    assert not AccessLog.objects.exists()


def test_reveal_of_a_field_that_is_not_sensitive_is_refused(registered, director_a):
    child, _ = registered
    with pytest.raises(ValidationError) as exc_info:
        child_reveal(actor=director_a, child=child, field="name", reason="看看", channel="web")
    assert "field" in error_dict(exc_info)
    assert not AccessLog.objects.exists()


def test_reveal_requires_the_permission(child_b, director_b):
    # director_b sees child_b but holds no reveal permission.
    assert not director_b.has_perm("children.reveal_sensitive")
    with pytest.raises(PermissionDenied):
        child_reveal(
            actor=director_b, child=child_b, field="id_number", reason="需要", channel="web"
        )
    assert not AccessLog.objects.exists()


def test_reveal_out_of_scope_is_refused_even_with_the_permission(child_b, director_a):
    assert director_a.has_perm("children.reveal_sensitive")
    with pytest.raises(PermissionDenied):
        child_reveal(
            actor=director_a, child=child_b, field="id_number", reason="需要", channel="web"
        )
    assert not AccessLog.objects.exists()


def test_reveal_reason_is_cut_to_200_characters(registered, director_a):
    child, _ = registered
    child_reveal(actor=director_a, child=child, field="id_number", reason="因" * 300, channel="web")
    assert AccessLog.objects.get().reason == "因" * 200


def test_record_view_logs_a_view(child_a, director_a):
    child_record_view(actor=director_a, child=child_a, channel="api")
    [log] = AccessLog.objects.filter(child=child_a)
    assert (log.user, log.kind, log.channel, log.field, log.reason) == (
        director_a,
        AccessLog.Kind.VIEW,
        "api",
        "",
        "",
    )


def test_a_moved_out_child_can_be_put_back_on_the_register(child_a, director_a):
    day = timezone.localdate()
    child_change_status(
        actor=director_a,
        child=child_a,
        expected_version=1,
        status="moved_out",
        date=day,
        reason="搬",
    )
    child_change_status(
        actor=director_a, child=child_a, expected_version=2, status="active", date=day, reason=""
    )
    stored = _reload(child_a)
    assert (stored.status, stored.version) == ("active", 3)
    assert AuditEvent.objects.filter(child=child_a, action="child.status").count() == 2
