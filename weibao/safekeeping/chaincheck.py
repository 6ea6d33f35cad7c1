"""The daily verification of the audit chains (run by the daily job through
visits.hooks.daily_checks): only what was appended since the last run, from the row verified
then, so it stays quick on a log of millions of rows. A break is told to the district staff,
once. `weibao audit verify` walks the whole chains (docs/operations.md)."""

import logging

from weibao.accounts.models import Role
from weibao.accounts.selectors import users_with_role_in_areas
from weibao.areas.models import Area
from weibao.audit.chain import MODELS, Break, chain_verify_from
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.notifications.models import Notification
from weibao.notifications.services import notify

logger = logging.getLogger("weibao.audit")


def checkpoint_key(log: str) -> str:
    return f"audit_chain_verified:{log}"


def checkpoint(log: str) -> tuple[int, int, str] | None:
    """(seq, id, hash) of the last row verified, or None before the first run."""
    value = SiteState.objects.filter(key=checkpoint_key(log)).values_list("value", flat=True)
    parts = (value.first() or "").split(":")
    if len(parts) != 3:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def _tell_district(broken: Break) -> int:
    districts = Area.objects.filter(level=Area.Level.DISTRICT).values_list("pk", flat=True)
    sent = 0
    for user_id in users_with_role_in_areas(roles=[Role.DISTRICT_STAFF], area_ids=districts):
        sent += notify(
            recipient_id=user_id,
            kind=Notification.Kind.AUDIT_CHAIN_BROKEN,
            key=f"audit_chain:{broken.log}:{broken.seq}",
            params={"log": broken.log, "seq": broken.seq},
        )
    return sent


def audit_chain_check(today) -> dict[str, int]:
    breaks = 0
    for log in MODELS:
        result = chain_verify_from(log, checkpoint(log))
        if result.ok:
            if result.last_seq:
                site_state_set(
                    key=checkpoint_key(log),
                    value=f"{result.last_seq}:{result.last_id}:{result.last_hash}",
                )
            continue
        breaks += 1
        logger.error("Audit chain broken: %s", result.broken.describe())
        _tell_district(result.broken)
    return {"audit_chain_breaks": breaks}
