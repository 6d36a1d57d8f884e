"""Operations: ``liangshan backup``, ``liangshan restore`` and ``liangshan migrate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from liangshan.cli.common import console, db_url, emit_json, fail

DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]
FilesOpt = Annotated[
    Path | None,
    typer.Option(
        "--files",
        help="佐证文件目录（默认 LIANGSHAN_FILES_DIR；SQLite 为数据库旁的 <db>.files）",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1048576:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1048576:.1f} MB"


def backup(
    out_file: Annotated[Path, typer.Argument(help="备份文件（ZIP），已存在则替换")],
    db: DbOpt = None,
    files: FilesOpt = None,
    json: JsonOpt = False,
) -> None:
    """备份数据库全部表和佐证文件到一个文件（服务运行时也可进行，内容为同一时刻的一致状态）。"""
    from liangshan.store.backup import BackupError
    from liangshan.store.backup import backup as run

    try:
        s = run(db_url(db), out_file, files)
    except BackupError as e:
        fail(str(e))
    if json:
        emit_json(
            {
                "file": str(out_file),
                "tables": s.tables,
                "rows": s.rows,
                "evidence_files": s.evidence_files,
                "evidence_bytes": s.evidence_bytes,
                "archive_bytes": s.archive_bytes,
                "alembic_revision": s.revision,
                "seconds": round(s.seconds, 2),
            }
        )
        return
    console.print(
        f"已备份：{s.tables} 张表 {s.rows} 行、佐证文件 {s.evidence_files} 个（{_size(s.evidence_bytes)}）"
        f" → {out_file}（{_size(s.archive_bytes)}，迁移版本 {','.join(s.revision)}，"
        f"用时 {s.seconds:.1f} 秒）",
        highlight=False,
    )


def restore(
    in_file: Annotated[Path, typer.Argument(help="liangshan backup 生成的备份文件")],
    db: DbOpt = None,
    files: FilesOpt = None,
    check: Annotated[
        bool, typer.Option("--check", help="只校验备份文件（sha256、行数、类型），不写入")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """从备份恢复到一个空数据库（先完整校验备份；有任何损坏或目标库非空则不写入任何内容）。"""
    from liangshan.store.backup import BackupError, verify_archive
    from liangshan.store.backup import restore as run

    if check:
        try:
            man = verify_archive(in_file)
        except BackupError as e:
            fail(str(e))
        rows = sum(t["rows"] for t in man["tables"])
        info = {
            "created_at": man["created_at"],
            "software_version": man.get("software_version"),
            "alembic_revision": man["alembic_revision"],
            "tables": len(man["tables"]),
            "rows": rows,
            "evidence_files": man["evidence"]["files"],
            "evidence_bytes": man["evidence"]["bytes"],
        }
        if json:
            emit_json(info)
        else:
            console.print(
                f"备份完好：{info['created_at']} 生成，{info['tables']} 张表 {rows} 行、佐证文件 "
                f"{info['evidence_files']} 个（{_size(info['evidence_bytes'])}），"
                f"迁移版本 {','.join(man['alembic_revision'])}",
                highlight=False,
            )
        return
    try:
        s = run(in_file, db_url(db), files)
    except BackupError as e:
        fail(str(e))
    if json:
        emit_json(
            {
                "tables": s.tables,
                "rows": s.rows,
                "evidence_files": s.evidence_files,
                "evidence_bytes": s.evidence_bytes,
                "alembic_revision": s.revision,
                "seconds": round(s.seconds, 2),
                "row_counts": s.row_counts,
            }
        )
        return
    console.print(
        f"已恢复：{s.tables} 张表 {s.rows} 行、佐证文件 {s.evidence_files} 个（{_size(s.evidence_bytes)}），"
        f"用时 {s.seconds:.1f} 秒",
        highlight=False,
    )


def migrate(db: DbOpt = None) -> None:
    """把数据库升级到本程序的最新迁移版本（新数据库则建表）；多进程部署时在启动服务前运行。"""
    from sqlalchemy.exc import SQLAlchemyError

    from liangshan.store.backup import db_revisions
    from liangshan.store.db import get_engine
    from liangshan.store.db import migrate as upgrade

    url = db_url(db)
    try:
        upgrade(url)
        with get_engine(url).connect() as conn:
            revs = db_revisions(conn) or []
    except SQLAlchemyError as e:
        fail(f"无法升级数据库：{type(e).__name__}: {getattr(e, 'orig', None) or e}")
    console.print(f"数据库已是最新迁移版本 {','.join(revs)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``backup``, ``restore`` and ``migrate`` to the root command."""
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("migrate")(migrate)
