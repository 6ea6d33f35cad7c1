"""Why a step the case workflow offers cannot be taken yet.

A step whose precondition is not met is shown disabled with its reason beside it, and the
services refuse it with the same words (core.exceptions.Blocked: 409 in the API), so nobody fills
in a form that can only be refused."""

from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weibao.cases.choices import PlannedServiceStatus, Stage
from weibao.cases.hooks import case_close_guards
from weibao.cases.models import Case
from weibao.cases.selectors import UNSETTLED, current_plan, follow_up_visits_required
from weibao.core.exceptions import Blocked
from weibao.visits.selectors import completed_home_visits_since


def require_plan(case: Case) -> None:
    """The intervention carries out the case plan (一人一策, docs/domain.md): none, no start."""
    if current_plan(case) is None:
        raise Blocked(
            _("Write the case plan (一人一策) before starting the intervention."),
            code="plan_required",
        )


def closes_without_services(case: Case) -> bool:
    """Closing after the assessment because no protection need was found (无保护需求,
    docs/domain.md §7.7): asked from 已评估 with a reason, it needs no services, no settled plan
    and no follow-up. Everything else closes only after the loop has run."""
    return case.stage == Stage.ASSESSED or bool(case.close_no_need_reason)


def require_plan_items_settled(case: Case) -> None:
    """Every service of the current plan is done, or cancelled with a reason: the plan was
    carried out, or it says why not."""
    plan = current_plan(case)
    items = list(plan.services.all()) if plan is not None else []
    unsettled = [
        item
        for item in items
        if item.status in UNSETTLED
        or (item.status == PlannedServiceStatus.CANCELLED and not item.cancel_reason)
    ]
    if unsettled:
        names = "、".join(item.get_service_type_display() for item in unsettled)
        raise Blocked(
            ngettext(
                "%(n)d planned service is not finished (%(services)s): record the service "
                "that completes it, or cancel it in the plan with a reason.",
                "%(n)d planned services are not finished (%(services)s): record the services "
                "that complete them, or cancel them in the plan with a reason.",
                len(unsettled),
            )
            % {"n": len(unsettled), "services": names},
            code="plan_items_open",
        )


def require_follow_up(case: Case) -> None:
    """The follow-up (跟踪) has seen the child at home: at least the district's number of
    completed home visits dated on or after the day the case last entered 跟踪, i.e. after the
    services ended (the visits of the intervention do not count)."""
    needed = follow_up_visits_required(case)
    if case.tracking_since is None:
        raise Blocked(
            ngettext(
                "The follow-up has not started: when the services have ended, start the "
                "follow-up and record at least %(n)d home visit of the child.",
                "The follow-up has not started: when the services have ended, start the "
                "follow-up and record at least %(n)d home visits of the child.",
                needed,
            )
            % {"n": needed},
            code="follow_up_missing",
        )
    since = timezone.localdate(case.tracking_since)
    done = completed_home_visits_since(case.child, case.tracking_since)
    if done < needed:
        raise Blocked(
            ngettext(
                "The follow-up needs %(n)d completed home visit of the child since %(date)s; "
                "%(done)d so far.",
                "The follow-up needs %(n)d completed home visits of the child since %(date)s; "
                "%(done)d so far.",
                needed,
            )
            % {"n": needed, "date": since.isoformat(), "done": done},
            code="follow_up_missing",
        )


def close_problems(case: Case) -> list[Blocked]:
    """Everything that keeps the case from closing, in the order a worker deals with it: the
    plan, the services (ledger) and referrals (through case_close_guards), the follow-up."""
    checks: list[Callable[[Case], None]] = []
    if not closes_without_services(case):
        checks.append(require_plan_items_settled)
    # The apps above cases decide for themselves whether the no-need path excuses them.
    checks.extend(case_close_guards)
    if not closes_without_services(case):
        checks.append(require_follow_up)
    problems = []
    for check in checks:
        try:
            check(case)
        except Blocked as exc:
            problems.append(exc)
    return problems


def require_close_guards(case: Case) -> None:
    """What closing needs (docs/domain.md §7.5), checked when closing is asked for and again
    when it is approved. When several things are missing the reason names each, one sentence
    a line, so the worker knows everything left to do; the code is the first one's."""
    problems = close_problems(case)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Blocked("\n".join(p.message for p in problems), code=problems[0].code)


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
