"""Accounts: password hashing (argon2id), the password rules, and the fingerprint that ends old sessions.

Used by the web login and by ``liangshan user`` alike, so the rules are the same from every entry point;
the account management itself (:func:`create_user`, :func:`set_password`, :func:`list_users`) lives
here too, so the command line does not reach into the web package.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liangshan.services.permissions import ROLE_LABELS, ROLES, SYSTEM
from liangshan.store.models import Region, User
from liangshan.store.regions import find_unit
from liangshan.store.submissions import audit

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


class AccountError(ValueError):
    """An account request that cannot be done, with the reason in Chinese (nothing was changed)."""


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
    try:
        pw_hash = hash_password(password)
    except PasswordPolicyError as e:
        raise AccountError(str(e)) from None
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


def set_password(session: Session, username: str, password: str, by: str = "cli") -> User:
    """Set or reset a password (sessions signed with the old one stop working); audited."""
    try:
        pw_hash = hash_password(password)
    except PasswordPolicyError as e:
        raise AccountError(str(e)) from None
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise AccountError(f"用户不存在：{username}")
    user.password_hash = pw_hash
    audit(session, by, "passwd", "user", user.id, detail="密码已重置")
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


def set_missing_passwords(session: Session, password: str) -> list[tuple[str, str, str]]:
    """Give every account without a password the same one (the demo); (user, role, unit) changed."""
    try:
        pw_hash = hash_password(password)
    except PasswordPolicyError as e:
        raise AccountError(str(e)) from None
    shown = []
    for u in session.scalars(select(User).order_by(User.id)):
        if u.password_hash is None and u.role != SYSTEM:
            u.password_hash = pw_hash
            shown.append((u.username, u.role, u.unit.name if u.unit else ""))
    return shown
