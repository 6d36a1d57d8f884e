"""``liangshan base …``: the base's status and dates (基地状态), the register of incidents and 督察 findings
(问题整改台账) and the early warnings (预警). See docs/after-naming.md."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail, workspace_actor
from liangshan.cli.core import DbOpt, JsonOpt
from liangshan.cli.options import ActorOpt, RegionOpt, run_service

app = typer.Typer(
    help="命名后管理：基地状态与申报、命名、复核日期，突发环境事件与督察问题整改台账，指标预警。",
    no_args_is_help=True,
)


def _date(text: str | None) -> str:
    return text or "—"


@app.command("status")
def status(region: RegionOpt, user: ActorOpt = None, db: DbOpt = None, json: JsonOpt = False) -> None:
    """显示基地状态、申报/命名/复核日期与文件、基准年和下次复核年份。"""
    from liangshan.services.base_status import get_status

    ws, actor = workspace_actor(db, user)
    d = run_service(get_status, ws, actor, region)
    if json:
        emit_json(d)
        return
    t = Table(title=f"{d['region_name']}（{region}）“两山”基地状态：{d['status']}")
    for col in ("环节", "日期", "文件"):
        t.add_column(col)
    mark = "（示例）" if d["example"] else ""
    for label, day, doc in (
        ("启动创建", d["started_on"], ""),
        ("申报", d["applied_on"], d["applied_doc"]),
        ("命名", d["named_on"], d["named_doc"]),
        ("复核", d["reviewed_on"], d["review_doc"]),
    ):
        t.add_row(label, _date(day) + (mark if day else ""), doc or "—")
    console.print(t)
    base = d["baseline_year"]
    console.print(
        f"基准年：{base}年（{d['baseline_label']}）" if base else "基准年：未定（尚无启动创建或命名日期）"
    )
    if d["next_review_year"]:
        console.print(
            f"下次复核：{d['next_review_year']}年（复核周期 {d['review_interval_years']} 年，待按规程核实）"
        )
    b = d["basis"]
    console.print(
        f"管理依据：{b['title']}（{b['issuer']} {b['issued_on']} 印发，替代{b['replaces']}）", highlight=False
    )


@app.command("set")
def set_(
    region: RegionOpt,
    status: Annotated[
        str | None, typer.Option("--status", help="创建中、已申报、已命名、复核中、复核通过或撤销")
    ] = None,
    started_on: Annotated[str | None, typer.Option("--started", help="启动创建日期 YYYY-MM-DD")] = None,
    applied_on: Annotated[str | None, typer.Option("--applied", help="申报日期 YYYY-MM-DD")] = None,
    applied_doc: Annotated[str | None, typer.Option("--applied-doc", help="申报文件文号")] = None,
    named_on: Annotated[
        str | None, typer.Option("--named", help="命名日期 YYYY-MM-DD（命名年份即后评估基准年）")
    ] = None,
    named_doc: Annotated[str | None, typer.Option("--named-doc", help="命名文件文号")] = None,
    reviewed_on: Annotated[str | None, typer.Option("--reviewed", help="最近一次复核日期")] = None,
    review_doc: Annotated[str | None, typer.Option("--review-doc", help="复核文件文号")] = None,
    note: Annotated[str | None, typer.Option("--note", help="说明（记入修改记录）")] = None,
    example: Annotated[
        bool | None, typer.Option("--example/--verified", help="日期为示例（未按文件核实）或已核实")
    ] = None,
    user: ActorOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """修改基地状态与日期（领导小组办公室）；只改给出的项，整条记录检查无误才写入。"""
    from liangshan.services.base_status import set_status

    fields = dict(
        status=status, started_on=started_on, applied_on=applied_on, applied_doc=applied_doc,
        named_on=named_on, named_doc=named_doc, reviewed_on=reviewed_on, review_doc=review_doc,
        note=note, example=example,
    )  # fmt: skip
    if all(v is None for v in fields.values()):
        fail("请至少给出一项要修改的内容，如 --status 已申报 --applied 2026-03-01")
    ws, actor = workspace_actor(db, user)
    out = run_service(set_status, ws, actor, region, **{k: v for k, v in fields.items() if v is not None})
    if json:
        emit_json(out)
    else:
        console.print(
            f"已更新基地状态：{out['status']}（基准年 {out['baseline_year'] or '未定'}）", highlight=False
        )


@app.command("incidents")
def incidents(region: RegionOpt, user: ActorOpt = None, db: DbOpt = None, json: JsonOpt = False) -> None:
    """列出突发环境事件与督察问题整改台账（含对称号构成风险的事项）。"""
    from liangshan.services.incidents import list_incidents

    ws, actor = workspace_actor(db, user)
    d = run_service(list_incidents, ws, actor, region)
    if json:
        emit_json(d)
        return
    t = Table(title=f"{d['region_name']}（{region}）问题整改台账（截至 {d['today']}）")
    for col in ("编号", "类别", "日期", "问题", "责任单位", "整改状态", "整改期限", "影响称号"):
        t.add_column(col)
    for r in d["items"]:
        t.add_row(
            str(r["id"]), r["kind"], r["occurred_on"], r["title"] + ("（示例）" if r["example"] else ""),
            r["responsible_unit"], r["state"], _date(r["due_on"]), "是" if r["risk"] else "否",
        )  # fmt: skip
    console.print(t)
    if not d["items"]:
        console.print("台账中暂无突发环境事件或督察反馈问题。")
    elif d["risks"]:
        console.print(f"[red]{len(d['risks'])} 项严重问题尚未整改完成，对“两山”基地称号构成风险。[/]")


@app.command("incident-add")
def incident_add(
    region: RegionOpt,
    kind: Annotated[
        str, typer.Option("--kind", help="重特大突发环境事件、中央生态环境保护督察、省级督察或其他")
    ],
    occurred: Annotated[str, typer.Option("--date", help="发生或督察交办日期 YYYY-MM-DD")],
    title: Annotated[str, typer.Option("--title", help="问题（简述）")],
    unit: Annotated[str, typer.Option("--unit", help="责任单位")],
    due: Annotated[str | None, typer.Option("--due", help="整改期限 YYYY-MM-DD")] = None,
    description: Annotated[str, typer.Option("--description", help="情况说明")] = "",
    evidence: Annotated[str, typer.Option("--evidence", help="佐证（文件名、文号、存档位置）")] = "",
    serious: Annotated[bool, typer.Option("--serious", help="标为严重问题（前两类总是严重）")] = False,
    example: Annotated[bool, typer.Option("--example", help="标为示例（未核实）")] = False,
    user: ActorOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """登记一项突发环境事件或督察反馈问题（领导小组办公室；状态为整改中）。"""
    from liangshan.services.incidents import add_incident

    ws, actor = workspace_actor(db, user)
    out = run_service(
        add_incident, ws, actor, region, kind=kind, occurred_on=occurred, title=title, responsible_unit=unit,
        due_on=due, description=description, evidence=evidence, serious=serious, example=example,
    )  # fmt: skip
    if json:
        emit_json(out)
    else:
        console.print(f"已登记问题“{out['title']}”（编号 {out['id']}，{out['state']}）", highlight=False)


@app.command("incident-update")
def incident_update(
    incident_id: Annotated[int, typer.Argument(help="问题编号（见 base incidents）")],
    status: Annotated[str, typer.Option("--status", help="整改中、已整改或逾期")],
    note: Annotated[str, typer.Option("--note", help="整改情况说明（必填）")],
    due: Annotated[str | None, typer.Option("--due", help="新的整改期限（不写则沿用）")] = None,
    done: Annotated[str | None, typer.Option("--done", help="完成日期（已整改时必填）")] = None,
    evidence: Annotated[str, typer.Option("--evidence", help="佐证")] = "",
    user: ActorOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """记录一次整改进展（追加，不改动历史记录；领导小组办公室）。"""
    from liangshan.services.incidents import update_incident

    ws, actor = workspace_actor(db, user)
    out = run_service(
        update_incident, ws, actor, incident_id, status=status, note=note, due_on=due, done_on=done,
        evidence=evidence,
    )  # fmt: skip
    if json:
        emit_json(out)
    else:
        console.print(f"已记录问题 {incident_id} 的整改进展：{out['state']}", highlight=False)


@app.command("warnings")
def warnings_(
    region: RegionOpt,
    year: Annotated[int, typer.Option("--year", help="预警年度，如 2025（按该年及前两年评估）")],
    user: ActorOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """列出某年度的指标预警（低于目标、由升转降、连续下降）及牵头单位。"""
    from liangshan.services.permissions import check_region
    from liangshan.services.warnings import region_warnings

    ws, actor = workspace_actor(db, user)
    run_service(check_region, actor, region)
    with ws.read() as s:
        items = run_service(region_warnings, s, ws.catalog, region, year)
    if json:
        emit_json({"region": region, "year": year, "warnings": items})
        return
    if not items:
        console.print(f"{year}年没有低于目标或趋势转降的指标。")
        return
    t = Table(title=f"{region} {year}年指标预警")
    for col in ("指标", "预警", "说明", "牵头单位"):
        t.add_column(col)
    for w in items:
        t.add_row(f"{w['indicator_id']} {w['indicator_name']}", w["kind_label"], w["text"], w["lead_unit"])
    console.print(t)
