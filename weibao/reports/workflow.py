"""Report states and who may move a report between them (one table; see core.workflow).

Roles are relative to the report (selectors.report_roles): "triage" is a supervisor or station
staff of the report's 街镇, or district staff of its district."""

from django.utils.translation import gettext_lazy as _

from weibao.core.workflow import StateMachine, Transition
from weibao.reports.models import Report

TRIAGE = "triage"
R = Report.State
REPORT = StateMachine(
    "report",
    R.values,
    [
        Transition(
            "acknowledge",
            frozenset({R.RECEIVED}),
            R.ACKNOWLEDGED,
            frozenset({TRIAGE}),
            _("Acknowledge"),
        ),
        # Taken when the report opens a case or is attached to the child's open case.
        Transition(
            "handle",
            frozenset({R.ACKNOWLEDGED}),
            R.HANDLING,
            frozenset({TRIAGE}),
            _("Start handling"),
        ),
        # Closing sends the outcome message; for situations 1–8 the police must have been told.
        Transition(
            "close",
            frozenset({R.ACKNOWLEDGED, R.HANDLING}),
            R.CLOSED,
            frozenset({TRIAGE}),
            _("Send the outcome and close"),
        ),
    ],
)
