"""The one-year limit alert of temporary guardianship (Shanghai Art. 77): once, a month before
the limit, to the case owner, the 街镇 supervisor and district staff."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.helpers import opened_on
from weibao.audit.models import AuditEvent
from weibao.cases.services import case_open
from weibao.notifications.models import Notification
from weibao.notifications.selectors import message
from weibao.protection import services as protection
from weibao.protection.jobs import protection_alerts
from weibao.protection.models import ProtectionRecord

pytestmark = pytest.mark.usefixtures("english")


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def case_a(uncategorised_case_a):
    return uncategorised_case_a


@pytest.fixture
def record(supervisor, case_a):
    opened_on(case_a, dt.date(2026, 3, 31))
    return protection.protection_start(
        actor=supervisor,
        case=case_a,
        ground="guardian_unable",
        placement="relatives",
        placement_detail="舅舅家 天山路1号",
        started_on=dt.date(2026, 3, 31),
    )


def test_no_alert_before_a_month_ahead_of_the_limit(record):
    assert record.limit_on == dt.date(2027, 3, 31)
    assert protection_alerts(at(dt.date(2027, 2, 27), 23)) == 0
    assert not Notification.objects.filter(kind=Notification.Kind.PROTECTION_LIMIT).exists()
    record.refresh_from_db()
    assert record.limit_alert_sent_at is None


def test_the_alert_goes_once_to_the_owner_supervisor_and_district(
    record, director_a, supervisor, district_officer, director_b, director_elsewhere
):
    # 31 March less a month is the last day of February.
    now = at(dt.date(2027, 2, 28))
    assert protection_alerts(now) == 3
    sent = Notification.objects.filter(kind=Notification.Kind.PROTECTION_LIMIT)
    assert set(sent.values_list("recipient__username", flat=True)) == {
        "director_a",
        "supervisor",
        "district_officer",
    }
    note = sent.first()
    assert note.params == {"child": "张小明", "date": "2027-03-31"}
    assert note.url == f"/protection/{record.pk}/"
    assert note.child_id == record.child_id
    assert "舅舅" not in str(note.params)
    assert "2027-03-31" in message(note) and "张小明" in message(note)
    record.refresh_from_db()
    assert record.limit_alert_sent_at == now
    assert record.version == 1  # the job does not make people's open forms stale
    assert AuditEvent.objects.filter(action="protection.alert", case=record.case).count() == 1

    # Run again (the scheduler runs every few minutes), and next week: nothing more.
    assert protection_alerts(now) == 0
    assert protection_alerts(at(dt.date(2027, 3, 7))) == 0
    assert sent.count() == 3


def test_a_record_already_past_its_limit_is_alerted_too(record):
    assert protection_alerts(at(dt.date(2027, 5, 1))) == 3


def test_the_alert_says_whether_the_limit_is_ahead_or_already_past(record, monkeypatch):
    protection_alerts(at(dt.date(2027, 5, 1)))
    note = Notification.objects.filter(kind=Notification.Kind.PROTECTION_LIMIT).first()
    limit = dt.date.fromisoformat(note.params["date"])
    monkeypatch.setattr(timezone, "localdate", lambda *args: limit - dt.timedelta(days=1))
    assert "reaches its one-year limit on" in message(note)
    monkeypatch.setattr(timezone, "localdate", lambda *args: limit + dt.timedelta(days=1))
    assert "passed its one-year limit on" in message(note)


def test_an_ended_record_is_not_alerted(record, supervisor):
    protection.protection_end(
        actor=supervisor,
        record=record,
        ended_on=dt.date(2026, 6, 1),
        end_reason="long_term",
        note="Guardianship revoked by the court.",
    )
    assert protection_alerts(at(dt.date(2027, 3, 1))) == 0
    assert not Notification.objects.filter(kind=Notification.Kind.PROTECTION_LIMIT).exists()


def test_each_record_is_alerted_on_its_own_day(record, supervisor, district_officer, make_child):
    other_child = make_child("community_b", name="李小红", sex="F", categories=())
    other_case = case_open(actor=district_officer, child=other_child, owner=supervisor)
    opened_on(other_case, dt.date(2026, 5, 10))
    other = protection.protection_start(
        actor=district_officer,
        case=other_case,
        ground="wandering",
        placement="rescue_institution",
        started_on=dt.date(2026, 5, 10),
    )
    assert protection_alerts(at(dt.date(2027, 3, 1))) == 3  # the first record only
    assert ProtectionRecord.objects.get(pk=other.pk).limit_alert_sent_at is None
    assert protection_alerts(at(dt.date(2027, 4, 10))) == 2  # owner is the supervisor
    assert Notification.objects.filter(key=f"protection_limit:{other.pk}").count() == 2
