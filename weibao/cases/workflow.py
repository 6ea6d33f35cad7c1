"""The case stages and who may move a case between them (one table; see core.workflow).

Roles are relative to the case (selectors.case_roles): the owner; station staff of its 街镇;
the 街镇's supervisor; district staff; and any other member of the case team (MEMBER: a person
named in the plan, the 居民区's 儿童主任), who sees the case and records the services they
deliver but does not move it between stages."""

from django.utils.translation import gettext_lazy as _

from weibao.cases.choices import Stage
from weibao.core.workflow import StateMachine, Transition

OWNER, STAFF, SUPERVISOR, DISTRICT = "owner", "staff", "supervisor", "district"
MEMBER = "member"
WORKERS = frozenset({OWNER, STAFF, SUPERVISOR, DISTRICT})
# Who may record a service delivered on the case: the workers and the rest of the team.
TEAM = WORKERS | {MEMBER}
APPROVERS = frozenset({SUPERVISOR, DISTRICT})

S = Stage
CASE = StateMachine(
    "case",
    Stage.values,
    [
        Transition("file", frozenset({S.DISCOVERED}), S.FILED, WORKERS, _("File the case")),
        # The first assessment moves the case on; later ones (case_reassess) keep its stage.
        Transition("assess", frozenset({S.FILED}), S.ASSESSED, WORKERS, _("Record the assessment")),
        # Needs a plan (一人一策): see services.case_transition.
        Transition(
            "intervene",
            frozenset({S.ASSESSED}),
            S.INTERVENING,
            WORKERS,
            _("Start the intervention"),
        ),
        Transition("serve", frozenset({S.INTERVENING}), S.SERVING, WORKERS, _("Start services")),
        Transition("track", frozenset({S.SERVING}), S.TRACKING, WORKERS, _("Start follow-up")),
        Transition(
            "resume_services", frozenset({S.TRACKING}), S.SERVING, WORKERS, _("Resume services")
        ),
        Transition(
            "request_close",
            frozenset({S.ASSESSED, S.INTERVENING, S.SERVING, S.TRACKING}),
            S.CLOSING,
            WORKERS,
            _("Ask to close"),
        ),
        # Four eyes: the approver must not be the one who asked (services enforce it).
        Transition(
            "approve_close", frozenset({S.CLOSING}), S.CLOSED, APPROVERS, _("Approve closing")
        ),
        # Back to the stage the case was in when closing was asked (Case.stage_before_closing).
        Transition(
            "reject_close", frozenset({S.CLOSING}), S.TRACKING, APPROVERS, _("Refuse closing")
        ),
        Transition("reopen", frozenset({S.CLOSED}), S.FILED, WORKERS, _("Reopen")),
    ],
)
