"""Role assignments are managed in the admin by district and system administrators only."""

from django.contrib.auth.models import Permission

from tests.conftest import web_client
from weibao.accounts.models import Role, RoleAssignment, User


def _district_admin(areas):
    user = User.objects.create_user("dadmin", password="x-pass-123", is_staff=True)
    RoleAssignment.objects.create(user=user, role=Role.DISTRICT_STAFF, area=areas["district"])
    for codename in [
        "view_user",
        "change_user",
        "add_user",
        "view_roleassignment",
        "add_roleassignment",
        "change_roleassignment",
    ]:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_children_are_not_exposed_in_the_admin(areas, child_a):
    superuser = User.objects.create_superuser("root", password="x-pass-123")
    response = web_client(superuser).get("/admin/children/child/")
    assert response.status_code == 404


def test_district_admin_can_assign_a_director_role(areas, director_b):
    user = _district_admin(areas)
    response = web_client(user).post(
        "/admin/accounts/roleassignment/add/",
        {"user": director_b.pk, "role": Role.DIRECTOR, "area": areas["community_a"].pk},
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=director_b, area=areas["community_a"]).exists()


def test_role_must_match_the_level_of_its_area(areas, director_b):
    user = _district_admin(areas)
    response = web_client(user).post(
        "/admin/accounts/roleassignment/add/",
        {"user": director_b.pk, "role": Role.DIRECTOR, "area": areas["tianshan"].pk},
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=director_b, area=areas["tianshan"]).exists()


def test_district_admin_cannot_grant_the_sysadmin_role(areas, director_b):
    user = _district_admin(areas)
    web_client(user).post(
        "/admin/accounts/roleassignment/add/", {"user": director_b.pk, "role": Role.SYSADMIN}
    )
    assert not RoleAssignment.objects.filter(role=Role.SYSADMIN).exists()


def test_district_admin_cannot_make_anyone_superuser(areas, director_b):
    user = _district_admin(areas)
    web_client(user).post(
        f"/admin/accounts/user/{director_b.pk}/change/",
        {
            "username": director_b.username,
            "is_superuser": "on",
            "is_active": "on",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )
    director_b.refresh_from_db()
    assert not director_b.is_superuser


def test_audit_logs_cannot_be_edited_or_deleted_in_the_admin(areas, child_a):
    from weibao.audit.models import AuditEvent

    superuser = User.objects.create_superuser("root", password="x-pass-123")
    event = AuditEvent.objects.filter(child=child_a).first()
    client = web_client(superuser)
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code in (403, 302)
    client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "forged"})
    event.refresh_from_db()
    assert event.action == "child.create"
