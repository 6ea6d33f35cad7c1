"""Helpers of the roster and training tests: people put on the roster through the service."""

import datetime as dt
import itertools

from weibao.staff.models import StaffMember
from weibao.staff.services import staff_create

_phones = itertools.count(1)


def add_member(actor, area, role: str = "director", **overrides) -> StaffMember:
    """A person on the roster, through staff_create (as `actor`, who keeps `area`)."""
    data = {
        "name": overrides.pop("name", f"测试{role}{next(_phones)}"),
        "role": role,
        "area": area,
        "phone": f"1700002{next(_phones):04d}",
        "start_date": dt.date(2020, 1, 1),
    }
    data.update(overrides)
    return staff_create(actor=actor, data=data)
