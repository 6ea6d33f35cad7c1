"""Production refuses to start misconfigured; embedded mode generates its keys once."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from weibao.core.keys import load_or_create_embedded_keys

BASE_DIR = Path(__file__).resolve().parents[2]
SECRETS = {
    "WEIBAO_SECRET_KEY": "weibao-test-secret-key-" + "0123456789" * 4,
    "WEIBAO_FIELD_KEYS": Fernet.generate_key().decode(),
    "WEIBAO_HASH_KEY": "hash-key-0123456789-abcdefghijkl",
}
PRINT = (
    "import weibao.settings as s; import json; print(json.dumps({'debug': s.DEBUG, "
    "'secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, "
    "'secret': s.SECRET_KEY, 'field_keys': s.FIELD_ENCRYPTION_KEYS, 'hash': s.LOOKUP_HASH_KEY}))"
)


def _import_settings(tmp_path: Path, code: str = "import weibao.settings", **env: str):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("WEIBAO_") and k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    clean["WEIBAO_VAR_DIR"] = str(tmp_path / "var")
    clean.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("debug", ["1", "True"])
def test_production_refuses_to_start_with_debug_on(tmp_path, debug):
    result = _import_settings(tmp_path, WEIBAO_ENV="production", WEIBAO_DEBUG=debug, **SECRETS)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "WEIBAO_DEBUG" in result.stderr


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_production_refuses_to_start_without_each_secret(tmp_path, missing):
    env = {k: v for k, v in SECRETS.items() if k != missing}
    result = _import_settings(tmp_path, WEIBAO_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_treats_an_empty_secret_as_missing(tmp_path):
    result = _import_settings(
        tmp_path, WEIBAO_ENV="production", **{**SECRETS, "WEIBAO_SECRET_KEY": ""}
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_starts_with_all_secrets_and_debug_off(tmp_path):
    result = _import_settings(tmp_path, PRINT, WEIBAO_ENV="production", WEIBAO_DEBUG="0", **SECRETS)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["debug"] is False
    assert loaded["secure"] is True and loaded["csrf_secure"] is True
    assert loaded["secret"] == SECRETS["WEIBAO_SECRET_KEY"]
    assert loaded["field_keys"] == [SECRETS["WEIBAO_FIELD_KEYS"]]
    assert loaded["hash"] == SECRETS["WEIBAO_HASH_KEY"]
    # production never generates embedded keys
    assert not (tmp_path / "var" / "keys.json").exists()


def test_production_with_debug_unset_starts_with_debug_off(tmp_path):
    result = _import_settings(tmp_path, PRINT, WEIBAO_ENV="production", **SECRETS)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_production_accepts_several_field_keys_for_rotation(tmp_path):
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    result = _import_settings(
        tmp_path, PRINT, WEIBAO_ENV="production", **{**SECRETS, "WEIBAO_FIELD_KEYS": ",".join(keys)}
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["field_keys"] == keys


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("WEIBAO_FIELD_KEYS", "notakey", "key 1 is not a Fernet key"),
        ("WEIBAO_FIELD_KEYS", Fernet.generate_key().decode() + ",notakey", "key 2 is not"),
        ("WEIBAO_SECRET_KEY", "s" * 50, "WEIBAO_SECRET_KEY must be at least 50 random"),
        ("WEIBAO_SECRET_KEY", "short-but-varied", "WEIBAO_SECRET_KEY must be at least 50"),
        ("WEIBAO_HASH_KEY", "h" * 40, "WEIBAO_HASH_KEY must be at least 32 random"),
    ],
)
def test_production_refuses_to_start_with_an_unusable_secret(tmp_path, name, value, words):
    result = _import_settings(tmp_path, WEIBAO_ENV="production", **{**SECRETS, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and words in result.stderr
    assert value not in result.stderr.replace(words, "")  # the secret itself is not printed


def test_embedded_mode_refuses_a_field_key_given_that_is_not_one(tmp_path):
    result = _import_settings(tmp_path, WEIBAO_FIELD_KEYS="notakey")
    assert result.returncode != 0
    assert "key 1 is not a Fernet key" in result.stderr


CHECK_DEPLOY = (
    "import sys; from weibao.cli import main; sys.argv = ['weibao', 'check', '--deploy',"
    " '--fail-level', 'WARNING']; main()"
)
# The production environment of docs/deploy.md (the database is not reached by the checks).
PRODUCTION = {
    "WEIBAO_ENV": "production",
    "DATABASE_URL": "postgres://weibao@127.0.0.1:5432/weibao",
    "WEIBAO_CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "WEIBAO_ALLOWED_HOSTS": "weibao.example.org,127.0.0.1",
    "WEIBAO_CSRF_TRUSTED_ORIGINS": "https://weibao.example.org",
    "WEIBAO_PROXY_SSL_HEADER": "1",
    "WEIBAO_TRUSTED_PROXIES": "127.0.0.1",
    **SECRETS,
}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _import_settings(
        tmp_path, CHECK_DEPLOY, WEIBAO_STATIC_ROOT=str(tmp_path / "static"), **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_of_a_per_process_cache_and_no_broker(tmp_path):
    env = {
        k: v for k, v in PRODUCTION.items() if k not in {"WEIBAO_CACHE_URL", "CELERY_BROKER_URL"}
    }
    result = _import_settings(
        tmp_path, CHECK_DEPLOY, WEIBAO_STATIC_ROOT=str(tmp_path / "static"), **env
    )
    assert result.returncode != 0
    assert "weibao.W001" in result.stderr and "WEIBAO_CACHE_URL" in result.stderr
    assert "weibao.W002" in result.stderr and "CELERY_BROKER_URL" in result.stderr


def test_production_serves_hashed_compressed_static_files_and_pools_connections(tmp_path):
    code = (
        "import weibao.settings as s, json; print(json.dumps([s.STORAGES['staticfiles'], "
        "s.DATABASES['default'].get('OPTIONS', {}).get('pool'), "
        "s.DATABASES['default']['CONN_MAX_AGE'], s.WEIBAO_TRUSTED_PROXIES, s.LOG_JSON, "
        "s.SECURE_REDIRECT_EXEMPT]))"
    )
    result = _import_settings(tmp_path, code, **PRODUCTION, WEIBAO_DB_POOL_MAX="8")
    assert result.returncode == 0, result.stderr
    storage, pool, max_age, proxies, log_json, exempt = json.loads(result.stdout)
    assert storage == {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    assert pool == {"min_size": 1, "max_size": 8, "timeout": 10.0}
    assert max_age == 0  # Django refuses persistent connections beside a pool
    assert proxies == ["127.0.0.1"] and log_json is True
    assert exempt == ["^healthz$"]  # a monitor on the machine asks over plain HTTP

    # Behind PgBouncer: no pool of our own, and no server-side cursors (transaction pooling).
    code = (
        "import weibao.settings as s, json; d = s.DATABASES['default']; "
        "print(json.dumps(['pool' in d.get('OPTIONS', {}), d['DISABLE_SERVER_SIDE_CURSORS']]))"
    )
    result = _import_settings(
        tmp_path, code, **PRODUCTION, WEIBAO_DB_POOL="0", WEIBAO_PGBOUNCER="1"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, True]


def test_embedded_mode_keeps_plain_static_names_and_text_logs(tmp_path):
    code = (
        "import weibao.settings as s, json; print(json.dumps([s.STORAGES['staticfiles'], "
        "s.LOG_JSON, s.WEIBAO_TRUSTED_PROXIES]))"
    )
    result = _import_settings(tmp_path, code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
        False,
        [],
    ]


def test_production_sends_hsts_and_redirects_to_https(tmp_path):
    code = (
        "import weibao.settings as s, json; print(json.dumps([s.SECURE_HSTS_SECONDS, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE]))"
    )
    result = _import_settings(tmp_path, code, WEIBAO_ENV="production", **SECRETS)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [31536000, True, True, True, "Lax"]
    embedded = _import_settings(
        tmp_path, "import weibao.settings as s; print(getattr(s, 'SECURE_SSL_REDIRECT', False))"
    )
    assert embedded.stdout.strip() == "False"  # `make run` serves plain HTTP on localhost


def test_embedded_mode_generates_keys_once_and_reuses_them_across_starts(tmp_path):
    first = _import_settings(tmp_path, PRINT)
    second = _import_settings(tmp_path, PRINT)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert json.loads(first.stdout) == json.loads(second.stdout)
    assert json.loads(first.stdout)["debug"] is False
    assert (tmp_path / "var" / "keys.json").exists()


# --- load_or_create_embedded_keys ----------------------------------------------------------


def test_embedded_keys_are_generated_once_and_reused(tmp_path):
    var = tmp_path / "var"
    first = load_or_create_embedded_keys(var)
    second = load_or_create_embedded_keys(var)
    assert first == second
    assert set(first) == {"secret_key", "field_key", "hash_key"}
    assert json.loads((var / "keys.json").read_text()) == first


def test_embedded_keys_file_is_readable_by_its_owner_only(tmp_path):
    var = tmp_path / "var"
    load_or_create_embedded_keys(var)
    mode = stat.S_IMODE((var / "keys.json").stat().st_mode)
    assert mode == 0o600


def test_embedded_keys_leave_no_temporary_file_behind(tmp_path):
    var = tmp_path / "var"
    load_or_create_embedded_keys(var)
    load_or_create_embedded_keys(var)
    assert sorted(p.name for p in var.iterdir()) == ["keys.json"]


def test_embedded_keys_are_usable_and_strong(tmp_path):
    keys = load_or_create_embedded_keys(tmp_path / "var")
    token = Fernet(keys["field_key"].encode()).encrypt(b"310105201506010011")
    assert Fernet(keys["field_key"].encode()).decrypt(token) == b"310105201506010011"
    assert len(keys["secret_key"]) >= 50
    assert len(keys["hash_key"]) >= 32


def test_embedded_keys_differ_between_installations(tmp_path):
    one = load_or_create_embedded_keys(tmp_path / "one")
    two = load_or_create_embedded_keys(tmp_path / "two")
    for name in one:
        assert one[name] != two[name]


def test_existing_keys_file_is_never_overwritten(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    existing = {"secret_key": "kept", "field_key": Fernet.generate_key().decode(), "hash_key": "k"}
    (var / "keys.json").write_text(json.dumps(existing))
    assert load_or_create_embedded_keys(var) == existing


def test_production_reads_sessions_from_the_shared_cache_and_embedded_from_the_database(
    tmp_path,
):
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'weibao.settings'; "
        "from django.conf import settings; print(settings.SESSION_ENGINE)"
    )
    production = _import_settings(tmp_path, code, **PRODUCTION)
    assert production.stdout.strip() == "django.contrib.sessions.backends.cached_db"
    embedded = _import_settings(tmp_path, code)
    assert embedded.stdout.strip() == "django.contrib.sessions.backends.db"
