"""The application's shared state and database sessions, and loading the signed-in user."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.services.accounts import password_fingerprint
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
        """A key that changes when values or reviews change: this process's write count at once,
        other processes' writes (newest submission and review ids) within ``max_age`` seconds."""
        now = time.monotonic()
        at, ver = self._version
        if ver is None or now - at > max_age:
            from sqlalchemy import func

            from liangshan.store.models import Review, Submission, TargetOverride

            q = select(
                select(func.max(Submission.id)).scalar_subquery(),
                select(func.max(Review.id)).scalar_subquery(),
                select(func.count(TargetOverride.id)).scalar_subquery(),
            )
            with get_engine(self.db_url).connect() as conn:
                ver = tuple(conn.execute(q).one())
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
        """The active user a valid session names, or None (unknown, inactive, password changed)."""
        if data is None or data.uid is None:
            return None
        key = (data.uid, data.fp, data.csrf)
        hit = self.actors.get(key)
        if hit is not None:
            return hit
        actor = self._load_actor(data)
        if actor is not None:
            self.actors.put(key, actor)
        return actor

    def _load_actor(self, data: SessionData) -> Actor | None:
        assert data.uid is not None
        with self.read() as s:
            user = s.get(User, data.uid)
            if user is None or not user.active or password_fingerprint(user.password_hash) != data.fp:
                return None
            return build_actor(s, user, self.region_tree(s), csrf=data.csrf)
