"""`weibao districts`: on a new installation the server's operator makes the district before
granting its first district staff (docs/deploy.md); nobody in the product may make one."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.areas.models import Area
from weibao.audit.chain import log_verify
from weibao.audit.models import AuditEvent


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_operator_adds_a_district_audited_and_grants_its_first_staff():
    assert run("districts", "add", " 310105 ", " 长宁区 ") == "added: 310105 长宁区\n"
    district = Area.objects.get(level=Area.Level.DISTRICT)
    assert (district.code, district.name, district.parent) == ("310105", "长宁区", None)
    row = AuditEvent.objects.get(action="area.create")
    assert row.actor is None and row.note == "command: weibao districts add"
    assert row.object_id == str(district.pk) and row.district_id == district.pk
    assert row.changes["level"] == {"old": None, "new": "district"}
    assert log_verify("audit").ok

    User.objects.create_user(username="wang_li", password="x" * 12)
    run("roles", "grant", "wang_li", "district_staff", "--area", "310105")
    assert RoleAssignment.objects.get(user__username="wang_li").area == district
    assert RoleAssignment.objects.get().role == Role.DISTRICT_STAFF
    assert run("districts", "list").splitlines() == [
        "code\tname\tsub-districts and towns",
        "310105\t长宁区\t0",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        ("31010", "长宁区", "6"),
        ("31010５", "长宁区", "6"),  # a full-width digit
        ("310104", "  ", "请填写名称"),
        ("310105", "徐汇区", "已属于 长宁区"),  # the code is taken
        ("310104", "长宁区", "已有同名的区"),  # the name is taken
    ],
)
def test_a_district_with_a_bad_or_taken_code_or_name_is_refused(code, name, message):
    run("districts", "add", "310105", "长宁区")
    with pytest.raises(CommandError, match=message):
        run("districts", "add", code, name)
    assert Area.objects.filter(level=Area.Level.DISTRICT).count() == 1
    assert AuditEvent.objects.filter(action="area.create").count() == 1
