"""The hash chains that make the audit log and the access log tamper-evident (docs/operations.md).

Each log is one chain. Its rows are numbered by `seq` (1, 2, 3 … without gaps) and each row's
`chain_hash` is HMAC-SHA256(audit key, previous row's chain_hash + this row's canonical content).
The key is derived from the installation's key material (never stored in the database), so
someone who can write to the database alone cannot recompute the hashes of a row they changed:
`chain_verify` names the first row whose content, number or place no longer fits.

Appending locks the log's ChainHead row first (SELECT … FOR UPDATE on PostgreSQL; on SQLite the
write transaction's lock does the same), so two writers never extend the chain from the same row.
A writer of the access log locks the audit head too, always audit first, so that a transaction
writing both logs cannot deadlock with another.
"""

import datetime as dt
import hmac
import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import models, transaction
from django.utils import timezone

from weibao.audit.hashing import link_hash
from weibao.audit.models import AccessLog, AuditEvent, ChainHead
from weibao.core.bulk import JsonText, insert_plain

Log = ChainHead.Log
MODELS: dict[str, type[models.Model]] = {Log.AUDIT: AuditEvent, Log.ACCESS: AccessLog}
LOG_OF = {model: log for log, model in MODELS.items()}
# Heads are always locked in this order (see the module's docstring).
LOCK_ORDER = [Log.AUDIT, Log.ACCESS]
# The row's id is given by the database at insert, after hashing; the hash cannot cover itself.
# The district (AccessLog.district, AuditEvent.district) is a copy of the child's (or the
# case's) that moves with it (services.access_log_move, audit_events_move): a hash over it
# would break at every move, and the child or case it follows is hashed. Leaving it out also
# keeps the content of the rows written before the column existed what it was when they were
# hashed.
NOT_HASHED = frozenset({"id", "chain_hash", "district_id"})
BATCH = 2000


def hashed_fields(model) -> list[str]:
    """The columns a row's hash covers: all of them but its id, its hash and its district."""
    return [f.attname for f in model._meta.concrete_fields if f.attname not in NOT_HASHED]


def written_fields(model) -> list[str]:
    """The columns an insert writes: all of them but the id the database gives."""
    return [f.attname for f in model._meta.concrete_fields if f.attname not in {"id", "chain_hash"}]


# --- appending ----------------------------------------------------------------------------------


def _locked_head(log: str) -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(log=log).first()
    if head is None:
        # A flushed database (tests), or a head row removed by hand: continue from the last row,
        # so the numbering stays unique; `chain_verify` still checks every link.
        last = MODELS[log].objects.order_by("-seq").values("seq", "chain_hash").first() or {}
        ChainHead.objects.get_or_create(
            log=log, defaults={"seq": last.get("seq", 0), "hash": last.get("chain_hash", "")}
        )
        head = ChainHead.objects.select_for_update().get(log=log)
    return head


# The lock order is the heads' names, descending: one statement locks them in that order
# (PostgreSQL sorts before it locks: its row locks are taken as the sorted rows come out).
assert sorted(LOCK_ORDER, reverse=True) == LOCK_ORDER


def _lock_heads(log: str) -> ChainHead:
    names = LOCK_ORDER[: LOCK_ORDER.index(log) + 1]
    heads = ChainHead.objects.select_for_update().filter(log__in=names).order_by("-log")
    found = {head.log: head for head in heads}
    if len(found) < len(names):  # a head to be made first (see _locked_head)
        found = {name: _locked_head(name) for name in names}
    return found[log]


def _jsonable(model, row: models.Model) -> None:
    # What the database will give back: tuples become lists, number keys strings.
    for f in model._meta.concrete_fields:
        if isinstance(f, models.JSONField):
            value = getattr(row, f.attname)
            setattr(row, f.attname, json.loads(json.dumps(value, cls=f.encoder)))


def chain_append(model, **values: Any):
    """Write one row at the end of its log's chain (the only way log rows are written)."""
    log = LOG_OF[model]
    names = hashed_fields(model)
    with transaction.atomic():
        head = _lock_heads(log)
        row = model(**values)
        row.seq = head.seq + 1
        row.at = timezone.now()
        _jsonable(model, row)
        row.chain_hash = link_hash(head.hash, log, {n: getattr(row, n) for n in names}, names)
        row.save(force_insert=True)
        ChainHead.objects.filter(pk=head.pk).update(seq=row.seq, hash=row.chain_hash)
    return row


class Appended(NamedTuple):
    """A row written by chain_append_many: its number and hash (the id is the database's)."""

    seq: int
    chain_hash: str


def _row_values(model, columns: list[str], values: dict[str, Any]) -> dict[str, Any]:
    """The column values (attribute names) of a row given as `model(**values)` takes it: a
    relation by its object or its id, a column left out by its default."""
    row = {}
    for f in model._meta.concrete_fields:
        if f.attname not in columns:
            continue
        if f.name in values:
            value = values[f.name]
            row[f.attname] = value.pk if f.is_relation and value is not None else value
        elif f.attname in values:
            row[f.attname] = values[f.attname]
        else:
            row[f.attname] = f.get_default()
    return row


def chain_append_many(model, rows: list[dict[str, Any]]) -> list[Appended]:
    """Write `rows` at the end of their log's chain under one lock of its head, in one insert:
    a batch of changes (an import's chunk of new files) costs one lock and one move of the head
    instead of one per row. The rows are numbered and linked in the order given, and inserted
    in that order, so their ids ascend with their numbers as `chain_verify` expects. They are
    written as plain tuples (core.bulk), a model instance per row costing more than its hash."""
    if not rows:
        return []
    log = LOG_OF[model]
    names, columns = hashed_fields(model), written_fields(model)
    fields = model._meta.concrete_fields
    json_names = [(f.attname, f.encoder) for f in fields if isinstance(f, models.JSONField)]
    with transaction.atomic():
        head = _lock_heads(log)
        seq, last_hash, at = head.seq, head.hash, timezone.now()
        tuples, written = [], []
        for values in rows:
            row = _row_values(model, columns, values)
            seq += 1
            row["seq"], row["at"] = seq, at
            texts = {}
            for name, encoder in json_names:
                if row[name] is None:
                    continue  # SQL NULL, as Django writes it
                # What the database will give back (tuples become lists, number keys strings)
                # is what the hash covers; the text is what is sent.
                texts[name] = JsonText(json.dumps(row[name], cls=encoder))
                row[name] = json.loads(texts[name])
            last_hash = link_hash(last_hash, log, row, names)
            tuples.append((*(texts.get(n, row[n]) for n in columns), last_hash))
            written.append(Appended(seq, last_hash))
        insert_plain(model, (*columns, "chain_hash"), tuples)
        ChainHead.objects.filter(pk=head.pk).update(seq=seq, hash=last_hash)
    return written


# --- verifying ----------------------------------------------------------------------------------

PROBLEMS = {
    "altered": "its content, its number or the row before it was changed",
    "missing": "the rows numbered before it are missing (deleted)",
    "reordered": "it was moved: its id comes before the id of the row preceding it",
    "tail": "the last rows of the log are missing (deleted), or the chain head was changed",
    "checkpoint": "the row verified last time is no longer the same",
}


@dataclass(frozen=True)
class Break:
    """The first place where a chain does not hold."""

    log: str
    seq: int
    row_id: int | None
    at: dt.datetime | None
    problem: str

    def describe(self) -> str:
        where = f"row id {self.row_id} (seq {self.seq}" if self.row_id else f"seq {self.seq} ("
        when = f", written {timezone.localtime(self.at):%Y-%m-%d %H:%M:%S}" if self.at else ""
        return f"{self.log} log broken at {where}{when}): {PROBLEMS[self.problem]}"


@dataclass
class Verification:
    log: str
    checked: int = 0
    last_seq: int = 0
    last_id: int = 0
    last_hash: str = ""
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _problem(row: dict[str, Any], done: Verification, names: list[str]) -> str | None:
    if row["seq"] != done.last_seq + 1:
        return "missing"
    if row["id"] <= done.last_id:
        return "reordered"
    expected = link_hash(done.last_hash, done.log, row, names)
    if not hmac.compare_digest(expected, row["chain_hash"]):
        return "altered"
    return None


def chain_verify(
    log: str, *, after_seq: int = 0, after_id: int = 0, after_hash: str = "", batch: int = BATCH
) -> Verification:
    """Walk the chain of `log` from the start (or from a row known good: after_*) to its head and
    stop at the first break. Rows appended while it runs are left for the next run: the walk
    ends at the head as it was read first."""
    model = MODELS[log]
    names = hashed_fields(model)
    head = ChainHead.objects.filter(log=log).values("seq", "hash").first()
    done = Verification(log=log, last_seq=after_seq, last_id=after_id, last_hash=after_hash)
    rows = model.objects.order_by("seq").values("id", "chain_hash", *names)
    if head is not None:
        rows = rows.filter(seq__lte=head["seq"])
    while batch_rows := list(rows.filter(seq__gt=done.last_seq)[:batch]):
        for row in batch_rows:
            problem = _problem(row, done, names)
            if problem:
                done.broken = Break(log, done.last_seq + 1, row["id"], row["at"], problem)
                return done
            done.checked += 1
            done.last_seq, done.last_id, done.last_hash = row["seq"], row["id"], row["chain_hash"]
    if head is not None and (head["seq"], head["hash"]) != (done.last_seq, done.last_hash):
        done.broken = Break(log, done.last_seq + 1, None, None, "tail")
    return done


def chain_verify_from(log: str, checkpoint: tuple[int, int, str] | None) -> Verification:
    """Verify only what was appended since `checkpoint` (seq, id, hash of the row verified last
    time), after checking that that row is still there, unchanged and linked to the one before."""
    if checkpoint is None:
        return chain_verify(log)
    seq, row_id, row_hash = checkpoint
    names = hashed_fields(MODELS[log])
    rows = {
        row["seq"]: row
        for row in MODELS[log]
        .objects.filter(seq__in=[seq - 1, seq])
        .values("id", "chain_hash", *names)
    }
    found, before = rows.get(seq), rows.get(seq - 1, {"chain_hash": ""} if seq == 1 else None)
    if (
        found is None
        or before is None
        or (found["id"], found["chain_hash"]) != (row_id, row_hash)
        or link_hash(before["chain_hash"], log, found, names) != row_hash
    ):
        at = found["at"] if found else None
        return Verification(log=log, broken=Break(log, seq, row_id, at, "checkpoint"))
    return chain_verify(log, after_seq=seq, after_id=row_id, after_hash=row_hash)
