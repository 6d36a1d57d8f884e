"""Rate limiting of public writes (survey answers, supervision reports, receipt look-ups), kept in the
database so every worker process shares it.

A client is identified by a keyed hash (HMAC-SHA256 with an instance secret kept in ``wp_setting``)
of its address; the address itself is never stored, and events older than the window are deleted on
the next check (sliding window: at most ``limit`` events in any ``window``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from liangshan.store.db import now
from liangshan.store.models_workplan import WpRateEvent, WpSetting
from liangshan.workplan.errors import RateLimited

SECRET_KEY = "instance:rate_secret"


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` events per client within ``window``."""

    limit: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("limit 必须 ≥ 1")
        if self.window <= timedelta(0):
            raise ValueError("window 必须大于 0")


def _utc(dt: datetime) -> datetime:
    """Naive datetimes (SQLite returns them) are UTC; aware ones are converted to UTC."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def instance_secret(session: Session) -> bytes:
    row = session.get(WpSetting, SECRET_KEY)
    if row is None:
        row = WpSetting(key=SECRET_KEY, value={"hex": secrets.token_hex(32)}, updated_at=now())
        session.add(row)
        session.flush()
    return bytes.fromhex(row.value["hex"])


def client_key(session: Session, client: str) -> str:
    """Keyed hash of a client address (not reversible without the instance secret)."""
    return hmac.new(instance_secret(session), client.encode("utf-8"), hashlib.sha256).hexdigest()


def peek(session: Session, scope: str, client: str, rule: RateLimit, at: datetime | None = None) -> None:
    """Raise :class:`RateLimited` when ``client`` is already at the limit of ``scope``; records nothing
    (a cheap check before expensive work, such as decoding photos; :func:`hit` then counts)."""
    ts = _utc(at or now())
    since = ts - rule.window
    key = client_key(session, client)
    n, oldest = session.execute(
        select(func.count(), func.min(WpRateEvent.at)).where(
            WpRateEvent.scope == scope, WpRateEvent.key_hash == key, WpRateEvent.at > since
        )
    ).one()
    if n >= rule.limit:
        raise _limited(rule, oldest, ts)


def _limited(rule: RateLimit, oldest: datetime | None, ts: datetime) -> RateLimited:
    retry = int(((_utc(oldest) + rule.window) - ts).total_seconds()) + 1 if oldest else 1
    minutes = max(1, round(rule.window.total_seconds() / 60))
    return RateLimited(
        f"提交过于频繁：同一网络 {minutes} 分钟内最多 {rule.limit} 次，请约 {max(1, retry // 60)} 分钟后再试",
        retry_after=max(1, retry),
    )


def hit(session: Session, scope: str, client: str, rule: RateLimit, at: datetime | None = None) -> None:
    """Count one event of ``client`` in ``scope``; raise :class:`RateLimited` when over the limit.

    Parameters
    ----------
    session : Session
    scope : str
        What is limited, e.g. ``survey:3`` or ``report:411224``.
    client : str
        Client address (IP) as the web server sees it.
    rule : RateLimit
        Limit and window.
    at : datetime, optional
        Time of the event (default now, UTC).
    """
    ts = _utc(at or now())
    since = ts - rule.window
    session.execute(delete(WpRateEvent).where(WpRateEvent.scope == scope, WpRateEvent.at <= since))
    key = client_key(session, client)
    n, oldest = session.execute(
        select(func.count(), func.min(WpRateEvent.at)).where(
            WpRateEvent.scope == scope, WpRateEvent.key_hash == key, WpRateEvent.at > since
        )
    ).one()
    if n >= rule.limit:
        raise _limited(rule, oldest, ts)
    session.add(WpRateEvent(scope=scope, key_hash=key, at=ts))
    session.flush()
