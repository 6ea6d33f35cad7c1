"""Roles that reach children's files are granted and revoked by district staff of the district
they lie in, on the people page, each change audited; never by the system administrator. The
first district staff of a district is granted by the server's operator (`weibao roles`)."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from tests.conftest import PASSWORD, _user, web_client
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.services import (
    Operator,
    role_assignment_grant,
    role_assignment_revoke,
    user_reveal_set,
)
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent


@pytest.fixture
def sysadmin(db):
    user = User.objects.create_superuser("root", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.SYSADMIN)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def newcomer(db):
    return _user("newcomer")


@pytest.fixture
def other_district(db):
    district = Area.objects.create(name="徐汇区", code="310104", level="district")
    sub = Area.objects.create(name="测试街道", level="subdistrict", parent=district)
    community = Area.objects.create(name="测试丁居民区", level="community", parent=sub)
    staff = _user("xuhui_staff", Role.DISTRICT_STAFF, district)
    return {"district": district, "subdistrict": sub, "community": community, "staff": staff}


# --- the services ---------------------------------------------------------------------------------


def test_district_staff_grant_a_director_role_and_it_is_audited(district_officer, newcomer, areas):
    assignment = role_assignment_grant(
        actor=district_officer, user=newcomer, role=Role.DIRECTOR, area=areas["community_a"]
    )
    row = AuditEvent.objects.get(action="role.grant")
    assert row.actor == district_officer and row.object_id == str(assignment.pk)
    assert row.changes == {
        "user": "newcomer",
        "role": "director",
        "area": "测试甲居民区",
        "area_id": areas["community_a"].pk,
    }


def test_the_sysadmin_cannot_grant_a_role_that_reaches_childrens_files(sysadmin, newcomer, areas):
    for role, area in [(Role.DIRECTOR, "community_a"), (Role.DISTRICT_STAFF, "district")]:
        with pytest.raises(PermissionDenied):
            role_assignment_grant(actor=sysadmin, user=newcomer, role=role, area=areas[area])
        with pytest.raises(PermissionDenied):
            role_assignment_grant(actor=sysadmin, user=sysadmin, role=role, area=areas[area])
    assert not RoleAssignment.objects.filter(user__in=[newcomer, sysadmin], area__isnull=False)


def test_district_staff_grant_nothing_in_another_district(other_district, newcomer, areas):
    with pytest.raises(PermissionDenied):
        role_assignment_grant(
            actor=other_district["staff"],
            user=newcomer,
            role=Role.DIRECTOR,
            area=areas["community_a"],
        )


@pytest.mark.parametrize("persona", ["supervisor", "station_staff", "director_a"])
def test_other_roles_grant_nothing(request, persona, newcomer, areas):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        role_assignment_grant(
            actor=actor, user=newcomer, role=Role.DIRECTOR, area=areas["community_a"]
        )


def test_an_admin_account_is_given_no_role_that_reaches_childrens_files(
    district_officer, sysadmin, areas
):
    helper = User.objects.create_user("helper", password=PASSWORD, is_staff=True)
    for user in (sysadmin, helper):
        with pytest.raises(ValidationError) as refused:
            role_assignment_grant(
                actor=district_officer, user=user, role=Role.DIRECTOR, area=areas["community_a"]
            )
        assert "user" in refused.value.message_dict


def test_a_role_must_match_the_level_of_its_area(district_officer, newcomer, areas):
    with pytest.raises(ValidationError) as refused:
        role_assignment_grant(
            actor=district_officer, user=newcomer, role=Role.DIRECTOR, area=areas["tianshan"]
        )
    assert "area" in refused.value.message_dict


def test_revoking_a_role_is_audited(district_officer, director_b):
    assignment = director_b.role_assignments.get()
    role_assignment_revoke(actor=district_officer, assignment=assignment)
    assert not director_b.role_assignments.exists()
    row = AuditEvent.objects.get(action="role.revoke")
    assert row.actor == district_officer and row.object_id == str(assignment.pk)
    assert row.changes["user"] == "director_b"


def test_the_last_district_staff_of_a_district_stays(district_officer):
    with pytest.raises(ValidationError):
        role_assignment_revoke(
            actor=district_officer, assignment=district_officer.role_assignments.get()
        )


def test_the_first_district_staff_of_a_district_needs_the_operator(other_district, sysadmin):
    empty = Area.objects.create(name="静安区", code="310106", level="district")
    person = _user("jingan_staff")
    for actor in (sysadmin, other_district["staff"]):
        with pytest.raises(PermissionDenied):
            role_assignment_grant(actor=actor, user=person, role=Role.DISTRICT_STAFF, area=empty)
    role_assignment_grant(
        actor=Operator("weibao roles grant"), user=person, role=Role.DISTRICT_STAFF, area=empty
    )
    row = AuditEvent.objects.get(action="role.grant")
    assert row.actor is None and row.note == "command: weibao roles grant"


def test_the_reveal_permission_is_the_districts_to_give_and_audited(
    district_officer, director_b, sysadmin
):
    with pytest.raises(PermissionDenied):
        user_reveal_set(actor=sysadmin, user=director_b, allowed=True)
    user_reveal_set(actor=district_officer, user=director_b, allowed=True)
    assert User.objects.get(pk=director_b.pk).has_perm("children.reveal_sensitive")
    row = AuditEvent.objects.get(action="account.reveal_grant")
    assert row.actor == district_officer and row.object_id == str(director_b.pk)


# --- the install command ----------------------------------------------------------------------


def test_the_roles_command_grants_the_first_district_staff_and_lists_it(areas):
    person = _user("first_staff")
    out = io.StringIO()
    call_command("roles", "grant", "first_staff", "district_staff", "--area", "310105", stdout=out)
    assert person.role_assignments.get().area == areas["district"]
    listing = io.StringIO()
    call_command("roles", "list", stdout=listing)
    assert "first_staff\tdistrict_staff\t长宁区" in listing.getvalue()
    assert AuditEvent.objects.get(action="role.grant").note == "command: weibao roles grant"


def test_the_roles_command_grants_no_role_below_the_district(areas):
    _user("someone")
    with pytest.raises(CommandError):
        call_command("roles", "grant", "someone", "director", "--area", "310105")


# --- the people page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["supervisor", "station_staff", "director_a", "unassigned", "sysadmin"]
)
def test_only_district_staff_reach_the_people_page(request, persona, director_b):
    user = request.getfixturevalue(persona)
    client = web_client(user)
    assignment = director_b.role_assignments.get()
    assert client.get("/accounts/people/").status_code == 404
    assert client.post("/accounts/people/grant/", {}).status_code == 404
    assert client.post(f"/accounts/people/roles/{assignment.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/people/{director_b.pk}/reveal/").status_code == 404
    assert director_b.role_assignments.exists()


def test_the_people_page_lists_the_districts_people_and_not_others(
    district_officer, director_a, director_b, other_district
):
    response = web_client(district_officer).get("/accounts/people/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "director_a" in html and "director_b" in html
    assert "xuhui_staff" not in html
    assert "人员与角色" in html


def test_district_staff_grant_a_role_on_the_page(district_officer, newcomer, areas):
    response = web_client(district_officer).post(
        "/accounts/people/grant/",
        {"user": "newcomer", "role": "director", "area": areas["community_b"].pk},
    )
    assert response.status_code == 302
    assert newcomer.role_assignments.get().area == areas["community_b"]


def test_a_refused_grant_keeps_what_was_typed_and_says_why(district_officer, newcomer, areas):
    response = web_client(district_officer).post(
        "/accounts/people/grant/",
        {"user": "newcomer", "role": "director", "area": areas["tianshan"].pk},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="newcomer"' in html
    assert response.context["form"].errors["area"]
    assert not newcomer.role_assignments.exists()


def test_an_unknown_username_is_refused_next_to_the_field(district_officer, areas):
    response = web_client(district_officer).post(
        "/accounts/people/grant/",
        {"user": "no_such_person", "role": "director", "area": areas["community_b"].pk},
    )
    assert "没有使用此用户名的账号" in response.content.decode()


def test_an_area_of_another_district_is_not_offered(district_officer, newcomer, other_district):
    response = web_client(district_officer).post(
        "/accounts/people/grant/",
        {"user": "newcomer", "role": "director", "area": other_district["community"].pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["area"]
    assert not newcomer.role_assignments.exists()


def test_district_staff_revoke_a_role_on_the_page(district_officer, director_b):
    assignment = director_b.role_assignments.get()
    response = web_client(district_officer).post(f"/accounts/people/roles/{assignment.pk}/revoke/")
    assert response.status_code == 302
    assert not director_b.role_assignments.exists()


def test_a_role_in_another_district_answers_404(other_district, director_b):
    assignment = director_b.role_assignments.get()
    client = web_client(other_district["staff"])
    assert client.post(f"/accounts/people/roles/{assignment.pk}/revoke/").status_code == 404
    assert (
        client.post(f"/accounts/people/{director_b.pk}/reveal/", {"allowed": "1"}).status_code
        == 404
    )
    assert director_b.role_assignments.exists()


def test_district_staff_allow_and_withdraw_revealing_on_the_page(district_officer, director_b):
    client = web_client(district_officer)
    assert (
        client.post(f"/accounts/people/{director_b.pk}/reveal/", {"allowed": "1"}).status_code
        == 302
    )
    assert User.objects.get(pk=director_b.pk).has_perm("children.reveal_sensitive")
    client.post(f"/accounts/people/{director_b.pk}/reveal/", {"allowed": "0"})
    assert not User.objects.get(pk=director_b.pk).has_perm("children.reveal_sensitive")
    assert AuditEvent.objects.filter(action="account.reveal_revoke").count() == 1


def test_the_people_page_is_in_the_district_staffs_menu_only(district_officer, supervisor):
    assert "/accounts/people/" in web_client(district_officer).get("/").content.decode()
    assert "/accounts/people/" not in web_client(supervisor).get("/").content.decode()
