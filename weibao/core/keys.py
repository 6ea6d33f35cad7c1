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
