"""The public board (docs/domain.md §8.4): a child writes without signing in, the suggestion is
held until a staff member approves it, only the public text shows, the child's code finds it,
and every refusal says why."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from tests.suggestions.conftest import a_suggestion
from weibao.suggestions.models import Suggestion


def _post(client, station, **data):
    return client.post(
        f"/board/{station.pk}/", {"text": "", "given_name": "", "age": "", "community": "", **data}
    )


def _code_from_done(client) -> str:
    page = client.get("/board/done/").content.decode()
    return re.search(r'id="board-code">([A-Z0-9-]+)<', page).group(1)


def test_a_child_posts_a_suggestion_held_for_moderation_and_gets_a_code(station, areas):
    client = Client()
    response = _post(
        client,
        station,
        text="希望小区多种些树。<script>x</script>",
        given_name="小明",
        age="9",
        community=areas["community_a"].pk,
    )
    assert response.status_code == 302 and response["Location"] == "/board/done/"
    s = Suggestion.objects.get()
    assert s.state == "held" and s.given_name == "小明" and s.age == 9
    assert s.community == areas["community_a"] and s.public_text == ""
    code = _code_from_done(client)
    assert s.code_digest and code.replace("-", "") not in s.code_digest
    board = client.get(f"/board/{station.pk}/").content.decode()
    assert "多种些树" not in board  # never public before approval
    check = client.post("/board/check/", {"code": code.lower()})
    assert check.status_code == 200 and "正在" in check.content.decode()


def test_only_the_approved_public_text_shows_never_the_original_nor_the_name(station, supervisor):
    s, _code = a_suggestion(
        station, supervisor, "held", text="我叫王阿福，住3号楼，滑梯坏了", given_name="阿福"
    )
    from weibao.suggestions.services import suggestion_approve

    suggestion_approve(actor=supervisor, suggestion=s, public_text="小区的滑梯坏了，请修一修")
    page = Client().get(f"/board/{station.pk}/").content.decode()
    assert "小区的滑梯坏了" in page
    assert "王阿福" not in page and "3号楼" not in page and "阿福" not in page


def test_markup_is_stored_as_text_and_shown_escaped(station, supervisor):
    a_suggestion(station, supervisor, "received", text="<b>多种树</b><script>alert(1)</script>")
    page = Client().get(f"/board/{station.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


@pytest.mark.parametrize(
    "data, field, words",
    [
        ({"text": "   "}, "text", "请写下你的建议"),
        ({"text": "树" * 501}, "text", "500"),
        ({"text": "好", "age": "40"}, "age", "3"),
        ({"text": "好", "given_name": "王小明同学你好"}, "given_name", "名字"),
        ({"text": "好", "given_name": "小明123"}, "given_name", "数字"),
    ],
)
def test_every_refusal_says_why_and_keeps_what_was_typed(station, data, field, words):
    response = _post(Client(), station, **data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field])
    if data.get("text", "").strip():
        assert data["text"][:10] in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_community_of_another_subdistrict_is_refused(station, areas):
    response = _post(Client(), station, text="好", community=areas["community_c"].pk)
    assert "community" in response.context["form"].errors
    assert not Suggestion.objects.exists()


def test_too_many_posts_from_one_address_are_refused_with_a_message(station, settings):
    settings.SUGGESTION_PUBLIC_LIMITS = {
        "read": [(100, 600)],
        "post": [(2, 600)],
        "check": [(2, 600)],
    }
    client = Client()
    assert _post(client, station, text="一").status_code == 302
    assert _post(client, station, text="二").status_code == 302
    third = _post(client, station, text="三个建议")
    assert third.status_code == 429 and "三个建议" in third.content.decode()
    assert "请" in third.context["page_error"]
    assert Suggestion.objects.count() == 2
    cache.clear()


def test_wrong_codes_are_limited_and_a_right_one_is_not_counted(station, supervisor, settings):
    settings.SUGGESTION_PUBLIC_LIMITS = {
        "read": [(100, 600)],
        "post": [(5, 600)],
        "check": [(2, 600)],
    }
    _s, code = a_suggestion(station, supervisor, "answered")
    client = Client()
    for _ in range(3):
        assert client.post("/board/check/", {"code": code}).status_code == 200
    assert client.post("/board/check/", {"code": "AAAA-BBBB-CC"}).status_code == 404
    assert client.post("/board/check/", {"code": "AAAA-BBBB-CD"}).status_code == 404
    assert client.post("/board/check/", {"code": "AAAA-BBBB-CE"}).status_code == 429
    cache.clear()


def test_the_child_reads_the_answer_with_the_code(station, supervisor):
    _s, code = a_suggestion(station, supervisor, "answered")
    response = Client().post("/board/check/", {"code": code})
    page = response.content.decode()
    assert "滑梯已经修好了" in page and "物业" in page


def test_unknown_fields_are_refused(station):
    response = _post(Client(), station, text="好", full_name="王小明")
    assert response.status_code == 400 and not Suggestion.objects.exists()


def test_the_board_of_an_unpublished_station_is_404(station, supervisor):
    from weibao.stations.services import station_set_published

    station_set_published(actor=supervisor, station=station, published=False)
    assert Client().get(f"/board/{station.pk}/").status_code == 404
    assert _post(Client(), station, text="好").status_code == 404
    assert Client().get("/board/999999/").status_code == 404


def test_the_board_shows_answers_declines_and_late_ones_in_red(station, supervisor):
    import datetime as dt

    a_suggestion(station, supervisor, "answered", text="建议一")
    a_suggestion(station, supervisor, "declined", text="建议二")
    late, _c = a_suggestion(station, supervisor, "assigned", text="建议三")
    Suggestion.objects.filter(pk=late.pk).update(deadline=dt.date.today() - dt.timedelta(days=1))
    a_suggestion(station, supervisor, "rejected", text="建议四")
    page = Client().get(f"/board/{station.pk}/").content.decode()
    assert "滑梯已经修好了" in page and "不在本街道范围" in page
    assert f'<li class="late" id="s{late.pk}">' in page
    assert "建议四" not in page
