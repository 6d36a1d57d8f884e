"""The application's shared state and database sessions, and loading the signed-in user."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from liangshan.catalog.models import Catalog
from liangshan.store.db import get_engine, session_scope
from liangshan.store.errors import ConflictError
from liangshan.store.models import Region, Unit, User
from liangshan.web.permissions import Actor
from liangshan.web.security import LoginThrottle, SessionCodec, SessionData, password_fingerprint

CONFLICT_RETRY = "同一时间有他人保存了同一项数据，您的操作未生效；请刷新后重试（您的输入未丢失）"


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
class WebContext:
    db_url: str
    files_dir: Path
    catalog: Catalog
    codec: SessionCodec
    throttle: LoginThrottle
    max_upload: int
    secure_cookies: bool = False
    cache: TtlCache = field(default_factory=lambda: TtlCache(ttl=300.0, size=2048))
    pages: TtlCache = field(default_factory=lambda: TtlCache(ttl=300.0, size=4096))
    regions_cache: TtlCache = field(default_factory=lambda: TtlCache(ttl=30.0, size=4))
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    actors: TtlCache = field(default_factory=lambda: TtlCache(ttl=5.0, size=1024))
    generation: int = 0  # bumped by every write of this process (cache keys see it at once)
    _version: tuple[float, Any] = (0.0, None)

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @contextmanager
    def read(self) -> Iterator[Session]:
        with session_scope(self.db_url) as s:
            yield s

    @contextmanager
    def write(self, values: bool = True) -> Iterator[Session]:
        """A write transaction. On SQLite it starts with BEGIN IMMEDIATE, so writers queue (busy
        timeout) instead of failing on a stale snapshot; a unique-version race becomes a
        :class:`ConflictError` (HTTP 409) and nothing is written. ``values=False`` (a login's audit
        entry) leaves the cached pages valid."""
        lock = self.write_lock if self.is_sqlite else None
        try:
            if lock is not None:
                # SQLite has one writer at a time; queueing here wakes the next writer at once,
                # where SQLite's busy handler would poll with sleeps of up to 100 ms.
                lock.acquire()
            with session_scope(self.db_url) as s:
                if self.is_sqlite:
                    s.connection().exec_driver_sql("BEGIN IMMEDIATE")
                yield s
        except IntegrityError as e:
            raise ConflictError(CONFLICT_RETRY) from e
        except OperationalError as e:
            text = str(e.orig).lower() if e.orig else ""
            if "deadlock" in text or "could not serialize" in text or "locked" in text:
                raise ConflictError(CONFLICT_RETRY) from e
            raise
        finally:
            if values:
                self.generation += 1
            if lock is not None:
                lock.release()

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
        """``root`` and every region below it."""
        if root is None:
            return frozenset()
        tree = self.region_tree(session)
        children: dict[str | None, list[str]] = {}
        for code, parent in tree.items():
            children.setdefault(parent, []).append(code)
        out, todo = {root}, [root]
        while todo:
            for c in children.get(todo.pop(), []):
                if c not in out:
                    out.add(c)
                    todo.append(c)
        return frozenset(out)

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
            unit = s.get(Unit, user.unit_id) if user.unit_id is not None else None
            region = unit.region_code if (user.role == "unit" and unit is not None) else user.region_code
            names = frozenset([unit.name, *(unit.aliases or [])]) if unit is not None else frozenset()
            if user.role == "unit":  # a unit account without a unit sees nothing
                regions = frozenset([region]) if unit is not None and region else frozenset()
            else:
                regions = self.scope(s, region)
            return Actor(
                id=user.id,
                username=user.username,
                display_name=user.display_name,
                role=user.role,
                region=region,
                unit_id=unit.id if unit is not None else None,
                unit_name=unit.name if unit is not None else None,
                unit_names=names,
                regions=regions,
                csrf=data.csrf,
            )
