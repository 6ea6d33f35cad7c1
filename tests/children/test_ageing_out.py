"""Dynamic management: a record ages out at 18 by itself, from the birth date, with no edit."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.helpers import fast_password_hashing  # noqa: F401  (autouse fixture)
from weibao.audit.models import AuditEvent
from weibao.children.choices import AGED_OUT
from weibao.children.models import Child, adult_cutoff
from weibao.children.selectors import minors_in_scope
from weibao.children.services import child_change_status


def _born(child: Child, birth: dt.date) -> Child:
    """A birth date the register could hold (registered years ago), set without child_create,
    which judges age against the real date."""
    Child.objects.filter(pk=child.pk).update(birth_date=birth)
    return Child.objects.get(pk=child.pk)


def test_minor_shows_active_until_the_day_before_the_18th_birthday(child_a):
    birth = child_a.birth_date  # 2015-06-01
    assert child_a.effective_status(dt.date(2033, 5, 31)) == "active"
    assert child_a.is_minor(dt.date(2033, 5, 31))
    assert child_a.age(dt.date(2033, 5, 31)) == 17
    assert birth == dt.date(2015, 6, 1)


def test_minor_shows_aged_out_on_the_18th_birthday_without_any_edit(child_a):
    version, status = child_a.version, child_a.status
    assert child_a.effective_status(dt.date(2033, 6, 1)) == AGED_OUT
    assert child_a.effective_status(dt.date(2040, 1, 1)) == AGED_OUT
    assert child_a.age(dt.date(2033, 6, 1)) == 18
    stored = Child.objects.get(pk=child_a.pk)
    assert (stored.status, stored.version) == (status, version)  # nothing was written
    assert AuditEvent.objects.filter(child=child_a).count() == 1


def test_a_freshly_registered_minor_is_active_today(child_a):
    assert child_a.effective_status() == "active"
    assert child_a.effective_status(timezone.localdate()) == "active"


@pytest.mark.parametrize(
    "today, expected, age",
    [
        (dt.date(2026, 2, 27), "active", 17),
        (dt.date(2026, 2, 28), "active", 17),  # common year: no 29 February
        (dt.date(2026, 3, 1), AGED_OUT, 18),  # the birthday falls on 1 March
        (dt.date(2027, 1, 1), AGED_OUT, 18),
    ],
)
def test_child_born_on_29_february_ages_out_on_1_march_of_a_common_year(
    make_child, today, expected, age
):
    child = _born(make_child(name="闰日"), dt.date(2008, 2, 29))
    assert child.effective_status(today) == expected
    assert child.is_minor(today) == (expected == "active")
    assert child.age(today) == age


def test_today_on_29_february_uses_28_february_as_the_cutoff():
    assert adult_cutoff(dt.date(2024, 2, 29)) == dt.date(2006, 2, 28)
    assert adult_cutoff(dt.date(2024, 3, 1)) == dt.date(2006, 3, 1)
    assert adult_cutoff(dt.date(2026, 6, 15)) == dt.date(2008, 6, 15)


def test_moved_out_child_keeps_its_status_and_is_not_shown_as_aged_out(child_a, director_a):
    child_change_status(
        actor=director_a,
        child=child_a,
        expected_version=1,
        status="moved_out",
        date=timezone.localdate(),
        reason="迁出本市",
    )
    moved = Child.objects.get(pk=child_a.pk)
    assert moved.effective_status(dt.date(2040, 1, 1)) == "moved_out"
    assert moved.effective_status() == "moved_out"


def test_effective_status_label_says_aged_out(make_child):
    child = _born(make_child(name="成年"), dt.date(2000, 1, 1))
    assert child.effective_status_label() != child.get_status_display()


def test_minors_in_scope_excludes_aged_out_and_moved_out(make_child, district_officer, director_a):
    minor = make_child("community_a", name="未成年")
    turns_18 = make_child("community_a", name="将满十八")
    moved = make_child("community_a", name="迁出")
    other = make_child("community_b", name="乙区")
    _born(turns_18, dt.date(2012, 7, 1))
    child_change_status(
        actor=district_officer,
        child=moved,
        expected_version=1,
        status="moved_out",
        date=timezone.localdate(),
        reason="迁出",
    )

    before = dt.date(2030, 6, 30)
    on_birthday = dt.date(2030, 7, 1)
    assert set(minors_in_scope(director_a, before)) == {minor, turns_18}
    assert set(minors_in_scope(director_a, on_birthday)) == {minor}
    assert set(minors_in_scope(district_officer, on_birthday)) == {minor, other}


def test_minors_in_scope_is_empty_without_scope(child_a, unassigned):
    assert not minors_in_scope(unassigned).exists()
