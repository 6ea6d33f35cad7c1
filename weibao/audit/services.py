from typing import Any

from weibao.audit.chain import chain_append
from weibao.audit.models import AccessLog, AuditEvent


def audit_record(
    *,
    actor,
    action: str,
    obj,
    child=None,
    case=None,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Call inside the transaction of the change being recorded."""
    return chain_append(
        AuditEvent,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        child=child,
        case=case,
        changes=changes or {},
        note=note,
    )


def access_log_record(
    *, user, child, channel: str, kind: str = AccessLog.Kind.VIEW, field: str = "", reason: str = ""
) -> AccessLog:
    return chain_append(
        AccessLog, user=user, child=child, channel=channel, kind=kind, field=field, reason=reason
    )


def audit_job(*, action: str, run: str, changes: dict[str, Any]) -> AuditEvent:
    """The row of a scheduled job's run (no actor): `run` names it, e.g. the day it ran for."""
    return chain_append(
        AuditEvent, actor=None, action=action, object_type="job", object_id=run, changes=changes
    )
