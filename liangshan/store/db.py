"""Engines, sessions, migrations and the append-only guard."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from liangshan.store.models import AuditLog, Review, Submission
from liangshan.store.models_contributions import Contribution

MIGRATIONS = Path(__file__).with_name("migrations")
# The head revision(s) of migrations/versions, known without importing Alembic (a read-only command
# then starts ~0.2 s sooner); tests/test_migration_heads.py checks it against Alembic's script directory.
HEADS = ("0009",)
IMMUTABLE_SUBMISSION = (
    "region_code", "item_code", "year", "version", "value_num", "value_bool", "value_unit",
    "note", "provenance", "created_by", "created_at",
)  # fmt: skip
_engines: dict[str, Engine] = {}


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a stored value, a review or an audit entry."""


def now() -> datetime:
    return datetime.now(UTC)


def utc_seconds(at: datetime) -> str:
    """A stored time as UTC without an offset, to the second (``2026-03-02T09:10:11``): SQLite gives back
    the naive UTC time it stored, PostgreSQL an aware one in the session's zone; both print the same."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="seconds")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class NonFiniteJSONError(ValueError):
    """A JSON column (audit entry, provenance) was given NaN or ±Infinity, which JSON cannot hold."""


def json_dumps(value: Any) -> str:
    """The JSON columns' serializer: standard JSON only — ``NaN``/``Infinity`` are refused (Python's
    ``json.dumps`` would write them, and PostgreSQL's ``json`` and every other reader reject them)."""
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        raise NonFiniteJSONError("数据含非有限数值（NaN 或无穷大），不能写入审计记录或来源信息") from None


def _create_private_file(path: Path) -> None:
    """Create a new SQLite database file 0600 (owner only; SQLite gives its -wal and -shm files the
    same mode), whatever the umask; its folder is created when missing. An existing file is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)  # an empty file is an empty SQLite database
    os.chmod(path, 0o600)


def get_engine(url: str) -> Engine:
    """One engine per URL. SQLite gets WAL, foreign keys and a busy timeout; its folder is created."""
    if url not in _engines:
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            _create_private_file(Path(url.removeprefix("sqlite:///").split("?", 1)[0]))
        # A web worker runs up to 40 request threads: keep 10 connections open instead of opening and
        # closing overflow ones (each SQLite connect also sets its pragmas); 20 at most per process.
        memory = url in ("sqlite://", "sqlite:///:memory:")
        pool = {} if memory else {"pool_size": 10, "max_overflow": 10}
        eng = create_engine(url, future=True, json_serializer=json_dumps, **pool)
        if eng.dialect.name == "sqlite":
            event.listen(eng, "connect", _sqlite_pragmas)
        _engines[url] = eng
    return _engines[url]


def dispose_engines() -> None:
    for eng in _engines.values():
        eng.dispose()
    _engines.clear()


def at_head(url: str) -> bool:
    """Whether the database at ``url`` records exactly the revisions :data:`HEADS` in
    ``alembic_version`` (one query, no Alembic import). False when the table is missing or the
    database cannot be read: then :func:`migrate` decides (and reports any error)."""
    try:
        with get_engine(url).connect() as conn:
            stored = sorted(str(r) for (r,) in conn.execute(text("SELECT version_num FROM alembic_version")))
    except DBAPIError:
        return False
    return stored == sorted(HEADS)


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the latest Alembic revision (creates tables on a new one)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error (so nothing partial is written)."""
    factory = sessionmaker(bind=get_engine(url), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, Submission | Review | AuditLog | Contribution):
            raise AppendOnlyError(f"不允许删除{type(obj).__name__}记录（id={obj.id}）")
    for obj in session.dirty:
        if isinstance(obj, Review | AuditLog | Contribution) and session.is_modified(obj):
            raise AppendOnlyError(f"不允许修改{type(obj).__name__}记录（id={obj.id}）")
        if isinstance(obj, Submission):
            state = inspect(obj)
            changed = [a for a in IMMUTABLE_SUBMISSION if state.attrs[a].history.has_changes()]
            if changed:
                raise AppendOnlyError(f"填报记录（id={obj.id}）不可修改 {changed}：请提交新版本")
