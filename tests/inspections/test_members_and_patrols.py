"""Members, patrols and findings (docs/domain.md §8.2 [team]): a member is a registered child of
the team's 居民区 with a guardian's consent recorded (who, when, how); patrols take members on
the team that day and at least one adult; a finding is found on a patrol, in a public place,
with an optional photo checked like the stations' photos."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from tests.conftest import web_client
from tests.helpers import PNG, history_text, today
from tests.inspections.helpers import DAY, a_member, a_patrol, a_team
from weibao.inspections import services
from weibao.inspections.models import Finding, Member, Team


def test_only_registered_children_of_the_team_s_community_join(teams, supervisor, make_child):
    child_b = make_child("community_b", name="王小乙")
    with pytest.raises(ValidationError) as err:
        a_member(supervisor, teams.team, child_b)
    assert "child" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        a_member(supervisor, teams.team, teams.member.child)  # on the team already
    assert "child" in err.value.message_dict


def test_consent_is_recorded_before_joining_and_encrypted_at_rest(teams, supervisor, make_child):
    child = make_child("community_a", name="赵小甲")
    with pytest.raises(ValidationError) as err:
        services.member_add(
            actor=supervisor, team=teams.team, child=child,
            data={"consent_by": "", "consent_on": DAY, "consent_how": "fax",
                  "joined_on": DAY - dt.timedelta(days=1)},
        )  # fmt: skip
    assert set(err.value.message_dict) == {"consent_by", "consent_how", "joined_on"}
    member = a_member(supervisor, teams.team, child)
    with connection.cursor() as cursor:
        cursor.execute("SELECT consent_by FROM inspections_member WHERE id = %s", [member.pk])
        (raw,) = cursor.fetchone()
    assert "母亲" not in raw and Member.objects.get(pk=member.pk).consent_by == "母亲 测试"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT changes FROM audit_auditevent WHERE action = 'inspections.member_add'"
        )
        rows = [str(row[0]) for row in cursor.fetchall()]
    assert rows and not any("母亲" in row for row in rows)


def test_a_member_who_leaves_stays_on_the_past_patrols(teams, supervisor):
    left = today() - dt.timedelta(days=5)
    member = services.member_leave(actor=supervisor, member=teams.member, left_on=left)
    assert member.left_on == left and teams.patrol.members.filter(pk=member.pk).exists()
    with pytest.raises(ValidationError):
        services.member_leave(actor=supervisor, member=member, left_on=today())
    with pytest.raises(ValidationError) as err:
        a_patrol(supervisor, teams.team, [member], on=today())  # no longer on the team
    assert "members" in err.value.message_dict


def test_one_team_per_community(teams, supervisor, areas):
    with pytest.raises(ValidationError):
        a_team(supervisor, areas["community_a"])
    with pytest.raises(ValidationError):  # another 街镇's
        a_team(supervisor, areas["community_c"])
    assert Team.objects.count() == 2


def test_a_patrol_needs_its_route_adults_and_members_and_keeps_what_was_typed(teams, director_a):
    response = web_client(director_a).post(
        f"/inspections/{teams.team.pk}/patrols/new/",
        {"patrolled_on": (today() + dt.timedelta(days=2)).isoformat(), "route": "",
         "adults": "两位家长志愿者"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 400 and "两位家长志愿者" in html
    assert teams.team.patrols.count() == 1


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (8, 8), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_is_taken_in_by_its_content_without_its_metadata(teams, director_a):
    client = web_client(director_a)
    data = {"patrol": teams.patrol.pk, "what": "围栏破损", "place": "小区北侧围栏",
            "category": "facilities"}  # fmt: skip
    upload = SimpleUploadedFile("fence.jpg", _jpeg_with_exif(), content_type="image/jpeg")
    response = client.post(f"/inspections/{teams.team.pk}/findings/new/", {**data, "photo": upload})
    assert response.status_code == 302
    finding = Finding.objects.get(what="围栏破损")
    stored = client.get(f"/inspections/findings/{finding.pk}/photo/")
    body = b"".join(stored.streaming_content)
    assert stored["Content-Type"] == "image/jpeg" and b"SecretCam" not in body
    assert stored["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"<html><script>x</script></html>", "JPEG"), (b"%PDF-1.4 not a photo", "JPEG")],
)
def test_a_file_that_is_not_a_photo_is_refused_with_a_clear_message(
    teams, director_a, content, message
):
    data = {"patrol": teams.patrol.pk, "what": "假照片", "place": "东门", "category": "other",
            "photo": SimpleUploadedFile("x.png", content)}  # fmt: skip
    response = web_client(director_a).post(f"/inspections/{teams.team.pk}/findings/new/", data)
    html = response.content.decode()
    assert response.status_code == 400 and message in html and "假照片" in html
    assert not Finding.objects.filter(what="假照片").exists()


def test_a_photo_over_5_mb_is_refused(teams, supervisor, settings):
    big = SimpleUploadedFile("big.png", PNG + b"\0" * (5 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError) as err:
        services.finding_create(
            actor=supervisor, team=teams.team, photo=big,
            data={"patrol": teams.patrol, "what": "大", "place": "东门", "category": "other"},
        )  # fmt: skip
    assert "photo" in err.value.message_dict


def test_a_finding_is_found_on_one_of_the_team_s_patrols(teams, supervisor_elsewhere, supervisor):
    theirs = teams.other_team.patrols.get()
    with pytest.raises(ValidationError) as err:
        services.finding_create(
            actor=supervisor, team=teams.team,
            data={"patrol": theirs, "what": "x", "place": "y", "category": "safety"},
        )  # fmt: skip
    assert "patrol" in err.value.message_dict


def test_anonymising_the_child_s_file_clears_the_guardian_named_on_the_membership(teams):
    from weibao.children.services import child_anonymise

    child_anonymise(actor=None, child=teams.member.child, reason="Retention period over (test).")
    member = Member.objects.get(pk=teams.member.pk)
    assert member.consent_by == "" and member.consent_how == "written"


def test_the_childs_history_tells_joining_and_leaving_the_team_in_words(director_a, child_a, areas):
    team = a_team(director_a, areas["community_a"])
    member = a_member(director_a, team, child_a)
    services.member_leave(actor=director_a, member=member, left_on=DAY + dt.timedelta(days=30))
    text = history_text(director_a, child_a)
    assert "加入儿童考察团" in text and "退出儿童考察团" in text
    assert "同意方式 — → 签署同意书" in text
    assert "inspections." not in text and "written" not in text and "Team" not in text
