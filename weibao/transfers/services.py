"""Writes for transfers (docs/domain.md §3.12): ask, cancel, refuse, accept. Each runs in one
transaction and writes its audit row (with the child, so the file's history shows the move).

Accepting moves the child in ONE transaction, each app moving its own rows with its own service
(a service never writes another app's tables): the file (children.child_move, which re-plans
the visits), the visits and concerns, every case of the child (cases.case_move_area, which also
hands a case to the receiving supervisor when its owner does not work in the new area) and what
hangs off each case — service records, referrals, temporary guardianship. The plan and the
timeline hang off the case and follow it. Audit rows stay as they were written.

The same move, without a request and a decision, takes the children of a 居民区 that the
district merges or closes to another 居民区 of its 街镇 (children_move_administratively,
docs/domain.md §1.16): move_child_and_records is the one place both go through."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weibao.areas.models import Area, lock_where_read
from weibao.audit.services import audit_record
from weibao.cases.services import case_move_area
from weibao.children.choices import Status
from weibao.children.models import Child
from weibao.children.services import child_change_status, child_move
from weibao.core.exceptions import Blocked, ConflictError
from weibao.core.text import checked_text, clean_text
from weibao.ledger.services import service_records_move_area
from weibao.notifications.models import Notification
from weibao.notifications.services import (
    notifications_answer,
    notifications_rename_child,
    notify,
)
from weibao.protection.services import protection_records_move_area
from weibao.referrals.services import referrals_move_area
from weibao.transfers import blockers
from weibao.transfers.hooks import child_rows_move
from weibao.transfers.models import Transfer
from weibao.transfers.selectors import (
    child_cases,
    deciders,
    directors_of,
    has_pending_transfer,
    is_district_staff_of,
    may_start,
    supervisor_or,
    supervisor_to_own,
    transfer_roles,
)
from weibao.transfers.workflow import TRANSFER
from weibao.visits.services import visits_move_area

DISTRICT_NAME_LIMIT = 64


def _url(transfer: Transfer) -> str:
    return f"/transfers/{transfer.pk}/"


def _destination(transfer: Transfer) -> dict:
    """Where the child is to move, as the file's history shows it."""
    if transfer.out_of_district:
        return {"to_district_name": {"old": None, "new": transfer.to_district_name}}
    area = transfer.to_community
    return {"to_community": {"old": None, "new": {"id": area.pk, "name": transfer.destination}}}


# --- asking -------------------------------------------------------------------------------


def destination_errors(
    child: Child, to_community: Area | None, out_of_district: bool, to_district_name: str
) -> dict[str, list[str]]:
    """Field → messages for where the child is to move (the form shows them with the rest)."""
    errors: dict[str, list[str]] = {}
    if out_of_district:
        if to_community is not None:
            errors["to_community"] = [
                _("Choose a new residential area or “moved out of the district”, not both.")
            ]
        if not to_district_name:
            errors["to_district_name"] = [_("Please give the district the child moves to.")]
        elif len(to_district_name) > DISTRICT_NAME_LIMIT:
            errors["to_district_name"] = [
                _("Please keep this under %(n)d characters.") % {"n": DISTRICT_NAME_LIMIT}
            ]
        return errors
    if to_community is None:
        errors["to_community"] = [_("Please choose the new residential area.")]
    elif (
        to_community.level != Area.Level.COMMUNITY
        or to_community.parent.parent_id != child.district_id
    ):
        errors["to_community"] = [_("Choose a residential area of this district.")]
    elif to_community.closed_at is not None:
        errors["to_community"] = [_("%(area)s is closed.") % {"area": to_community.name}]
    elif to_community.pk == child.community_id:
        errors["to_community"] = [_("The child already lives in this residential area.")]
    if to_district_name:
        errors["to_district_name"] = [_("A district is given only for a move out of the district.")]
    return errors


@transaction.atomic
def transfer_request(
    *,
    actor,
    child: Child,
    reason: str,
    to_community: Area | None = None,
    out_of_district: bool = False,
    to_district_name: str = "",
) -> Transfer:
    """Ask for the child to move to `to_community` (a 居民区 of the district) or out of the
    district. Asked by the people of the child's present area; decided by the receiving 街镇
    (transfer_accept, transfer_refuse). At most one pending transfer per child."""
    if not may_start(actor, child):
        raise PermissionDenied
    current = lock_where_read(Child.objects, child)
    to_district_name = clean_text(to_district_name)
    errors = destination_errors(current, to_community, out_of_district, to_district_name)
    try:
        reason = checked_text(
            reason, "reason", required=True, message=_("Please say why the child is moving.")
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    blockers.require_can_request(current)
    transfer = Transfer(
        child=current,
        reason=reason,
        to_community=None if out_of_district else to_community,
        to_subdistrict_id=None if out_of_district else to_community.parent_id,
        out_of_district=out_of_district,
        to_district_name=to_district_name if out_of_district else "",
        requested_by=actor,
    )
    transfer.copy_area_of(current)
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError as exc:  # someone asked for the same child at the same moment
        raise Blocked(
            _("A transfer of this child is already awaiting a decision."), code="pending"
        ) from exc
    audit_record(
        actor=actor,
        action="transfer.request",
        obj=transfer,
        child=current,
        changes={"status": {"old": None, "new": transfer.status}, **_destination(transfer)},
        note=reason,
    )
    for user_id in deciders(transfer):
        notify(
            recipient_id=user_id,
            kind=Notification.Kind.TRANSFER_REQUESTED,
            key=f"transfer_requested:{transfer.pk}",
            params=_params(transfer),
            url=_url(transfer),
        )
    return transfer


def _params(transfer: Transfer) -> dict:
    # No child link on the notification: the receiving side may not see the file yet.
    return {
        "reference": transfer.reference,
        "child": transfer.child.name,
        "to": transfer.destination,
    }


# --- deciding -----------------------------------------------------------------------------


def _lock(transfer: Transfer, expected_version: int | None) -> Transfer:
    current = lock_where_read(
        # Not joined to its child: a child moved since the request (blockers' "child_moved")
        # may lie in another district, and the transfer must still be found to be cancelled.
        # The child is read, or locked, by its own district where it is needed.
        Transfer.objects.select_for_update(of=("self",)).select_related(
            "to_community", "to_community__parent"
        ),
        transfer,
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


def _decide(
    actor, current: Transfer, name: str, note: str, *, note_required: bool, message: str = ""
) -> str:
    """Check the step in the table (who, from which state), four eyes for a decision, the
    note; set the new status and who decided when. Returns the old status."""
    TRANSFER.check(name, current.status, transfer_roles(actor, current))
    if name != "cancel":
        blockers.require_own_request_decided_by_other(current, actor)
    note = checked_text(note, "note", required=note_required, message=message)
    old = current.status
    current.status = TRANSFER.get(name).target
    current.decided_by, current.decided_at = actor, timezone.now()
    current.decision_note = note
    return old


def _finish(actor, current: Transfer, old: str, action: str) -> None:
    current.version += 1
    current.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
    audit_record(
        actor=actor,
        action=action,
        obj=current,
        child=current.child,
        changes={"status": {"old": old, "new": current.status}},
        note=current.decision_note,
    )
    # The question is answered: nobody else needs to be asked any more.
    notifications_answer(keys=[f"transfer_requested:{current.pk}"])


@transaction.atomic
def transfer_cancel(
    *, actor, transfer: Transfer, note: str = "", expected_version: int | None = None
) -> Transfer:
    """The sending side withdraws its request (the family stayed after all; a wrong 居民区)."""
    current = _lock(transfer, expected_version)
    old = _decide(actor, current, "cancel", note, note_required=False)
    _finish(actor, current, old, "transfer.cancel")
    return current


@transaction.atomic
def transfer_refuse(
    *, actor, transfer: Transfer, note: str, expected_version: int | None = None
) -> Transfer:
    """The receiving 街镇 refuses, saying why (the address is not theirs, the family has not
    moved yet). Nothing moves."""
    current = _lock(transfer, expected_version)
    old = _decide(
        actor,
        current,
        "refuse",
        note,
        note_required=True,
        message=_("Please say why the transfer is refused."),
    )
    _finish(actor, current, old, "transfer.refuse")
    _notify_requester(current, accepted=False)
    return current


@transaction.atomic
def transfer_accept(
    *, actor, transfer: Transfer, note: str = "", expected_version: int | None = None
) -> Transfer:
    """The receiving 街镇 accepts: the child, their visits, cases and everything hanging off
    the cases move to the new 居民区, all in this transaction. For a move out of the district
    the child is marked transferred (转出) instead, once any open case is closed."""
    current = _lock(transfer, expected_version)
    child = lock_where_read(Child.objects, current.child)
    old = _decide(actor, current, "accept", note, note_required=False)
    blockers.require_can_accept(current, child)
    current.child = child
    if current.out_of_district:
        current.child = _mark_moved_out(actor, current, child)
    else:
        current.child = _move_everything(actor, current, child)
    _finish(actor, current, old, "transfer.accept")
    _notify_requester(current, accepted=True)
    if not current.out_of_district:
        _notify_arrival(actor, current)
    return current


def _move_everything(actor, transfer: Transfer, child: Child) -> Child:
    note = _("Transfer %(reference)s.") % {"reference": transfer.reference}
    return move_child_and_records(
        actor=actor,
        child=child,
        community=transfer.to_community,
        note=note,
        owner_if_outside=supervisor_to_own(transfer, actor),
    )


def move_child_and_records(
    *, actor, child: Child, community: Area, note: str, owner_if_outside, with_area: bool = False
) -> Child:
    """Move the child's file and every row that follows it to `community`, each app with its
    own service (docs/architecture.md, "Moving a child's rows to another area"): the file
    (which re-plans the visits and recounts both 居民区), the visits and concerns, every case,
    and what hangs off each case. A case whose owner does not work in the new area goes to
    `owner_if_outside`. `with_area`: the child moves because the district merged or closed
    their 居民区 (the file's history says so). Runs inside the caller's transaction, which has
    checked who may."""
    child = child_move(
        actor=actor, child=child, community=community, note=note, with_area=with_area
    )
    visits_move_area(actor=actor, child=child)
    for case in child_cases(child):
        case = case_move_area(
            actor=actor,
            case=case,
            community=community,
            owner_if_outside=owner_if_outside,
            note=note,
        )
        service_records_move_area(actor=actor, case=case)
        referrals_move_area(actor=actor, case=case)
        protection_records_move_area(actor=actor, case=case)
    child_rows_move.call(actor=actor, child=child)
    return child


# --- a 居民区 merged or closed (the administration app) -------------------------------------

# The note of every audit row of the move, on each child's history (docs/domain.md §1.16).
ADMINISTRATIVE_MOVE_NOTE = gettext_lazy("Residential area merged or closed")


@transaction.atomic
def children_move_administratively(
    *, actor, children: Iterable[Child], community: Area, across_subdistricts: bool = False
) -> list[Child]:
    """District staff move the files on the register of a 居民区 they merge or close to
    `community`, another open 居民区 of the same 街镇: for each child, what an accepted
    transfer moves, in this one transaction, with the note "居民区合并/撤销" on every audit row
    of the child's history. No request and no decision: the district decides the whole
    居民区's move (administration.services). A child awaiting a transfer blocks it (decide
    that first). With `across_subdistricts` (the 街镇 itself merging into another of the
    district) `community` may lie in another 街镇 of the child's district."""
    note = str(ADMINISTRATIVE_MOVE_NOTE)
    if community.level != Area.Level.COMMUNITY or community.closed_at is not None:
        raise ValidationError({"into": [_("Choose an open residential area.")]})
    owner = None
    moved = []
    for child in children:
        current = lock_where_read(Child.objects, child)
        if not is_district_staff_of(actor, current.district_id):
            raise PermissionDenied
        if (
            current.district_id != community.parent.parent_id
            if across_subdistricts
            else current.subdistrict_id != community.parent_id
        ):
            raise ValidationError(
                {"into": [_("Choose a residential area of the same sub-district or town.")]}
            )
        if has_pending_transfer(current):
            raise Blocked(
                _("A transfer of %(child)s is awaiting a decision: decide it first.")
                % {"child": current.name},
                code="pending_transfer",
            )
        if owner is None:
            owner = supervisor_or(community.parent_id, actor)
        moved.append(
            move_child_and_records(
                actor=actor,
                child=current,
                community=community,
                note=note,
                owner_if_outside=owner,
                with_area=True,
            )
        )
    return moved


def area_transfers_guard(*, area: Area) -> None:
    """areas.hooks.area_close_guards: no transfer out of the area, or into it, is awaiting a
    decision when it closes (accepting one would move a child into a closed 居民区, or find
    the child gone)."""
    column = area.scope_field()
    to_column = "to_community" if area.level == Area.Level.COMMUNITY else "to_subdistrict"
    n = (
        Transfer.objects.filter(status=Transfer.Status.REQUESTED)
        .filter(Q(**{f"{column}_id": area.pk}) | Q(**{f"{to_column}_id": area.pk}))
        .count()
    )
    if n:
        raise Blocked(
            _("%(n)d transfers from or into %(area)s await a decision: decide them first.")
            % {"n": n, "area": area.name},
            code="transfers",
        )


def _mark_moved_out(actor, transfer: Transfer, child: Child) -> Child:
    """Out of the district: the file stays here, marked transferred (转出) with the district's
    name; nothing of it is sent anywhere by the system."""
    reason = _("Moved to %(district)s (transfer %(reference)s).") % {
        "district": transfer.to_district_name,
        "reference": transfer.reference,
    }
    return child_change_status(
        actor=actor,
        child=child,
        expected_version=child.version,
        status=Status.TRANSFERRED,
        date=timezone.localdate(),
        reason=reason[:200],
    )


def _notify_requester(transfer: Transfer, *, accepted: bool) -> None:
    if transfer.requested_by_id == transfer.decided_by_id:
        return
    notify(
        recipient_id=transfer.requested_by_id,
        kind=Notification.Kind.TRANSFER_DECIDED,
        key=f"transfer_decided:{transfer.pk}",
        params={**_params(transfer), "accepted": accepted},
        url=_url(transfer),
    )


def _notify_arrival(actor, transfer: Transfer) -> None:
    """The new 居民区's directors, and the owner of the child's open case, are told the child
    (and the case) have arrived."""
    child = transfer.child
    case = next((c for c in child_cases(child) if c.is_open), None)
    params = {**_params(transfer), "case": case.reference if case else ""}
    recipients = set(directors_of(transfer.to_community_id))
    if case is not None:
        recipients.add(case.owner_id)
    for user_id in sorted(recipients - {actor.pk}):
        notify(
            recipient_id=user_id,
            kind=Notification.Kind.TRANSFER_ARRIVED,
            key=f"transfer_arrived:{transfer.pk}",
            child=child,
            params=params,
            url=f"/children/{child.pk}/",
        )


# --- the end of the retention period (children.hooks.child_anonymise_parts) -----------------

# A refusal must say why (the table's constraint): an anonymised one says only this.
ANONYMISED_NOTE = "—"


def transfers_anonymise_child(*, actor, child: Child) -> dict[str, int]:
    """The child's file is anonymised (inside children.services.child_anonymise's
    transaction, which writes the audit row): the reasons for the moves and the decision notes
    are cleared, and the messages about the child's transfers (which name the child without
    linking the file) name the placeholder. Where from, where to, who decided and when
    stay."""
    transfers = Transfer.objects.filter(child=child)
    ids = list(transfers.values_list("pk", flat=True))
    cleared = transfers.update(reason="")
    transfers.filter(status=Transfer.Status.REFUSED).update(decision_note=ANONYMISED_NOTE)
    transfers.exclude(status=Transfer.Status.REFUSED).update(decision_note="")
    keys = [
        f"{kind}:{pk}"
        for pk in ids
        for kind in ("transfer_requested", "transfer_decided", "transfer_arrived")
    ]
    renamed = notifications_rename_child(name=child.name, keys=keys) if keys else 0
    return {"transfers": cleared, "transfer_notifications": renamed}
