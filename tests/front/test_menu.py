"""The main menu (weibao/front/menu.py): every page, the role's most used first, on every page."""

import re

from django.urls import reverse, set_script_prefix

from tests.conftest import web_client
from weibao.front import menu


def _menu(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav id="mainnav".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a href="([^"]+)"([^>]*)>', nav)


def _hrefs(html: str) -> list[str]:
    return [href for href, _rest in _menu(html)]


def test_a_director_gets_home_then_the_worklist_children_and_concerns(director_a):
    hrefs = _hrefs(web_client(director_a).get("/").content.decode())
    assert hrefs[:4] == ["/", "/visits/", "/children/", "/concerns/"]


def test_a_supervisor_gets_home_then_reports_cases_and_concerns(supervisor):
    hrefs = _hrefs(web_client(supervisor).get("/").content.decode())
    assert hrefs[:4] == ["/", "/reports/", "/cases/", "/concerns/"]


def test_the_menu_holds_every_working_page_for_every_role(director_a, supervisor):
    for user in (director_a, supervisor):
        hrefs = _hrefs(web_client(user).get("/").content.decode())
        for page in ("/", "/children/", "/reports/", "/cases/", "/ledger/", "/partners/"):
            assert page in hrefs, (user, page)
        assert len(hrefs) == len(set(hrefs))


def test_only_district_staff_get_the_visit_rules(district_officer, supervisor):
    assert "/visits/rules/" in _hrefs(web_client(district_officer).get("/").content.decode())
    assert "/visits/rules/" not in _hrefs(web_client(supervisor).get("/").content.decode())


def test_the_page_you_are_on_is_marked_current(director_a):
    html = web_client(director_a).get("/partners/referrals/").content.decode()
    current = [href for href, rest in _menu(html) if 'aria-current="page"' in rest]
    assert current == ["/partners/referrals/"]


def test_the_dashboard_entry_opens_the_users_own_dashboard_without_a_redirect(
    district_officer, areas
):
    client = web_client(district_officer)
    own = f"/dashboards/{areas['district'].pk}/"
    assert own in _hrefs(client.get("/").content.decode())
    assert client.get("/dashboards/")["Location"] == own  # what the entry saves a trip to


def test_the_dashboard_entry_is_current_on_every_dashboard_page(district_officer, areas):
    client = web_client(district_officer)
    own = f"/dashboards/{areas['district'].pk}/"
    for page in (own, f"/dashboards/{areas['tianshan'].pk}/", "/dashboards/reports/"):
        html = client.get(page).content.decode()
        current = [href for href, rest in _menu(html) if 'aria-current="page"' in rest]
        assert current == [own], page


def test_the_phone_menu_button_controls_the_menu(director_a):
    html = web_client(director_a).get("/").content.decode()
    assert 'class="menu-toggle" aria-expanded="false" aria-controls="mainnav"' in html
    assert "菜单" in html


def test_signed_out_pages_have_no_menu(db):
    html = web_client(None).get("/accounts/login/").content.decode()
    assert 'id="mainnav"' not in html and "menu-toggle" not in html


def test_the_system_administrator_gets_no_childrens_menu(db):
    from tests.conftest import PASSWORD
    from weibao.accounts.models import Role, RoleAssignment, User

    admin = User.objects.create_superuser("admin", password=PASSWORD)
    RoleAssignment.objects.create(user=admin, role=Role.SYSADMIN)
    hrefs = _hrefs(web_client(User.objects.get(pk=admin.pk)).get("/").content.decode())
    for page in ("/children/", "/children/new/", "/visits/", "/concerns/", "/reports/",
                 "/cases/", "/partners/referrals/", "/protection/", "/transfers/", "/ledger/",
                 "/partners/"):  # fmt: skip
        assert page not in hrefs, page
    assert {"/", "/security/", "/admin/", "/accounts/password/"} <= set(hrefs)


def test_only_district_staff_get_the_area_pages(district_officer, supervisor):
    assert "/administration/areas/" in _hrefs(
        web_client(district_officer).get("/").content.decode()
    )
    assert "/administration/areas/" not in _hrefs(web_client(supervisor).get("/").content.decode())


def _groups(html: str) -> dict[str, list[str]]:
    nav = re.search(r'<nav id="mainnav".*?</nav>', html, re.S).group(0)
    return {
        name: re.findall(r'<a href="([^"]+)"', links)
        for name, links in re.findall(
            r'<details class="navgroup[^"]*"><summary>([^<]+)</summary>(.*?)</details>', nav, re.S
        )
    }


def test_a_long_menu_keeps_the_daily_pages_in_sight_and_groups_the_rest(district_officer):
    html = web_client(district_officer).get("/").content.decode()
    groups = _groups(html)
    assert list(groups) == ["服务与转介", "工作站与活动", "更多"]
    grouped = {href for hrefs in groups.values() for href in hrefs}
    in_sight = [href for href in _hrefs(html) if href not in grouped]
    for page in ("/", "/children/", "/visits/", "/concerns/", "/reports/", "/cases/"):
        assert page in in_sight, page
    # The district's first pages stay in sight even where their group is.
    assert in_sight[:4] == ["/", "/reports/", "/cases/", "/ledger/"]
    assert "/ledger/" not in groups["服务与转介"]
    assert "/administration/areas/" in groups["更多"] and "/visits/rules/" in groups["更多"]
    # The account's pages close the last group.
    assert groups["更多"][-2:] == ["/security/", "/accounts/password/"]
    assert len(in_sight) <= 10


def test_the_group_of_the_page_you_are_on_is_marked(district_officer):
    html = web_client(district_officer).get("/administration/areas/").content.decode()
    assert re.search(r'<details class="navgroup has-current"><summary>更多</summary>', html)
    assert html.count("has-current") == 1


def test_a_short_menu_is_shown_whole(db):
    from tests.conftest import PASSWORD
    from weibao.accounts.models import Role, RoleAssignment, User

    admin = User.objects.create_superuser("admin", password=PASSWORD)
    RoleAssignment.objects.create(user=admin, role=Role.SYSADMIN)
    html = web_client(User.objects.get(pk=admin.pk)).get("/").content.decode()
    assert "navgroup" not in html
    assert "/admin/" in _hrefs(html)


def test_the_menu_looks_each_page_up_once_per_process(district_officer, rf, monkeypatch):
    names = []

    def counted_reverse(name, *args, **kwargs):
        names.append(name)
        return reverse(name, *args, **kwargs)

    monkeypatch.setattr(menu, "reverse", counted_reverse)
    menu._page_under.cache_clear()
    request = rf.get("/visits/")
    request.user = district_officer
    first = menu.menu_for(request)
    looked_up = len(names)
    assert looked_up > 20  # district staff's long menu
    assert menu.menu_for(request) == first
    # The second menu asks only for the user's own dashboard, whose URL takes its area.
    assert names[looked_up:] == ["dashboards:area"]


def test_the_menu_follows_the_script_prefix_it_is_served_under(district_officer, rf):
    request = rf.get("/visits/")
    request.user = district_officer
    assert menu.menu_for(request)[0].url == "/"
    set_script_prefix("/weibao/")
    try:
        urls = [item.url for item in menu.menu_for(request)]
    finally:
        set_script_prefix("/")
    assert all(url.startswith("/weibao/") for url in urls)
