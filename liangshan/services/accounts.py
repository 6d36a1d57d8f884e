"""Accounts: password hashing (argon2id), the password rules, and the fingerprint that ends old sessions.

Used by the web login and by ``liangshan user`` alike, so the rules are the same from every entry point.
"""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD = 8

_hasher = PasswordHasher()
# verified against when the user name is unknown, so both paths cost one argon2 verification
_DUMMY_HASH = _hasher.hash("liangshan-dummy-password")


class PasswordPolicyError(ValueError):
    """A password that does not meet the minimum rules."""


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (at least :data:`MIN_PASSWORD` characters)."""
    if len(password) < MIN_PASSWORD:
        raise PasswordPolicyError(f"密码至少 {MIN_PASSWORD} 个字符")
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; a missing hash never matches (same cost)."""
    try:
        if not stored:
            _hasher.verify(_DUMMY_HASH, password + "x")
            return False
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_fingerprint(stored: str | None) -> str:
    """A short digest of the stored hash: sessions signed before a password change stop working."""
    return hashlib.sha256((stored or "").encode()).hexdigest()[:16]
