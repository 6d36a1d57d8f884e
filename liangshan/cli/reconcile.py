"""``liangshan reconcile`` (官方发布值与复算值对账) and ``liangshan official`` (录入、审核官方发布值).

Both call :mod:`liangshan.services.reconcile`; an official figure is a reviewed value of the item
``official:N`` and goes through the same submit → approve / return / reopen workflow as any value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail, workspace_actor

DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]
AsOpt = Annotated[
    str | None,
    typer.Option("--user", "--as", help="以哪个账号的名义操作（权限与网页相同；缺省为命令行操作员 system）"),
]

official_app = typer.Typer(help="官方发布值（公报、通报、监测成果）：录入、提交与审核", no_args_is_help=True)


def _errors() -> tuple[type[Exception], ...]:
    from liangshan.services.checks import EntryError
    from liangshan.services.permissions import PermissionDenied
    from liangshan.services.uploads import UploadRejected
    from liangshan.store.errors import StoreError

    return (StoreError, EntryError, PermissionDenied, UploadRejected)


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc)


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    return f"{v:g}" if isinstance(v, float) else str(v)


def print_reconcile(data: dict[str, Any]) -> None:
    region = data["region"]
    console.print(f"[bold]{region['name']}（{region['code']}）官方发布值与复算值对账[/]", highlight=False)
    if not data["indicators"]:
        console.print("无可对账的指标（未录入官方发布值，或无权查看）。")
    for ind in data["indicators"]:
        table = Table(
            title=f"指标{ind['id']} {ind['name']}（{ind['value_source_label']}；结论：{ind['verdict']}）",
            show_lines=True,
        )
        for col in ("年份", "官方发布值", "发布单位与文件", "复算值", "差值", "采用", "差异说明"):
            table.add_column(col)
        for row in ind["years"]:
            off = row["official"]
            source = (
                f"{off['publisher']}《{off['document'].strip('《》')}》{off['published_on']}"
                if off
                else "未录入"
            )
            notes = list(row["explanation"]) + ([f"单位说明：{row['unit_note']}"] if row["unit_note"] else [])
            diff = row["difference"]
            table.add_row(
                str(row["year"]),
                _cell(off["value"] if off else None),
                source,
                _cell(row["recomputed"]),
                "—" if diff is None else (f"{diff:+g} {row['difference_unit']}" if diff else "0（一致）"),
                row["used_label"],
                "\n".join(notes) or "—",
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``reconcile`` and the ``official`` group to the root command."""
    app.add_typer(official_app, name="official")

    @app.command()
    def reconcile(
        region: Annotated[str, typer.Option(help="地区代码（GB/T 2260），如 411224")],
        years: Annotated[
            str | None, typer.Option(help="年份，如 2023-2025（默认为进行中评估批次的年份）")
        ] = None,
        indicator: Annotated[int | None, typer.Option(help="只看该指标（序号）")] = None,
        user: AsOpt = None,
        db: DbOpt = None,
        json: JsonOpt = False,
    ) -> None:
        """官方发布值与复算值对账：每个指标、每年的官方值、复算值、差值及差异说明。"""
        from liangshan.services import reconcile as svc
        from liangshan.store.service import parse_years

        try:
            ctx, actor = workspace_actor(db, user)
            ys = parse_years(years, (0, 0)) if years else svc.default_years(ctx, region)
            data = svc.reconcile(ctx, actor, region, ys, indicator)
        except _errors() as exc:
            fail(_message(exc))
        if json:
            emit_json(data)
        else:
            print_reconcile(data)


@official_app.command("add")
def add(
    region: Annotated[str, typer.Option(help="地区代码，如 411224")],
    indicator: Annotated[int, typer.Option(help="指标序号，如 1")],
    year: Annotated[int, typer.Option(help="数据年份")],
    value: Annotated[str, typer.Option(help="官方发布值（指标的单位，如 91.5 表示 91.5%）")],
    publisher: Annotated[str, typer.Option(help="发布单位，如 三门峡市生态环境局")],
    document: Annotated[str, typer.Option(help="文件或公报名称及文号")],
    published_on: Annotated[str, typer.Option("--date", help="发布日期，如 2026-01-15")],
    explanation: Annotated[str, typer.Option(help="与复算值不同的原因（单位说明）")] = "",
    evidence: Annotated[list[Path] | None, typer.Option(help="佐证文件（公报、通报原文），可重复")] = None,
    draft: Annotated[bool, typer.Option(help="只保存草稿，不提交")] = False,
    user: AsOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """录入并提交某指标某年的官方发布值（随后由领导小组办公室审核）。"""
    from liangshan.services import reconcile as svc
    from liangshan.services.uploads import check_upload

    try:
        ctx, actor = workspace_actor(db, user)
        uploads = []
        for path in evidence or []:
            if not path.is_file():
                fail(f"佐证文件不存在：{path}")
            uploads.append(check_upload(path.read_bytes(), path.name))
        out = svc.save_official(
            ctx,
            actor,
            region=region,
            indicator=indicator,
            year=year,
            value=value,
            data=svc.OfficialInput(publisher, document, published_on, explanation),
            action="save" if draft else "submit",
            uploads=uploads,
        )
    except _errors() as exc:
        fail(_message(exc))
    if json:
        emit_json({"submission": out.submission, "changed": out.changed, "message": out.message})
    else:
        console.print(
            f"指标{indicator} 官方发布值：{out.message}（编号 {out.submission['id']}）", highlight=False
        )


@official_app.command("review")
def review_cmd(
    submission: Annotated[int, typer.Option("--id", help="填报编号（official add 输出的编号）")],
    action: Annotated[str, typer.Option(help="approve（通过）、return（退回）、reopen（重新打开）或 submit")],
    reason: Annotated[str, typer.Option(help="理由（退回、重新打开时必填）")] = "",
    user: AsOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """审核官方发布值（与其他填报相同的审核流程与留痕）。"""
    from liangshan.services.values import review

    labels = {"approve": "已审核通过", "return": "已退回", "reopen": "已重新打开", "submit": "已提交"}
    if action not in labels:
        fail(f"操作应为 approve、return、reopen 或 submit，收到“{action}”")
    try:
        ctx, actor = workspace_actor(db, user)
        out = review(ctx, actor, submission, action, reason)
    except _errors() as exc:
        fail(_message(exc))
    if json:
        emit_json(out)
    else:
        console.print(f"第 {out['version']} 版{labels[action]}（编号 {out['id']}）", highlight=False)
