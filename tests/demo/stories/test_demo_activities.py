"""The demo's projects and activities (weibao/demo/activities.py): the story's five projects,
activities across the year with 文化四季 a series of four, sign-ups and attendance of demo
children so that passports have stamps, the figures kept; made once."""

import pytest
from django.utils import timezone

from weibao.activities.models import Activity, MonthFigure, Project, Series, Signup
from weibao.demo.activities import load_activity_demo
from weibao.demo.data import load_demo

pytestmark = pytest.mark.usefixtures("loaded")


def test_the_demo_has_the_story_s_projects():
    names = set(Project.objects.values_list("name", flat=True))
    assert names == {"艺润童心", "新泾彩虹桥", "阳光橙", "文化四季", "小小讲解员"}
    assert Project.objects.get(name="阳光橙").station is None
    assert Project.objects.get(name="新泾彩虹桥").subdistrict.name == "新泾镇"
    series = Series.objects.get(project__name="文化四季")
    assert series.activities.count() == 4


def test_demo_children_attended_so_their_passports_have_stamps():
    today = timezone.localdate()
    held = Activity.objects.filter(held_on__lte=today, state="held")
    if not held.exists():  # a demo loaded on the first days of January has none yet
        return
    assert Signup.objects.filter(attended=True, child__isnull=False).exists()
    assert MonthFigure.objects.filter(attendances__gt=0).exists()
    assert Activity.objects.filter(held_on__gt=today, state="planned").exists() or today.month == 12


def test_a_second_run_changes_nothing():
    before = (Project.objects.count(), Activity.objects.count(), Signup.objects.count())
    load_demo(children=60)
    assert load_activity_demo(None) == 0
    assert (Project.objects.count(), Activity.objects.count(), Signup.objects.count()) == before


def test_the_demo_is_visibly_demo():
    for project in Project.objects.all():
        assert "演示" in project.goals
    assert all("演示" in s.walkin_name for s in Signup.objects.filter(child__isnull=True))
