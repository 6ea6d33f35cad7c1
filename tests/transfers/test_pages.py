"""The transfer pages: the part of a child's page, asking, the transfer's page with its
decisions, and the list. Out of scope is a 404 on every one of them."""

import pytest

from tests.conftest import en_get, web_client
from tests.helpers import assert_chinese
from tests.transfers.helpers import ask
from weibao.children.models import Child
from weibao.transfers.models import Transfer


@pytest.fixture
def pending(child_a, director_a, areas):
    """Child A asked to move to 居民区 C (仙霞新村) by its director."""
    return ask(director_a, child_a, areas["community_c"])


def _text(response) -> str:
    return response.content.decode()


# --- the child's page -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["director_a", "supervisor", "station_staff", "district_officer"])
def test_the_childs_area_finds_the_transfer_button_on_the_childs_page(child_a, who, request):
    html = _text(web_client(request.getfixturevalue(who)).get(f"/children/{child_a.pk}/"))
    assert f'href="/transfers/start/{child_a.pk}/"' in html
    assert "转移" in html


def test_a_pending_transfer_replaces_the_button(child_a, pending, director_a):
    html = _text(web_client(director_a).get(f"/children/{child_a.pk}/"))
    assert f'href="/transfers/start/{child_a.pk}/"' not in html
    assert f'href="/transfers/{pending.pk}/"' in html
    assert "该儿童已有一项转移正在等待审核" in html


# --- asking -------------------------------------------------------------------------------


def test_asking_through_the_form(child_a, director_a, areas):
    response = web_client(director_a).post(
        f"/transfers/start/{child_a.pk}/",
        {"to_community": areas["community_c"].pk, "reason": "搬到外婆家附近。"},
    )
    transfer = Transfer.objects.get(child=child_a)
    assert response.status_code == 302 and response.url == f"/transfers/{transfer.pk}/"
    assert (transfer.to_subdistrict, transfer.requested_by) == (areas["xianxia"], director_a)


def test_the_form_offers_the_districts_other_areas(child_a, director_a, areas):
    form = web_client(director_a).get(f"/transfers/start/{child_a.pk}/").context["form"]
    offered = set(form.fields["to_community"].queryset)
    assert offered == {areas["community_b"], areas["community_c"]}


def test_a_form_with_mistakes_says_so_at_the_field_and_keeps_what_was_typed(child_a, director_a):
    response = web_client(director_a).post(
        f"/transfers/start/{child_a.pk}/", {"reason": "我写的原因"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["to_community"]
    assert_chinese(errors["to_community"][0])
    assert "我写的原因" in _text(response)
    assert not Transfer.objects.exists()


def test_every_mistake_is_said_at_once(child_a, director_a):
    response = web_client(director_a).post(
        f"/transfers/start/{child_a.pk}/", {"out_of_district": "on", "reason": ""}
    )
    assert set(response.context["form"].errors) == {"to_district_name", "reason"}


def test_the_form_warns_that_an_open_case_holds_a_move_out_of_the_district(case_a, director_a):
    html = _text(web_client(director_a).get(f"/transfers/start/{case_a.child_id}/"))
    assert "个案结案后才能同意转出本区" in html


def test_asking_twice_shows_the_step_disabled(child_a, pending, supervisor):
    html = _text(web_client(supervisor).get(f"/transfers/start/{child_a.pk}/"))
    assert "disabled" in html and "该儿童已有一项转移正在等待审核" in html


# --- deciding -------------------------------------------------------------------------------


def test_the_receiving_supervisor_accepts_from_the_page(
    child_a, pending, supervisor_elsewhere, areas
):
    client = web_client(supervisor_elsewhere)
    page = _text(client.get(f"/transfers/{pending.pk}/"))
    assert "同意转移" in page and "拒绝转移" in page and "撤回转移" not in page
    response = client.post(f"/transfers/{pending.pk}/accept/", {"accept-version": pending.version})
    assert response.status_code == 302
    assert Child.objects.get(pk=child_a.pk).community == areas["community_c"]
    # The transfer's page now links to the child, theirs now.
    assert f'href="/children/{child_a.pk}/"' in _text(client.get(f"/transfers/{pending.pk}/"))


def test_refusing_without_a_reason_says_so_at_the_field(pending, supervisor_elsewhere):
    response = web_client(supervisor_elsewhere).post(
        f"/transfers/{pending.pk}/refuse/", {"refuse-version": pending.version, "refuse-note": ""}
    )
    assert response.status_code == 200
    assert "请说明拒绝转移的原因" in _text(response)
    assert Transfer.objects.get(pk=pending.pk).status == Transfer.Status.REQUESTED


def test_a_stale_page_keeps_the_note_and_says_what_happened(pending, supervisor_elsewhere):
    response = web_client(supervisor_elsewhere).post(
        f"/transfers/{pending.pk}/refuse/",
        {"refuse-version": pending.version + 5, "refuse-note": "我写的拒绝原因"},
    )
    assert response.status_code == 200
    html = _text(response)
    assert "我写的拒绝原因" in html and "已被他人修改" in html


def test_the_asker_sees_the_decision_disabled_with_the_reason(child_a, district_officer, areas):
    transfer = ask(district_officer, child_a, areas["community_c"])
    html = _text(web_client(district_officer).get(f"/transfers/{transfer.pk}/"))
    assert 'disabled aria-describedby="blocked-accept"' in html
    assert "须由他人" in html
    assert f'action="/transfers/{transfer.pk}/cancel/"' in html


def test_a_move_out_of_the_district_is_shown_disabled_while_a_case_is_open(
    case_a, director_a, supervisor
):
    transfer = ask(director_a, case_a.child, None, out_of_district=True, to_district_name="徐汇区")
    html = _text(web_client(supervisor).get(f"/transfers/{transfer.pk}/"))
    assert 'disabled aria-describedby="blocked-accept"' in html
    assert "请先办理结案" in html


def test_the_sender_cancels_from_the_page(pending, director_a):
    response = web_client(director_a).post(
        f"/transfers/{pending.pk}/cancel/", {"cancel-version": pending.version}
    )
    assert response.status_code == 302
    assert Transfer.objects.get(pk=pending.pk).status == Transfer.Status.CANCELLED


def test_station_staff_of_the_receiving_subdistrict_see_but_do_not_decide(
    pending, station_staff_elsewhere
):
    client = web_client(station_staff_elsewhere)
    assert "同意转移" not in _text(client.get(f"/transfers/{pending.pk}/"))
    response = client.post(f"/transfers/{pending.pk}/accept/", {"accept-version": 1})
    assert response.status_code == 403


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_the_supervisor_what_awaits_them(child_a, pending, supervisor_elsewhere):
    html = _text(web_client(supervisor_elsewhere).get("/transfers/"))
    assert child_a.name in html and "待您审核" in html


def test_the_list_shows_the_sender_their_request_without_asking_them(child_a, pending, director_a):
    html = _text(web_client(director_a).get("/transfers/"))
    assert child_a.name in html and "待您审核" not in html


def test_the_menu_leads_to_the_transfers(director_a):
    assert 'href="/transfers/"' in _text(web_client(director_a).get("/"))


# --- scope --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["director_b", "director_elsewhere", "unassigned"])
def test_out_of_scope_is_404_on_every_transfer_page(child_a, pending, who, request):
    client = web_client(request.getfixturevalue(who))
    assert client.get(f"/transfers/{pending.pk}/").status_code == 404
    assert client.get(f"/transfers/{pending.pk + 100}/").status_code == 404
    for name in ("accept", "refuse", "cancel"):
        response = client.post(f"/transfers/{pending.pk}/{name}/", {f"{name}-version": 1})
        assert response.status_code == 404, name
    assert client.get(f"/transfers/start/{child_a.pk}/").status_code == 404
    assert client.post(f"/transfers/start/{child_a.pk}/", {}).status_code == 404
    assert child_a.name not in _text(client.get("/transfers/?status=all"))


def test_an_unknown_step_is_404(pending, supervisor_elsewhere):
    response = web_client(supervisor_elsewhere).post(f"/transfers/{pending.pk}/delete/", {})
    assert response.status_code == 404


# --- every page, both sides, both languages ---------------------------------------------------


@pytest.mark.parametrize("who", ["director_a", "supervisor_elsewhere"])
@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_every_page_renders_for_both_sides(child_a, pending, who, english, request):
    user = request.getfixturevalue(who)
    urls = ["/transfers/", "/transfers/?status=all", f"/transfers/{pending.pk}/"]
    if who == "director_a":
        urls += [f"/children/{child_a.pk}/", f"/transfers/start/{child_a.pk}/"]
    for url in urls:
        response = en_get(user, url) if english else web_client(user).get(url)
        assert response.status_code == 200, url
        if english:
            assert "Transfer" in _text(response), url


def test_the_file_and_the_case_timeline_tell_the_move_in_words(
    case_a, director_a, supervisor_elsewhere, areas
):
    transfer = ask(director_a, case_a.child, areas["community_c"])
    accept_url = f"/transfers/{transfer.pk}/accept/"
    client = web_client(supervisor_elsewhere)
    assert client.post(accept_url, {"accept-version": transfer.version}).status_code == 302
    history = _text(client.get(f"/children/{case_a.child_id}/"))
    history = history[history.index('<ol class="history">') :]
    for words in ("发起转移", "同意转移", "转入其他居民区", "仙霞新村街道 · 测试丙居民区"):
        assert words in history, words
    assert "transfer." not in history and "child.move" not in history
    timeline = _text(client.get(f"/cases/{case_a.pk}/timeline/"))
    assert "随儿童转入其他居民区" in timeline and "case.move_area" not in timeline
