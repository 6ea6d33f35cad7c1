"""Embedded-mode secrets, generated once into var/ and never committed."""

import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def load_or_create_embedded_keys(var_dir: Path) -> dict[str, str]:
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "keys.json"
    if path.exists():
        return json.loads(path.read_text())
    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": Fernet.generate_key().decode(),
        "hash_key": secrets.token_urlsafe(32),
    }
    # Write-then-rename so two processes starting together cannot read a half-written file.
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return json.loads(path.read_text())


RANDOM_TEXT_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
FIELD_KEY_HELP = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


def _weak(value: str, length: int) -> bool:
    # Django's own test of a secret key (security.W009): long enough, not one character repeated.
    return len(value) < length or len(set(value)) < 5 or value.startswith("django-insecure-")


def field_key_problems(field_keys: list[str]) -> list[str]:
    """Each field key must be a Fernet key; otherwise the first encryption would fail, with a
    child's file half-saved, instead of the start."""
    problems = []
    for number, key in enumerate(field_keys, start=1):
        try:
            Fernet(key.strip().encode())
        except ValueError:
            problems.append(
                f"WEIBAO_FIELD_KEYS: key {number} is not a Fernet key (32 url-safe base64-encoded "
                f"bytes). Make one with: {FIELD_KEY_HELP}"
            )
    if not field_keys:
        problems.append(f"WEIBAO_FIELD_KEYS holds no key. Make one with: {FIELD_KEY_HELP}")
    return problems


def production_key_problems(*, secret_key: str, field_keys: list[str], hash_key: str) -> list[str]:
    """What is wrong with production's secrets, in words an operator can act on ([] if none)."""
    problems = []
    if _weak(secret_key, 50):
        problems.append(
            f"WEIBAO_SECRET_KEY must be at least 50 random characters. Make one with: "
            f"{RANDOM_TEXT_COMMAND}"
        )
    problems += field_key_problems(field_keys)
    if _weak(hash_key, 32):
        problems.append(
            "WEIBAO_HASH_KEY must be at least 32 random characters. Make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return problems
