"""The demo's suggestion board (weibao/demo/suggestions.py): 天山路's board with suggestions in
every state, one late (its supervisor told once), all visibly demo; made once."""

import pytest
from django.test import Client

from weibao.demo.data import load_demo
from weibao.notifications.models import Notification
from weibao.suggestions.choices import State
from weibao.suggestions.models import Suggestion
from weibao.suggestions.selectors import with_late


@pytest.mark.usefixtures("loaded")
def test_the_board_has_every_state_and_one_late_suggestion():
    board = Suggestion.objects.filter(source="board")
    states = set(board.values_list("state", flat=True))
    assert states == set(State.values)
    late = with_late(Suggestion.objects.all()).filter(is_late=True)
    assert late.count() == 1
    assert Notification.objects.filter(kind="suggestion_late").count() == 1
    assert all(s.text.startswith("演示") for s in Suggestion.objects.all())
    assert board.count() == 8


@pytest.mark.usefixtures("loaded")
def test_the_public_board_shows_the_answered_one_and_hides_the_held_and_rejected():
    station = Suggestion.objects.first().station
    page = Client().get(f"/board/{station.pk}/").content.decode()
    assert "饮水机" in page and "垃圾分类" not in page and "王演示" not in page


@pytest.mark.usefixtures("loaded")
def test_a_second_run_changes_nothing():
    count = Suggestion.objects.count()
    load_demo(children=60)
    assert Suggestion.objects.count() == count
