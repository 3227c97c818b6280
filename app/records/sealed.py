"""The backup file: a small header, a SHA-256 checksum and the payload, optionally encrypted.

Layout (every part is checked before anything is restored)::

    MEND-BACKUP\\n                  the magic line
    <64 hex digits>\\n              SHA-256 of everything after this line (header line + payload)
    <header JSON>\\n                one line: format, engine, created, versions, row counts, encryption
    <payload>                      payload_size bytes to the end of the file

Encrypted payloads are AES-256-GCM with a key derived from the passphrase by scrypt (random salt,
random nonce, both in the header); the header line is the cipher's associated data and the
16-byte tag ends the payload. So a flipped byte anywhere fails the checksum, and a wrong
passphrase (with an intact file) fails the tag: two different, clear refusals.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"MEND-BACKUP\n"
FORMAT = 1
CHUNK = 1 << 20
TAG_SIZE = 16
SCRYPT = {"n": 2**15, "r": 8, "p": 1}  # ~0.1 s and 32 MiB per derivation
MIN_PASSPHRASE = 12
_MAX_HEADER = 1 << 20


class BackupError(Exception):
    """A backup could not be made, or a file is refused for restore; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Sealed:
    """A backup file whose structure and checksum have been verified."""

    path: Path
    header: dict[str, Any]
    header_line: bytes
    checksum: str
    payload_offset: int

    @property
    def encrypted(self) -> bool:
        return bool(self.header.get("encrypted"))


def _key(passphrase: str, params: dict[str, Any]) -> bytes:
    salt = base64.b64decode(params["salt"])
    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(passphrase.encode())


def seal(payload: Path, directory: Path, header: dict[str, Any], passphrase: str | None) -> Path:
    """Write ``payload`` with its header into a new private temporary file in ``directory``
    (fsynced) and return its path; the caller gives it its final name."""
    size = payload.stat().st_size
    header = {**header, "format": FORMAT, "encrypted": passphrase is not None}
    encryptor = None
    if passphrase is not None:
        if len(passphrase) < MIN_PASSPHRASE:
            raise BackupError(f"The passphrase is too short: use at least {MIN_PASSPHRASE} characters")
        params = {**SCRYPT, "salt": base64.b64encode(secrets.token_bytes(16)).decode()}
        nonce = secrets.token_bytes(12)
        header["encryption"] = {"cipher": "AES-256-GCM", "kdf": "scrypt", **params,
                                "nonce": base64.b64encode(nonce).decode()}
        encryptor = Cipher(algorithms.AES(_key(passphrase, params)), modes.GCM(nonce)).encryptor()
        size += TAG_SIZE
    header["payload_size"] = size
    header_line = json.dumps(header, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    digest = hashlib.sha256(header_line)
    fd, name = _private_temp(directory, ".partial")
    try:
        with os.fdopen(fd, "wb") as out, payload.open("rb") as source:
            out.write(MAGIC + b"0" * 64 + b"\n" + header_line)
            if encryptor is not None:
                encryptor.authenticate_additional_data(header_line)
            while chunk := source.read(CHUNK):
                data = encryptor.update(chunk) if encryptor is not None else chunk
                digest.update(data)
                out.write(data)
            if encryptor is not None:
                encryptor.finalize()
                digest.update(encryptor.tag)
                out.write(encryptor.tag)
            out.seek(len(MAGIC))
            out.write(digest.hexdigest().encode())
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _private_temp(directory: Path, suffix: str) -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(dir=directory, prefix=".mend-", suffix=suffix)  # mode 0600


def open_sealed(path: Path, *, on_chunk: Callable[[bytes], None] | None = None) -> Sealed:
    """Read and verify a backup file: magic, header, size and checksum. Refuses (BackupError)
    a file that is not a Mend backup, is truncated, has bytes added, or fails its checksum."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BackupError(f"Can't read {path}: {exc.strerror}") from exc
    with handle:
        if on_chunk is not None:
            on_chunk(MAGIC)
        if handle.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{path} is not a Mend backup (its first line is not MEND-BACKUP)")
        line = handle.read(65)
        checksum = line[:64].decode("ascii", "replace")
        if len(line) < 65 or line[64:] != b"\n" or any(c not in "0123456789abcdef" for c in checksum):
            raise BackupError(f"{path} is damaged or truncated: its checksum line is unreadable")
        header_line = handle.readline(_MAX_HEADER)
        header = _parse_header(path, header_line)
        offset = handle.tell()
        actual = path.stat().st_size - offset
        expected = header["payload_size"]
        if actual < expected:
            raise BackupError(f"{path} is truncated: {actual:,} of {expected:,} payload bytes are there")
        if actual > expected:
            raise BackupError(f"{path} is damaged: {actual - expected:,} unexpected bytes follow the payload")
        digest = hashlib.sha256(header_line)
        if on_chunk is not None:
            on_chunk(line + header_line)
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            if on_chunk is not None:
                on_chunk(chunk)
        if not secrets.compare_digest(digest.hexdigest(), checksum):
            raise BackupError(f"{path} is corrupt: its SHA-256 checksum does not match its contents "
                              "(a changed or damaged byte); nothing was restored")
    return Sealed(path=path, header=header, header_line=header_line, checksum=checksum, payload_offset=offset)


def _parse_header(path: Path, header_line: bytes) -> dict[str, Any]:
    damaged = BackupError(f"{path} is damaged or truncated: its header is unreadable")
    if not header_line.endswith(b"\n"):
        raise damaged
    try:
        header = json.loads(header_line)
    except ValueError:
        raise damaged from None
    if not isinstance(header, dict) or not isinstance(header.get("payload_size"), int):
        raise damaged
    if not isinstance(header.get("format"), int) or header["format"] > FORMAT:
        raise BackupError(f"{path} was written in backup format {header.get('format')!r}, newer than this "
                          f"Mend reads ({FORMAT}): restore it with a newer Mend")
    return header


def unseal(sealed: Sealed, passphrase: str | None, out: BinaryIO) -> None:
    """Write the payload (decrypted if need be) to ``out``. A wrong passphrase raises BackupError
    once the tag fails: whatever was written to ``out`` must then be thrown away (callers write to
    a temporary file)."""
    size = sealed.header["payload_size"]
    encryptor_params = sealed.header.get("encryption") if sealed.encrypted else None
    with sealed.path.open("rb") as handle:
        if encryptor_params is None:
            handle.seek(sealed.payload_offset)
            _copy(handle, out, size, lambda chunk: chunk)
            return
        if passphrase is None:
            raise BackupError("This backup is encrypted: give its passphrase (--passphrase-file FILE or "
                              "MEND_BACKUP_PASSPHRASE)")
        params = _checked_params(encryptor_params)
        handle.seek(sealed.payload_offset + size - TAG_SIZE)
        tag = handle.read(TAG_SIZE)
        nonce = base64.b64decode(params["nonce"])
        decryptor = Cipher(algorithms.AES(_key(passphrase, params)), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(sealed.header_line)
        handle.seek(sealed.payload_offset)
        _copy(handle, out, size - TAG_SIZE, decryptor.update)
        try:
            decryptor.finalize()
        except InvalidTag:
            raise BackupError("Wrong passphrase: the backup is intact (its checksum matches) but this passphrase "
                              "does not decrypt it; nothing was restored") from None


def _copy(handle: BinaryIO, out: BinaryIO, size: int, transform: Callable[[bytes], bytes]) -> None:
    left = size
    while left > 0:
        chunk = handle.read(min(CHUNK, left))
        if not chunk:
            raise BackupError(f"{handle.name} changed while it was read (shorter than its header says)")
        out.write(transform(chunk))
        left -= len(chunk)


def _checked_params(params: Any) -> dict[str, Any]:
    """The header is checksummed, not signed: bound scrypt's cost so a crafted file can't make
    a restore allocate gigabytes."""
    try:
        n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
        ok = (params["cipher"] == "AES-256-GCM" and params["kdf"] == "scrypt" and 2 <= n <= 2**20
              and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4)
        base64.b64decode(params["salt"]), base64.b64decode(params["nonce"])
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise BackupError("The backup's encryption settings are not ones Mend writes; refusing it")
    return dict(params)
