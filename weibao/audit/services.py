from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist

from weibao.areas.models import Area
from weibao.audit.chain import Appended, chain_append, chain_append_many
from weibao.audit.models import AccessLog, AuditEvent
from weibao.audit.sealing import has_encrypted_fields, seal_changes, seal_note


def _district_of(obj, child, case, district: int | None = None) -> int | None:
    """The district a row is filed under (AuditEvent.district): its case's, else its child's,
    else the one the caller names (`district`: a record whose own row has none, e.g. a
    station's evidence, names its station's), else the object's own (`own_district`), else
    none. Read from the objects the caller holds, so no query is added (but for an area of a
    居民区 whose 街镇 is not loaded: one)."""
    if case is not None:
        return case.district_id
    if child is not None:
        return child.district_id
    if district is not None:
        return district
    return own_district(obj)


def own_district(obj) -> int | None:
    """The district an object names itself: an area's (the district it lies in), its model's
    `district` column (a workstation, a training session, a report, a district's policy, …),
    or the district of its `area` (a partner, a role). None for an object without one: an
    account, a token, a site-wide rule. Migration 0010 filled the rows written before by the
    same rules."""
    if isinstance(obj, Area):
        return obj.district_pk
    for name in ("district", "area"):
        try:
            column = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if (column.many_to_one or column.one_to_one) and column.related_model is Area:
            if name == "district":
                return getattr(obj, column.attname)
            area = getattr(obj, name)
            return area.district_pk if area is not None else None
    return None


def audit_record(
    *,
    actor,
    action: str,
    obj,
    child=None,
    case=None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    sealed: Collection[str] = (),
    district: int | None = None,
) -> AuditEvent:
    """Call inside the transaction of the change being recorded. The values of `obj`'s encrypted
    fields in `changes` (and those under the keys `sealed`) are stored encrypted, and so is the
    note of a row about a child, a case or a record with encrypted fields (audit.sealing).
    `district`: for a row about neither a child nor a case, the district of an object that
    names none itself (`own_district`), e.g. its parent's."""
    model = obj._meta.model  # not type(obj): request.user is a lazy object
    if child is not None or case is not None or has_encrypted_fields(model):
        note = seal_note(note)
    return chain_append(
        AuditEvent,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        district_id=_district_of(obj, child, case, district),
        child=child,
        case=case,
        changes=seal_changes(model, changes or {}, also=sealed),
        note=note,
    )


@dataclass(frozen=True)
class AuditEntry:
    """One row of a batch for `audit_record_many`: what `audit_record` takes, but the actor."""

    action: str
    obj: Any
    child: Any = None
    changes: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def audit_record_many(*, actor, entries: list[AuditEntry]) -> list[Appended]:
    """`audit_record` for a batch of changes made together by one actor (an import's chunk):
    the same rows, sealed the same way, appended to the chain under one lock. Answers each
    row's number and hash."""
    actor = actor if actor is not None and actor.is_authenticated else None
    rows = []
    for entry in entries:
        model = entry.obj._meta.model
        note = entry.note
        if entry.child is not None or has_encrypted_fields(model):
            note = seal_note(note)
        rows.append(
            {
                "actor": actor,
                "action": entry.action,
                "object_type": entry.obj._meta.label_lower,
                "object_id": str(entry.obj.pk),
                "district_id": _district_of(entry.obj, entry.child, None),
                "child": entry.child,
                "case": None,
                "changes": seal_changes(model, entry.changes or {}),
                "note": note,
            }
        )
    return chain_append_many(AuditEvent, rows)


def access_log_record(
    *, user, child, channel: str, kind: str = AccessLog.Kind.VIEW, field: str = "", reason: str = ""
) -> AccessLog:
    return chain_append(
        AccessLog,
        user=user,
        district_id=child.district_id,  # the key the reads of the child's log name (models)
        child=child,
        channel=channel,
        kind=kind,
        field=field,
        reason=reason,
    )


def access_log_move(*, child, from_district: int) -> int:
    """The child's access log follows the child to another district (called by the children
    services that move a file, in their transaction; their audit row records the move), as
    the child's guardians do. The district is the one column of a log row that may change: the
    hash chain leaves it out and the database's append-only trigger lets it alone change
    (AccessLog's docstring). Returns how many rows moved."""
    if child.district_id == from_district:
        return 0
    return AccessLog.objects.filter(district_id=from_district, child=child).update(
        district_id=child.district_id
    )


def audit_events_move(*, from_district: int, child=None, case=None) -> int:
    """The audit history of `child` (the rows naming it and no case: its file's, its visits',
    its reports' without a case) or of `case` (every row naming the case) follows it to its new
    district, as access_log_move does for the access log. Called by the service that moves the
    child or the case, in its transaction, after it has set the new district: a transfer
    (transfers.services.move_child_and_records) runs both. Each row follows the one object
    whose reads name it — the child's history (children.history) or the case's timeline
    (cases.timeline) — so a child that moves without its case leaves neither read short. Only
    the district changes: the chain leaves it out of the hash and the database's append-only
    trigger lets it alone change (AuditEvent's docstring). One UPDATE by (district, child) or
    (district, case), which the (child, -at) and (case, at) indexes answer. Returns how many
    rows moved."""
    if (child is None) == (case is None):
        raise ValueError("audit_events_move moves the history of a child or of a case")
    owner = child if child is not None else case
    if owner.district_id == from_district:
        return 0
    rows = AuditEvent.objects.filter(district_id=from_district)
    if child is not None:
        rows = rows.filter(child=child, case__isnull=True)
    else:
        rows = rows.filter(case=case)
    return rows.update(district_id=owner.district_id)


def audit_job(*, action: str, run: str, changes: dict[str, Any]) -> AuditEvent:
    """The row of a scheduled job's run (no actor): `run` names it, e.g. the day it ran for."""
    return chain_append(
        AuditEvent, actor=None, action=action, object_type="job", object_id=run, changes=changes
    )
