"""`weibao backup` and `weibao restore` (docs/operations.md).

A backup is one encrypted archive (safekeeping.archive) holding a consistent copy of the
database (SQLite: the online backup API; PostgreSQL: pg_dump in the snapshot the rows were
counted in), the uploaded files, and a manifest: every table's row count, each file's SHA-256,
the audit chain heads, and the fingerprints of the keys the data needs — never the keys.

A restore goes into an empty instance only (no user, no child, no log row, no uploaded file),
checks that this instance has the same keys, and then checks every table's row count and the
audit chains against the manifest.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from weibao.accounts.models import User
from weibao.audit.chain import (
    MODELS,
    LogVerification,
    chain_verify,
    district_names,
    label,
    log_verify,
)
from weibao.audit.hashing import chain_key
from weibao.audit.models import SITE_CHAIN, AccessLog, AuditEvent, ChainHead
from weibao.children.models import Child
from weibao.core import crypto
from weibao.safekeeping.archive import ArchiveError, OpeningReader, SealingWriter, file_sha256

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database/weibao.sqlite3", "postgresql": "database/weibao.pgdump"}
MEDIA = "media"
# A restore goes only where none of these has a row: an instance nobody has used yet.
IN_USE_TABLES = (User, Child, AuditEvent, AccessLog)
# The migration that split each log into a chain per district.
SPLIT = ("audit", "0011_chain_per_district")


class BackupError(Exception):
    """Said to the operator as it is, in place of a traceback."""


def backup_key() -> bytes:
    return crypto.derived_key(crypto.BACKUP_PURPOSE, settings.BACKUP_KEY)


def key_fingerprints() -> dict:
    return {
        "field_keys": crypto.field_key_fingerprints(),
        "hash_key": crypto.key_fingerprint(settings.LOOKUP_HASH_KEY),
        "audit_key": crypto.key_fingerprint(chain_key()),
    }


def _vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


# --- the database copy ---------------------------------------------------------------------------


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [name for (name,) in rows]


def _count_rows(cursor, tables: list[str], quote: Callable[[str], str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (a quoted table name)
        counts[table] = cursor.fetchone()[0]
    return counts


def _heads(cursor) -> dict[str, dict]:
    """Every chain's head, by its label (ChainHead.log: the site's chain under the log's name,
    as the manifests written before the logs were split name their one chain)."""
    cursor.execute(f"SELECT log, seq, hash FROM {ChainHead._meta.db_table}")  # noqa: S608
    return {log: {"seq": seq, "hash": head} for log, seq, head in cursor.fetchall()}


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dump_sqlite(target: Path) -> tuple[dict[str, int], dict]:
    if connection.in_atomic_block:
        # The backup API would wait forever for this connection's own write transaction.
        raise BackupError("a backup cannot be made inside a database transaction")
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        counts = _count_rows(cursor, _sqlite_tables(copy), _quote_sqlite)
        return counts, _heads(cursor)
    finally:
        copy.close()


def _pg_env() -> dict[str, str]:
    params = connection.settings_dict
    env = {**os.environ, "PGDATABASE": params["NAME"]}
    for name, key in (("PGUSER", "USER"), ("PGHOST", "HOST"), ("PGPORT", "PORT")):
        if params.get(key):
            env[name] = str(params[key])
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools of the server's "
            "version (Debian: apt-get install postgresql-client) and try again."
        )
    return path


def _dump_postgresql(target: Path) -> tuple[dict[str, int], dict]:
    """pg_dump in the very snapshot the rows are counted in, so the counts are the dump's."""
    pg_dump = _pg_tool("pg_dump")
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        cursor = raw.cursor()
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = sorted(name for (name,) in cursor.fetchall())
        counts = _count_rows(cursor, tables, connection.ops.quote_name)
        heads = _heads(cursor)
        done = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}", "-f", target],
            env=_pg_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return counts, heads
    finally:
        raw.rollback()
        raw.close()


# --- making a backup ---------------------------------------------------------------------------


@dataclass
class Backup:
    path: Path
    sha256: str
    tables: dict[str, int]
    files: int


def _media_files() -> list[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return [
        (path, f"{MEDIA}/{path.relative_to(root).as_posix()}")
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    ]


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(path, "rb") as fh:
        tar.addfile(info, fh)
    return {"sha256": file_sha256(path), "size": info.size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, _BytesReader(data))


class _BytesReader:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, size: int = -1) -> bytes:
        size = len(self.data) if size < 0 else size
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk


def default_backup_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"weibao-{stamp}.wbk"


def _private_file(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def backup_make(*, target: Path | None = None) -> Backup:
    vendor = _vendor()
    target = Path(target or default_backup_path())
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix=".backup-") as work:
        database = Path(work) / "database"
        counts, heads = (_dump_sqlite if vendor == "sqlite" else _dump_postgresql)(database)
        with _private_file(partial) as out:
            sealer = SealingWriter(out, backup_key())
            with tarfile.open(fileobj=sealer, mode="w|") as tar:
                files = {DATABASE_FILES[vendor]: _add_file(tar, database, DATABASE_FILES[vendor])}
                for path, name in _media_files():
                    files[name] = _add_file(tar, path, name)
                manifest = {
                    "format": FORMAT,
                    "created_at": timezone.now().isoformat(),
                    "vendor": vendor,
                    "tables": counts,
                    "files": files,
                    "audit_heads": heads,
                    "key_fingerprints": key_fingerprints(),
                }
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode())
            digest = sealer.finish()
    os.replace(partial, target)
    Path(f"{target}.sha256").write_text(f"{digest}  {target.name}\n")
    return Backup(path=target, sha256=digest, tables=counts, files=len(files) - 1)


# --- restoring ----------------------------------------------------------------------------------


@dataclass
class Restore:
    tables: int = 0
    rows: int = 0
    files: int = 0
    chains: dict[str, int] = field(default_factory=dict)


def instance_in_use() -> list[str]:
    """Why this instance is not empty (nothing when it is)."""
    existing = set(connection.introspection.table_names())
    reasons = [
        f"table {model._meta.db_table} has rows"
        for model in IN_USE_TABLES
        if model._meta.db_table in existing and model.objects.exists()
    ]
    if _media_files():
        reasons.append(f"{settings.MEDIA_ROOT} holds uploaded files")
    return reasons


def _check_sidecar(archive: Path) -> None:
    sidecar = Path(f"{archive}.sha256")
    if not sidecar.exists():
        return
    expected = sidecar.read_text().split()[0] if sidecar.read_text().split() else ""
    if expected != file_sha256(archive):
        raise BackupError(
            f"{archive.name} does not match its checksum in {sidecar.name}: the copy is damaged"
        )


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        return False
    return name == MANIFEST or name in DATABASE_FILES.values() or path.parts[0] == MEDIA


def _unpack(archive: Path, work: Path) -> dict:
    """Decrypt and unpack into `work`; return the manifest after checking every file against
    it."""
    manifest = None
    with open(archive, "rb") as source:
        reader = OpeningReader(source, backup_key())
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for member in tar:
                if not member.isfile() or not _safe_member(member.name):
                    raise BackupError(f"the archive holds an unexpected entry: {member.name!r}")
                data = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest = json.loads(data.read())
                    continue
                path = work / member.name
                path.parent.mkdir(parents=True, exist_ok=True)
                with _private_file(path) as out:
                    shutil.copyfileobj(data, out)
    if manifest is None or manifest.get("format") != FORMAT:
        raise BackupError("the archive has no manifest of a format this version reads")
    for name, expected in manifest["files"].items():
        path = work / name
        if not path.is_file() or file_sha256(path) != expected["sha256"]:
            raise BackupError(f"{name} in the archive does not match its checksum")
    return manifest


def _check_keys(manifest: dict) -> None:
    theirs, ours = manifest["key_fingerprints"], key_fingerprints()
    missing = [fp for fp in theirs["field_keys"] if fp not in ours["field_keys"]]
    wrong = [name for name in ("hash_key", "audit_key") if theirs[name] != ours[name]]
    if missing or wrong:
        raise BackupError(
            "this instance does not have the keys the backup's data was written with "
            f"(field keys missing: {', '.join(missing) or 'none'}; different: "
            f"{', '.join(wrong) or 'none'}). Set WEIBAO_FIELD_KEYS, WEIBAO_HASH_KEY (and "
            "WEIBAO_AUDIT_KEY if it was set), or copy var/keys.json, from where you keep the "
            "keys, then restore again. The archive's key fingerprints are: "
            f"{json.dumps(theirs)}"
        )


def _restore_sqlite(database: Path) -> None:
    target = Path(settings.DATABASES["default"]["NAME"])
    connections.close_all()
    source, copy = sqlite3.connect(database), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


def _restore_postgresql(database: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    connections.close_all()
    done = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            database,
        ],
        env=_pg_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _restore_media(work: Path) -> int:
    source = work / MEDIA
    if not source.is_dir():
        return 0
    shutil.copytree(source, settings.MEDIA_ROOT, dirs_exist_ok=True)
    return sum(1 for path in source.rglob("*") if path.is_file())


def current_counts() -> dict[str, int]:
    tables = sorted(connection.introspection.table_names())
    with connection.cursor() as cursor:
        return _count_rows(cursor, tables, connection.ops.quote_name)


def _verify(manifest: dict, result: Restore) -> list[str]:
    problems = []
    counts = current_counts()
    for table, expected in sorted(manifest["tables"].items()):
        if counts.get(table) != expected:
            problems.append(f"table {table}: {counts.get(table)} rows, the backup had {expected}")
    result.tables, result.rows = len(counts), sum(counts.values())
    heads = dict(manifest["audit_heads"])
    # A backup of a version before the chains were split (audit.0011): one chain per log, as
    # it was made; `weibao migrate` splits them afterwards.
    split = SPLIT in MigrationRecorder(connection).applied_migrations()
    for log in MODELS:
        if split:
            verified = log_verify(log)
        else:
            verified = LogVerification(log, [chain_verify(log, SITE_CHAIN, before_split=True)])
        result.chains[log] = verified.checked
        for chain in verified.chains:
            head = heads.pop(label(log, chain.chain), None)
            if not chain.ok:
                problems.append(chain.broken.describe(district_names()))
            elif head and (chain.last_seq, chain.last_hash) != (head["seq"], head["hash"]):
                problems.append(
                    f"the {log} log's chain {chain.chain} does not end where the backup's did"
                )
    problems += [f"the chain {name} of the backup is missing" for name in sorted(heads)]
    return problems


def backup_restore(*, archive: Path) -> Restore:
    """Restore `archive` into this (empty) instance; raise BackupError when it cannot, or when
    what was restored does not match the manifest."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"no such file: {archive}")
    vendor = _vendor()
    reasons = instance_in_use()
    if reasons:
        raise BackupError(
            "a backup is restored only into an empty instance, and this one is in use ("
            + "; ".join(reasons)
            + "). Restore into a new database and a new WEIBAO_VAR_DIR."
        )
    _check_sidecar(archive)
    result = Restore()
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix=".restore-") as work:
        try:
            manifest = _unpack(archive, Path(work))
        except (ArchiveError, tarfile.TarError) as exc:
            raise BackupError(str(exc)) from exc
        if manifest["vendor"] != vendor:
            raise BackupError(
                f"the backup is of a {manifest['vendor']} database and this instance uses "
                f"{vendor}: restore it into the same kind of database"
            )
        _check_keys(manifest)
        database = Path(work) / DATABASE_FILES[vendor]
        (_restore_sqlite if vendor == "sqlite" else _restore_postgresql)(database)
        result.files = _restore_media(Path(work))
    problems = _verify(manifest, result)
    if problems:
        raise BackupError("restored, but it does not match the backup: " + "; ".join(problems))
    return result
