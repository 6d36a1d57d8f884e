"""Accounts: password hashing (argon2id), the password rules, and the fingerprint that ends old sessions.

Used by the web login and by ``liangshan user`` alike, so the rules are the same from every entry point;
the account management itself (:func:`create_user`, :func:`set_password`, :func:`list_users`) lives
here too, so the command line does not reach into the web package.
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
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from liangshan.services.permissions import ROLE_LABELS, ROLES, SYSTEM
from liangshan.store.db import now
from liangshan.store.models import Region, User, UserSession
from liangshan.store.regions import find_unit
from liangshan.store.submissions import audit

MIN_PASSWORD = 8

_hasher = PasswordHasher()
# verified against when the user name is unknown, so both paths cost one argon2 verification
_DUMMY_HASH = _hasher.hash("liangshan-dummy-password")


class AccountError(ValueError):
    """An account request that cannot be done, with the reason in Chinese (nothing was changed)."""


class PasswordPolicyError(AccountError):
    """A password that does not meet the password rules (:func:`check_password`)."""


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


@dataclass(frozen=True)
class AccountRow:
    username: str
    display_name: str
    role: str
    role_label: str
    unit: str
    region: str
    has_password: bool
    active: bool


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str,
    unit: str | None = None,
    region: str | None = None,
    display_name: str | None = None,
    by: str = "cli",
) -> User:
    """Add an account; audited. ``region`` may be left out when the database holds one county;
    a ``unit`` account needs its unit (name or alias, in that region)."""
    if role not in ROLES:
        raise AccountError(f"未知角色：{role}（应为 {'|'.join(ROLES)}）")
    if not username.strip() or len(username) > 64 or any(c.isspace() for c in username):
        raise AccountError("用户名不能为空、不能含空格，最长 64 个字符")
    if username == SYSTEM:
        raise AccountError(f"用户名 {SYSTEM} 保留给命令行操作员，请换一个")
    check_password(password, username)
    pw_hash = hash_password(password)
    if session.scalars(select(User).where(func.lower(User.username) == username.lower())).first():
        raise AccountError(f"用户名已存在：{username}（改密码用 liangshan user passwd {username}）")
    if region is None:
        counties = session.scalars(select(Region.code).where(Region.level == "county")).all()
        if len(counties) != 1:
            raise AccountError("请用 --region 指定地区代码")
        region = counties[0]
    if session.get(Region, region) is None:
        raise AccountError(f"未知地区代码：{region}")
    unit_row = None
    if unit:
        unit_row = find_unit(session, region, unit)
        if unit_row is None:
            raise AccountError(f"地区 {region} 没有单位“{unit}”")
    if role == "unit" and unit_row is None:
        raise AccountError("unit 角色必须用 --unit 指定所属责任单位")
    user = User(
        username=username,
        display_name=display_name or (f"{unit_row.name}联络员" if unit_row and role == "unit" else username),
        role=role,
        unit_id=unit_row.id if unit_row else None,
        region_code=region,
        password_hash=pw_hash,
    )
    session.add(user)
    session.flush()
    after = {"username": username, "role": role, "region": region}
    audit(session, by, "create", "user", user.id, after=after)
    return user


def list_users(session: Session) -> list[AccountRow]:
    """Every account: role, unit, region, whether a password is set."""
    return [
        AccountRow(
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            role_label=ROLE_LABELS.get(u.role, u.role),
            unit=u.unit.name if u.unit else "",
            region=u.region_code or "",
            has_password=bool(u.password_hash),
            active=bool(u.active),
        )
        for u in session.scalars(select(User).order_by(User.id))
    ]


def set_missing_passwords(
    session: Session, password: str, *, must_change: bool = True
) -> list[tuple[str, str, str]]:
    """Give every account without a password the same one (the demo); (user, role, unit) changed.

    With ``must_change`` (the default outside ``--demo``) each of them must change it at first login."""
    pw_hash = hash_password(password)
    shown = []
    for u in session.scalars(select(User).order_by(User.id)):
        if u.password_hash is None and u.role != SYSTEM:
            u.password_hash = pw_hash
            u.must_change_password = must_change
            shown.append((u.username, u.role, u.unit.name if u.unit else ""))
    return shown


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


def set_password(session: Session, user: User | str, password: str, by: str | None = None) -> User:
    """Check ``password`` against the policy, store its hash, clear the forced-change flag and end
    every session of the user (a stolen cookie stops working with the old password). ``user`` is the
    account or its name (:class:`AccountError` when unknown); with ``by`` the change is audited."""
    if isinstance(user, str):
        found = session.scalars(select(User).where(User.username == user)).first()
        if found is None:
            raise AccountError(f"用户不存在：{user}")
        user = found
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    revoke_sessions(session, user.id)
    if by is not None:
        audit(session, by, "passwd", "user", user.id, detail="密码已重置，会话已全部结束")
    return user


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
