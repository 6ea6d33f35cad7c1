"""Encryption at rest and keyed lookup hashes for sensitive fields (ID number, phone, address)."""

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    # The first key encrypts; all keys decrypt, so keys can be rotated without a flag day.
    return MultiFernet([Fernet(k.strip().encode()) for k in settings.FIELD_ENCRYPTION_KEYS])


# A Fernet token as stored: version byte 0x80 and a 64-bit time stamp (which start "gAAAAA" in
# base64 until the year 10889), IV, at least one block of ciphertext and the HMAC — 73 bytes at
# least, so at least 98 url-safe base64 characters before the padding (an empty or short value
# gives exactly that).
FERNET_TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_-]{92,}={0,2}")


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("sensitive field cannot be decrypted with the configured keys") from exc


@lru_cache(maxsize=2)
def _lookup_hmac(key: str) -> "hmac.HMAC":
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


def lookup_hash(value: str) -> str:
    """Keyed hash for exact-match lookup and uniqueness without storing the value in clear."""
    # A copy of the keyed state instead of keying anew: an import hashes a few values per row.
    mac = _lookup_hmac(settings.LOOKUP_HASH_KEY).copy()
    mac.update(value.encode())
    return mac.hexdigest()


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


# --- keys derived for other purposes, and fingerprints ----------------------------------------

# HKDF info strings: one key per purpose, none of them usable for another.
AUDIT_CHAIN_PURPOSE = "weibao audit chain v1"
BACKUP_PURPOSE = "weibao backup v1"
REPORT_CODE_PURPOSE = "weibao report code v1"


@lru_cache(maxsize=8)
def _derive(material: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        material.encode()
    )


def derived_key(purpose: str, explicit: str = "") -> bytes:
    """A 32-byte key for `purpose`: derived from `explicit` when the operator gave one, else from
    the lookup-hash key. The lookup-hash key never changes (the stored hashes depend on it), so
    a derived key is as stable as it is, and it lives outside the database like it."""
    return _derive(explicit or settings.LOOKUP_HASH_KEY, purpose)


def key_fingerprint(key: str | bytes) -> str:
    """A short public name for a key (to compare two installations' keys without showing them):
    16 hex digits of a hash that cannot be turned back into the key."""
    raw = key.encode() if isinstance(key, str) else key
    return hashlib.sha256(b"weibao key fingerprint\x00" + raw.strip()).hexdigest()[:16]


def field_key_fingerprints() -> list[str]:
    return [key_fingerprint(k) for k in settings.FIELD_ENCRYPTION_KEYS]


def reset_key_caches() -> None:
    """Forget the keys read from settings (after the settings changed, e.g. in tests)."""
    _fernet.cache_clear()
    _derive.cache_clear()
