"""The roll-call (training:roll): a phone page listing the people expected — the session's
roles, of its organiser's area, working on its day — each with present / absent / excused as
three big tap targets, saved by a plain form POST (no JavaScript needed); one audit row per
save; people from elsewhere refused; out of scope a 404, a district session a 403 to a
supervisor."""

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import web_client
from tests.helpers import today
from tests.staff.helpers import add_member
from tests.training.helpers import a_session
from weibao.audit.models import AuditEvent
from weibao.staff.services import staff_end
from weibao.training.models import Attendance

DAY = dt.date(2024, 3, 1)


def _marks(session) -> dict[str, str]:
    return dict(Attendance.objects.filter(session=session).values_list("member__name", "status"))


def test_the_roll_lists_the_expected_people_of_the_subdistrict(people, areas, supervisor):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    html = web_client(supervisor).get(f"/training/{session.pk}/roll/").content.decode()
    for name in ("甲主任", "乙主任", "天山督导员", "天山专职"):
        assert name in html
    assert "丙主任" not in html  # 仙霞新村's
    # The volunteer is not of the expected roles: offered in "someone else came".
    listed = html.split('name="add"')[0]
    assert "甲志愿者" not in listed and "甲志愿者" in html


def test_people_not_working_on_the_day_are_not_expected(people, areas, supervisor):
    staff_end(actor=supervisor, member=people["b"], end_date=DAY - dt.timedelta(days=1))
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    assert (
        "乙主任" not in web_client(supervisor).get(f"/training/{session.pk}/roll/").content.decode()
    )


def test_the_page_is_a_plain_form_with_three_big_choices_per_person(people, areas, supervisor):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    html = web_client(supervisor).get(f"/training/{session.pk}/roll/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    form = re.search(r'<form method="post" class="roll-form">.*?</form>', html, re.S).group(0)
    assert "<script" not in form
    pk = people["a"].pk
    for value in ("present", "absent", "excused"):
        assert f'<input type="radio" name="m{pk}" value="{value}"' in form
    # Each answer is a label.choice (48 px high), three to a row.
    assert form.count("choices-row-3") == 4 and 'class="choice roll-present"' in form
    assert 'class="primary big"' in form


def test_the_roll_is_saved_by_a_form_post_and_audited(people, areas, supervisor):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    client = web_client(supervisor)
    a, b, sup = people["a"].pk, people["b"].pk, people["supervisor"].pk
    response = client.post(
        f"/training/{session.pk}/roll/", {f"m{a}": "present", f"m{b}": "absent", f"m{sup}": "x"}
    )
    assert response.status_code == 302 and response["Location"] == f"/training/{session.pk}/roll/"
    assert _marks(session) == {"甲主任": "present", "乙主任": "absent"}
    event = AuditEvent.objects.get(action="training.roll")
    assert event.changes == {str(a): {"old": None, "new": "present"},
                             str(b): {"old": None, "new": "absent"}}  # fmt: skip
    # The page shows what is saved; a second save changes only what changed.
    page = client.get(f"/training/{session.pk}/roll/").content.decode()
    assert f'name="m{a}" value="present" checked' in page
    client.post(f"/training/{session.pk}/roll/", {f"m{a}": "present", f"m{b}": "excused"})
    assert _marks(session)["乙主任"] == "excused"
    latest = AuditEvent.objects.filter(action="training.roll").order_by("-id").first()
    assert latest.changes == {str(b): {"old": "absent", "new": "excused"}}


def test_someone_else_who_came_is_added_present(people, areas, supervisor):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    web_client(supervisor).post(
        f"/training/{session.pk}/roll/", {"add": str(people["volunteer"].pk)}
    )
    assert _marks(session) == {"甲志愿者": "present"}


def test_someone_from_another_subdistrict_is_refused_and_nothing_is_saved(
    people, areas, supervisor
):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    response = web_client(supervisor).post(
        f"/training/{session.pk}/roll/",
        {f"m{people['a'].pk}": "present", "add": str(people["c"].pk)},
    )
    assert response.status_code == 400
    assert "不在这次培训的名单范围内" in response.content.decode()
    assert _marks(session) == {}
    # What was tapped is kept on the page.
    assert f'name="m{people["a"].pk}" value="present" checked' in response.content.decode()


def test_out_of_scope_is_404_and_a_district_session_is_403_to_a_supervisor(
    people, areas, supervisor, supervisor_elsewhere, director_a, district_officer
):
    own = a_session(supervisor, areas["tianshan"], held_on=DAY)
    district = a_session(district_officer, areas["district"], held_on=DAY)
    for user in (supervisor_elsewhere, director_a):
        assert web_client(user).get(f"/training/{own.pk}/roll/").status_code == 404
        assert web_client(user).post(f"/training/{own.pk}/roll/").status_code == 404
    assert web_client(supervisor).get(f"/training/{district.pk}/roll/").status_code == 403
    assert web_client(supervisor).get(f"/training/{district.pk}/").status_code == 200
    assert web_client(district_officer).get(f"/training/{own.pk}/roll/").status_code == 200


def test_a_district_sessions_roll_lists_the_whole_district(people, areas, district_officer):
    session = a_session(district_officer, areas["district"], held_on=DAY)
    html = web_client(district_officer).get(f"/training/{session.pk}/roll/").content.decode()
    assert "丙主任" in html and "甲主任" in html


def test_the_roll_page_runs_the_same_queries_for_few_and_many_people(
    people, areas, supervisor, district_officer
):
    session = a_session(supervisor, areas["tianshan"], held_on=today())
    client = web_client(supervisor)

    def count():
        client.get(f"/training/{session.pk}/roll/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/training/{session.pk}/roll/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(15):
        member = add_member(district_officer, areas[("community_a", "community_b")[i % 2]],
                            name=f"多{i}")  # fmt: skip
        if i % 3 == 0:
            client.post(f"/training/{session.pk}/roll/", {f"m{member.pk}": "present"})
    assert count() == few


def test_a_supervisor_reading_a_district_session_sees_only_their_own_people(
    people, areas, supervisor, district_officer
):
    session = a_session(district_officer, areas["district"], held_on=DAY,
                        present=[people["a"], people["c"]])  # fmt: skip
    html = web_client(supervisor).get(f"/training/{session.pk}/").content.decode()
    assert "甲主任" in html and "丙主任" not in html
    everyone = web_client(district_officer).get(f"/training/{session.pk}/").content.decode()
    assert "甲主任" in everyone and "丙主任" in everyone


def test_mark_everyone_present_marks_each_person_without_an_answer_and_audits_each(
    people, areas, supervisor
):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY, excused=[people["full_time"]])
    page = web_client(supervisor).get(f"/training/{session.pk}/roll/").content.decode()
    assert 'name="everyone" value="present"' in page
    a, b = people["a"].pk, people["b"].pk
    # 乙主任 was just tapped absent: that answer is kept; 天山专职's excused is kept too.
    response = web_client(supervisor).post(
        f"/training/{session.pk}/roll/",
        {f"m{b}": "absent", f"m{people['full_time'].pk}": "excused", "everyone": "present"},
    )
    assert response.status_code == 302
    assert _marks(session) == {
        "甲主任": "present",
        "乙主任": "absent",
        "天山督导员": "present",
        "天山专职": "excused",
    }
    event = AuditEvent.objects.filter(action="training.roll").order_by("-id").first()
    assert event.changes == {
        str(a): {"old": None, "new": "present"},
        str(b): {"old": None, "new": "absent"},
        str(people["supervisor"].pk): {"old": None, "new": "present"},
    }
    # Pressed again, nothing changes and no audit row is written.
    before = AuditEvent.objects.filter(action="training.roll").count()
    web_client(supervisor).post(f"/training/{session.pk}/roll/", {"everyone": "present"})
    assert AuditEvent.objects.filter(action="training.roll").count() == before
    assert _marks(session)["乙主任"] == "absent"


def test_mark_everyone_present_stays_within_the_actors_scope(
    people, areas, supervisor, supervisor_elsewhere, district_officer
):
    own = a_session(supervisor, areas["tianshan"], held_on=DAY)
    district = a_session(district_officer, areas["district"], held_on=DAY)
    url = f"/training/{own.pk}/roll/"
    assert web_client(supervisor_elsewhere).post(url, {"everyone": "present"}).status_code == 404
    assert (
        web_client(supervisor)
        .post(f"/training/{district.pk}/roll/", {"everyone": "present"})
        .status_code
        == 403
    )
    assert _marks(own) == {} and _marks(district) == {}
    # The district's roll marks the whole district's expected people, 仙霞新村's too.
    web_client(district_officer).post(f"/training/{district.pk}/roll/", {"everyone": "present"})
    assert _marks(district)["丙主任"] == "present" and "甲志愿者" not in _marks(district)


def test_mark_everyone_present_with_a_bad_answer_saves_nothing(people, areas, supervisor):
    session = a_session(supervisor, areas["tianshan"], held_on=DAY)
    response = web_client(supervisor).post(
        f"/training/{session.pk}/roll/",
        {"everyone": "present", "add": str(people["c"].pk)},
    )
    assert response.status_code == 400 and _marks(session) == {}
