"""The demo roster, training and honours follow the source story (weibao/demo/staff.py):
新泾镇's 43-person team, a 督导员 and a 儿童主任 per 居民区 elsewhere, the demo accounts linked
to theirs, the 1+1+X gaps showing, every working 儿童主任 trained (培训率 100%), the two
honours; all visibly synthetic; a rerun adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.helpers import rows_kept_across_tests
from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.staff.models import Honour, StaffMember
from weibao.staff.selectors import (
    active_staff_role_counts,
    display_wall_people,
    district_team_gaps,
)
from weibao.training.models import Attendance, TrainingSession
from weibao.training.selectors import default_period, training_rate


@pytest.fixture(scope="module")
def staff_demo(django_db_setup, django_db_blocker):
    """Once for the module (tests/demo/conftest.py)."""
    with rows_kept_across_tests(django_db_blocker):
        call_command("demo", "--children", "40", stdout=io.StringIO())
        yield


@pytest.fixture
def loaded(staff_demo, db):
    pass


def test_the_demo_roster_follows_the_story(loaded):
    xinjing = Area.objects.get(code="310105102")
    counts = active_staff_role_counts(subdistrict=xinjing)
    assert sum(counts.values()) == 43
    assert counts["director"] == xinjing.children.count() == 20
    assert (counts["station_head"], counts["legal_deputy"], counts["supervisor"]) == (1, 1, 1)
    assert counts["lawyer"] and counts["expert"] and counts["volunteer"] and counts["social_worker"]
    gaps = {r.subdistrict.name: r for r in district_team_gaps(district=xinjing.parent)}
    assert all(r.has_supervisor for r in gaps.values())
    assert gaps["程家桥街道"].without_director == 1  # the post left vacant
    assert sum(r.without_director for r in gaps.values()) == 1
    assert gaps["新泾镇"].without_social_worker > 0  # the gaps show
    linked = dict(
        StaffMember.objects.filter(user__isnull=False).values_list("user__username", "role")
    )
    assert linked == {
        "tianshan_supervisor": "supervisor",
        "tianshan_staff": "full_time",
        "tianshan_director_1": "director",
        "tianshan_director_2": "director",
        "xianxia_director_1": "director",
    }
    assert all(
        name.startswith("演示·") for name in StaffMember.objects.values_list("name", flat=True)
    )
    assert all(m.phone.startswith("1700001") for m in StaffMember.objects.all())
    assert display_wall_people(subdistrict=Area.objects.get(code="310105006"))


def test_every_working_director_is_trained_and_the_honours_are_there(loaded):
    district = Area.objects.get(code="310105")
    start, end = default_period(timezone.localdate())
    summary = training_rate(area=district, start=start, end=end)
    by_role = {line.key: line for line in summary.by_role}
    assert by_role["director"].rate == 100.0 and by_role["director"].required == 144
    assert [p.role for p in summary.untrained] == ["full_time"]  # one of 新泾镇's, to show
    titles = list(Honour.objects.values_list("title", "member__subdistrict__name", "member__role"))
    assert (
        "全国农村留守儿童关爱保护和困境儿童保障工作先进个人",
        "江苏路街道",
        "supervisor",
    ) in titles
    assert ("“儿童主任的一天”征文活动 二等奖", "天山路街道", "director") in titles
    assert TrainingSession.objects.filter(title="儿童主任能力提升培训班").exists()


def test_a_rerun_adds_nothing(loaded):
    before = (StaffMember.objects.count(), Attendance.objects.count(), AuditEvent.objects.count())
    call_command("demo", "--children", "40", stdout=io.StringIO())
    after = (StaffMember.objects.count(), Attendance.objects.count(), AuditEvent.objects.count())
    assert before == after
