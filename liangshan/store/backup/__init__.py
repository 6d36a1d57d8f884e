"""Backup and restore: one archive with every table and every evidence file, for any database.

A backup is a logical, database-agnostic dump (a ZIP file):

- ``tables/<table>.jsonl`` — one JSON array per row, columns as listed in the manifest, rows in
  primary-key order; tables in foreign-key order. Every table is read inside one snapshot
  transaction (SQLite: a read transaction holds its WAL snapshot; PostgreSQL: REPEATABLE READ READ
  ONLY), so a backup taken while the server writes is a state the database really had.
- ``evidence/<sha256>`` — each evidence file the ``evidence`` table references, checked against
  its sha256 while it is copied (a missing or changed file stops the backup with a clear error).
- ``manifest.json`` — format version, Alembic revision, row counts, columns and their types, the
  sha256 and size of every member, and when the backup was made. No database URL, no paths.

Values are written type-faithfully: integers and floats as JSON numbers (``repr`` round-trips every
double exactly; NaN and ±Infinity as the strings ``"nan"``, ``"inf"``, ``"-inf"``), booleans as
``true``/``false``, timestamps as ISO 8601 in UTC with their offset (SQLite keeps timestamps without
a zone; the application writes UTC, so they are read as UTC), dates as ``YYYY-MM-DD``, and JSON
columns as ``null`` (SQL NULL) or a one-element list holding the stored JSON value (so JSON
``null`` stays distinct from SQL NULL).

Restore goes into an empty database only. It checks the whole archive first (every member's
sha256, every row's types, the row counts), so a damaged archive writes nothing; then it brings the
schema to the archive's Alembic revision, writes the evidence files, inserts every row in one
transaction (parents before children, also within a self-referencing table), resets PostgreSQL's
sequences, and finally upgrades the schema to the newest revision of this software.

Modules: :mod:`.archive` (format constants, :class:`BackupError`, :class:`Summary`),
:mod:`.revisions` (Alembic), :mod:`.encode` (the type-faithful cell encoding), :mod:`.dump`
(:func:`backup`), :mod:`.verify` (:func:`verify_archive`) and :mod:`.load` (:func:`restore`).
"""

from sqlalchemy import JSON as JSON  # JSON.NULL: a restored JSON null (distinct from SQL NULL)

from liangshan.store.backup.archive import (
    BATCH,
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    BackupError,
    Summary,
)
from liangshan.store.backup.dump import backup, begin_snapshot
from liangshan.store.backup.encode import decode_cell, encode_cell
from liangshan.store.backup.load import parents_first, restore
from liangshan.store.backup.revisions import db_revisions, head_revisions, known_revision, upgrade_schema
from liangshan.store.backup.verify import verify_archive

# Internals the tests exercise directly, under the names they have always had here (inside the package
# every module imports the public name from the module that defines it).
_snapshot = begin_snapshot
_decode = decode_cell
_encode = encode_cell
_parents_first = parents_first
_upgrade = upgrade_schema

__all__ = [
    "BATCH",
    "CHUNK",
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "BackupError",
    "Summary",
    "backup",
    "db_revisions",
    "head_revisions",
    "known_revision",
    "restore",
    "verify_archive",
]
