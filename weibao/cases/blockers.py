"""Why a step the case workflow offers cannot be taken yet.

A step whose precondition is not met is shown disabled with its reason beside it, and the
services refuse it with the same words (core.exceptions.Blocked: 409 in the API), so nobody fills
in a form that can only be refused."""

from django.utils.translation import gettext as _

from weibao.cases.hooks import case_close_guards
from weibao.cases.models import Case
from weibao.cases.selectors import current_plan
from weibao.core.exceptions import Blocked


def require_plan(case: Case) -> None:
    """The intervention carries out the case plan (一人一策, docs/domain.md): none, no start."""
    if current_plan(case) is None:
        raise Blocked(
            _("Write the case plan (一人一策) before starting the intervention."),
            code="plan_required",
        )


def require_close_guards(case: Case) -> None:
    """What the apps above cases require before a case may close (a referral's outcome)."""
    case_close_guards.call(case)


CHECKS = {"intervene": require_plan, "request_close": require_close_guards}


def case_blockers(case: Case, actions) -> dict[str, str]:
    """{step: reason} for the offered steps that cannot be taken yet."""
    reasons = {}
    for key in actions:
        check = CHECKS.get(key)
        if check is None:
            continue
        try:
            check(case)
        except Blocked as exc:
            reasons[key] = exc.message
    return reasons
