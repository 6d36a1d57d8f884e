"""The application's shared state and database sessions, and loading the signed-in user."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.services.accounts import password_fingerprint, session_user_id, touch_session
from liangshan.services.permissions import Actor, build_actor, region_scope
from liangshan.services.workspace import Workspace
from liangshan.store.db import get_engine
from liangshan.store.models import Region, User
from liangshan.web.security import LoginThrottle, SessionCodec, SessionData


@dataclass
class TtlCache:
    """A tiny thread-safe cache with a time-to-live and a size bound (oldest entries dropped)."""

    ttl: float = 30.0
    size: int = 256
    _data: dict[Any, tuple[float, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: Any) -> Any:
        with self._lock:
            hit = self._data.get(key)
            if hit is None or time.monotonic() - hit[0] >= self.ttl:
                return None
            return hit[1]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            if len(self._data) >= self.size:
                for k in list(self._data)[: self.size // 4]:
                    del self._data[k]
            self._data[key] = (time.monotonic(), value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@dataclass
class WebContext(Workspace):
    """The workspace plus what only the web app needs: session codec, throttle, caches."""

    codec: SessionCodec = field(kw_only=True)
    throttle: LoginThrottle = field(kw_only=True)
    max_upload: int = field(kw_only=True)
    secure_cookies: bool = False
    cache: TtlCache = field(default_factory=lambda: TtlCache(ttl=300.0, size=2048))
    pages: TtlCache = field(default_factory=lambda: TtlCache(ttl=300.0, size=4096))
    regions_cache: TtlCache = field(default_factory=lambda: TtlCache(ttl=30.0, size=4))
    actors: TtlCache = field(default_factory=lambda: TtlCache(ttl=5.0, size=1024))
    _version: tuple[float, Any] = (0.0, None)

    def data_version(self, max_age: float = 0.5) -> tuple[Any, ...]:
        """A key that changes when values, reviews or a region's indicator set change: this process's
        write count at once, other processes' writes (newest submission and review ids, the target
        overrides, every region's assigned set) within ``max_age`` seconds.

        The assigned sets (``region_catalog``, a handful of rows) are part of the key themselves, so a
        set assigned by any entry point — ``liangshan region set-catalog``, a bundle import, the
        service :func:`liangshan.services.catalogs.set_region_catalog` — shows on the next request
        after ``max_age``, without waiting for the next save."""
        now = time.monotonic()
        at, ver = self._version
        if ver is None or now - at > max_age:
            from sqlalchemy import func

            from liangshan.store.models import RegionCatalog, Review, Submission, TargetOverride

            q = select(
                select(func.max(Submission.id)).scalar_subquery(),
                select(func.max(Review.id)).scalar_subquery(),
                select(func.count(TargetOverride.id)).scalar_subquery(),
            )
            sets = select(RegionCatalog.region_code, RegionCatalog.catalog_set).order_by(
                RegionCatalog.region_code
            )
            with get_engine(self.db_url).connect() as conn:
                ver = (*conn.execute(q).one(), tuple(tuple(r) for r in conn.execute(sets)))
            self._version = (now, ver)
        return (self.generation, *ver)

    def region_tree(self, session: Session) -> dict[str, str | None]:
        """code → parent code of every region (cached for 30 s)."""
        tree = self.regions_cache.get("tree")
        if tree is None:
            tree = dict(session.execute(select(Region.code, Region.parent_code)).all())
            self.regions_cache.put("tree", tree)
        return tree

    def scope(self, session: Session, root: str | None) -> frozenset[str]:
        """``root`` and every region below it (:func:`liangshan.services.permissions.region_scope`)."""
        return region_scope(self.region_tree(session), root)

    def load_actor(self, data: SessionData | None) -> Actor | None:
        """The active user a valid session names, or None (unknown, inactive, password changed,
        session revoked or expired)."""
        hit = self.load_login(data)
        return hit[0] if hit is not None else None

    def load_login(self, data: SessionData | None) -> tuple[Actor, bool] | None:
        """The session's user and whether the user must change the password first.

        The server-side session row is checked at most every ``actors.ttl`` seconds (5 s) per
        session; a revocation in this process clears that cache at once (:meth:`forget_sessions`)."""
        if data is None or data.uid is None or not data.sid:
            return None
        key = (data.uid, data.fp, data.sid, data.csrf)
        hit = self.actors.get(key)
        if hit is not None:
            return hit
        loaded = self._load_actor(data)
        if loaded is not None:
            self.actors.put(key, loaded)
        return loaded

    def cached_login(self, data: SessionData | None) -> tuple[Actor, bool] | None:
        """The session check of :meth:`load_login` when it is cached (no database access), else None."""
        if data is None or data.uid is None or not data.sid:
            return None
        return self.actors.get((data.uid, data.fp, data.sid, data.csrf))

    def forget_sessions(self) -> None:
        """Drop cached session checks (after a logout, a password change or a revocation)."""
        self.actors.clear()

    def _load_actor(self, data: SessionData) -> tuple[Actor, bool] | None:
        assert data.uid is not None
        with self.read() as s:
            found = session_user_id(s, data.sid)
            if found is None or found[0] != data.uid:
                return None
            user = s.get(User, data.uid)
            if user is None or not user.active or password_fingerprint(user.password_hash) != data.fp:
                return None
            actor = build_actor(s, user, self.region_tree(s), csrf=data.csrf)
            must_change = bool(user.must_change_password)
        if found[1]:  # last seen more than 5 minutes ago: one small write
            with self.write(values=False) as s:
                touch_session(s, data.sid)
        return actor, must_change
