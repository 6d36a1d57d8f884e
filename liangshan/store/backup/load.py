"""Restore: an archive, checked completely first, into an empty database and its evidence folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from liangshan.config import evidence_root
from liangshan.store.backup.archive import BATCH, CHUNK, BackupError, Summary, db_error
from liangshan.store.backup.encode import CELL_TYPES
from liangshan.store.backup.revisions import db_revisions, known_revision, upgrade_schema
from liangshan.store.backup.verify import decoded_rows, verify_archive
from liangshan.store.db import get_engine
from liangshan.store.evidence import blob_path
from liangshan.store.models import Base


def _nonempty(conn: Connection) -> tuple[str, int] | None:
    """The first table that holds rows (other than Alembic's own), or None."""
    insp = inspect(conn)
    for name in sorted(insp.get_table_names()):
        if name == "alembic_version":
            continue
        n = conn.execute(select(func.count()).select_from(Table(name, MetaData()))).scalar_one()
        if n:
            return name, int(n)
    return None


def parents_first(rows: list[dict[str, Any]], table: Table) -> list[dict[str, Any]]:
    """Order rows so a row referencing its own table (region.parent_code, wp_task.parent_id) comes
    after the row it references (checked at once on PostgreSQL and SQLite)."""
    selfref = [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table.name == table.name
    ]
    if not selfref:
        return rows
    done: set[tuple[str, Any]] = set()
    out: list[dict[str, Any]] = []
    todo = rows
    while todo:
        later = []
        for r in todo:
            if all(r.get(c) is None or (ref, r[c]) in done for c, ref in selfref):
                out.append(r)
                done.update((ref, r.get(ref)) for _, ref in selfref)
            else:
                later.append(r)
        if len(later) == len(todo):  # a reference to a row that is not there: let the database say so
            out.extend(later)
            break
        todo = later
    return out


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for it in items:
        batch.append(it)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _write_blob(root: Path, sha: str, src: IO[bytes]) -> None:
    path = blob_path(root, sha)
    if path.is_file() and _file_sha256(path) == sha:
        return  # content-addressed: the same bytes are already there
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            while chunk := src.read(CHUNK):
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _reset_sequences(conn: Connection, specs: list[dict[str, Any]]) -> None:
    for spec in specs:
        table = Base.metadata.tables.get(spec["name"])
        if table is None:
            continue
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        seq = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if seq is None:
            continue
        conn.execute(
            text(
                f'SELECT setval(:s, COALESCE((SELECT max("{pk[0].name}") FROM "{table.name}"), 0) + 1, false)'
            ),
            {"s": seq},
        )


def _insert_all(engine: Engine, zf: zipfile.ZipFile, specs: list[dict[str, Any]]) -> None:
    """Every row of every table, in the archive's (foreign-key) order, in one transaction."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        for spec in specs:
            table = Table(spec["name"], MetaData(), *(Column(c, CELL_TYPES[k]()) for c, k in spec["columns"]))
            rows: Iterable[dict[str, Any]] = decoded_rows(zf, spec)
            model = Base.metadata.tables.get(spec["name"])
            if model is not None and any(fk.column.table.name == model.name for fk in model.foreign_keys):
                rows = parents_first(list(rows), model)
            for batch in _batches(rows, BATCH):
                conn.execute(table.insert(), batch)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, specs)


def restore(path: str | Path, url: str, files_dir: str | Path | None = None) -> Summary:
    """Restore the archive at ``path`` into the empty database at ``url`` (and its evidence folder).

    All or nothing: the archive is checked completely before anything is written, and the rows go
    in in one transaction. Raises :class:`BackupError` (damaged archive, non-empty target, …).
    """
    started = time.monotonic()
    path = Path(path)
    manifest = verify_archive(path, target=make_url(url).get_backend_name())
    revision: list[str] = manifest["alembic_revision"]
    unknown = [r for r in revision if not known_revision(r)]
    if unknown:
        raise BackupError(
            f"备份来自更新的 liangshan（迁移版本 {','.join(unknown)} 本程序没有）；请用不低于备份时的版本恢复"
        )
    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            current = db_revisions(conn)
            busy = _nonempty(conn)
    except SQLAlchemyError as e:
        raise BackupError(f"无法连接目标数据库：{db_error(e)}") from None
    if busy:
        raise BackupError(
            f"目标数据库不是空的（{busy[0]} 表有 {busy[1]} 行）：恢复只写入空数据库，未做任何修改；"
            "请新建一个空数据库（或新的 SQLite 文件）后重试"
        )
    if current is not None and current != revision:
        raise BackupError(
            f"目标数据库已建立到迁移版本 {','.join(current) or '无'}，与备份的 {','.join(revision)} 不同；"
            "请恢复到一个全新的空数据库"
        )
    root = Path(files_dir) if files_dir else evidence_root(url)
    specs: list[dict[str, Any]] = manifest["tables"]
    with zipfile.ZipFile(path) as zf:
        try:
            for rev in revision:  # the schema the rows were dumped from
                upgrade_schema(url, rev)
        except SQLAlchemyError as e:
            raise BackupError(f"建表失败，未写入任何数据：{db_error(e)}") from None
        ev_bytes = 0
        for name in sorted(manifest["members"]):
            if name.startswith("evidence/"):
                with zf.open(name) as src:
                    _write_blob(root, name.removeprefix("evidence/"), src)
                ev_bytes += manifest["members"][name]["size"]
        try:
            _insert_all(engine, zf, specs)
        except SQLAlchemyError as e:
            raise BackupError(
                f"写入数据失败，事务已回滚，未写入任何行（空表已建立，可删除该数据库后重试）：{db_error(e)}"
            ) from None
    try:
        upgrade_schema(url, "heads")
    except SQLAlchemyError as e:
        raise BackupError(f"数据已恢复，但升级到最新迁移版本失败：{db_error(e)}") from None
    return Summary(
        tables=len(specs),
        rows=sum(int(s["rows"]) for s in specs),
        evidence_files=sum(1 for m in manifest["members"] if m.startswith("evidence/")),
        evidence_bytes=ev_bytes,
        archive_bytes=path.stat().st_size,
        seconds=time.monotonic() - started,
        revision=revision,
        row_counts={s["name"]: int(s["rows"]) for s in specs},
    )
