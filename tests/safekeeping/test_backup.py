"""`weibao backup` writes an encrypted, checksummed archive; `weibao restore` puts it into a fresh
instance (a new var/ directory, or a new PostgreSQL database) with every table's row count and
the audit chains as they were, and refuses an instance in use, other keys or a damaged copy."""

import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.helpers import SECRET_PLACE
from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.safekeeping import backup
from weibao.safekeeping.archive import ArchiveError, OpeningReader, SealingWriter

ROOT = Path(__file__).resolve().parents[2]
KEY = b"k" * 32


@pytest.fixture
def var(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    photo = settings.MEDIA_ROOT / "photos" / "2026" / "a.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo \xff\xd9")
    return settings.VAR_DIR


@pytest.fixture
def content(child_a, case_a, guardianship_of_case_a, director_a):
    access_log_record(user=director_a, child=child_a, channel=AccessLog.Channel.WEB)
    return child_a


def _instance_env(tmp_path, settings, **extra) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "weibao.settings",
        "WEIBAO_VAR_DIR": str(tmp_path / "fresh"),
        "WEIBAO_FIELD_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "WEIBAO_HASH_KEY": settings.LOOKUP_HASH_KEY,
        "WEIBAO_SECRET_KEY": "restore-test-" + "s" * 40,
    }
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


def _weibao(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "weibao.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def fresh_database():
    """A new, empty database for the restored instance: nothing on SQLite (the fresh var/
    directory has none yet), a new PostgreSQL database otherwise."""
    if connection.vendor != "postgresql":
        yield {}
        return
    params = connection.settings_dict
    name = f"weibao_restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        dbname="postgres",
        user=params["USER"],
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    )
    admin.execute(f"CREATE DATABASE {name}")
    url = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT'] or 5432}/{name}"
    if params["PASSWORD"]:
        url = url.replace("@", f":{params['PASSWORD']}@", 1)
    try:
        yield {"DATABASE_URL": url, "_name": name}
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _restored_counts(tmp_path, database) -> dict[str, int]:
    if "_name" not in database:
        db = sqlite3.connect(tmp_path / "fresh" / "weibao.sqlite3")
        tables = backup._sqlite_tables(db)
        return backup._count_rows(db.cursor(), tables, backup._quote_sqlite)
    with psycopg.connect(database["DATABASE_URL"]) as db, db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = sorted(name for (name,) in cursor.fetchall())
        return backup._count_rows(cursor, tables, connection.ops.quote_name)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_instance_with_every_tables_row_count(
    var, content, settings, tmp_path, fresh_database
):
    before = backup.current_counts()
    made = backup.backup_make(target=tmp_path / "out" / "weibao.wbk")
    assert made.tables == before
    assert made.files == 1
    assert Path(f"{made.path}.sha256").read_text().split() == [made.sha256, "weibao.wbk"]

    env = _instance_env(tmp_path, settings, **fresh_database)
    env.pop("_name", None)
    done = _weibao(env, "restore", str(made.path))
    assert done.returncode == 0, done.stderr
    assert "every table's row count matches" in done.stdout
    restored = _restored_counts(tmp_path, fresh_database)
    assert restored == before
    assert before["children_child"] >= 1 and before["audit_auditevent"] >= 3
    photo = tmp_path / "fresh" / "media" / "photos" / "2026" / "a.jpg"
    assert photo.read_bytes() == b"\xff\xd8 a photo \xff\xd9"

    # The restored instance is in use now: a second restore is refused.
    again = _weibao(env, "restore", str(made.path))
    assert again.returncode == 1 and "only into an empty instance" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_restore_with_other_keys_is_refused_naming_the_fingerprints(
    var, content, settings, tmp_path, fresh_database
):
    settings.BACKUP_KEY = "the-backup-key-kept-in-the-safe"
    made = backup.backup_make(target=tmp_path / "weibao.wbk")
    env = _instance_env(tmp_path, settings, **fresh_database)
    env.pop("_name", None)
    env["WEIBAO_BACKUP_KEY"] = settings.BACKUP_KEY
    env["WEIBAO_HASH_KEY"] = "another-installation"
    done = _weibao(env, "restore", str(made.path))
    assert done.returncode == 1
    assert "does not have the keys" in done.stderr and "hash_key, audit_key" in done.stderr
    assert settings.LOOKUP_HASH_KEY not in done.stderr

    env["WEIBAO_BACKUP_KEY"] = "a-wrong-backup-key"
    done = _weibao(env, "restore", str(made.path))
    assert done.returncode == 1 and "cannot be decrypted" in done.stderr


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_an_instance_in_use_is_refused(var, content, tmp_path):
    made = backup.backup_make(target=tmp_path / "weibao.wbk")
    with pytest.raises(backup.BackupError, match="only into an empty instance"):
        backup.backup_restore(archive=made.path)


def test_a_copy_that_does_not_match_its_checksum_is_refused(tmp_path):
    archive = tmp_path / "weibao.wbk"
    archive.write_bytes(b"x")
    Path(f"{archive}.sha256").write_text("0" * 64 + "  weibao.wbk\n")
    with pytest.raises(backup.BackupError, match="does not match its checksum"):
        backup._check_sidecar(archive)


@pytest.mark.django_db(transaction=True)
def test_the_archive_holds_neither_the_keys_nor_a_clear_text_name(var, content, settings, tmp_path):
    made = backup.backup_make(target=tmp_path / "weibao.wbk")
    sealed = made.path.read_bytes()
    assert content.name.encode() not in sealed and SECRET_PLACE.encode() not in sealed
    with open(made.path, "rb") as source:
        plain = OpeningReader(source, backup.backup_key()).read()
    for key in [*settings.FIELD_ENCRYPTION_KEYS, settings.LOOKUP_HASH_KEY]:
        assert key.encode() not in plain
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        names = tar.getnames()
    assert names[-1] == "manifest.json" and "media/photos/2026/a.jpg" in names


def _sealed(data: bytes) -> bytearray:
    out = io.BytesIO()
    writer = SealingWriter(out, KEY)
    writer.write(data)
    writer.finish()
    return bytearray(out.getvalue())


def test_a_sealed_archive_opens_with_its_key_only():
    data = os.urandom(3 * (1 << 20) + 5)
    sealed = _sealed(data)
    assert OpeningReader(io.BytesIO(bytes(sealed)), KEY).read() == data
    with pytest.raises(ArchiveError, match="wrong backup key"):
        OpeningReader(io.BytesIO(bytes(sealed)), b"x" * 32).read()


def test_a_changed_byte_a_cut_or_a_trailer_is_refused():
    sealed = _sealed(os.urandom(2 * (1 << 20)))
    changed = bytearray(sealed)
    changed[len(changed) // 2] ^= 1
    with pytest.raises(ArchiveError, match="damaged"):
        OpeningReader(io.BytesIO(bytes(changed)), KEY).read()
    with pytest.raises(ArchiveError, match="cut short"):
        OpeningReader(io.BytesIO(bytes(sealed[: (1 << 20) + 100])), KEY).read()
    with pytest.raises(ArchiveError, match="after its end"):
        OpeningReader(io.BytesIO(bytes(sealed) + b"more"), KEY).read()
    with pytest.raises(ArchiveError, match="not a weibao backup"):
        OpeningReader(io.BytesIO(b"PK\x03\x04 a zip file, say"), KEY)
