"""Field-key rotation: `weibao keys rotate` and `weibao keys status` (docs/operations.md).

The field keys (settings.FIELD_ENCRYPTION_KEYS) are a list: the first encrypts, every one
decrypts (core.crypto). Rotating is: put a new key first everywhere the application runs, then
rewrite every stored value that is not yet under it. Which values are "stored encrypted" is
found, never listed: every column of an `EncryptedTextField` of every installed model, so a new
encrypted field is rotated without anyone remembering to add it here.

The columns are read and written as raw text (SQL), not through the field, so a value is
decrypted once and written once; and a value that already opens with the first key alone is
left alone, which makes a second run change nothing and an interrupted run resumable without
any state of its own. Each batch is its own transaction, and each row is written only if the
values read are still those stored (compare and set), so a change the application made to the
row meanwhile is never undone.

The lookup hashes (an ID number's, a phone's) are keyed with the lookup-hash key, which no
rotation changes: searching by ID number or phone works before, during and after a rotation.

Log tables are append-only (audit.chain; on PostgreSQL a trigger refuses UPDATE): a value
encrypted in one of them can never be rewritten, so `keys_status` also scans every other text
and JSON column for Fernet tokens and names the tables that still need an old key.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from weibao.audit.chain import MODELS as LOG_MODELS
from weibao.audit.services import audit_job
from weibao.core import crypto
from weibao.core.fields import EncryptedTextField

logger = logging.getLogger("weibao.safekeeping")

DEFAULT_BATCH = 500
TOKEN_RE = crypto.FERNET_TOKEN
FERNET_LIKE = "%gAAAAA%"


@dataclass(frozen=True)
class Table:
    """The columns of one table that hold Fernet tokens (or may)."""

    table: str
    pk: str
    columns: tuple[str, ...]
    append_only: bool

    @property
    def rewritable(self) -> bool:
        return not self.append_only


def _tables_of(pick: Callable[[models.Field], bool]) -> list[Table]:
    log_tables = {model._meta.db_table for model in LOG_MODELS.values()}
    found: dict[str, Table] = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or meta.db_table in found:
            continue
        # Local fields only: a parent's columns live in the parent's table.
        columns = tuple(
            f.column for f in meta.local_concrete_fields if pick(f) and not f.primary_key
        )
        if columns:
            found[meta.db_table] = Table(
                table=meta.db_table,
                pk=meta.pk.column,
                columns=columns,
                append_only=meta.db_table in log_tables,
            )
    return [found[name] for name in sorted(found)]


def encrypted_tables() -> list[Table]:
    """Every table with an EncryptedTextField column, each with all of them."""
    return _tables_of(lambda f: isinstance(f, EncryptedTextField))


def _other_text_tables() -> list[Table]:
    """The text and JSON columns that are not encrypted fields: a Fernet token may sit in one
    (e.g. inside an audit row's recorded values), and rotation cannot rewrite it there."""
    return _tables_of(
        lambda f: (
            not isinstance(f, EncryptedTextField)
            and isinstance(f, models.CharField | models.TextField | models.JSONField)
        )
    )


# --- keys -------------------------------------------------------------------------------------


def field_fernets() -> list[Fernet]:
    # As core.crypto builds its MultiFernet: key 1 encrypts, every key decrypts.
    return [Fernet(key.strip().encode()) for key in settings.FIELD_ENCRYPTION_KEYS]


def key_number(token: str, fernets: list[Fernet]) -> int | None:
    """The number (1 = the first) of the first key that opens `token`; None if none does."""
    for number, fernet in enumerate(fernets, start=1):
        try:
            fernet.decrypt(token)
        except InvalidToken:
            continue
        return number
    return None


# --- reading raw values -----------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _count(table: Table) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {_q(table.table)}")  # noqa: S608 (quoted names)
        return cursor.fetchone()[0]


def _fetch(table: Table, *, after, limit: int, only_tokens: bool = False) -> list[tuple]:
    """Up to `limit` rows (pk first, then the columns as stored text) after the pk `after`."""
    name = _q(table.table)
    pk = f"{name}.{_q(table.pk)}"  # qualified: a cast column may carry the pk's name
    columns = ", ".join(f"CAST({name}.{_q(c)} AS TEXT)" for c in table.columns)
    where, params = [], []
    if after is not None:
        where.append(f"{pk} > %s")
        params.append(after)
    if only_tokens:
        matches = [f"CAST({name}.{_q(c)} AS TEXT) LIKE %s" for c in table.columns]
        where.append("(" + " OR ".join(matches) + ")")
        params += [FERNET_LIKE] * len(table.columns)
    sql = f"SELECT {pk}, {columns} FROM {name}"  # noqa: S608 (quoted names)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {pk} LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return cursor.fetchall()


def _pages(table: Table, *, batch: int, only_tokens: bool = False) -> Iterator[list[tuple]]:
    after = None
    while rows := _fetch(table, after=after, limit=batch, only_tokens=only_tokens):
        yield rows
        after = rows[-1][0]


# --- rotating ---------------------------------------------------------------------------------


@dataclass
class TableRotation:
    table: str
    rows: int = 0  # rows read
    values: int = 0  # non-empty values read
    rewritten: int = 0  # values re-encrypted to the first key
    current: int = 0  # values under the first key already (left alone)
    unreadable: int = 0  # values no configured key opens (left alone)
    changed_meanwhile: int = 0  # rows the application changed between read and write (left)


@dataclass
class Rotation:
    key: str  # the first key's fingerprint
    tables: list[TableRotation] = field(default_factory=list)
    skipped_append_only: list[str] = field(default_factory=list)
    finished: bool = False

    @property
    def rewritten(self) -> int:
        return sum(t.rewritten for t in self.tables)

    @property
    def unreadable(self) -> int:
        return sum(t.unreadable for t in self.tables)

    def summary(self) -> dict:
        return {
            "key": self.key,
            "finished": self.finished,
            "rewritten": self.rewritten,
            "unreadable": self.unreadable,
            "tables": {
                t.table: {k: v for k, v in asdict(t).items() if k != "table"} for t in self.tables
            },
            "skipped_append_only": self.skipped_append_only,
        }


Progress = Callable[[str, int, int], None]


def _write(table: Table, pk, changes: dict[str, tuple[str, str]]) -> bool:
    """Set the new values only where the old ones are still stored (compare and set)."""
    sets = ", ".join(f"{_q(c)} = %s" for c in changes)
    checks = " AND ".join(f"{_q(c)} = %s" for c in changes)
    sql = f"UPDATE {_q(table.table)} SET {sets} WHERE {_q(table.pk)} = %s AND {checks}"  # noqa: S608
    params = (
        [new for _old, new in changes.values()] + [pk] + [old for old, _new in changes.values()]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _rotate_batch(table: Table, rows: list[tuple], fernets: list[Fernet], done: TableRotation):
    first, every = fernets[0], MultiFernet(fernets)
    for pk, *values in rows:
        done.rows += 1
        changes = {}
        for column, value in zip(table.columns, values, strict=True):
            if not value:
                continue  # NULL and "" are stored as they are (EncryptedTextField)
            done.values += 1
            try:
                first.decrypt(value)
            except InvalidToken:
                pass
            else:
                done.current += 1
                continue
            try:
                # rotate() keeps the token's timestamp: the value is not "newer" for it.
                changes[column] = (value, every.rotate(value).decode())
            except InvalidToken:
                done.unreadable += 1
        if changes:
            if _write(table, pk, changes):
                done.rewritten += len(changes)
            else:
                done.changed_meanwhile += 1


def keys_rotate(*, batch: int = DEFAULT_BATCH, progress: Progress | None = None) -> Rotation:
    """Re-encrypt every encrypted value of every rewritable table to the first field key, `batch`
    rows per transaction; write the run's audit row (also when the run stops on an error or an
    interrupt, with `finished` false, and the error passed on)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    fernets = field_fernets()
    result = Rotation(key=crypto.key_fingerprint(settings.FIELD_ENCRYPTION_KEYS[0]))
    try:
        for table in encrypted_tables():
            if not table.rewritable:
                result.skipped_append_only.append(table.table)
                continue
            done = TableRotation(table=table.table)
            result.tables.append(done)
            total = _count(table)
            if progress and not total:
                progress(table.table, 0, 0)
            for rows in _pages(table, batch=batch):
                with transaction.atomic():
                    _rotate_batch(table, rows, fernets, done)
                if progress:
                    progress(table.table, done.rows, max(total, done.rows))
        result.finished = True
    except BaseException:
        # The values rewritten so far are committed: the run is recorded all the same, without
        # hiding why it stopped.
        try:
            _audit(result)
        except Exception:
            logger.exception("The audit row of the interrupted key rotation was not written")
        raise
    _audit(result)
    return result


def _audit(result: Rotation) -> None:
    # One row per run, made by no user, as the daily job's (audit.services.audit_job).
    audit_job(action="keys.rotate", run=timezone.now().isoformat(), changes=result.summary())


# --- status -----------------------------------------------------------------------------------


@dataclass
class TableKeys:
    table: str
    rewritable: bool  # `keys rotate` rewrites these values
    append_only: bool
    per_key: list[int]  # values under key 1, key 2, …
    unreadable: int = 0

    @property
    def values(self) -> int:
        return sum(self.per_key) + self.unreadable

    def old_keys_needed(self) -> list[int]:
        return [n for n, count in enumerate(self.per_key, start=1) if n > 1 and count]


@dataclass
class KeyStatus:
    fingerprints: list[str]
    encrypted: list[TableKeys]  # the encrypted fields' tables
    elsewhere: list[TableKeys]  # tokens found in other text or JSON columns

    def needing_old_keys(self) -> list[TableKeys]:
        return [t for t in self.encrypted + self.elsewhere if t.old_keys_needed()]


def _tally(table: Table, fernets: list[Fernet], *, batch: int, tokens_inside: bool) -> TableKeys:
    tally = TableKeys(
        table=table.table,
        rewritable=table.rewritable and not tokens_inside,
        append_only=table.append_only,
        per_key=[0] * len(fernets),
    )
    for rows in _pages(table, batch=batch, only_tokens=tokens_inside):
        for _pk, *values in rows:
            for value in values:
                if not value:
                    continue
                found = TOKEN_RE.findall(value) if tokens_inside else [value]
                for token in found:
                    number = key_number(token, fernets)
                    if number is not None:
                        tally.per_key[number - 1] += 1
                    elif not tokens_inside:
                        # Something that merely looks like a token in free text is not counted.
                        tally.unreadable += 1
    return tally


def keys_status(*, batch: int = 2000) -> KeyStatus:
    """How many stored values each key opens, per table: the encrypted fields, and Fernet tokens
    found anywhere else (which only an old key can keep readable)."""
    fernets = field_fernets()
    encrypted = [_tally(t, fernets, batch=batch, tokens_inside=False) for t in encrypted_tables()]
    elsewhere = [
        tally
        for t in _other_text_tables()
        if (tally := _tally(t, fernets, batch=batch, tokens_inside=True)).values
    ]
    return KeyStatus(
        fingerprints=crypto.field_key_fingerprints(), encrypted=encrypted, elsewhere=elsewhere
    )
