"""When a station meets the standard (docs/domain.md §1.13): operating, and every required item
of the version in force passed review with its computed evidence still holding. Computed
evidence is read from the records, never typed: the service ledger (records of the 街镇 in the
last 3 months), the archive (the share of complete files), the venue, the display wall; the
children's council is read from the council app (stations.hooks.meeting_place_facts); while no
app answers for it, it is not available and neither holds nor lapses. When
evidence lapses the station shows as lapsed and its supervisor is told by the daily job — once
per lapse."""

import datetime as dt

import pytest

from tests.conftest import web_client
from tests.helpers import record_service, today
from tests.stations.conftest import make_station, pass_all, review, submit
from weibao.children.models import Guardian
from weibao.ledger.models import ServiceRecord
from weibao.notifications.models import Notification
from weibao.notifications.selectors import message
from weibao.staff.models import StaffMember
from weibao.staff.services import staff_end
from weibao.stations import services
from weibao.stations.choices import ItemState
from weibao.stations.evidence import (
    archive_counts,
    computed_for,
    gather_facts,
    ledger_counts,
    standard_items,
    standings,
)
from weibao.stations.hooks import meeting_place_facts
from weibao.stations.jobs import stations_daily
from weibao.stations.models import StandardItem, Workstation
from weibao.stations.selectors import standard_in_force
from weibao.visits.jobs import run_daily

pytestmark = pytest.mark.usefixtures("english")


def standing_of(station, on=None):
    on = on or today()
    station = Workstation.objects.select_related("subdistrict", "district").get(pk=station.pk)
    standard = standard_in_force(station.district_id, on)
    return standings([station], standard, standard_items(standard), on)[station.pk]


def cell(station, code, on=None):
    return next(c for c in standing_of(station, on).cells if c.item.code == code)


@pytest.fixture
def served(case_a, director_a):
    """A service delivered in 天山路 today."""
    return record_service(director_a, case_a)


@pytest.fixture
def passed(station, supervisor, district_officer, served):
    """天山路's station with every item passed and a service in its ledger."""
    services.station_set_published(actor=supervisor, station=station, published=True)
    pass_all(station, supervisor, district_officer)
    return Workstation.objects.get(pk=station.pk)


def test_every_required_item_passed_and_holding_meets_the_standard(passed):
    standing = standing_of(passed)
    assert standing.meets and not standing.lapsed
    assert {c.state for c in standing.cells} == {ItemState.PASSED}


def test_one_item_not_passed_is_not_enough(station, supervisor, district_officer, served):
    services.station_set_published(actor=supervisor, station=station, published=True)
    all_but_the_wall = {"team", "venue", "window", "meeting", "procedures", "ledger", "archive"}
    pass_all(station, supervisor, district_officer, codes=all_but_the_wall)
    assert not standing_of(station).meets
    assert cell(station, "wall").state == ItemState.MISSING


def test_an_optional_item_does_not_hold_a_station_back(passed, district_officer):
    standard = standard_in_force(passed.district_id, today())
    StandardItem.objects.create(standard=standard, code="extra", wording="额外", required=False)
    assert standing_of(passed).meets
    assert cell(passed, "extra").state == ItemState.MISSING


def test_only_an_operating_station_meets_the_standard(passed, supervisor):
    services.station_transition(actor=supervisor, station=passed, name="suspend")
    assert not standing_of(passed).meets


def test_no_service_for_3_months_lapses_the_ledger(passed, served):
    later = today() + dt.timedelta(days=95)
    assert cell(passed, "ledger", later).state == ItemState.LAPSED
    standing = standing_of(passed, later)
    assert standing.lapsed and not standing.meets
    assert [i.code for i in standing.lapsed_items] == ["ledger"]


def test_a_voided_service_does_not_count(passed, served, director_a):
    from weibao.ledger.services import service_record_void

    service_record_void(actor=director_a, record=served, reason="Entered twice.")
    assert cell(passed, "ledger").state == ItemState.LAPSED


def test_taking_the_public_page_down_lapses_the_wall(passed, supervisor):
    services.station_set_published(actor=supervisor, station=passed, published=False)
    assert cell(passed, "wall").state == ItemState.LAPSED


@pytest.fixture
def no_council(monkeypatch):
    """No app answers for the meeting place (stations.hooks.meeting_place_facts)."""
    monkeypatch.setattr(meeting_place_facts, "_entries", [])


@pytest.fixture
def council_answers(monkeypatch):
    """An app answering for the meeting place: the 街镇s in `answers` hold or not."""
    answers: dict[int, tuple[bool, str]] = {}
    monkeypatch.setattr(meeting_place_facts, "_entries", [])
    meeting_place_facts.register(
        lambda *, subdistrict_ids, today: {k: v for k, v in answers.items() if k in subdistrict_ids}
    )
    return answers


def test_the_council_is_shown_as_not_available_and_never_blocks(passed, no_council):
    found = cell(passed, "meeting")
    assert found.computed.available is False and found.computed.holds is None
    assert "Not available yet" in found.computed.text
    assert found.state == ItemState.PASSED


def test_the_meeting_place_is_the_councils_answer_and_lapses_when_it_stops_holding(
    passed, council_answers
):
    council_answers[passed.subdistrict_id] = (True, "议事会 9 名成员")
    found = cell(passed, "meeting")
    assert (found.computed.available, found.computed.holds) == (True, True)
    assert found.computed.text == "议事会 9 名成员" and standing_of(passed).meets
    council_answers[passed.subdistrict_id] = (False, "三个月未开会")
    assert cell(passed, "meeting").state == ItemState.LAPSED
    assert not standing_of(passed).meets


def test_a_subdistrict_the_council_does_not_answer_for_has_no_council(passed, council_answers):
    found = cell(passed, "meeting")
    assert (found.computed.available, found.computed.holds) == (True, False)
    assert "No children's council" in found.computed.text


def test_the_team_is_read_from_the_staff_roster_and_lapses_when_nobody_works(passed, supervisor):
    found = cell(passed, "team")
    assert found.computed.available is True and found.computed.holds is True
    assert "1" in found.computed.text and found.state == ItemState.PASSED
    for member in StaffMember.objects.filter(subdistrict=passed.subdistrict):
        staff_end(actor=supervisor, member=member, end_date=today() - dt.timedelta(days=1))
    assert cell(passed, "team").state == ItemState.LAPSED
    assert not standing_of(passed).meets


def test_the_ledger_counts_the_subdistricts_valid_records_of_the_last_3_months(
    case_a, case_c, director_a, director_elsewhere, areas
):
    record_service(director_a, case_a)
    old = record_service(director_a, case_a)
    older = record_service(director_a, case_a)
    record_service(director_elsewhere, case_c)
    # Dated back (a service may be recorded up to 30 days before its case opened).
    ServiceRecord.objects.filter(pk=old.pk).update(delivered_on=today() - dt.timedelta(days=80))
    ServiceRecord.objects.filter(pk=older.pk).update(delivered_on=today() - dt.timedelta(days=100))
    ids = [areas["tianshan"].pk, areas["xianxia"].pk]
    assert ledger_counts(ids, today()) == {areas["tianshan"].pk: 2, areas["xianxia"].pk: 1}


def test_a_complete_file_has_an_address_a_guardian_and_a_visit_this_year(
    make_child, areas, director_a
):
    from weibao.children.models import Child

    complete = make_child("community_a", name="完整")
    make_child("community_a", name="无监护人", guardians=[])
    make_child("community_b", name="无地址", address="")
    make_child("community_b", name="未走访")
    make_child("community_c", name="仙霞")
    Child.objects.filter(name__in=["完整", "无监护人", "无地址"]).update(
        last_visited_on=today() - dt.timedelta(days=30)
    )
    Child.objects.filter(name="仙霞").update(last_visited_on=today() - dt.timedelta(days=400))
    counts = archive_counts([areas["tianshan"].pk, areas["xianxia"].pk], today())
    assert counts == {areas["tianshan"].pk: (4, 1), areas["xianxia"].pk: (1, 0)}
    assert Guardian.objects.filter(child=complete).exists()


def test_the_archive_holds_to_the_share_the_item_asks_for(station, make_child, areas):
    from weibao.children.models import Child

    make_child("community_a", name="甲")
    make_child("community_a", name="乙")
    Child.objects.filter(name="甲").update(last_visited_on=today())
    item = StandardItem(code="archive", wording="档案", computed="archive")
    station = Workstation.objects.select_related("subdistrict").get(pk=station.pk)
    facts = gather_facts([station.subdistrict], [station], today(), {"archive"})
    assert computed_for(item, station, facts).text == "1 of 2 files complete (50%)"
    assert computed_for(item, station, facts).holds is None  # no minimum: shown, never lapses
    item.threshold = 50
    assert computed_for(item, station, facts).holds is True
    item.threshold = 80
    assert computed_for(item, station, facts).holds is False


def test_the_venue_needs_the_area_and_a_private_counselling_room(station, supervisor):
    item = StandardItem(code="sh", wording="场地", computed="venue", threshold=100)
    station = Workstation.objects.select_related("subdistrict").get(pk=station.pk)  # 120 m²

    def holds():
        facts = gather_facts([station.subdistrict], [station], today(), {"venue"})
        return computed_for(item, station, facts).holds

    assert holds() is False
    services.zone_add(
        actor=supervisor, station=station, data={"name": "心理辅导室", "kind": "counselling"}
    )
    assert holds() is True
    item.threshold = 200
    assert holds() is False


# --- the daily job: lapse and notification --------------------------------------------------


def test_a_lapse_is_told_to_the_supervisor_once(passed, supervisor, supervisor_elsewhere):
    later = today() + dt.timedelta(days=95)
    stations_daily(later)
    stations_daily(later)
    stations_daily(later + dt.timedelta(days=1))
    told = Notification.objects.filter(kind=Notification.Kind.STATION_LAPSED)
    assert [n.recipient for n in told] == [supervisor]
    assert "一本服务台账" in message(told[0]) and passed.name in message(told[0])
    assert Workstation.objects.get(pk=passed.pk).lapsed_since == later


def test_when_the_evidence_holds_again_a_new_lapse_is_told_again(
    passed, supervisor, case_a, director_a
):
    first = today() + dt.timedelta(days=95)
    stations_daily(first)
    ServiceRecord.objects.update(delivered_on=first)  # a service on that day
    stations_daily(first + dt.timedelta(days=1))
    assert Workstation.objects.get(pk=passed.pk).lapsed_since is None
    second = first + dt.timedelta(days=100)
    stations_daily(second)
    assert Notification.objects.filter(kind=Notification.Kind.STATION_LAPSED).count() == 2


def test_the_daily_job_runs_the_stations_check(passed):
    report = run_daily(today() + dt.timedelta(days=95))
    assert report.checks["stations_lapsed"] == 1


def test_the_station_page_shows_the_lapse_in_words(passed, supervisor):
    services.station_set_published(actor=supervisor, station=passed, published=False)
    html = web_client(supervisor).get(f"/stations/{passed.pk}/").content.decode()
    assert "Lapsed" in html and "The public page is not published." in html


def test_a_suspended_station_is_never_told_as_lapsed(passed, supervisor):
    services.station_transition(actor=supervisor, station=passed, name="suspend")
    stations_daily(today() + dt.timedelta(days=95))
    assert not Notification.objects.filter(kind=Notification.Kind.STATION_LAPSED).exists()


def test_submitting_again_after_a_lapse_needs_a_new_review(passed, supervisor, district_officer):
    submit(supervisor, passed, "ledger", note="新的服务记录。")
    assert cell(passed, "ledger").state == ItemState.SUBMITTED
    review(district_officer, passed, "ledger")
    assert standing_of(passed).meets


def test_another_subdistricts_station_is_measured_on_its_own_records(
    station_elsewhere, supervisor_elsewhere, district_officer, passed
):
    services.station_set_published(
        actor=supervisor_elsewhere, station=station_elsewhere, published=True
    )
    pass_all(station_elsewhere, supervisor_elsewhere, district_officer)
    # 仙霞新村 has no service: its ledger lapsed at once; 天山路's holds.
    assert cell(station_elsewhere, "ledger").state == ItemState.LAPSED
    assert cell(passed, "ledger").state == ItemState.PASSED


def test_make_station_helper_makes_operating_stations(supervisor, areas):
    assert make_station(supervisor, areas["tianshan"]).status == "operating"


def test_the_meeting_place_lapses_when_the_council_is_not_at_work(passed, monkeypatch):
    monkeypatch.setattr(
        meeting_place_facts,
        "_entries",
        [(100, 0, lambda *, subdistrict_ids, today: {pk: (False, "—") for pk in subdistrict_ids})],
    )
    assert cell(passed, "meeting").state == ItemState.LAPSED
    assert not standing_of(passed).meets
