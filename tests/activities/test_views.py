"""The pages and endpoints of projects and activities: scope (404 out of it, 403 for an action
that is not the user's), the child's passport (access-logged, A5 print), the panels on the
child's file and the display wall, the figures and their spreadsheet, query counts of lists."""

import datetime as dt
import io

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.activities.conftest import an_activity
from tests.conftest import api_client, web_client
from tests.helpers import PNG, history_text, today
from weibao.activities import services
from weibao.activities.models import Signup
from weibao.audit.models import AccessLog
from weibao.stations import services as station_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(supervisor, activity, child_a):
    signup = services.signup_add(actor=supervisor, activity=activity, child=child_a)
    services.attendance_set(actor=supervisor, activity=activity, marks={signup.pk: True})
    return {"activity": activity, "signup": signup, "project": activity.project}


def _urls(w, child_a):
    a, p, s = w["activity"].pk, w["project"].pk, w["signup"].pk
    return [
        ("get", f"/activities/projects/{p}/"),
        ("get", f"/activities/projects/{p}/edit/"),
        ("get", f"/activities/{a}/"),
        ("get", f"/activities/{a}/edit/"),
        ("post", f"/activities/{a}/state/"),
        ("post", f"/activities/{a}/signups/"),
        ("post", f"/activities/{a}/walkins/"),
        ("get", f"/activities/{a}/attendance/"),
        ("post", f"/activities/{a}/photos/"),
        ("post", f"/activities/{a}/feedback/"),
        ("post", f"/activities/signups/{s}/cancel/"),
        ("get", f"/activities/passport/{child_a.pk}/"),
        ("get", f"/api/v1/activities/projects/{p}/"),
        ("get", f"/api/v1/activities/{a}/"),
        ("get", f"/api/v1/activities/{a}/signups/"),
        ("post", f"/api/v1/activities/{a}/state/"),
        ("put", f"/api/v1/activities/{a}/attendance/"),
        ("post", f"/api/v1/activities/signups/{s}/cancel/"),
    ]


def test_every_page_of_another_街镇_s_activity_answers_404(
    world, child_a, director_elsewhere, supervisor_elsewhere
):
    for user in (director_elsewhere, supervisor_elsewhere):
        web, api = web_client(user), api_client(user)
        for method, url in _urls(world, child_a):
            client = api if url.startswith("/api/") else web
            response = getattr(client, method)(url)
            assert response.status_code == 404, (user, url, response.status_code)


def test_someone_without_a_role_gets_404_everywhere(world, unassigned, child_a):
    web, api = web_client(unassigned), api_client(unassigned)
    for url in ("/activities/", "/activities/figures/", "/api/v1/activities/"):
        client = api if url.startswith("/api/") else web
        assert client.get(url).status_code == 404
    for _method, url in _urls(world, child_a):
        client = api if url.startswith("/api/") else web
        assert client.get(url).status_code in (404, 405)


def test_a_director_of_the_街镇_takes_attendance_but_does_not_edit(world, director_a):
    client = web_client(director_a)
    a = world["activity"].pk
    assert client.get(f"/activities/{a}/attendance/").status_code == 200
    assert client.get(f"/activities/{a}/edit/").status_code == 403
    assert client.get(f"/activities/projects/{world['project'].pk}/edit/").status_code == 403


def test_another_director_reads_a_registered_child_not_the_name(world, director_b, child_a):
    page = web_client(director_b).get(f"/activities/{world['activity'].pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert child_a.name not in body
    assert "一名登记儿童" in body or "a registered child" in body
    api = api_client(director_b).get(f"/api/v1/activities/{world['activity'].pk}/signups/")
    row = api.json()["signups"][0]
    assert row["child"] is None and row["name"] != child_a.name


def test_the_passport_lists_stamps_is_access_logged_and_prints_on_a5(world, director_a, child_a):
    before = AccessLog.objects.filter(child=child_a).count()
    page = web_client(director_a).get(f"/activities/passport/{child_a.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "绘画课" in body and "艺润童心" in body and 'class="stamp"' in body
    assert AccessLog.objects.filter(child=child_a).count() == before + 1
    assert AccessLog.objects.filter(child=child_a, field="activities_passport").exists()
    with open(finders.find("weibao/app.css"), encoding="utf-8") as handle:
        css = handle.read()
    assert "@page passport { size: A5" in css


def test_the_child_s_file_shows_their_activities(world, director_a, child_a):
    page = web_client(director_a).get(f"/children/{child_a.pk}/")
    body = page.content.decode()
    assert f"/activities/passport/{child_a.pk}/" in body and "绘画课" in body


def test_the_display_wall_shows_running_projects_and_coming_activities_without_children(
    supervisor, station, project, child_a, client
):
    upcoming = an_activity(
        supervisor, project, held_on=today() + dt.timedelta(days=5), title="剪纸"
    )
    services.signup_add(actor=supervisor, activity=upcoming, child=child_a)
    station_services.station_set_published(actor=supervisor, station=station, published=True)
    body = client.get(f"/wall/{station.pk}/").content.decode()
    assert "艺润童心" in body and "剪纸" in body
    assert child_a.name not in body
    assert "&lt;5" in body or "<5" in body


def test_the_attendance_page_marks_a_child_with_one_tap(world, supervisor, child_b, activity):
    signup = services.signup_add(actor=supervisor, activity=activity, child=child_b)
    client = web_client(supervisor)
    response = client.post(
        f"/activities/{activity.pk}/attendance/", {"toggle": signup.pk, "present": "1"}
    )
    assert response.status_code == 302
    assert Signup.objects.get(pk=signup.pk).attended
    client.post(f"/activities/{activity.pk}/walkins/", {"door": "1", "name": "小红", "age": "7"})
    assert Signup.objects.get(activity=activity, walkin_name="小红").attended


def test_bad_input_on_the_project_form_keeps_what_was_typed(supervisor, station):
    response = web_client(supervisor).post(
        "/activities/projects/new/",
        {
            "station": station.pk,
            "name": "新泾彩虹桥",
            "starts_on": "not a date",
            "status": "running",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "新泾彩虹桥" in body and "has-error" in body


def test_the_figures_page_and_its_spreadsheet(world, supervisor, district_officer, areas):
    page = web_client(district_officer).get("/activities/figures/")
    assert page.status_code == 200 and "艺润童心" in page.content.decode()
    response = web_client(supervisor).get(
        f"/activities/figures/export/?area={areas['tianshan'].pk}&year={today().year}"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0][2] == "艺润童心" and values[0][3:6] == [1, 1, 1]


def test_the_api_creates_a_project_and_an_activity_and_signs_up(supervisor, station, child_a):
    client = api_client(supervisor)
    created = client.post(
        "/api/v1/activities/projects/",
        {"station": station.pk, "name": "阳光橙", "starts_on": "2026-01-01"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    activity = client.post(
        "/api/v1/activities/",
        {"project": created.json()["id"], "title": "家长课堂", "held_on": today().isoformat(),
         "place_text": "活动室", "capacity": 1},
        format="json",
    )  # fmt: skip
    assert activity.status_code == 201, activity.json()
    a = activity.json()["id"]
    signed = client.post(f"/api/v1/activities/{a}/signups/", {"child": child_a.pk}, format="json")
    assert signed.status_code == 201
    walkin = client.post(f"/api/v1/activities/{a}/signups/", {"name": "小红", "age": 8},
                         format="json")  # fmt: skip
    assert [r["status"] for r in walkin.json()["signups"]] == ["confirmed", "waiting"]
    bad = client.post(f"/api/v1/activities/{a}/signups/", {"name": "小红"}, format="json")
    assert bad.status_code == 400 and "age" in bad.json()
    marks = {"marks": [{"signup": signed.json()["signups"][0]["id"], "present": True}]}
    assert (
        client.put(f"/api/v1/activities/{a}/attendance/", marks, format="json").status_code == 200
    )
    assert client.get(f"/api/v1/activities/{a}/").json()["state"] == "held"


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_lists_run_the_same_number_of_queries_for_few_and_many(supervisor, project, make_child):
    web, api = web_client(supervisor), api_client(supervisor)
    first = an_activity(supervisor, project, held_on=today() + dt.timedelta(days=1))
    for i in range(2):
        an_activity(supervisor, project, held_on=today() + dt.timedelta(days=2 + i))
    child = make_child(name="甲")
    services.signup_add(actor=supervisor, activity=first, child=child)
    today_activity = an_activity(supervisor, project)
    services.walkin_add(actor=supervisor, activity=today_activity, name="甲", age=8, at_door=True)
    urls = ["/activities/", f"/activities/projects/{project.pk}/", "/api/v1/activities/",
            "/api/v1/activities/projects/", f"/activities/{first.pk}/",
            f"/api/v1/activities/{first.pk}/signups/", f"/activities/{first.pk}/attendance/",
            f"/activities/passport/{child.pk}/", f"/children/{child.pk}/",
            f"/activities/figures/?year={today().year}"]  # fmt: skip
    few = {url: _count(api if "/api/" in url else web, url) for url in urls}
    for i in range(17):
        services.project_create(
            actor=supervisor,
            data={"station": project.station, "name": f"项目{i}", "starts_on": dt.date(2026, 1, 1)},
        )
        an_activity(supervisor, project, held_on=today() + dt.timedelta(days=5 + i))
    for i in range(10):
        services.signup_add(actor=supervisor, activity=first, child=make_child(name=f"乙{i}"))
        other = an_activity(supervisor, project, title=f"课{i}")
        signup = services.signup_add(actor=supervisor, activity=other, child=child)
        services.attendance_set(actor=supervisor, activity=other, marks={signup.pk: True})
    many = {url: _count(api if "/api/" in url else web, url) for url in urls}
    assert few == many


def test_the_api_lists_filter_by_project_state_and_dates(supervisor, project, activity):
    client = api_client(supervisor)
    other = an_activity(supervisor, None, station=project.station, held_on=dt.date(2020, 1, 5))
    everything = client.get("/api/v1/activities/").json()
    assert everything["count"] == 2
    mine = client.get(f"/api/v1/activities/?project={project.pk}").json()
    assert [a["id"] for a in mine["results"]] == [activity.pk]
    january = client.get("/api/v1/activities/?start=2020-01-01&end=2020-01-31").json()
    assert [a["id"] for a in january["results"]] == [other.pk]
    assert client.get("/api/v1/activities/?state=nope").status_code == 400
    assert client.get("/api/v1/activities/?colour=red").status_code == 400
    running = client.get("/api/v1/activities/projects/?status=running").json()
    assert [p["id"] for p in running["results"]] == [project.pk]


@pytest.mark.parametrize("strange", ["²", "9" * 20, "-1", "0", " 7"])
def test_a_strange_id_in_a_tap_or_a_photo_is_ignored_never_a_500(
    strange, director_a, supervisor, project, child_a
):
    activity = an_activity(supervisor, project)
    services.signup_add(actor=supervisor, activity=activity, child=child_a)
    tap = web_client(director_a).post(
        f"/activities/{activity.pk}/attendance/", {"toggle": strange, "present": "1"}
    )
    assert tap.status_code == 302 and not activity.signups.filter(attended=True).exists()
    photo = web_client(director_a).post(
        f"/activities/{activity.pk}/photos/",
        {"file": SimpleUploadedFile("p.png", PNG, content_type="image/png"), "pictured": strange},
    )
    assert photo.status_code == 302


def test_a_director_removes_only_the_photos_they_added(director_a, supervisor, project, child_a):
    activity = an_activity(supervisor, project)
    services.signup_add(actor=supervisor, activity=activity, child=child_a)

    def add(actor):
        upload = SimpleUploadedFile("p.png", PNG, content_type="image/png")
        return services.photo_add(actor=actor, activity=activity, upload=upload)

    theirs, own = add(supervisor), add(director_a)
    page = web_client(director_a).get(f"/activities/{activity.pk}/").content.decode()
    assert f"/activities/photos/{own.pk}/remove/" in page
    assert f"/activities/photos/{theirs.pk}/remove/" not in page
    client = web_client(director_a)
    assert client.post(f"/activities/photos/{theirs.pk}/remove/").status_code == 403
    assert client.post(f"/activities/photos/{own.pk}/remove/").status_code == 302
    assert list(activity.photos.values_list("pk", flat=True)) == [theirs.pk]
    assert web_client(supervisor).post(f"/activities/photos/{theirs.pk}/remove/").status_code == 302


def test_the_childs_history_tells_a_sign_up_and_its_cancelling_in_words(
    supervisor, director_a, activity, child_a
):
    signup = services.signup_add(actor=supervisor, activity=activity, child=child_a)
    services.signup_cancel(actor=supervisor, signup=signup)
    text = history_text(director_a, child_a)
    assert "报名参加活动" in text and "状态 — → 已报名" in text
    assert "取消活动报名" in text
    assert "activities." not in text  # no action codes
    assert "Activity" not in text and "confirmed" not in text  # nor field names and values
