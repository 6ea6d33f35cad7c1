"""The backup file: a tar stream, encrypted and authenticated in chunks (AES-256-GCM).

Layout: MAGIC, a 16-byte random salt, then chunks of (4-byte length, ciphertext). Each archive
has its own key, derived from the backup key and its salt (HKDF), so the chunk number can be
the nonce; the last chunk is marked as last in its authenticated data. A changed byte, a chunk
moved or dropped, or a file cut short all fail to open, with a message saying so. The file's
SHA-256 goes into a `.sha256` file beside it (the `sha256sum -c` format), so a copy kept
elsewhere can be checked without the key.
"""

import hashlib
import io
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"WEIBAO-BACKUP\x01"
CHUNK = 1 << 20
LENGTH_BYTES = 4


class ArchiveError(Exception):
    """The archive cannot be opened: wrong key, damaged, or not a weibao backup."""


def _file_key(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"weibao backup file")
    return AESGCM(derived.derive(key))


def _aad(final: bool) -> bytes:
    return MAGIC + (b"\x01" if final else b"\x00")


class SealingWriter(io.RawIOBase):
    """A write-only file object that encrypts what is written to `out`; finish() seals it."""

    def __init__(self, out, key: bytes):
        super().__init__()
        self.out = out
        salt = os.urandom(16)
        self.aead = _file_key(key, salt)
        self.counter = 0
        self.buffer = bytearray()
        self.digest = hashlib.sha256()
        self._emit(MAGIC + salt)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) >= CHUNK:
            self._seal(bytes(self.buffer[:CHUNK]), final=False)
            del self.buffer[:CHUNK]
        return len(data)

    def finish(self) -> str:
        """Seal the last chunk; return the SHA-256 (hex) of the whole encrypted file."""
        self._seal(bytes(self.buffer), final=True)
        self.buffer.clear()
        return self.digest.hexdigest()

    def _seal(self, plain: bytes, *, final: bool) -> None:
        sealed = self.aead.encrypt(self.counter.to_bytes(12, "big"), plain, _aad(final))
        self.counter += 1
        self._emit(len(sealed).to_bytes(LENGTH_BYTES, "big") + sealed)

    def _emit(self, data: bytes) -> None:
        self.digest.update(data)
        self.out.write(data)


class OpeningReader(io.RawIOBase):
    """A read-only file object giving back what SealingWriter was given."""

    def __init__(self, source, key: bytes):
        super().__init__()
        self.source = source
        head = source.read(len(MAGIC) + 16)
        if len(head) < len(MAGIC) + 16 or not head.startswith(MAGIC):
            raise ArchiveError("not a weibao backup (its first bytes are not a weibao header)")
        self.aead = _file_key(key, head[len(MAGIC) :])
        self.counter = 0
        self.plain = b""
        self.ended = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self.ended and (size < 0 or len(self.plain) < size):
            self._open_next()
        if size < 0:
            size = len(self.plain)
        data, self.plain = self.plain[:size], self.plain[size:]
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _open_next(self) -> None:
        length = self.source.read(LENGTH_BYTES)
        sealed = self.source.read(int.from_bytes(length, "big")) if length else b""
        if len(length) < LENGTH_BYTES or len(sealed) < int.from_bytes(length, "big"):
            raise ArchiveError("the archive is cut short: its last part is missing")
        nonce = self.counter.to_bytes(12, "big")
        self.counter += 1
        for final in (False, True):
            try:
                self.plain += self.aead.decrypt(nonce, sealed, _aad(final))
            except InvalidTag:
                continue
            if final:
                self.ended = True
                if self.source.read(1):
                    raise ArchiveError("the archive has data after its end")
            return
        raise ArchiveError(
            "the archive cannot be decrypted: wrong backup key (WEIBAO_BACKUP_KEY, or the "
            "key material it is derived from), or the file is damaged"
        )


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()
