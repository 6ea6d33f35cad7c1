"""The daily verification of the audit chains (run by the daily job through
visits.hooks.daily_checks): only what was appended to each chain since the last run, from the
row verified then, so it stays quick on a log of millions of rows. A break is told, once, to the
staff of the chain's district (every district's staff for the site's chain). `weibao audit
verify` walks the whole chains (docs/operations.md)."""

import logging

from weibao.accounts.models import Role
from weibao.accounts.selectors import users_with_role_in_areas
from weibao.areas.models import Area
from weibao.audit.chain import (
    MODELS,
    Break,
    chain_keys,
    chain_verify_from,
    checkpoints_hold,
    district_names,
    heads_of,
    label,
)
from weibao.audit.models import SITE_CHAIN
from weibao.core.models import SiteState
from weibao.core.site_state import site_state_set
from weibao.notifications.models import Notification
from weibao.notifications.services import notify

logger = logging.getLogger("weibao.audit")
PREFIX = "audit_chain_verified:"


def checkpoint_key(log: str, chain: int = SITE_CHAIN) -> str:
    """The site's chain keeps the key it had when each log was one chain."""
    return PREFIX + label(log, chain)


def _parsed(value: str) -> tuple[int, int, str] | None:
    parts = value.split(":")
    if len(parts) != 3:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def checkpoints() -> dict[str, tuple[int, int, str] | None]:
    """(seq, id, hash) of the last row verified in each chain, by checkpoint_key: one query."""
    rows = SiteState.objects.filter(key__startswith=PREFIX).values_list("key", "value")
    return {key: _parsed(value) for key, value in rows}


def checkpoint(log: str, chain: int = SITE_CHAIN) -> tuple[int, int, str] | None:
    """The checkpoint of one chain, or None before its first run."""
    return checkpoints().get(checkpoint_key(log, chain))


def _tell_district(broken: Break) -> int:
    if broken.chain == SITE_CHAIN:
        districts = list(
            Area.objects.filter(level=Area.Level.DISTRICT).values_list("pk", flat=True)
        )
        params = {"log": broken.log, "seq": broken.seq}
    else:
        districts = [broken.chain]
        name = Area.objects.filter(pk=broken.chain).values_list("name", flat=True).first()
        params = {"log": broken.log, "seq": broken.seq, "chain": broken.chain, "district": name}
    sent = 0
    for user_id in users_with_role_in_areas(roles=[Role.DISTRICT_STAFF], area_ids=districts):
        sent += notify(
            recipient_id=user_id,
            kind=Notification.Kind.AUDIT_CHAIN_BROKEN,
            key=f"audit_chain:{label(broken.log, broken.chain)}:{broken.seq}",
            params=params,
        )
    return sent


def _unmoved(head: tuple[int, str] | None, point: tuple[int, int, str] | None) -> bool:
    """Whether nothing was appended to a chain since its checkpoint: its head is where the
    check left it, or it has neither (no row yet)."""
    if head is None or point is None:
        return head is None and point is None
    return head == (point[0], point[2])


def _found(broken: Break) -> None:
    logger.error("Audit chain broken: %s", broken.describe(district_names()))
    _tell_district(broken)


def audit_chain_check(today) -> dict[str, int]:
    """Walk what each chain of each log gained since its checkpoint. The chains whose head has
    not moved only have their checkpoint row checked, a few hundred chains a query: a
    country's thousands of quiet chains do not each cost queries."""
    done = checkpoints()
    breaks = 0
    for log in MODELS:
        heads = {
            chain: (seq, head)
            for chain, seq, head in heads_of(log).values_list("chain", "seq", "hash")
        }
        quiet = {}
        for chain in chain_keys(log):
            key = checkpoint_key(log, chain)
            if _unmoved(heads.get(chain), done.get(key)):
                if done.get(key) is not None:
                    quiet[chain] = done[key]
                continue
            result = chain_verify_from(log, chain, done.get(key))
            if result.ok:
                if result.last_seq:
                    site_state_set(
                        key=key, value=f"{result.last_seq}:{result.last_id}:{result.last_hash}"
                    )
                continue
            breaks += 1
            _found(result.broken)
        for broken in checkpoints_hold(log, quiet):
            breaks += 1
            _found(broken)
    return {"audit_chain_breaks": breaks}
