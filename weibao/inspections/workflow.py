"""A finding's states: found → on the agenda (of the 居民区's 四位一体 meeting) → in progress
(the meeting decided, with an owner and a due date) → resolved; or closed as not actionable,
with a reason, from any open state. One table (core.workflow). Everyone who keeps the team —
its 居民区's 儿童主任, the 街镇's supervisor and station staff, district staff — moves a finding:
the decision itself is the meeting's, the system records it (docs/domain.md §8.2)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.workflow import StateMachine, Transition
from weibao.inspections.choices import FindingState as S

KEEPER = "keeper"
KEEPERS = frozenset({KEEPER})
OPEN = frozenset({S.FOUND, S.ON_AGENDA, S.IN_PROGRESS})

FINDING = StateMachine(
    "finding",
    S.values,
    [
        Transition(
            "agenda", frozenset({S.FOUND}), S.ON_AGENDA, KEEPERS, _("Put on a meeting's agenda")
        ),
        Transition("unlist", frozenset({S.ON_AGENDA}), S.FOUND, KEEPERS, _("Take off the agenda")),
        Transition(
            "decide",
            frozenset({S.ON_AGENDA}),
            S.IN_PROGRESS,
            KEEPERS,
            _("Record the meeting's decision"),
        ),
        Transition(
            "resolve", frozenset({S.IN_PROGRESS}), S.RESOLVED, KEEPERS, _("Mark as resolved")
        ),
        Transition("close", OPEN, S.CLOSED, KEEPERS, _("Close as not actionable")),
    ],
)
