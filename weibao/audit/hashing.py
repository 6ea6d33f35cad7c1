"""The hash of one link of the audit chains (weibao.audit.chain), apart from the models: the
migration that chains the rows written before the chains existed uses it too, and a migration
must not import the app's models."""

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

from django.conf import settings

from weibao.core import crypto

# Left out of the canonical content, so that a column added later as nullable or blank does not
# change the content of the rows written before it.
EMPTY = (None, "", {}, [])


def chain_key() -> bytes:
    return crypto.derived_key(crypto.AUDIT_CHAIN_PURPOSE, getattr(settings, "AUDIT_CHAIN_KEY", ""))


def _canonical_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def canonical(log: str, values: dict[str, Any], names: list[str]) -> bytes:
    """One text for one row's content, the same whichever database it was read back from."""
    body = {name: _canonical_value(values[name]) for name in names if values[name] not in EMPTY}
    return json.dumps(
        [str(log), body], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def link_hash(previous: str, log: str, values: dict[str, Any], names: list[str]) -> str:
    message = previous.encode() + b"\n" + canonical(log, values, names)
    return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()
