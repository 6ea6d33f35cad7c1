"""A workstation's states: planned → building → operating ⇄ suspended (one table; see
core.workflow). The 街镇's supervisor and the district move a station; its staff keep its details
and evidence but do not open or suspend it."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weibao.core.workflow import StateMachine, Transition
from weibao.stations.choices import StationStatus as S

DISTRICT, SUPERVISOR, STAFF = "district", "supervisor", "staff"
MOVERS = frozenset({DISTRICT, SUPERVISOR})
KEEPERS = frozenset({DISTRICT, SUPERVISOR, STAFF})

STATION = StateMachine(
    "station",
    S.values,
    [
        Transition("build", frozenset({S.PLANNED}), S.BUILDING, MOVERS, _("Start building")),
        Transition("open", frozenset({S.BUILDING}), S.OPERATING, MOVERS, _("Open the station")),
        Transition("suspend", frozenset({S.OPERATING}), S.SUSPENDED, MOVERS, _("Suspend")),
        Transition(
            "resume",
            frozenset({S.SUSPENDED}),
            S.OPERATING,
            MOVERS,
            pgettext_lazy("workstation", "Reopen"),
        ),
    ],
)
