"""The hash chains that make the audit log and the access log tamper-evident (docs/operations.md).

Each log is a set of chains: one per district, holding the rows written in it (a row's `chain`
is its `district` when it is written), and the site's (SITE_CHAIN: the rows that name no
district, and every row written before the logs were split, migration 0011). A chain's rows are
numbered by `seq` (1, 2, 3 … without gaps) and each row's `chain_hash` is HMAC-SHA256(audit
key, previous row's chain_hash + this row's canonical content), the content labelled with its
log and chain (`label`), so a row copied into another chain does not verify there. The key is
derived from the installation's key material (never stored in the database), so someone who can
write to the database alone cannot recompute the hashes of a row they changed: `chain_verify`
names the first row of a chain whose content, number or place no longer fits.

Appending locks the chain's head (ChainHead, SELECT … FOR UPDATE on PostgreSQL; on SQLite the
write transaction's lock does the same), so two writers never extend a chain from the same row,
and the writers of two districts never wait for each other: one head for the whole country would
be one row every write locks (docs/scale.md, "What changes in the code", point 3). A writer of
the access log locks the audit head of its chain too, always audit first, so that a transaction
writing both logs cannot deadlock with another. Across chains there is no order: a transaction
writing into two chains locks them as it writes (docs/scale.md, point 3, "Two chains in one
transaction").
"""

import datetime as dt
import hmac
import json
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, NamedTuple

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from weibao.areas.models import Area
from weibao.audit.hashing import link_hash
from weibao.audit.models import SITE_CHAIN, AccessLog, AuditEvent, ChainHead
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
# hashed. The chain is hashed as the content's label (`label`) rather than as a column, for the
# same reason: the rows of the site's chain keep the content they were hashed with.
NOT_HASHED = frozenset({"id", "chain_hash", "district_id", "chain"})
BATCH = 2000
CHECKPOINTS_A_QUERY = 300


def hashed_fields(model) -> list[str]:
    """The columns a row's content covers: all of them but its id, its hash, its district and
    its chain (which `label` covers)."""
    return [f.attname for f in model._meta.concrete_fields if f.attname not in NOT_HASHED]


def written_fields(model) -> list[str]:
    """The columns an insert writes: all of them but the id the database gives."""
    return [f.attname for f in model._meta.concrete_fields if f.attname not in {"id", "chain_hash"}]


def label(log: str, chain: int) -> str:
    """The label a row's content is hashed under: its log, and its chain unless it is the
    site's (whose rows, written before the chains were split, were hashed under the log's name
    alone)."""
    return log if chain == SITE_CHAIN else f"{log}@{chain}"


def chain_of(district_id: int | None) -> int:
    """The chain a row written now joins: the district it names, or the site's."""
    return district_id if district_id is not None else SITE_CHAIN


def heads_of(log: str) -> models.QuerySet:
    """The heads of every chain of `log` (ChainHead.log holds their labels)."""
    return ChainHead.objects.filter(Q(log=log) | Q(log__startswith=f"{log}@"))


def district_names() -> dict[int, str]:
    """The districts' names by id, for `Break.describe`."""
    return dict(Area.objects.filter(level=Area.Level.DISTRICT).values_list("pk", "name"))


def chain_keys(log: str) -> list[int]:
    """Every chain of `log` there may be: the site's, each district's, and any chain with a
    head (a district since removed). A row whose chain was changed to another number leaves a
    gap in the chain it was a link of, which is walked."""
    heads = heads_of(log).values_list("chain", flat=True)
    districts = Area.objects.filter(level=Area.Level.DISTRICT).values_list("pk", flat=True)
    return sorted({SITE_CHAIN, *heads, *districts})


# --- appending ----------------------------------------------------------------------------------


def _locked_head(log: str, chain: int) -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(log=label(log, chain)).first()
    if head is None:
        # A new district's first row, a flushed database (tests), or a head row removed by
        # hand: continue from the chain's last row, so the numbering stays unique;
        # `chain_verify` still checks every link. Two first writers of a chain: the head's
        # unique rule lets one create it, and the other then waits for its lock.
        rows = MODELS[log].objects.filter(chain=chain).order_by("-seq")
        last = rows.values("seq", "chain_hash").first() or {}
        ChainHead.objects.get_or_create(
            log=label(log, chain),
            defaults={
                "chain": chain,
                "seq": last.get("seq", 0),
                "hash": last.get("chain_hash", ""),
            },
        )
        head = ChainHead.objects.select_for_update().get(log=label(log, chain))
    return head


# The lock order is the heads' labels, descending: one statement locks them in that order
# (PostgreSQL sorts before it locks: its row locks are taken as the sorted rows come out).
assert sorted(LOCK_ORDER, reverse=True) == LOCK_ORDER
assert sorted((label(n, 7) for n in LOCK_ORDER), reverse=True) == [label(n, 7) for n in LOCK_ORDER]


def _lock_heads(log: str, chain: int) -> ChainHead:
    """Lock the head of `log`'s chain, and before it the heads it is locked after (LOCK_ORDER)
    of the same chain."""
    names = LOCK_ORDER[: LOCK_ORDER.index(log) + 1]
    labels = [label(name, chain) for name in names]
    heads = ChainHead.objects.select_for_update().filter(log__in=labels).order_by("-log")
    found = {head.log: head for head in heads}
    if len(found) < len(names):  # a head to be made first (see _locked_head)
        found = {label(name, chain): _locked_head(name, chain) for name in names}
    return found[label(log, chain)]


def _jsonable(model, row: models.Model) -> None:
    # What the database will give back: tuples become lists, number keys strings.
    for f in model._meta.concrete_fields:
        if isinstance(f, models.JSONField):
            value = getattr(row, f.attname)
            setattr(row, f.attname, json.loads(json.dumps(value, cls=f.encoder)))


def chain_append(model, **values: Any):
    """Write one row at the end of its chain (the only way log rows are written): the chain of
    the district it names (`district_id`), or the site's."""
    log = LOG_OF[model]
    names = hashed_fields(model)
    with transaction.atomic():
        row = model(**values)
        row.chain = chain_of(row.district_id)
        head = _lock_heads(log, row.chain)
        row.seq = head.seq + 1
        row.at = timezone.now()
        _jsonable(model, row)
        content = {n: getattr(row, n) for n in names}
        row.chain_hash = link_hash(head.hash, label(log, row.chain), content, names)
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
    """Write `rows` at the end of their chains under one lock of each chain's head, in one
    insert per chain: a batch of changes (an import's chunk of new files) costs one lock and one
    move of the head instead of one per row. A chain's rows are numbered and linked in the order
    given, and inserted in that order, so their ids ascend with their numbers as `chain_verify`
    expects; the chains are written in the order of their keys, the order their heads are
    locked in. They are written as plain tuples (core.bulk), a model instance per row costing
    more than its hash. Answers each row's number and hash, in the order of `rows`."""
    if not rows:
        return []
    log = LOG_OF[model]
    columns = written_fields(model)
    prepared = [_row_values(model, columns, values) for values in rows]
    for row in prepared:
        row["chain"] = chain_of(row["district_id"])
    order = sorted(range(len(prepared)), key=lambda n: prepared[n]["chain"])
    written: list[Appended | None] = [None] * len(rows)
    with transaction.atomic():
        for chain, numbers in groupby(order, key=lambda n: prepared[n]["chain"]):
            numbers = list(numbers)
            links = _append_to_chain(model, log, chain, [prepared[n] for n in numbers])
            for n, link in zip(numbers, links, strict=True):
                written[n] = link
    return written


def _append_to_chain(model, log: str, chain: int, rows: list[dict[str, Any]]) -> list[Appended]:
    names, columns = hashed_fields(model), written_fields(model)
    json_names = [
        (f.attname, f.encoder)
        for f in model._meta.concrete_fields
        if isinstance(f, models.JSONField)
    ]
    head = _lock_heads(log, chain)
    seq, last_hash, at, tag = head.seq, head.hash, timezone.now(), label(log, chain)
    tuples, written = [], []
    for row in rows:
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
        last_hash = link_hash(last_hash, tag, row, names)
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
    chain: int
    seq: int
    row_id: int | None
    at: dt.datetime | None
    problem: str

    def describe(self, names: dict[int, str] | None = None) -> str:
        """In words, for an operator; `names`: the districts' names by id."""
        district = f"{(names or {}).get(self.chain, 'district')} ({self.chain})"
        chain = "the site's chain" if self.chain == SITE_CHAIN else f"the chain of {district}"
        where = f"row id {self.row_id} (seq {self.seq}" if self.row_id else f"seq {self.seq} ("
        when = f", written {timezone.localtime(self.at):%Y-%m-%d %H:%M:%S}" if self.at else ""
        return f"{self.log} log, {chain}, broken at {where}{when}): {PROBLEMS[self.problem]}"


@dataclass
class Verification:
    """The walk of one chain."""

    log: str
    chain: int = SITE_CHAIN
    checked: int = 0
    last_seq: int = 0
    last_id: int = 0
    last_hash: str = ""
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


@dataclass
class LogVerification:
    """The walk of every chain of one log."""

    log: str
    chains: list[Verification] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(chain.ok for chain in self.chains)

    @property
    def checked(self) -> int:
        return sum(chain.checked for chain in self.chains)

    @property
    def broken(self) -> list[Break]:
        return [chain.broken for chain in self.chains if chain.broken is not None]


def _problem(row: dict[str, Any], done: Verification, names: list[str]) -> str | None:
    if row["seq"] != done.last_seq + 1:
        return "missing"
    if row["id"] <= done.last_id:
        return "reordered"
    expected = link_hash(done.last_hash, label(done.log, done.chain), row, names)
    if not hmac.compare_digest(expected, row["chain_hash"]):
        return "altered"
    return None


def chain_verify(
    log: str,
    chain: int = SITE_CHAIN,
    *,
    after_seq: int = 0,
    after_id: int = 0,
    after_hash: str = "",
    batch: int = BATCH,
    before_split: bool = False,
) -> Verification:
    """Walk one chain of `log` from the start (or from a row known good: after_*) to its head
    and stop at the first break. Rows appended while it runs are left for the next run: the
    walk ends at the head as it was read first. Reads the chain's rows by (chain, seq), the
    index of its unique rule. `before_split`: the database predates migration 0011 (a backup
    of an older version, just restored), its log one chain without the `chain` column."""
    model = MODELS[log]
    names = hashed_fields(model)
    head = ChainHead.objects.filter(log=label(log, chain)).values("seq", "hash").first()
    done = Verification(
        log=log, chain=chain, last_seq=after_seq, last_id=after_id, last_hash=after_hash
    )
    rows = model.objects.all() if before_split else model.objects.filter(chain=chain)
    rows = rows.order_by("seq").values("id", "chain_hash", *names)
    if head is not None:
        rows = rows.filter(seq__lte=head["seq"])
    while batch_rows := list(rows.filter(seq__gt=done.last_seq)[:batch]):
        for row in batch_rows:
            problem = _problem(row, done, names)
            if problem:
                done.broken = Break(log, chain, done.last_seq + 1, row["id"], row["at"], problem)
                return done
            done.checked += 1
            done.last_seq, done.last_id, done.last_hash = row["seq"], row["id"], row["chain_hash"]
    if head is not None and (head["seq"], head["hash"]) != (done.last_seq, done.last_hash):
        done.broken = Break(log, chain, done.last_seq + 1, None, None, "tail")
    return done


def log_verify(log: str) -> LogVerification:
    """Walk every chain of `log` (`chain_keys`) from its first row."""
    return LogVerification(log, [chain_verify(log, chain) for chain in chain_keys(log)])


def _checkpoint_break(
    log: str, chain: int, checkpoint: tuple[int, int, str], rows: dict[int, dict], names: list[str]
) -> Break | None:
    """The break at a chain's checkpoint, if the row verified last time (`rows` holds it and the
    one before it, by number) is no longer there, the same, and linked to the one before."""
    seq, row_id, row_hash = checkpoint
    found, before = rows.get(seq), rows.get(seq - 1, {"chain_hash": ""} if seq == 1 else None)
    if (
        found is None
        or before is None
        or (found["id"], found["chain_hash"]) != (row_id, row_hash)
        or link_hash(before["chain_hash"], label(log, chain), found, names) != row_hash
    ):
        return Break(log, chain, seq, row_id, found["at"] if found else None, "checkpoint")
    return None


def checkpoints_hold(log: str, points: dict[int, tuple[int, int, str]]) -> list[Break]:
    """Check the checkpoints of many chains (chain: (seq, id, hash)) in one query for each
    CHECKPOINTS_A_QUERY of them: the breaks found. For the chains that gained no row since
    (safekeeping.chaincheck)."""
    if not points:
        return []
    names = hashed_fields(MODELS[log])
    rows: dict[int, dict[int, dict]] = {}
    chains = list(points)
    # A few hundred chains a query: SQLite refuses an expression deeper than 1,000 terms.
    for start in range(0, len(chains), CHECKPOINTS_A_QUERY):
        wanted = Q()
        for chain in chains[start : start + CHECKPOINTS_A_QUERY]:
            wanted |= Q(chain=chain, seq__in=[points[chain][0] - 1, points[chain][0]])
        found = MODELS[log].objects.filter(wanted).values("chain", "id", "chain_hash", *names)
        for row in found:
            rows.setdefault(row["chain"], {})[row["seq"]] = row
    found = (
        _checkpoint_break(log, chain, point, rows.get(chain, {}), names)
        for chain, point in points.items()
    )
    return [broken for broken in found if broken is not None]


def chain_verify_from(
    log: str, chain: int, checkpoint: tuple[int, int, str] | None
) -> Verification:
    """Verify only what was appended to one chain since `checkpoint` (seq, id, hash of the row
    verified last time), after checking that that row is still there, unchanged and linked to
    the one before."""
    if checkpoint is None:
        return chain_verify(log, chain)
    seq, row_id, row_hash = checkpoint
    names = hashed_fields(MODELS[log])
    rows = {
        row["seq"]: row
        for row in MODELS[log]
        .objects.filter(chain=chain, seq__in=[seq - 1, seq])
        .values("id", "chain_hash", *names)
    }
    broken = _checkpoint_break(log, chain, checkpoint, rows, names)
    if broken is not None:
        return Verification(log=log, chain=chain, broken=broken)
    return chain_verify(log, chain, after_seq=seq, after_id=row_id, after_hash=row_hash)
