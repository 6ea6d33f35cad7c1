"""The sensitive values an audit row records are stored encrypted ("sealed"; docs/security.md).

The free text of a child's health, family and harm details is encrypted at rest in its own
table (core.fields.EncryptedTextField). An audit row that records such a value — a child's health
notes before and after an edit, a visit's findings — would keep it in clear for as long as the
log is kept, so it is sealed before the row is written: the value is replaced by
{"enc": "<Fernet token>"}, under the same field keys (core.crypto). Which values are sealed is
derived, never listed, so a field made an EncryptedTextField is sealed in the log too without
anyone remembering it:

- a key of `changes` that names an EncryptedTextField of the row's model (its "old" and "new"
  sealed one by one; an empty value stays empty, as in the field's own column);
- under a key that names a relation (a child's `guardians`), each entry of the list, against the
  related model, and the entry's `fields`;
- the keys a writer names itself (`also`), for a value kept under a name that is no field of the
  row's model;
- the row's note — the free text typed with the change (a case summary, a referral's reason, a
  transfer's reason) — whole, as one token, when the row is about a child or a case or about a
  record that has encrypted fields. A note on an account, a partner or a rule stays as typed.

The hash chain covers what is stored (the tokens), so verifying it needs no field key, and rows
written before sealing existed are left as they are (the log is append-only). Reading opens the
values again (`opened`, `opened_note`) for the pages that already show them to their readers;
a value whose key is no longer configured reads as UNREADABLE instead of failing the page.
`weibao keys status` finds the tokens in the log and names the keys it still needs
(docs/operations.md)."""

import json
from collections.abc import Collection
from functools import lru_cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from weibao.core import crypto
from weibao.core.fields import EncryptedTextField

MARK = "enc"
_EMPTY = (None, "", [], {})


def unreadable() -> str:
    return _("(encrypted with a field key that is no longer configured)")


# --- sealing (audit.services.audit_record) ------------------------------------------------------


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {MARK} and isinstance(value[MARK], str)


def seal(value: Any) -> Any:
    """One value sealed (its JSON, so a number or a list comes back as it was)."""
    if value in _EMPTY or is_sealed(value):
        return value
    return {MARK: crypto.encrypt(json.dumps(value, ensure_ascii=False))}


def _seal_change(change: Any) -> Any:
    if isinstance(change, dict) and change and set(change) <= {"old", "new"}:
        return {key: seal(value) for key, value in change.items()}
    return seal(change)


# Asked for every key of every audit row (an import's chunk seals a thousand rows of twenty
# keys): the answer per model and key is kept, the fields of a model being fixed at start-up.
@lru_cache(maxsize=4096)
def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


@lru_cache(maxsize=256)
def has_encrypted_fields(model) -> bool:
    return model is not None and any(
        isinstance(f, EncryptedTextField) for f in model._meta.concrete_fields
    )


def seal_changes(model, changes: dict[str, Any], *, also: Collection[str] = ()) -> dict[str, Any]:
    """`changes` with the values of `model`'s encrypted fields (and of the keys `also`) sealed."""
    out: dict[str, Any] = {}
    for key, change in changes.items():
        field = _field(model, key) if model is not None else None
        if key in also or isinstance(field, EncryptedTextField):
            out[key] = _seal_change(change)
        elif field is not None and field.is_relation and isinstance(change, list):
            out[key] = [
                _seal_entry(field.related_model, entry) if isinstance(entry, dict) else entry
                for entry in change
            ]
        else:
            out[key] = change
    return out


def _seal_entry(model, entry: dict[str, Any]) -> dict[str, Any]:
    # An entry of a list under a relation: {"op": "change", "name": …, "fields": {…}}.
    sealed = seal_changes(model, entry)
    if isinstance(entry.get("fields"), dict):
        sealed["fields"] = seal_changes(model, entry["fields"])
    return sealed


def seal_note(note: str) -> str:
    return crypto.encrypt(note) if note else note


# --- opening (the pages that show audit rows) ---------------------------------------------------


def opened(value: Any) -> Any:
    """A row's `changes` (or any part of it) with every sealed value opened."""
    if is_sealed(value):
        try:
            return json.loads(crypto.decrypt(value[MARK]))
        except ValueError:  # no configured key opens it (json's errors are ValueErrors too)
            return unreadable()
    if isinstance(value, dict):
        return {key: opened(item) for key, item in value.items()}
    if isinstance(value, list):
        return [opened(item) for item in value]
    return value


def opened_note(note: str) -> str:
    if not note or not crypto.FERNET_TOKEN.fullmatch(note):
        return note  # written before notes were sealed, or not about a child
    try:
        return crypto.decrypt(note)
    except ValueError:
        return unreadable()
