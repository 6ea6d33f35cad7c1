"""Helpers of the training tests: sessions and rolls through the services."""

import datetime as dt
from decimal import Decimal

from weibao.training.models import TrainingSession, TrainingTopic
from weibao.training.services import session_create, session_roll_set, topics_ensure_defaults


def topic_of(district, name: str = "民法典") -> TrainingTopic:
    topics_ensure_defaults(district=district)
    return TrainingTopic.objects.get(district=district, name=name)


def a_session(
    actor,
    organiser,
    *,
    held_on: dt.date,
    hours="2",
    present=(),
    absent=(),
    excused=(),
    district=None,
    **overrides,
) -> TrainingSession:
    """A session of `organiser` (the district or a 街镇) with its roll."""
    district = district or (organiser if organiser.parent_id is None else organiser.parent)
    data = {
        "organiser": organiser,
        "topic": topic_of(district),
        "held_on": held_on,
        "mode": "online",
        "trainer": "讲师",
        "hours": Decimal(str(hours)),
    }
    data.update(overrides)
    session = session_create(actor=actor, data=data)
    marks = {m.pk: "present" for m in present}
    marks.update({m.pk: "absent" for m in absent})
    marks.update({m.pk: "excused" for m in excused})
    if marks:
        session_roll_set(actor=actor, session=session, marks=marks)
    return session
