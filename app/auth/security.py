"""Password hashing (argon2) and opaque random tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import get_settings

_hasher = PasswordHasher()
# argon2 is deliberately slow (~0.2 s); a burst of logins should queue here rather
# than occupy every worker thread (ARCHITECTURE.md, "Rules").
_hash_slots = threading.BoundedSemaphore(get_settings().hash_concurrency)
# Verifying against this when the account doesn't exist keeps timing equal.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    with _hash_slots:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    with _hash_slots:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """Constant-time comparison for anything secret."""
    return hmac.compare_digest(a.encode(), b.encode())


def sign(value: str) -> str:
    """HMAC of a value with the app secret (used for CSRF tokens tied to a web session)."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
