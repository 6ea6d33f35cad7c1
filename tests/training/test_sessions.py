"""Training sessions: recorded by district staff (any organiser of the district) and by a
街镇's supervisor and staff (their 街镇's); the topic from the district's list; the rules of a
session's fields; editing with a version; removing one recorded by mistake; every change
audited; the list in a flat number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import web_client
from tests.helpers import error_dict
from tests.training.helpers import a_session, topic_of
from weibao.audit.models import AuditEvent
from weibao.training.models import Attendance, TrainingSession
from weibao.training.services import session_create, session_delete, session_update, topic_update

DAY = dt.date(2024, 3, 1)


def _data(areas, **overrides) -> dict:
    data = {
        "organiser": areas["tianshan"],
        "topic": topic_of(areas["district"]),
        "held_on": DAY,
        "mode": "offline",
        "place": "活动室",
        "trainer": "讲师",
        "hours": Decimal("2"),
    }
    data.update(overrides)
    return data


def test_a_supervisor_records_a_session_of_their_subdistrict(areas, supervisor):
    session = session_create(actor=supervisor, data=_data(areas))
    assert (session.district, session.subdistrict) == (areas["district"], areas["tianshan"])
    # The expected roles default to the district's required ones.
    assert session.audience == ["supervisor", "director", "full_time"]
    event = AuditEvent.objects.get(action="training.session_create")
    assert event.changes["hours"] == {"new": "2.0"} and event.actor == supervisor


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"organiser": "district"}, "organiser"),  # the district's, not the supervisor's
        ({"organiser": "xianxia"}, "organiser"),
        ({"organiser": "community_a"}, "organiser"),
        ({"topic": None}, "topic"),
        ({"mode": "carrier pigeon"}, "mode"),
        ({"place": ""}, "place"),  # in person: where?
        ({"trainer": ""}, "trainer"),
        ({"hours": Decimal("0")}, "hours"),
        ({"hours": Decimal("25")}, "hours"),
        ({"hours": "two"}, "hours"),
        ({"held_on": dt.date(1999, 1, 1)}, "held_on"),
        ({"audience": ["astronaut"]}, "audience"),
        ({"audience": []}, "audience"),
    ],
)
def test_bad_sessions_are_refused_field_by_field(areas, supervisor, overrides, field):
    data = _data(areas)
    for key, value in overrides.items():
        data[key] = areas[value] if key == "organiser" else value
    with pytest.raises(ValidationError) as exc:
        session_create(actor=supervisor, data=data)
    assert field in error_dict(exc)
    assert not TrainingSession.objects.exists()


def test_a_retired_topic_is_not_offered_for_new_sessions_but_stays_on_old_ones(
    areas, supervisor, district_officer
):
    topic = topic_of(areas["district"])
    session = session_create(actor=supervisor, data=_data(areas, topic=topic))
    topic = topic_update(actor=district_officer, topic=topic, active=False)
    with pytest.raises(ValidationError) as exc:
        session_create(actor=supervisor, data=_data(areas, topic=topic))
    assert "topic" in error_dict(exc)
    kept = session_update(actor=supervisor, session=session, data={"trainer": "新讲师"})
    assert kept.topic == topic and kept.trainer == "新讲师"


def test_a_director_records_no_session(areas, director_a):
    with pytest.raises(PermissionDenied):
        session_create(actor=director_a, data=_data(areas))


def test_a_supervisor_cannot_change_a_district_session(areas, supervisor, district_officer):
    session = session_create(actor=district_officer, data=_data(areas, organiser=areas["district"]))
    with pytest.raises(PermissionDenied):
        session_update(actor=supervisor, session=session, data={"trainer": "x"})


def test_an_update_is_audited_old_and_new(areas, supervisor):
    session = session_create(actor=supervisor, data=_data(areas))
    session_update(
        actor=supervisor, session=session, data={"hours": Decimal("3")}, expected_version=1
    )
    event = AuditEvent.objects.get(action="training.session_update")
    assert event.changes == {"hours": {"old": "2.0", "new": "3.0"}}


def test_a_session_recorded_by_mistake_is_removed_with_its_roll(
    people, areas, supervisor, django_capture_on_commit_callbacks
):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY, present=[people["a"]])
    with django_capture_on_commit_callbacks(execute=True):
        session_delete(actor=supervisor, session=session)
    assert not TrainingSession.objects.exists() and not Attendance.objects.exists()
    event = AuditEvent.objects.get(action="training.session_delete")
    assert event.changes["roll"] == {str(people["a"].pk): "present"}


def test_recording_a_session_on_the_page_leads_to_the_roll(areas, supervisor):
    client = web_client(supervisor)
    form = client.get("/training/new/").content.decode()
    assert "民法典" in form and "天山路街道" in form
    response = client.post(
        "/training/new/",
        {"organiser": areas["tianshan"].pk, "topic": topic_of(areas["district"]).pk,
         "held_on": "2024-03-01", "mode": "online", "trainer": "讲师", "hours": "1.5",
         "audience": ["director"]},
    )  # fmt: skip
    session = TrainingSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/training/{session.pk}/roll/"
    assert session.hours == Decimal("1.5") and session.audience == ["director"]


def test_a_bad_session_form_is_said_in_chinese(areas, supervisor):
    response = web_client(supervisor).post(
        "/training/new/",
        {"organiser": areas["tianshan"].pk, "topic": topic_of(areas["district"]).pk,
         "held_on": "2024-03-01", "mode": "offline", "trainer": "讲师", "hours": "2",
         "audience": ["director"]},
    )  # fmt: skip
    assert response.status_code == 200 and "线下培训请填写地点" in response.content.decode()


def test_editing_on_the_page_with_a_stale_version_keeps_what_was_typed(areas, supervisor):
    session = session_create(actor=supervisor, data=_data(areas))
    data = {"organiser": areas["tianshan"].pk, "topic": session.topic_id, "held_on": "2024-03-01",
            "mode": "offline", "place": "新地点", "trainer": "讲师", "hours": "2",
            "audience": ["director"], "version": 7}  # fmt: skip
    response = web_client(supervisor).post(f"/training/{session.pk}/edit/", data)
    assert response.status_code == 200 and 'value="新地点"' in response.content.decode()
    data["version"] = 1
    assert web_client(supervisor).post(f"/training/{session.pk}/edit/", data).status_code == 302
    assert TrainingSession.objects.get().place == "新地点"


def test_the_list_shows_the_districts_and_own_sessions_with_flat_queries(
    people, areas, supervisor, district_officer, supervisor_elsewhere
):
    own = a_session(supervisor, areas["tianshan"], held_on=DAY, title="天山自办")
    a_session(district_officer, areas["district"], held_on=DAY, title="区级宣讲")
    a_session(supervisor_elsewhere, areas["xianxia"], held_on=DAY, title="仙霞自办")
    client = web_client(supervisor)

    def count():
        client.get("/training/")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/training/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    few, html = count()
    assert "天山自办" in html and "区级宣讲" in html and "仙霞自办" not in html
    for i in range(12):
        a_session(supervisor, areas["tianshan"], held_on=DAY + dt.timedelta(days=i),
                  present=[people["a"]] if i % 2 else [])  # fmt: skip
    many, html = count()
    assert few == many
    assert f'href="/training/{own.pk}/"' in html


def test_the_list_filters_by_period_and_topic(areas, supervisor):
    a_session(supervisor, areas["tianshan"], held_on=dt.date(2024, 1, 5), title="一月")
    a_session(supervisor, areas["tianshan"], held_on=dt.date(2024, 6, 5), title="六月",
              topic=topic_of(areas["district"], "强制报告"))  # fmt: skip
    client = web_client(supervisor)
    html = client.get("/training/?start=2024-03-01").content.decode()
    assert "六月" in html and "一月" not in html
    topic = topic_of(areas["district"], "强制报告")
    html = client.get(f"/training/?topic={topic.pk}").content.decode()
    assert "六月" in html and "一月" not in html


def test_directors_and_the_unassigned_have_no_training_pages(director_a, unassigned, areas):
    for user in (director_a, unassigned):
        for url in ("/training/", "/training/new/", "/training/rate/", "/training/settings/"):
            assert web_client(user).get(url).status_code == 404, url


def test_signed_out_training_pages_send_to_the_sign_in_page(db):
    for url in ("/training/", "/training/rate/", "/training/new/"):
        response = web_client(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
