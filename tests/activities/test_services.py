"""Projects, activities, sign-up, the waiting list, attendance, photos with consent, feedback
and the kept figures (docs/domain.md §8.3)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.activities.conftest import an_activity
from tests.helpers import PNG, today, years_before
from tests.stations.test_uploads import GPS, PDF, jpeg_with_exif
from tests.transfers.helpers import accept, ask
from weibao.activities import services
from weibao.activities.models import Activity, MonthFigure, Signup
from weibao.activities.selectors import children_to_sign_up, project_results, signup_rows
from weibao.audit.models import AuditEvent
from weibao.children.services import child_anonymise

pytestmark = pytest.mark.django_db


def test_a_project_of_a_station_takes_the_station_s_area(project, station):
    assert project.station == station
    assert project.subdistrict_id == station.subdistrict_id
    assert project.district_id == station.district_id
    assert AuditEvent.objects.filter(action="activities.project_create").exists()


def test_a_supervisor_cannot_make_a_project_for_another_station(supervisor_elsewhere, station):
    with pytest.raises(ValidationError) as exc:
        services.project_create(
            actor=supervisor_elsewhere,
            data={"station": station, "name": "x", "starts_on": dt.date(2026, 1, 1)},
        )
    assert "station" in exc.value.message_dict


def test_a_director_cannot_make_a_project(director_a):
    with pytest.raises(PermissionDenied):
        services.project_create(actor=director_a, data={"name": "x"})


def test_bad_project_input_gets_field_errors(supervisor, station):
    with pytest.raises(ValidationError) as exc:
        services.project_create(
            actor=supervisor,
            data={"station": station, "name": "", "starts_on": dt.date(2026, 5, 1),
                  "ends_on": dt.date(2026, 1, 1), "budget": "lots", "categories": ["nope"]},
        )  # fmt: skip
    assert set(exc.value.message_dict) >= {"name", "ends_on", "budget", "categories"}


def test_an_activity_needs_exactly_one_place(supervisor, project, zone):
    with pytest.raises(ValidationError) as exc:
        an_activity(supervisor, project, place_text="")
    assert "place_text" in exc.value.message_dict
    activity = an_activity(supervisor, project, place_text="", zone=zone)
    assert activity.place_name.endswith("活动区")


def test_a_zone_of_another_station_is_refused(supervisor, district_officer, zone, areas):
    project = services.project_create(
        actor=district_officer, data={"name": "区级项目", "starts_on": dt.date(2026, 1, 1)}
    )
    assert project.station is None and project.subdistrict is None
    with pytest.raises(ValidationError) as exc:
        an_activity(district_officer, project, place_text="", zone=zone)
    assert "zone" in exc.value.message_dict


def test_a_series_creates_its_activities_on_each_date(supervisor, project):
    dates = [dt.date(2026, 3, 21), dt.date(2026, 6, 21), dt.date(2026, 9, 23)]
    series = services.series_create(
        actor=supervisor,
        data={"title": "文化四季", "place_text": "广场", "capacity": 50},
        dates=dates,
        project=project,
    )
    assert sorted(series.activities.values_list("held_on", flat=True)) == dates
    assert all(a.project_id == project.pk for a in series.activities.all())


def test_when_full_the_next_waits_and_a_cancellation_promotes_the_first_waiting(
    supervisor, project, make_child
):
    activity = an_activity(supervisor, project, capacity=1)
    first, second, third = (make_child(name=f"儿童{i}") for i in range(3))
    s1 = services.signup_add(actor=supervisor, activity=activity, child=first)
    s2 = services.signup_add(actor=supervisor, activity=activity, child=second)
    s3 = services.signup_add(actor=supervisor, activity=activity, child=third)
    assert [s.status for s in (s1, s2, s3)] == ["confirmed", "waiting", "waiting"]
    promoted = services.signup_cancel(actor=supervisor, signup=s1)
    assert promoted.pk == s2.pk
    assert Signup.objects.get(pk=s2.pk).status == "confirmed"
    assert Signup.objects.get(pk=s3.pk).status == "waiting"


def test_a_child_is_signed_up_once(supervisor, activity, child_a):
    services.signup_add(actor=supervisor, activity=activity, child=child_a)
    with pytest.raises(ValidationError) as exc:
        services.signup_add(actor=supervisor, activity=activity, child=child_a)
    assert "child" in exc.value.message_dict


def test_a_director_signs_up_only_children_they_see(director_a, activity, child_a, child_b):
    signup = services.signup_add(actor=director_a, activity=activity, child=child_a)
    assert signup.community_id == child_a.community_id
    with pytest.raises(ValidationError):
        services.signup_add(actor=director_a, activity=activity, child=child_b)


def test_a_child_outside_the_age_range_is_refused(supervisor, project, child_a):
    activity = an_activity(supervisor, project, age_min=14, age_max=17)
    with pytest.raises(ValidationError) as exc:
        services.signup_add(actor=supervisor, activity=activity, child=child_a)
    assert "child" in exc.value.message_dict


def test_names_show_only_to_those_who_see_the_child(supervisor, director_b, activity, child_a):
    services.signup_add(actor=supervisor, activity=activity, child=child_a)
    services.walkin_add(actor=supervisor, activity=activity, name="小红", age=8)
    seen = [r.label for r in signup_rows(supervisor, activity)]
    assert seen[0] == child_a.name and seen[1].startswith("小红")
    other = signup_rows(director_b, activity)
    assert child_a.name not in [r.label for r in other]
    assert not other[0].named


def test_attendance_marks_the_activity_held_and_keeps_the_figures(supervisor, activity, make_child):
    poor = make_child(name="困境儿童", categories=("economic_hardship",))
    plain = make_child(name="普通儿童", categories=())
    s1 = services.signup_add(actor=supervisor, activity=activity, child=poor)
    s2 = services.signup_add(actor=supervisor, activity=activity, child=plain)
    services.attendance_set(actor=supervisor, activity=activity, marks={s1.pk: True, s2.pk: True})
    services.walkin_add(actor=supervisor, activity=activity, name="小明", age=9, at_door=True)
    assert Activity.objects.get(pk=activity.pk).state == "held"
    figure = MonthFigure.objects.get(subdistrict=activity.subdistrict, project=activity.project)
    assert (figure.held, figure.attendances, figure.children) == (1, 3, 2)
    assert (figure.children_in_difficulty, figure.walkins) == (1, 1)
    assert project_results(activity.project)["children"] == 2
    services.attendance_set(actor=supervisor, activity=activity, marks={s1.pk: False})
    figure = MonthFigure.objects.get(subdistrict=activity.subdistrict, project=activity.project)
    assert (figure.attendances, figure.children_in_difficulty) == (2, 0)


def test_cancelling_a_held_activity_is_refused_but_a_planned_one_leaves_the_figures(
    supervisor, project, child_a
):
    activity = an_activity(supervisor, project)
    services.activity_set_state(actor=supervisor, activity=activity, state="held")
    assert MonthFigure.objects.get(project=project).held == 1
    with pytest.raises(ValidationError):
        services.activity_set_state(actor=supervisor, activity=activity, state="cancelled")
    services.activity_set_state(actor=supervisor, activity=activity, state="planned")
    services.activity_set_state(actor=supervisor, activity=activity, state="cancelled")
    assert not MonthFigure.objects.filter(project=project).exists()


def test_attendance_is_not_taken_before_the_day(supervisor, project, child_a):
    activity = an_activity(supervisor, project, held_on=today() + dt.timedelta(days=3))
    signup = services.signup_add(actor=supervisor, activity=activity, child=child_a)
    with pytest.raises(ValidationError):
        services.attendance_set(actor=supervisor, activity=activity, marks={signup.pk: True})


def test_a_photo_is_public_only_when_every_child_pictured_consents(
    supervisor, activity, child_a, child_b
):
    s1 = services.signup_add(actor=supervisor, activity=activity, child=child_a)
    s2 = services.signup_add(actor=supervisor, activity=activity, child=child_b)
    walkin = services.walkin_add(actor=supervisor, activity=activity, name="小红", age=8)

    def photo(**kw):
        upload = SimpleUploadedFile("p.png", PNG, content_type="image/png")
        return services.photo_add(actor=supervisor, activity=activity, upload=upload, **kw)

    assert photo(pictured={s1.pk: True, s2.pk: True}).public
    assert not photo(pictured={s1.pk: True, s2.pk: False}).public
    assert not photo(pictured={s1.pk: True, walkin.pk: True}).public
    assert photo(pictured={s1.pk: True, walkin.pk: True}, walkins_consent=True).public


def test_a_photo_must_be_an_image_by_content(supervisor, activity):
    upload = SimpleUploadedFile("p.png", b"<html>not a photo</html>", content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        services.photo_add(actor=supervisor, activity=activity, upload=upload)
    assert "file" in exc.value.message_dict


def test_feedback_needs_a_rating_from_1_to_5(supervisor, activity):
    with pytest.raises(ValidationError) as exc:
        services.feedback_add(actor=supervisor, activity=activity, text="好", rating=9)
    assert "rating" in exc.value.message_dict
    assert (
        services.feedback_add(actor=supervisor, activity=activity, text="好", rating=5).rating == 5
    )


def test_a_child_s_sign_ups_follow_them_to_their_new_居民区(
    supervisor, director_a, supervisor_elsewhere, activity, child_a, areas
):
    signup = services.signup_add(actor=supervisor, activity=activity, child=child_a)
    accept(supervisor_elsewhere, ask(director_a, child_a, areas["community_c"]))
    moved = Signup.objects.get(pk=signup.pk)
    assert (moved.subdistrict_id, moved.community_id) == (
        areas["xianxia"].pk,
        areas["community_c"].pk,
    )
    assert AuditEvent.objects.filter(action="activities.signups_move_area").exists()
    assert Signup.objects.get(pk=signup.pk).activity.subdistrict_id == areas["tianshan"].pk


def test_anonymising_a_file_deletes_the_photos_the_child_is_pictured_in(
    supervisor, activity, child_a, child_b
):
    s1 = services.signup_add(actor=supervisor, activity=activity, child=child_a)
    s2 = services.signup_add(actor=supervisor, activity=activity, child=child_b)

    def photo(pictured):
        upload = SimpleUploadedFile("p.png", PNG, content_type="image/png")
        return services.photo_add(
            actor=supervisor, activity=activity, upload=upload, pictured=pictured
        )

    with_a, only_b = photo({s1.pk: True, s2.pk: True}), photo({s2.pk: True})
    child_anonymise(actor=None, child=child_a, reason="retention")
    assert list(activity.photos.values_list("pk", flat=True)) == [only_b.pk]
    assert not activity.photos.filter(pk=with_a.pk).exists()


def test_an_activity_photo_loses_its_exif_and_a_pdf_is_refused(supervisor, activity):
    photo = services.photo_add(
        actor=supervisor, activity=activity, upload=SimpleUploadedFile("课.jpg", jpeg_with_exif())
    )
    with photo.file.open("rb") as handle:
        data = handle.read()
    assert GPS.encode() not in data and b"secret comment" not in data
    assert photo.file.name.endswith(photo.token) and photo.content_type == "image/jpeg"
    with pytest.raises(ValidationError) as exc:
        services.photo_add(
            actor=supervisor, activity=activity, upload=SimpleUploadedFile("a.pdf", PDF)
        )
    assert "file" in exc.value.message_dict


def test_a_director_cancels_only_the_sign_ups_of_children_they_see(
    supervisor, director_a, director_b, activity, child_a
):
    signup = services.signup_add(actor=supervisor, activity=activity, child=child_a)
    with pytest.raises(PermissionDenied):
        services.signup_cancel(actor=director_b, signup=signup)
    services.signup_cancel(actor=director_a, signup=signup)
    assert Signup.objects.get(pk=signup.pk).status == "cancelled"


def test_the_picker_offers_children_of_the_activity_s_ages_not_yet_signed_up(
    supervisor, project, make_child
):
    day = today()
    activity = an_activity(supervisor, project, age_min=6, age_max=8)
    six = make_child(name="六岁", birth_date=years_before(day, 6))
    nine_tomorrow = make_child(name="快九岁", birth_date=years_before(day, 9) + dt.timedelta(1))
    nine = make_child(name="九岁", birth_date=years_before(day, 9))
    five = make_child(name="五岁", birth_date=years_before(day, 6) + dt.timedelta(1))
    offered = set(children_to_sign_up(supervisor, activity))
    assert {six, nine_tomorrow} <= offered and not {nine, five} & offered
    services.signup_add(actor=supervisor, activity=activity, child=six)
    assert six not in set(children_to_sign_up(supervisor, activity))
