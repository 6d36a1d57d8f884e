"""Alembic revisions: this software's newest, the database's own, and upgrading a database."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from liangshan.store.db import MIGRATIONS, get_engine


def _alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revisions() -> list[str]:
    """The newest migration revision(s) of this software."""
    return sorted(ScriptDirectory.from_config(_alembic_config("sqlite://")).get_heads())


def known_revision(rev: str) -> bool:
    try:
        return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_revision(rev) is not None
    except Exception:  # alembic raises several kinds for unknown or malformed ids
        return False


def db_revisions(conn: Connection) -> list[str] | None:
    """The revision(s) recorded in ``alembic_version``; None when the table does not exist."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return sorted(r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version")))


def upgrade_schema(url: str, revision: str) -> None:
    """Upgrade the database at ``url`` to the Alembic ``revision``."""
    cfg = _alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
