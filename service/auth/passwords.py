"""Password and API-key hashing."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "km_"
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return str(_hasher.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Whether a password matches its argon2 hash."""
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def generate_api_key() -> str:
    """A new random API key (256 bits of entropy)."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """The stored form of an API key.

    A plain SHA-256 suffices because keys are 256-bit random tokens, not guessable passwords,
    and it lets each request find its key by an indexed lookup instead of a slow argon2 check.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def display_prefix(key: str) -> str:
    """The first characters of a key, kept so people can tell their keys apart."""
    return key[: len(API_KEY_PREFIX) + 6]
