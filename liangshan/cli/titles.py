"""``liangshan titles list|add|remove``: the title and brand register (称号登记簿) of a region."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, workspace_actor
from liangshan.cli.core import DbOpt, JsonOpt
from liangshan.cli.options import ActorOpt, RegionOpt, run_service

app = typer.Typer(
    help="称号登记簿：地区获得的国际、国家、省级生态文化品牌和称号（指标16按评估年是否持有有效称号判定）。",
    no_args_is_help=True,
)


@app.command("list")
def list_(
    region: RegionOpt,
    year: Annotated[int | None, typer.Option(help="标出该年持有的、计入指标16的称号")] = None,
    user: ActorOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """列出地区登记的称号。"""
    from liangshan.services.titles import list_titles

    ws, actor = workspace_actor(db, user)
    data = run_service(list_titles, ws, actor, region, year)
    if json:
        emit_json(data)
        return
    t = Table(title=f"{data['region_name']}（{region}）称号登记簿")
    cols = ["编号", "称号", "级别", "授予机关", "授予文件", "授予日期", "有效期至", "备注"]
    if year is not None:
        cols.append(f"{year}年计入指标16")
    for col in cols:
        t.add_column(col)
    held = set(data.get("held", []))
    for x in data["titles"]:
        row = [
            str(x["id"]), x["name"], x["level"], x["awarding_body"], x["document"], x["awarded_on"],
            x["valid_until"] or "长期", "示例（未核实）" if x["example"] else "",
        ]  # fmt: skip
        if year is not None:
            row.append("是" if x["id"] in held else "否")
        t.add_row(*row)
    console.print(t)
    if not data["titles"]:
        console.print("登记簿中暂无称号；指标16将按各单位填报的当年获得数判断。")


@app.command("add")
def add(
    region: RegionOpt,
    name: Annotated[str, typer.Option("--name", help="称号名称，如 国家生态文明建设示范区")],
    level: Annotated[str, typer.Option("--level", help="级别：国际、国家或省")],
    body: Annotated[str, typer.Option("--body", help="授予机关，如 生态环境部")],
    document: Annotated[str, typer.Option("--document", help="授予文件（文号或公告名称）")],
    awarded: Annotated[str, typer.Option("--awarded", help="授予日期 YYYY-MM-DD（或只写年份 YYYY）")],
    valid_until: Annotated[
        str | None, typer.Option("--valid-until", help="有效期至 YYYY-MM-DD（不写为长期有效）")
    ] = None,
    evidence: Annotated[str, typer.Option("--evidence", help="佐证（授牌照片、网址、存档位置等）")] = "",
    example: Annotated[bool, typer.Option("--example", help="标为示例（未按文件核实）")] = False,
    user: ActorOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """登记一个称号（领导小组办公室）；任何一项有误则不写入。"""
    from liangshan.services.titles import add_title

    ws, actor = workspace_actor(db, user)
    out = run_service(
        add_title, ws, actor, region=region, name=name, level=level, awarding_body=body, document=document,
        awarded_on=awarded, valid_until=valid_until, evidence=evidence, example=example,
    )  # fmt: skip
    if json:
        emit_json(out)
    else:
        console.print(f"已登记称号“{out['name']}”（{out['level']}级，编号 {out['id']}）", highlight=False)


@app.command("remove")
def remove(
    title_id: Annotated[int, typer.Argument(help="称号编号（见 titles list）")],
    reason: Annotated[str, typer.Option("--reason", help="撤销理由（必填）")],
    user: ActorOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """撤销一个登记的称号（领导小组办公室，须写理由）。"""
    from liangshan.services.titles import remove_title

    ws, actor = workspace_actor(db, user)
    out = run_service(remove_title, ws, actor, title_id, reason)
    if json:
        emit_json(out)
    else:
        console.print(f"已撤销称号“{out['name']}”（编号 {title_id}）", highlight=False)
