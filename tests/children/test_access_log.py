"""Who looked at a child's file: its 街镇's supervisor and the district see each read (who, when,
how, what, why); nobody else does. The district reviews unusual access: many files read outside
one's usual 居民区s, reads at night, bulk exports."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from tests.conftest import web_client
from tests.helpers import today
from weibao.accounts.models import Role, RoleAssignment, User
from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.children.services import child_reveal
from weibao.visits.services import visit_ledger_exported

ACCESS = "/children/{}/access/"
UNUSUAL = "/children/unusual-access/"


def _at(day: dt.date, hour: int, minute: int = 0):
    return mock.patch(
        "weibao.audit.chain.timezone.now",
        return_value=timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute))),
    )


def test_the_supervisor_and_the_district_see_who_read_the_file_and_why(
    child_a, director_a, supervisor, district_officer
):
    web_client(director_a).get(f"/children/{child_a.pk}/")
    child_reveal(
        actor=director_a, child=child_a, field="id_number", reason="核对户籍", channel="web"
    )
    for reader in (supervisor, district_officer):
        response = web_client(reader).get(ACCESS.format(child_a.pk))
        assert response.status_code == 200
        text = response.content.decode()
        assert "director_a" in text and "核对户籍" in text and "身份证号码" in text
        assert [e.kind for e, _what in response.context["rows"]] == ["reveal", "view"]


@pytest.mark.parametrize(
    "persona",
    [
        "director_a",
        "director_a2",
        "director_b",
        "director_elsewhere",
        "station_staff",
        "supervisor_elsewhere",
        "unassigned",
    ],
)
def test_anyone_else_gets_404_for_a_childs_access_log(request, child_a, persona):
    response = web_client(request.getfixturevalue(persona)).get(ACCESS.format(child_a.pk))
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(child_a):
    response = web_client(None).get(ACCESS.format(child_a.pk))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_file_links_to_its_access_log_only_for_those_who_may_read_it(
    child_a, supervisor, director_a
):
    link = ACCESS.format(child_a.pk)
    assert link in web_client(supervisor).get(f"/children/{child_a.pk}/").content.decode()
    assert link not in web_client(director_a).get(f"/children/{child_a.pk}/").content.decode()


def test_the_access_log_is_paged(child_a, director_a, supervisor):
    for _ in range(55):
        access_log_record(user=director_a, child=child_a, channel=AccessLog.Channel.API)
    client = web_client(supervisor)
    assert len(client.get(ACCESS.format(child_a.pk)).context["rows"]) == 50
    assert len(client.get(ACCESS.format(child_a.pk), {"page": 2}).context["rows"]) == 5


# --- unusual access ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["supervisor", "station_staff", "director_a", "director_elsewhere", "unassigned"]
)
def test_only_district_staff_review_unusual_access(request, persona):
    response = web_client(request.getfixturevalue(persona)).get(UNUSUAL)
    assert response.status_code == 404


def test_reads_at_night_are_listed(child_a, director_a, district_officer):
    yesterday = today() - dt.timedelta(days=1)
    with _at(yesterday, 23, 10):
        access_log_record(user=director_a, child=child_a, channel="web")
    with _at(yesterday, 23, 40):
        access_log_record(user=director_a, child=child_a, channel="web")
    with _at(yesterday, 14):
        access_log_record(user=district_officer, child=child_a, channel="web")
    response = web_client(district_officer).get(UNUSUAL)
    [night] = response.context["report"].night_reads
    assert (night.user, night.day, night.reads, night.children) == (director_a, yesterday, 2, 1)
    assert "23:10–23:40" in response.content.decode()


def test_many_files_outside_the_usual_residential_areas_are_listed(
    settings, make_child, director_a, supervisor, district_officer
):
    """The supervisor usually reads 居民区 A's files; one day they read three of 居民区 B's."""
    settings.UNUSUAL_ACCESS_READS_PER_DAY = 3
    day = today() - dt.timedelta(days=2)
    usual = make_child("community_a", name="常看")
    with _at(day - dt.timedelta(days=20), 10):
        access_log_record(user=supervisor, child=usual, channel="web")
    for name in ("甲", "乙", "丙"):
        with _at(day, 10):
            access_log_record(
                user=supervisor, child=make_child("community_b", name=name), channel="web"
            )
    # 儿童主任 reading their own 居民区: usual, however many.
    for name in ("丁", "戊", "己"):
        with _at(day, 11):
            access_log_record(
                user=director_a, child=make_child("community_a", name=name), channel="web"
            )
    with _at(day, 10):
        access_log_record(user=supervisor, child=usual, channel="web")
    [row] = web_client(district_officer).get(UNUSUAL).context["report"].reads_outside
    assert (row.user, row.day, row.outside, row.total) == (supervisor, day, 3, 4)


def test_bulk_exports_are_listed_from_the_threshold_on(
    settings, areas, supervisor, district_officer
):
    settings.UNUSUAL_EXPORT_ROWS = 100
    for rows in (99, 100, 250):
        visit_ledger_exported(
            actor=supervisor, subdistrict=areas["tianshan"], year=2026, month=1, rows=rows
        )
    response = web_client(district_officer).get(UNUSUAL)
    assert [e.changes["rows"] for e in response.context["report"].exports] == [250, 100]
    assert "天山路街道" in response.content.decode()


def test_unusual_access_is_of_the_own_district_only(areas, child_a, director_a):
    other = areas["district"].__class__.objects.create(
        name="徐汇区", code="310104", level="district"
    )
    officer = User.objects.create_user(username="xuhui_officer")
    RoleAssignment.objects.create(user=officer, role=Role.DISTRICT_STAFF, area=other)
    with _at(today() - dt.timedelta(days=1), 23):
        access_log_record(user=director_a, child=child_a, channel="web")
    assert web_client(officer).get(UNUSUAL).context["report"].night_reads == []


def test_the_review_period_is_one_of_the_offered_ones(district_officer):
    client = web_client(district_officer)
    assert client.get(UNUSUAL, {"days": "30"}).context["days"] == 30
    assert client.get(UNUSUAL, {"days": "9999"}).context["days"] == 14
