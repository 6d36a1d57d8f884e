"""Backup: every table read in one snapshot and every evidence file, written to a ZIP atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Table, Text, cast, select
from sqlalchemy.exc import SQLAlchemyError

from liangshan import __version__
from liangshan.config import evidence_root
from liangshan.store.backup.archive import (
    BATCH,
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    BackupError,
    Summary,
    db_error,
)
from liangshan.store.backup.encode import column_kind, encode_cell
from liangshan.store.backup.revisions import db_revisions, head_revisions
from liangshan.store.db import get_engine
from liangshan.store.evidence import blob_path
from liangshan.store.models import Base


def begin_snapshot(conn: Connection) -> None:
    """Start the one read transaction every table is read in."""
    if conn.dialect.name == "sqlite":
        # pysqlite does not begin a transaction for SELECTs; BEGIN makes the first read pin a WAL
        # snapshot that later reads share, while writers go on committing to the WAL.
        conn.exec_driver_sql("BEGIN")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise BackupError(f"不支持的数据库类型：{conn.dialect.name}")


class _HashingWriter:
    """Writes to a ZIP member while hashing and counting the bytes."""

    def __init__(self, fh: IO[bytes]):
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.fh.write(data)
        self.sha.update(data)
        self.size += len(data)


def _dump_table(
    conn: Connection, table: Table, zf: zipfile.ZipFile, member: str
) -> tuple[int, dict[str, Any], list[str]]:
    cols = list(table.columns)
    kinds = [column_kind(c) for c in cols]
    exprs = [cast(c, Text) if k == "json" else c for c, k in zip(cols, kinds, strict=True)]
    stmt = select(*exprs).order_by(*table.primary_key.columns)
    rows = 0
    shas: list[str] = []
    sha_at = next((i for i, c in enumerate(cols) if c.name == "sha256"), None)
    with zf.open(member, "w", force_zip64=True) as fh:
        out = _HashingWriter(fh)
        result = conn.execute(stmt, execution_options={"stream_results": True, "yield_per": BATCH})
        for row in result:
            cells = [encode_cell(k, v) for k, v in zip(kinds, row, strict=True)]
            out.write(json.dumps(cells, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
            if table.name == "evidence" and sha_at is not None:
                shas.append(row[sha_at])
            rows += 1
    meta = {"sha256": out.sha.hexdigest(), "size": out.size}
    return rows, meta, shas


def _copy_blob(zf: zipfile.ZipFile, root: Path, sha: str) -> dict[str, Any]:
    path = blob_path(root, sha)
    try:
        src = path.open("rb")
    except FileNotFoundError:
        raise BackupError(
            f"佐证文件缺失：sha256 {sha}（应在佐证目录的 {sha[:2]}/{sha[2:4]}/ 下）；"
            "备份未完成，未写出任何文件"
        ) from None
    member = f"evidence/{sha}"
    with src, zf.open(member, "w", force_zip64=True) as fh:
        out = _HashingWriter(fh)
        while chunk := src.read(CHUNK):
            out.write(chunk)
    if out.sha.hexdigest() != sha:
        raise BackupError(
            f"佐证文件已损坏：sha256 应为 {sha}，实际为 {out.sha.hexdigest()}；备份未完成，未写出任何文件"
        )
    return {"sha256": sha, "size": out.size}


def backup(url: str, out: str | Path, files_dir: str | Path | None = None) -> Summary:
    """Write a consistent backup of the database at ``url`` and its evidence files to ``out``.

    The archive is written beside ``out`` under a temporary name and renamed when complete, so
    ``out`` is either the previous file or a whole new backup. Raises :class:`BackupError`.
    """
    started = time.monotonic()
    out = Path(out).resolve()
    root = Path(files_dir) if files_dir else evidence_root(url)
    sqlite_file = url.startswith("sqlite:///") and ":memory:" not in url
    if sqlite_file and not Path(url.removeprefix("sqlite:///")).exists():
        raise BackupError("数据库文件不存在；请检查 --db 或 LIANGSHAN_DATABASE_URL")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        summary = _write_backup(url, tmp, root)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
        dir_fd = os.open(out.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power cut
        finally:
            os.close(dir_fd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    summary.archive_bytes = out.stat().st_size
    summary.seconds = time.monotonic() - started
    return summary


def _write_backup(url: str, tmp: Path, root: Path) -> Summary:
    try:
        conn_cm = get_engine(url).connect()
    except SQLAlchemyError as e:
        raise BackupError(f"无法连接数据库：{db_error(e)}") from None
    with conn_cm as conn, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        try:
            return _dump_all(conn, zf, root)
        except SQLAlchemyError as e:
            raise BackupError(f"读取数据库时出错，备份未完成：{db_error(e)}") from None


def _dump_all(conn: Connection, zf: zipfile.ZipFile, root: Path) -> Summary:
    members: dict[str, dict[str, Any]] = {}
    tables: list[dict[str, Any]] = []
    shas: set[str] = set()
    begin_snapshot(conn)
    revision = db_revisions(conn)
    if revision is None:
        raise BackupError("数据库尚未建立（没有迁移记录），不是 liangshan 的数据库")
    if revision != head_revisions():
        raise BackupError(
            f"数据库的迁移版本 {','.join(revision) or '无'} 与本程序的 {','.join(head_revisions())} "
            "不一致：数据库较旧时先运行 liangshan migrate，较新时请用与之相同版本的 liangshan 备份"
        )
    for table in Base.metadata.sorted_tables:
        member = f"tables/{table.name}.jsonl"
        rows, meta, found = _dump_table(conn, table, zf, member)
        shas.update(found)
        members[member] = meta
        tables.append(
            {
                "name": table.name,
                "member": member,
                "rows": rows,
                "columns": [[c.name, column_kind(c)] for c in table.columns],
            }
        )
    conn.rollback()
    ev_bytes = 0
    for sha in sorted(shas):
        meta = _copy_blob(zf, root, sha)
        members[f"evidence/{sha}"] = meta
        ev_bytes += meta["size"]
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "software_version": __version__,
        "source_dialect": conn.dialect.name,
        "alembic_revision": revision,
        "tables": tables,
        "evidence": {"files": len(shas), "bytes": ev_bytes},
        "members": members,
    }
    zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return Summary(
        tables=len(tables),
        rows=sum(t["rows"] for t in tables),
        evidence_files=len(shas),
        evidence_bytes=ev_bytes,
        archive_bytes=0,
        seconds=0.0,
        revision=revision,
        row_counts={t["name"]: t["rows"] for t in tables},
    )
