"""``liangshan bundle``: mergeable deployments — a county exports its approved values as one file,
the province imports (merges) the counties' files. See docs/bundle.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from liangshan.cli.common import console, db_url, emit_json, fail
from liangshan.store.errors import StoreError

app = typer.Typer(
    help="数据包：县级实例导出已审核数据，省级实例合并导入（mergeable bundles）", no_args_is_help=True
)

DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]
UserOpt = Annotated[str, typer.Option("--as", help="以哪个账号的名义操作（记入审计日志）")]


@app.command("export")
def export_(
    region: Annotated[str, typer.Argument(help="地区代码（GB/T 2260），如 411224")],
    out: Annotated[Path, typer.Argument(help="输出数据包 .zip")],
    with_files: Annotated[bool, typer.Option("--with-files", help="同时打包佐证文件本身")] = False,
    user: UserOpt = "office",
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """导出某地区已审核通过的数值、审核记录与佐证信息（字节可复现）。"""
    from liangshan.store.bundle import export_bundle

    try:
        res = export_bundle(db_url(db), region, out, include_files=with_files, actor=user)
    except StoreError as e:
        fail(str(e))
    if json:
        emit_json(res.to_dict())
        return
    c = res.counts
    console.print(
        f"已导出数据包 / bundle written：{res.path}（{res.size} 字节 bytes）\n"
        f"  地区 region {res.region}，数值 values {c['submission']} 条，佐证 evidence {c['evidence']} 份"
        f"（文件 files {res.files} 个），评估批次 rounds {c['round']}，目标覆盖 overrides {c['override']}，"
        f"分项数据 contributions {c.get('contribution', 0)} 条\n"
        f"  基地状态 base status {c.get('base_status', 0)} 条，"
        f"问题整改台账 incidents {c.get('incident', 0)} 项，称号 titles {c.get('title', 0)} 项\n"
        f"  bundle_id {res.bundle_id}\n  instance  {res.instance}\n  exported_at {res.exported_at}",
        highlight=False,
    )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="数据包 .zip（由 liangshan bundle export 生成）")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查并报告将做的改动，不写入")] = False,
    user: UserOpt = "office",
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """校验整个数据包后合并导入（全部写入或全部不写入）；冲突不覆盖本地数值。"""
    from liangshan.store.bundle import import_bundle

    try:
        res = import_bundle(db_url(db), file, user, dry_run=dry_run)
    except StoreError as e:
        fail(str(e))
    except SQLAlchemyError as e:  # e.g. another import of the same region committed first
        fail(
            f"{file}：数据库拒绝写入，未写入任何数据 / the database refused the import, nothing written: {e}"
        )
    if json:
        emit_json(res.to_dict())
        return
    c = res.counts()
    head = "试运行，未写入 / dry run, nothing written" if dry_run else "已导入 / imported"
    console.print(
        f"{head}：{file}\n"
        f"  bundle_id {res.bundle_id}\n"
        f"  来源 from {res.instance}，地区 region {res.region}，exported_at {res.exported_at}\n"
        f"  新增版本 added {c['added']}，无变化 unchanged {c['unchanged']}，冲突 conflicts {c['conflicts']}，"
        f"过期 stale {c['stale']}\n"
        f"  新增佐证 evidence added {c['evidence_added']}，写入文件 files written {c['files_written']}\n"
        f"  新增分项数据 contributions added {res.contributions_added}\n"
        f"  新增基地状态 base status added {res.base_status_added}，新增问题 incidents added "
        f"{res.incidents_added}，新增整改记录 rectification steps added {res.incident_updates_added}",
        highlight=False,
    )
    for line in res.created:
        console.print(f"  新建 created：{line}", highlight=False)
    for line in res.present:
        console.print(f"  已存在，跳过 / already present, skipped：{line}", highlight=False)
    for line in res.differences:
        console.print(
            f"  [yellow]地区信息不同（保留本地）/ profile differs (local kept)[/]：{line}", highlight=False
        )
    if res.conflicts:
        t = Table(title="冲突（本地数值保留，导入的版本待办公室审核）/ conflicts (local value kept)")
        for col in ("数据项 item", "年份", "本地版本", "本地数值", "本地状态", "导入版本", "导入数值"):
            t.add_column(col)
        for x in res.conflicts:
            t.add_row(
                x["item"],
                str(x["year"]),
                str(x["local_version"]),
                _cell(x["local_value"]),
                x["local_status"],
                str(x["imported_version"]),
                _cell(x["imported_value"]),
            )
        console.print(t)
    for x in res.stale:
        console.print(
            f"  [yellow]过期 stale[/]：{x['item']} {x['year']}年 来源第 {x['source_version']} 版早于已导入的"
            f"第 {x['local_source_version']} 版，跳过 / older than the imported source version, skipped",
            highlight=False,
        )


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    return f"{v:g}" if isinstance(v, float) else str(v)
