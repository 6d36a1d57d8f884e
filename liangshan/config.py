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


def default_files_dir() -> Path:
    """The evidence folder when nothing names one (a PostgreSQL database without
    ``LIANGSHAN_FILES_DIR``): ``$XDG_DATA_HOME/liangshan/files``, else
    ``~/.local/share/liangshan/files`` — an absolute path that does not depend on the folder the
    command happens to be started from (a server and a CLI run must find the same files)."""
    base = os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return (root / "liangshan" / "files").resolve()


def files_dir(option: str | None = None) -> Path:
    """Where evidence files are stored (content-addressed): the option, ``LIANGSHAN_FILES_DIR``, else
    :func:`default_files_dir` (always an absolute path)."""
    chosen = option or os.environ.get(FILES_ENV)
    return Path(chosen).resolve() if chosen else default_files_dir()


def private_dir(path: Path) -> Path:
    """Create the folder ``path`` (with its parents) when missing and make it 0700 (owner only):
    evidence files and the session key are not for other accounts of the machine, whatever the umask."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)
    return path


def evidence_root(url: str) -> Path:
    """Evidence folder for a database: beside a SQLite file (``<db>.files``), else :func:`files_dir`."""
    if url.startswith("sqlite:///") and ":memory:" not in url and not os.environ.get(FILES_ENV):
        db = Path(url.removeprefix("sqlite:///"))
        return db.with_name(db.name + ".files")
    return files_dir()
