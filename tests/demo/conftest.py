"""The demo loaded once per module, or once for the modules of stories/ (tests.helpers.
rows_kept_across_tests): a load takes seconds, and these tests read it; what a test writes
(a second load, an account deleted) is undone before the next test."""

import datetime as dt

from tests.conftest import child_data
from weibao.accounts.models import User
from weibao.areas.models import Area
from weibao.children.models import Child
from weibao.children.services import child_create

N = 60  # children: a small demo, with too few in tianshan_director_1's 居民区 for the stories


def register(community: Area, name: str, birth: dt.date) -> Child:
    actor = User.objects.get(username="district_admin")
    return child_create(
        actor=actor,
        data=child_data(community, name=name, birth_date=birth),
        categories=[],  # no visit rule of its own: the return home sets the next visit
        guardians=[],
    )
