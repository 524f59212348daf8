"""Password hashing (Argon2id) and SIP digest hashes."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Argon2id hash with a random salt, in the PHC string format."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; a malformed hash counts as no match."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sip_ha1(username: str, realm: str, password: str) -> str:
    """RFC 2617 HA1, which Asterisk accepts in place of the plaintext password.

    MD5 is what SIP digest authentication is defined with; the hash is not used for anything else.
    """
    return hashlib.md5(f"{username}:{realm}:{password}".encode(), usedforsecurity=False).hexdigest()


def generate_secret(nbytes: int = 18) -> str:
    """A URL-safe random secret for generated credentials."""
    return secrets.token_urlsafe(nbytes)


@cache
def dummy_password_hash() -> str:
    """A hash of a random password: unknown users are checked against it, so they cost the same."""
    return _hasher.hash(secrets.token_urlsafe(24))
