"""Settings read from the environment: database URL and the evidence-file folder."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "LIANGSHAN_DATABASE_URL"
FILES_ENV = "LIANGSHAN_FILES_DIR"


def db_url(option: str | None = None) -> str:
    """``--db`` option, else ``LIANGSHAN_DATABASE_URL``, else SQLite at ``./data/liangshan.db``."""
    if option:
        return option
    env = os.environ.get(DB_ENV)
    if env:
        return env
    return "sqlite:///" + os.path.abspath(os.path.join("data", "liangshan.db"))


def files_dir(option: str | None = None) -> Path:
    """Where evidence files are stored (content-addressed): ``LIANGSHAN_FILES_DIR`` or ``./data/files``."""
    return Path(option or os.environ.get(FILES_ENV) or os.path.join("data", "files")).resolve()


def evidence_root(url: str) -> Path:
    """Evidence folder for a database: beside a SQLite file (``<db>.files``), else :func:`files_dir`."""
    if url.startswith("sqlite:///") and ":memory:" not in url and not os.environ.get(FILES_ENV):
        db = Path(url.removeprefix("sqlite:///"))
        return db.with_name(db.name + ".files")
    return files_dir()
