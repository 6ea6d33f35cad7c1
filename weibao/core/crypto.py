"""Encryption at rest and keyed lookup hashes for sensitive fields (ID number, phone, address)."""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    # The first key encrypts; all keys decrypt, so keys can be rotated without a flag day.
    return MultiFernet([Fernet(k.strip().encode()) for k in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("sensitive field cannot be decrypted with the configured keys") from exc


def lookup_hash(value: str) -> str:
    """Keyed hash for exact-match lookup and uniqueness without storing the value in clear."""
    key = settings.LOOKUP_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    # Keep the first few characters (road or estate) so staff recognise the place without
    # exposing the door number.
    if not value:
        return ""
    keep = min(6, max(1, len(value) // 3))
    return value[:keep] + "*" * 6


def normalize_phone(value: str) -> str:
    """Digits only, without the +86 / 0086 country prefix, so one number has one lookup hash
    however it was typed."""
    digits = "".join(ch for ch in value or "" if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits
