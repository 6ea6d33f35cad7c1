"""Transfer states: requested → accepted / refused / cancelled (one table; see core.workflow).

Roles are relative to the transfer (selectors.transfer_roles): the sending side (the child's
director, the sending 街镇's supervisor and station staff, district staff) asks and may cancel;
the receiving side (the receiving 街镇's supervisor, district staff; for a move out of the
district the sending 街镇's supervisor) accepts or refuses. Four eyes: whoever asked does not
decide (services enforce it, blockers say so beforehand)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.workflow import StateMachine, Transition
from weibao.transfers.models import Transfer

SENDER, RECEIVER = "sender", "receiver"

S = Transfer.Status
DECIDERS, ASKERS = frozenset({RECEIVER}), frozenset({SENDER})
TRANSFER = StateMachine(
    "transfer",
    S.values,
    [
        Transition(
            "accept", frozenset({S.REQUESTED}), S.ACCEPTED, DECIDERS, _("Accept the transfer")
        ),
        Transition(
            "refuse", frozenset({S.REQUESTED}), S.REFUSED, DECIDERS, _("Refuse the transfer")
        ),
        Transition(
            "cancel", frozenset({S.REQUESTED}), S.CANCELLED, ASKERS, _("Cancel the transfer")
        ),
    ],
)
