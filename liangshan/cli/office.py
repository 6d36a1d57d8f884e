"""The office's work from the command line, on the same services as the web: ``liangshan review``
(list, approve, return, reopen), ``liangshan round`` (list, create, close, reopen, deadline) and
``liangshan evidence attach``.

``--user NAME`` names an account in the database (its role, unit and regions apply); without it the
command acts as ``system``, the command line's operator with office rights over every region.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail, workspace_actor
from liangshan.cli.options import RegionOpt

DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")]
UserOpt = Annotated[
    str | None, typer.Option("--user", help="以数据库中哪个账号的名义操作（缺省：命令行操作员 system）")
]
NamedUser = Annotated[str, typer.Option("--user", help="以数据库中哪个账号的名义操作（审核记录记此账号）")]
ItemOpt = Annotated[str, typer.Option("--item", help="数据元素代码或 indicator:N")]
YearOpt = Annotated[int, typer.Option("--year", help="年份")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="理由（退回、重新打开必填）")]

review_app = typer.Typer(
    help="审核：列出待审数据，审核通过、退回、重新打开（领导小组办公室）", no_args_is_help=True
)
round_app = typer.Typer(help="评估批次：列出、新建、关闭、重新打开、调整截止日期", no_args_is_help=True)
evidence_app = typer.Typer(help="佐证材料：给某项数据附加文件（产生新版本）", no_args_is_help=True)


def _refused(exc: Exception) -> NoReturn:
    from liangshan.services.permissions import PermissionDenied

    fail(exc.message if isinstance(exc, PermissionDenied) else str(exc))


def _errors() -> tuple[type[Exception], ...]:
    from liangshan.services.permissions import PermissionDenied
    from liangshan.services.uploads import UploadRejected

    return (PermissionDenied, UploadRejected, ValueError)  # StoreError and EntryError are ValueErrors


def _value(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    return f"{v:g}" if isinstance(v, float) else str(v)


@review_app.command("list")
def review_list(
    region: RegionOpt,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="只列出该状态（可重复）：submitted、approved……")
    ] = None,
    user: UserOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """列出地区各数据项的最新版本，最近有操作的在前。"""
    from liangshan.services.permissions import STATUS_LABELS, check_region
    from liangshan.services.queries import review_list as rows_of

    unknown = [x for x in status or [] if x not in STATUS_LABELS]
    if unknown:
        known = "、".join(k for k in STATUS_LABELS if k)
        fail(f"未知状态：{'、'.join(unknown)}（应为 {known}）")
    ws, actor = workspace_actor(db, user)
    try:
        check_region(actor, region)
        with ws.read() as s:
            rows = rows_of(s, ws.catalog, region, status or None)
    except _errors() as e:
        _refused(e)
    if json:
        emit_json(rows)
        return
    t = Table(title=f"{region} 填报数据（最近有操作的在前）")
    for col in ("数据项", "名称", "年份", "版本", "数值", "状态", "填报人", "时间"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["item"], r["item_name"], str(r["year"]), str(r["version"]), _value(r["value"]),
                  r["status_label"], r["submitted_by"], r["at"][:19])  # fmt: skip
    console.print(t)
    console.print(f"共 {len(rows)} 项")


def _review(action: str, region: str, item: str, year: int, reason: str, user: str, db: str | None) -> None:
    from liangshan.services.permissions import ACTION_LABELS
    from liangshan.services.values import review_latest

    ws, actor = workspace_actor(db, user)
    try:
        out = review_latest(ws, actor, region=region, item=item, year=year, action=action, reason=reason)
    except _errors() as e:
        _refused(e)
    console.print(
        f"{region} {item} {year}年第 {out['version']} 版：已{ACTION_LABELS[action]}（{out['status_label']}，"
        f"操作人 {actor.username}）",
        highlight=False,
    )


@review_app.command("approve")
def review_approve(
    region: RegionOpt, item: ItemOpt, year: YearOpt, user: NamedUser, reason: ReasonOpt = "", db: DbOpt = None
) -> None:
    """审核通过最新版本（锁定）。"""
    _review("approve", region, item, year, reason, user, db)


@review_app.command("return")
def review_return(
    region: RegionOpt, item: ItemOpt, year: YearOpt, user: NamedUser, reason: ReasonOpt = "", db: DbOpt = None
) -> None:
    """退回最新版本（须填写理由）。"""
    _review("return", region, item, year, reason, user, db)


@review_app.command("reopen")
def review_reopen(
    region: RegionOpt, item: ItemOpt, year: YearOpt, user: NamedUser, reason: ReasonOpt = "", db: DbOpt = None
) -> None:
    """重新打开已审核通过的版本（须填写理由）。"""
    _review("reopen", region, item, year, reason, user, db)


@round_app.command("list")
def round_list(region: RegionOpt, user: UserOpt = None, db: DbOpt = None, json: JsonOpt = False) -> None:
    """列出地区的评估批次（新的在前）及完成情况。"""
    from liangshan.services.rounds import list_rounds

    ws, actor = workspace_actor(db, user)
    try:
        data = list_rounds(ws, actor, region)
    except _errors() as e:
        _refused(e)
    if json:
        emit_json(data)
        return
    t = Table(title=f"{data['region_name']}（{region}）评估批次")
    for col in ("编号", "名称", "年份", "截止日期", "状态", "应报", "已通过"):
        t.add_column(col)
    for r in data["rounds"]:
        state = "进行中" if r["state"] == "open" else "已关闭"
        years = f"{r['start_year']}—{r['end_year']}"
        t.add_row(str(r["id"]), r["name"], years, r.get("deadline") or "未设", state,
                  str(r["expected"]), str(r["approved"]))  # fmt: skip
    console.print(t)


@round_app.command("create")
def round_create(
    region: RegionOpt,
    name: Annotated[str, typer.Option("--name", help="批次名称，如 2026年自评估")],
    start_year: Annotated[int, typer.Option("--start-year", help="起始年份")],
    end_year: Annotated[int, typer.Option("--end-year", help="结束年份")],
    deadline: Annotated[str | None, typer.Option("--deadline", help="截止日期 YYYY-MM-DD")] = None,
    user: UserOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """新建进行中的评估批次（地区已有进行中的批次时须先关闭）。"""
    from liangshan.services.rounds import create_round

    ws, actor = workspace_actor(db, user)
    try:
        out = create_round(ws, actor, region=region, name=name, start_year=start_year, end_year=end_year,
                           deadline=deadline)  # fmt: skip
    except _errors() as e:
        _refused(e)
    if json:
        emit_json(out)
        return
    console.print(f"已新建评估批次 {out['id']}“{out['name']}”（{start_year}—{end_year}年）", highlight=False)


def _round_action(round_id: int, action: str, reason: str, deadline: str | None, user: str | None,
                  db: str | None) -> None:  # fmt: skip
    from liangshan.services.rounds import ACTIONS, round_action

    ws, actor = workspace_actor(db, user)
    try:
        out = round_action(ws, actor, round_id, action, reason, deadline)
    except _errors() as e:
        _refused(e)
    console.print(f"评估批次 {out['id']}“{out['name']}”已{ACTIONS[action]}", highlight=False)


RoundArg = Annotated[int, typer.Argument(help="评估批次编号（liangshan round list 查看）")]


@round_app.command("close")
def round_close(round_id: RoundArg, reason: ReasonOpt = "", user: UserOpt = None, db: DbOpt = None) -> None:
    """关闭评估批次（须填写理由）：此后不能再填报或修改。"""
    _round_action(round_id, "close", reason, None, user, db)


@round_app.command("reopen")
def round_reopen(round_id: RoundArg, reason: ReasonOpt = "", user: UserOpt = None, db: DbOpt = None) -> None:
    """重新打开已关闭的评估批次（须填写理由）。"""
    _round_action(round_id, "reopen", reason, None, user, db)


@round_app.command("deadline")
def round_deadline(
    round_id: RoundArg,
    deadline: Annotated[str, typer.Option("--deadline", help="截止日期 YYYY-MM-DD（空则取消）")],
    reason: ReasonOpt = "",
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """调整评估批次的截止日期。"""
    _round_action(round_id, "deadline", reason, deadline, user, db)


@evidence_app.command("attach")
def evidence_attach(
    file: Annotated[Path, typer.Argument(help="佐证文件：PDF、PNG、JPEG、docx/xlsx/pptx 或 ZIP")],
    region: RegionOpt,
    item: ItemOpt,
    year: YearOpt,
    user: NamedUser,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """给某项数据附加佐证材料：产生带该文件的新版本（已审核锁定或批次已关闭时拒绝）。"""
    from liangshan.services.uploads import check_upload
    from liangshan.services.values import attach_evidence

    if not file.is_file():
        fail(f"文件不存在：{file}")
    ws, actor = workspace_actor(db, user)
    try:
        upload = check_upload(file.read_bytes(), file.name)
        out = attach_evidence(ws, actor, region=region, item=item, year=year, upload=upload)
    except _errors() as e:
        _refused(e)
    if json:
        emit_json({"submission": out.submission, "message": out.message})
        return
    console.print(f"{region} {item}：{out.message}（附佐证 {upload.filename}）", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``review``, ``round`` and ``evidence`` to the root command."""
    app.add_typer(review_app, name="review")
    app.add_typer(round_app, name="round")
    app.add_typer(evidence_app, name="evidence")
