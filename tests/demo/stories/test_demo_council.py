"""The demo's children's councils (weibao/demo/council.py): 天山路's council with members,
three meetings and decisions followed on the board; a council at work at every operating
station, so the story's 50% coverage holds; made once."""

import pytest
from django.utils import timezone

from weibao.areas.models import Area
from weibao.council.models import CouncilDecision, CouncilMeeting, CouncilMember
from weibao.council.selectors import meeting_place_facts
from weibao.demo.data import load_demo
from weibao.stations.models import Workstation


@pytest.mark.usefixtures("loaded")
def test_tianshan_has_a_council_with_meetings_and_decisions_on_the_board():
    tianshan = Area.objects.get(name="天山路街道")
    assert CouncilMember.objects.filter(subdistrict=tianshan).count() >= 3
    assert CouncilMeeting.objects.filter(subdistrict=tianshan).count() == 3
    states = {d.suggestion.state for d in CouncilDecision.objects.select_related("suggestion")}
    assert states == {"received", "in_progress", "answered"}
    assert all(m.agenda.startswith("演示") for m in CouncilMeeting.objects.all())


@pytest.mark.usefixtures("loaded")
def test_every_operating_station_s_meeting_place_holds_and_none_lapsed():
    operating = Workstation.objects.filter(status="operating")
    ids = list(operating.values_list("subdistrict_id", flat=True))
    facts = meeting_place_facts(subdistrict_ids=ids, today=timezone.localdate())
    assert all(holds for holds, _text in facts.values()), facts
    assert not operating.filter(lapsed_since__isnull=False).exists()


@pytest.mark.usefixtures("loaded")
def test_a_second_run_changes_nothing():
    count = CouncilMember.objects.count()
    load_demo(children=60)
    assert CouncilMember.objects.count() == count
