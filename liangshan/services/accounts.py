"""Accounts: password hashing (argon2id), the password rules, and the fingerprint that ends old sessions.

Used by the web login and by ``liangshan user`` alike, so the rules are the same from every entry point.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from liangshan.store.db import now
from liangshan.store.models import User, UserSession

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


# ---------------------------------------------------------------- password policy


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (``common_passwords.txt``: top passwords, keyboard
    walks, digit runs, dates, pinyin phrases such as ``woaini1314`` and the county name)."""
    text = resources.files("liangshan.services").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password(password: str, username: str | None = None) -> None:
    """Raise :class:`PasswordPolicyError` (a Chinese message) unless ``password`` has at least
    :data:`MIN_PASSWORD` characters, is not a common password, is not the user name and is not one
    character repeated."""
    if len(password) < MIN_PASSWORD:
        raise PasswordPolicyError(f"密码至少 {MIN_PASSWORD} 个字符")
    folded = unicodedata.normalize("NFKC", password).strip().lower()
    if len(set(folded)) <= 2:
        raise PasswordPolicyError("密码过于简单（只由一两个字符重复组成），请换一个")
    if folded in common_passwords():
        raise PasswordPolicyError("该密码过于常见，容易被猜中，请换一个")
    if username and folded in {username.strip().lower(), username.strip().lower()[::-1]}:
        raise PasswordPolicyError("密码不能与用户名相同")


def set_password(session: Session, user: User, password: str) -> None:
    """Check ``password`` against the policy, store its hash, clear the forced-change flag and end
    every session of the user (a stolen cookie stops working with the old password)."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    revoke_sessions(session, user.id)


# ---------------------------------------------------------------- server-side sessions

SESSION_TTL = timedelta(hours=12)


def token_hash(token: str) -> str:
    """What the database keeps of a session id: its sha256 (a leaked table opens no session)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionInfo:
    """An active session as shown to its user or an administrator (``ref`` is the row id)."""

    ref: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    client: str
    user_agent: str
    current: bool = False


def start_session(session: Session, user_id: int, client: str, user_agent: str) -> str:
    """Record a new session of ``user_id``; returns the random session id the cookie carries."""
    token = secrets.token_urlsafe(32)
    at = now()
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=at,
            last_seen_at=at,
            expires_at=at + SESSION_TTL,
            client=client[:64],
            user_agent=user_agent[:255],
        )
    )
    session.flush()
    return token


TOUCH_EVERY = timedelta(minutes=5)


def session_user_id(session: Session, token: str) -> tuple[int, bool] | None:
    """The user of an active (not revoked, not expired) session and whether its ``last_seen_at``
    is older than :data:`TOUCH_EVERY` (see :func:`touch_session`); None when not active."""
    row = session.scalars(select(UserSession).where(UserSession.token_hash == token_hash(token))).first()
    at = now()
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= at:
        return None
    return row.user_id, _aware(row.last_seen_at) < at - TOUCH_EVERY


def touch_session(session: Session, token: str, every: timedelta = TOUCH_EVERY) -> None:
    """Move ``last_seen_at`` forward (at most once per ``every``, to keep writes rare)."""
    at = now()
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_hash(token), UserSession.last_seen_at < at - every)
        .values(last_seen_at=at)
    )


def end_session(session: Session, token: str) -> bool:
    """Revoke one session by its id (logout). True when an active session was ended."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    return bool(getattr(result, "rowcount", 0))


def revoke_sessions(
    session: Session, user_id: int, *, ref: int | None = None, keep_token: str | None = None
) -> int:
    """Revoke the active sessions of ``user_id`` (only row ``ref`` when given; all but the session
    ``keep_token`` when given). Returns how many were ended."""
    q = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if ref is not None:
        q = q.where(UserSession.id == ref)
    if keep_token is not None:
        q = q.where(UserSession.token_hash != token_hash(keep_token))
    result = session.execute(q.values(revoked_at=now()))
    return int(getattr(result, "rowcount", 0) or 0)


def active_sessions(session: Session, user_id: int, current_token: str | None = None) -> list[SessionInfo]:
    """The user's sessions that are neither revoked nor expired, newest first."""
    at = now()
    mine = token_hash(current_token) if current_token else None
    rows = session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
    )
    return [
        SessionInfo(
            ref=r.id,
            created_at=_aware(r.created_at),
            last_seen_at=_aware(r.last_seen_at),
            expires_at=_aware(r.expires_at),
            client=r.client,
            user_agent=r.user_agent,
            current=r.token_hash == mine,
        )
        for r in rows
        if _aware(r.expires_at) > at
    ]


def prune_sessions(session: Session, older_than: timedelta = timedelta(days=30)) -> None:
    """Delete session rows that ended (expired or revoked) more than ``older_than`` ago."""
    from sqlalchemy import delete, or_

    cut = now() - older_than
    session.execute(
        delete(UserSession).where(or_(UserSession.expires_at < cut, UserSession.revoked_at < cut))
    )


def _aware(at: datetime) -> datetime:
    """SQLite returns naive datetimes (stored as UTC): make them comparable with :func:`now`."""
    from datetime import UTC

    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
