"""The backup archive's format constants, its error, and the summary of a backup or restore."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from liangshan.store.errors import StoreError

FORMAT = "liangshan-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000
CHUNK = 1 << 20


class BackupError(StoreError):
    """A backup or restore that cannot be done; nothing was written (the message says why)."""


@dataclass
class Summary:
    """What a backup or restore did (for the command's output)."""

    tables: int
    rows: int
    evidence_files: int
    evidence_bytes: int
    archive_bytes: int
    seconds: float
    revision: list[str]
    row_counts: dict[str, int] = field(default_factory=dict)


def db_error(e: SQLAlchemyError) -> str:
    """The driver's own message (no URL; passwords never appear in it), on one line."""
    orig = getattr(e, "orig", None) or e
    return " ".join(str(orig).split())[:300] or type(e).__name__
