"""The application's database, evidence folder and catalog, and its read/write transactions.

Every service takes a :class:`Workspace` and an :class:`~liangshan.services.permissions.Actor`: the
web app's context is a Workspace with web state added, the CLI builds one from ``--db``. Writes go
through :meth:`Workspace.write`, so the same locking and conflict rules hold from every entry point.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from liangshan.catalog.models import Catalog
from liangshan.store.db import session_scope
from liangshan.store.errors import ConflictError

CONFLICT_RETRY = "同一时间有他人保存了同一项数据，您的操作未生效；请刷新后重试（您的输入未丢失）"


@dataclass
class Workspace:
    """A database URL, the evidence folder and the indicator catalog."""

    db_url: str
    files_dir: Path
    catalog: Catalog
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    generation: int = 0  # bumped by every write of this process (cache keys see it at once)

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
