"""A suggestion's states (one table; see core.workflow), docs/domain.md §8.4:
held → received (approved) or rejected; received → assigned (routed with a deadline) →
in progress → answered, or declined with a reason. Routing again (a new department or
deadline) is allowed until it is answered. The station's keepers (district staff, the 街镇's
supervisor and station staff) take every step; a 儿童主任 of the 居民区 a suggestion is routed
to records its progress and answer."""

from django.utils.translation import gettext_lazy as _

from weibao.core.workflow import StateMachine, Transition
from weibao.suggestions.choices import State as S

KEEPER, DIRECTOR = "keeper", "director"
KEEPERS = frozenset({KEEPER})
WORKERS = frozenset({KEEPER, DIRECTOR})

SUGGESTION = StateMachine(
    "suggestion",
    S.values,
    [
        Transition("approve", frozenset({S.HELD}), S.RECEIVED, KEEPERS, _("Approve and publish")),
        Transition("reject", frozenset({S.HELD}), S.REJECTED, KEEPERS, _("Do not publish")),
        Transition(
            "route",
            frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS}),
            S.ASSIGNED,
            KEEPERS,
            _("Route"),
        ),
        Transition("start", frozenset({S.ASSIGNED}), S.IN_PROGRESS, WORKERS, _("Work has started")),
        Transition(
            "answer", frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.ANSWERED, WORKERS, _("Answer")
        ),
        Transition(
            "decline",
            frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS}),
            S.DECLINED,
            KEEPERS,
            _("Decline"),
        ),
    ],
)
