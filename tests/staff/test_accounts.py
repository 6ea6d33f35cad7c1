"""Opening a 儿童主任's login account from the roster is one step (docs/security.md): district
staff of the person's district do it through accounts.services.user_invite — the account, the
role of the post on the person's 居民区, the link to the roster entry — audited; the account has
no password until the person sets one with the one-time link the page shows once. Nobody else
may: a supervisor in scope gets 403."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import web_client
from tests.helpers import error_dict, today
from tests.staff.helpers import add_member
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.services import user_invite
from weibao.audit.models import AuditEvent
from weibao.staff.models import StaffMember
from weibao.staff.services import staff_account_create, staff_account_link, staff_end


def test_district_staff_open_a_directors_account_in_one_step(member_a, district_officer, areas):
    member = staff_account_create(actor=district_officer, member=member_a, username="wang_jia")
    user = User.objects.get(username="wang_jia")
    assert member.user == user and user.full_name == "王甲主任"
    # No password until the person sets one with the one-time link.
    assert not user.has_usable_password()
    assert not (user.is_staff or user.is_superuser)
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "area")) == [
        (Role.DIRECTOR, areas["community_a"].pk)
    ]
    actions = list(
        AuditEvent.objects.filter(actor=district_officer)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == ["account.create", "role.grant", "staff.account_create"]


def test_a_supervisor_is_opened_with_the_supervisor_role_on_the_subdistrict(
    district_officer, areas
):
    member = add_member(district_officer, areas["tianshan"], "supervisor")
    member = staff_account_create(actor=district_officer, member=member, username="sup_two")
    assert RoleAssignment.objects.get(user=member.user).area == areas["tianshan"]
    assert RoleAssignment.objects.get(user=member.user).role == Role.SUPERVISOR


@pytest.mark.parametrize("persona", ["supervisor", "station_staff", "director_a"])
def test_only_district_staff_open_accounts(request, persona, member_a):
    with pytest.raises(PermissionDenied):
        staff_account_create(
            actor=request.getfixturevalue(persona), member=member_a, username="x_1"
        )
    assert not User.objects.filter(username="x_1").exists()


def test_the_account_service_refuses_anyone_but_the_districts_staff(supervisor, areas):
    with pytest.raises(PermissionDenied):
        user_invite(
            actor=supervisor,
            username="y_1",
            full_name="y",
            role=Role.DIRECTOR,
            area=areas["community_a"],
        )
    assert not User.objects.filter(username="y_1").exists()


def test_a_taken_or_bad_username_is_a_field_error(member_a, district_officer):
    User.objects.create_user(username="taken")
    for name in ("taken", "TAKEN", "has space", ""):
        with pytest.raises(ValidationError) as exc:
            staff_account_create(actor=district_officer, member=member_a, username=name)
        assert "username" in error_dict(exc), name
    assert StaffMember.objects.get(pk=member_a.pk).user is None


def test_no_second_account_and_none_for_a_volunteer_or_a_leaver(member_a, district_officer, areas):
    staff_account_create(actor=district_officer, member=member_a, username="first")
    with pytest.raises(ValidationError):
        staff_account_create(
            actor=district_officer, member=StaffMember.objects.get(pk=member_a.pk), username="b"
        )
    volunteer = add_member(district_officer, areas["community_a"], "volunteer")
    with pytest.raises(ValidationError):
        staff_account_create(actor=district_officer, member=volunteer, username="c")
    leaver = add_member(district_officer, areas["community_b"])
    leaver = staff_end(
        actor=district_officer, member=leaver, end_date=today() - dt.timedelta(days=2)
    )
    with pytest.raises(ValidationError):
        staff_account_create(actor=district_officer, member=leaver, username="d")
    assert not User.objects.filter(username__in=["b", "c", "d"]).exists()


def test_the_page_shows_the_one_time_link_once_and_it_sets_the_password(member_a, district_officer):
    client = web_client(district_officer)
    detail = client.get(f"/staff/{member_a.pk}/").content.decode()
    assert f'action="/staff/{member_a.pk}/account/"' in detail
    response = client.post(f"/staff/{member_a.pk}/account/", {"username": "wang_jia"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    link = html.split('<code class="link-once" id="link">')[1].split("</code>")[0]
    path = link.removeprefix("http://testserver")
    assert path.startswith("/accounts/set-password/")
    # The roster entry no longer offers to open one.
    after = client.get(f"/staff/{member_a.pk}/").content.decode()
    assert f'action="/staff/{member_a.pk}/account/"' not in after and "wang_jia" in after
    # The person sets their password with the link, and signs in with it.
    newcomer = web_client(None)
    form = newcomer.get(path, follow=True)
    password = "a-long-new-pass-2026"
    newcomer.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"new_password1": password, "new_password2": password},
    )
    assert User.objects.get(username="wang_jia").check_password(password)


def test_the_button_is_not_offered_to_a_supervisor(member_a, supervisor):
    client = web_client(supervisor)
    assert "/account/" not in client.get(f"/staff/{member_a.pk}/").content.decode()
    assert client.post(f"/staff/{member_a.pk}/account/", {"username": "q"}).status_code == 403


def test_a_bad_username_on_the_page_is_shown_next_to_the_field(member_a, district_officer):
    response = web_client(district_officer).post(
        f"/staff/{member_a.pk}/account/", {"username": "has space"}
    )
    assert response.status_code == 200
    assert "只能使用字母、数字及" in response.content.decode()


def test_district_staff_link_an_existing_account_of_the_district(
    member_a, district_officer, director_a, director_elsewhere, unassigned
):
    linked = staff_account_link(actor=district_officer, member=member_a, username="director_a")
    assert linked.user == director_a
    assert AuditEvent.objects.get(action="staff.account_link").changes["user"] == {
        "old": None,
        "new": "director_a",
    }
    # An account with no role in the district is not offered.
    with pytest.raises(ValidationError):
        staff_account_link(actor=district_officer, member=linked, username="unassigned")
    unlinked = staff_account_link(actor=district_officer, member=linked, username="")
    assert unlinked.user is None
    assert AuditEvent.objects.filter(action="staff.account_unlink").count() == 1


def test_one_account_has_one_open_entry(member_a, district_officer, director_a, areas):
    staff_account_link(actor=district_officer, member=member_a, username="director_a")
    other = add_member(district_officer, areas["community_b"])
    with pytest.raises(ValidationError) as exc:
        staff_account_link(actor=district_officer, member=other, username="director_a")
    assert "username" in error_dict(exc)


def test_linking_on_the_page_links_and_unlinks(member_a, district_officer, director_a):
    client = web_client(district_officer)
    page = client.get(f"/staff/{member_a.pk}/").content.decode()
    assert page.count('id="id_username"') == 1 and 'id="id_link-username"' in page
    assert (
        client.post(f"/staff/{member_a.pk}/link/", {"link-username": "director_a"}).status_code
        == 302
    )
    assert StaffMember.objects.get(pk=member_a.pk).user == director_a
    bad = client.post(f"/staff/{member_a.pk}/link/", {"link-username": "nobody"})
    assert bad.status_code == 200 and "本区没有使用这个用户名" in bad.content.decode()
    client.post(f"/staff/{member_a.pk}/link/", {"link-username": ""})
    assert StaffMember.objects.get(pk=member_a.pk).user is None
