"""Referral states: pending → accepted / rejected → completed, or revoked (one table; see
core.workflow). Partners have no accounts: the case's workers record the partner's answers."""

from django.utils.translation import gettext_lazy as _

from weibao.cases.workflow import WORKERS
from weibao.core.workflow import StateMachine, Transition
from weibao.referrals.models import Referral

F = Referral.State
REFERRAL = StateMachine(
    "referral",
    F.values,
    [
        Transition("accept", frozenset({F.PENDING}), F.ACCEPTED, WORKERS, _("Partner accepted")),
        Transition("reject", frozenset({F.PENDING}), F.REJECTED, WORKERS, _("Partner rejected")),
        Transition(
            "complete", frozenset({F.ACCEPTED}), F.COMPLETED, WORKERS, _("Completed, with feedback")
        ),
        Transition("revoke", frozenset({F.PENDING, F.ACCEPTED}), F.REVOKED, WORKERS, _("Revoke")),
    ],
)
