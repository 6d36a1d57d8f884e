"""``liangshan catalog`` (show a set, ``list`` the sets) and ``liangshan region set-catalog``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from liangshan.catalog import CatalogSetError, load_catalog, load_set
from liangshan.cli.common import console, emit_json, fail, workspace_actor
from liangshan.cli.core import DbOpt, JsonOpt, catalog_dict

catalog_app = typer.Typer(
    help="“两山指数”评估指标体系：显示指标体系（默认附件2），list 列出可用的指标体系。",
    invoke_without_command=True,
    no_args_is_help=False,
)
region_app = typer.Typer(help="地区设置：set-catalog 为地区指定评估所用的指标体系。", no_args_is_help=True)


def _show_dict(cat: Any) -> dict[str, Any]:
    d = catalog_dict(cat)
    d["catalog"] = cat.identity()
    d["rule_bases"] = {rule: b.to_dict() for rule, b in cat.rule_bases.items()}
    return d


@catalog_app.callback()
def catalog(
    ctx: typer.Context,
    json: JsonOpt = False,
    file: Annotated[Path | None, typer.Option("--file", help="其他指标体系 YAML")] = None,
    set_id: Annotated[str | None, typer.Option("--set", help="指标体系编号（见 catalog list）")] = None,
) -> None:
    """显示“两山指数”评估指标体系（附件2，或 --set 指定的指标体系）。"""
    if ctx.invoked_subcommand is not None:
        return
    try:
        cat = load_set(set_id) if set_id else load_catalog(file)
    except CatalogSetError as e:
        fail(str(e))
    if json:
        emit_json(_show_dict(cat))
        return
    t = Table(title=f"{cat.title} {cat.version}（{cat.source}）", show_lines=False)
    for col in ("目标", "任务", "序号", "指标", "目标参考值", "责任单位", "规则依据"):
        t.add_column(col)
    for ind in cat.indicators:
        c = cat.category(ind.category)
        t.add_row(
            cat.goal(c.goal).name,
            c.name,
            str(ind.id),
            ind.name,
            ind.target.text,
            "、".join(ind.responsible_units),
            cat.basis_of(ind).label,
        )
    console.print(t)


@catalog_app.command("list")
def list_(json: JsonOpt = False) -> None:
    """列出可用的指标体系（编号、版本、名称、指标数）。"""
    from liangshan.services.catalogs import list_sets

    sets = list_sets()
    if json:
        emit_json({"catalogs": sets})
        return
    t = Table(title="可用的指标体系")
    for col in ("编号", "版本", "名称", "指标数", "基于", "来源"):
        t.add_column(col)
    for s in sets:
        t.add_row(s["id"], s["version"], s["name"], str(s["indicators"]), s["extends"] or "—", s["source"])
    console.print(t)


@region_app.command("set-catalog")
def set_catalog(
    region: Annotated[str, typer.Argument(help="地区代码（GB/T 2260）")],
    set_id: Annotated[str, typer.Argument(help="指标体系编号（见 liangshan catalog list）")],
    user: Annotated[
        str | None, typer.Option("--user", "--as", help="以哪个账号的名义（缺省：命令行操作员 system）")
    ] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """为地区指定评估所用的指标体系（领导小组办公室）。"""
    from liangshan.services.catalogs import set_region_catalog
    from liangshan.services.checks import EntryError
    from liangshan.services.permissions import PermissionDenied
    from liangshan.store.errors import StoreError

    ws, actor = workspace_actor(db, user)
    try:
        out = set_region_catalog(ws, actor, region, set_id)
    except PermissionDenied as e:
        fail(e.message)
    except (EntryError, StoreError) as e:
        fail(str(e))
    if json:
        emit_json(out)
        return
    c = out["catalog"]
    console.print(
        f"{out['region_name']}（{region}）今后按“{c['name']}”{c['version']}（{c['indicators']} 项指标）评估",
        highlight=False,
    )
