"""Why a transfer step cannot be taken yet, in the words the page shows beside the disabled step
and the services refuse it with (core.exceptions.Blocked: 409 in the API)."""

from django.utils.translation import gettext as _

from weibao.children.choices import Status
from weibao.children.models import Child
from weibao.core.exceptions import Blocked
from weibao.transfers.models import Transfer
from weibao.transfers.selectors import child_has_records, has_pending_transfer, open_case


def direct_move_refusal(child: Child) -> str | None:
    """children.hooks.community_change_guards: a child with a case or visits moves only through
    a transfer, so that nothing is left behind in the old area; a child with neither may have
    a mistyped 居民区 corrected on the file (docs/domain.md §3.12)."""
    if not child_has_records(child):
        return None
    return _(
        "This child already has a case or visits on record, so the residential area cannot be "
        "changed here: use “Transfer” on the child's page, which the receiving sub-district "
        "accepts."
    )


def require_can_request(child: Child) -> None:
    """A transfer is asked for a child on the register, one at a time."""
    if child.status != Status.ACTIVE:
        raise Blocked(
            _("Only a child on the register can be transferred (status: %(status)s).")
            % {"status": child.get_status_display()},
            code="not_on_register",
        )
    if has_pending_transfer(child):
        raise Blocked(_("A transfer of this child is already awaiting a decision."), code="pending")


def require_own_request_decided_by_other(transfer: Transfer, actor) -> None:
    """Four eyes: whoever asked for the transfer does not decide it."""
    if transfer.requested_by_id == actor.pk:
        raise Blocked(
            _(
                "You asked for this transfer: someone else (the receiving supervisor or the "
                "district) must decide it."
            ),
            code="four_eyes",
        )


def require_can_accept(transfer: Transfer, child: Child) -> None:
    """The child is still where the request says, still on the register, and — for a move out
    of the district — has no open case (it is closed, with its approval, before the child
    leaves the district's care)."""
    if child.community_id != transfer.community_id:
        raise Blocked(
            _(
                "The child's residential area changed after the transfer was asked for: cancel "
                "it and ask again."
            ),
            code="child_moved",
        )
    if child.status != Status.ACTIVE:
        raise Blocked(
            _("The child is no longer on the register (status: %(status)s).")
            % {"status": child.get_status_display()},
            code="not_on_register",
        )
    if transfer.out_of_district and open_case(child) is not None:
        raise Blocked(
            _(
                "The child has an open case: close it (with its approval) before the child "
                "leaves the district."
            ),
            code="open_case",
        )


def transfer_blockers(transfer: Transfer, actions, actor) -> dict[str, str]:
    """{step: reason} for the offered decisions that cannot be taken now."""
    reasons = {}
    for name in actions:
        if name not in ("accept", "refuse"):
            continue
        try:
            require_own_request_decided_by_other(transfer, actor)
            if name == "accept":
                require_can_accept(transfer, transfer.child)
        except Blocked as exc:
            reasons[name] = exc.message
    return reasons
