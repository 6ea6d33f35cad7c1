"""accounts.selectors.may_reveal answers as user.has_perm(REVEAL_PERMISSION) does, in one
query (the child's file asks it on every read)."""

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from weibao.accounts.models import User
from weibao.accounts.selectors import REVEAL_PERMISSION, may_reveal


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)  # no cached permissions


def _agrees(user) -> bool:
    answer = may_reveal(_fresh(user))
    assert answer == _fresh(user).has_perm(REVEAL_PERMISSION)
    return answer


def test_it_answers_as_has_perm_for_every_way_of_holding_it(director_a, director_b, unassigned):
    assert _agrees(director_a) is True  # granted to the person
    assert _agrees(director_b) is False
    group = Group.objects.create(name="revealers")
    group.permissions.add(Permission.objects.get(codename="reveal_sensitive"))
    director_b.groups.add(group)
    assert _agrees(director_b) is True  # through a group
    unassigned.is_superuser = True
    unassigned.save()
    assert _agrees(unassigned) is True
    director_a.is_active = False
    director_a.save()
    assert _agrees(director_a) is False
    assert may_reveal(AnonymousUser()) is False


def test_it_asks_one_query(director_a):
    user = _fresh(director_a)
    with CaptureQueriesContext(connection) as ctx:
        may_reveal(user)
    assert len(ctx.captured_queries) == 1
