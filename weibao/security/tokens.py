"""API token keys: 40 random URL-safe characters, stored only as their SHA-256."""

import hashlib
import secrets

KEY_LENGTH = 40
PREFIX_LENGTH = 8


def new_key() -> str:
    return secrets.token_urlsafe(30)[:KEY_LENGTH]


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
