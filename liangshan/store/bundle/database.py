"""What bundles need from the local database: this instance's id, its schema revision, and a
transaction begun the right way for reading (export) or writing (import)."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from liangshan.store.db import now
from liangshan.store.models_workplan import WpSetting
from liangshan.store.submissions import audit

INSTANCE_KEY = "instance:id"  # wp_setting row holding this instance's id (created on first export)
_PG_LOCK = 0x6C73_626E  # "lsbn": the advisory lock serializing bundle imports on PostgreSQL


def instance_id(session: Session, create: bool = False, actor: str = "system") -> str | None:
    """This instance's id (a random UUID kept in ``wp_setting``); created on first use if ``create``."""
    row = session.get(WpSetting, INSTANCE_KEY)
    if row is None:
        if not create:
            return None
        ts = now()
        row = WpSetting(key=INSTANCE_KEY, value={"id": uuid.uuid4().hex}, updated_by=actor, updated_at=ts)
        session.add(row)
        session.flush()
        audit(session, actor, "create", "setting", INSTANCE_KEY, after=row.value, at=ts)
    return str(row.value["id"])


def alembic_revision(session: Session) -> str:
    revs = session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(str(r) for r in revs))


def begin_transaction(session: Session, write: bool) -> None:
    """Start the transaction explicitly: SQLite reads share one WAL snapshot (``BEGIN``) or take the
    write lock up front (``BEGIN IMMEDIATE``, so that what was checked is still true when written);
    PostgreSQL reads in one REPEATABLE READ snapshot."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    elif conn.dialect.name == "postgresql":
        if write:  # one bundle import at a time (released at commit or rollback)
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
        else:
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
