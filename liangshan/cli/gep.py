"""``liangshan gep WORKBOOK``: GEP accounting at current and constant prices (indicator 10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail
from liangshan.cli.specs import spec_options
from liangshan.services.calculators import gep as gep_calc

app = typer.Typer(
    help="GEP 生态系统生产总值核算（指标10 单位国土面积 GEP）",
    context_settings={"allow_interspersed_args": True},
    subcommand_metavar="",
)


def _fmt(x: float) -> str:
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


@app.callback(invoke_without_command=True)
@spec_options(gep_calc.SPEC)
def gep(
    workbook: Path = typer.Argument(..., help="参数工作簿（.yaml/.yml 或 .xlsx）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录 gep_constant 与 land_area_km2"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
    **params: Any,
) -> None:
    """核算 GEP：物质产品 + 调节服务 + 文化服务（万元），及单位国土面积 GEP（万元/km²）。"""
    if to_indicator and not region:
        fail("--to-indicator 需要 --region 地区代码")
    rasters = Path(params["rasters"]) if params["rasters"] else None
    price_year, year = params["price_year"], params["year"]
    try:
        wb, the_year, const_year, series, shown = gep_calc.compute(
            workbook, rasters=rasters, price_year=price_year, year=year
        )
    except ValueError as exc:
        fail(str(exc))
    summary: list[dict[str, Any]] = [
        {
            "year": s.year,
            "gep_current": s.current.gep,
            "gep_constant": None if s.constant is None else s.constant.gep,
            "gep_per_km2_current": s.current.gep_per_km2,
            "gep_per_km2_constant": None if s.constant is None else s.constant.gep_per_km2,
            "land_area_km2": s.current.land_area_km2,
        }
        for s in series
    ]
    if json_out:
        out = shown.as_dict()
        out["constant_price_year"] = const_year
        out["years"] = summary
        emit_json(out)
    else:
        basis = "当年价" if shown.price_basis == "current" else f"{shown.price_year} 年不变价"
        t = Table(title=f"{wb.region_name or ''} {the_year} 年 GEP 核算（{basis}）")
        for h in ("核算项", "类别", "实物量", "单位", "价格", "价格单位", "价值（万元）"):
            t.add_column(h, justify="right" if h in ("实物量", "价格", "价值（万元）") else "left")
        for i in shown.items:
            t.add_row(
                i.name,
                i.category,
                _fmt(i.quantity),
                i.quantity_unit,
                _fmt(i.price),
                i.price_unit,
                f"{i.value:,.2f}",
            )
        console.print(t)
        for cat, v in shown.totals.items():
            console.print(f"{cat}：{v:,.2f} 万元", highlight=False)
        console.print(
            f"GEP：{shown.gep:,.2f} 万元；国土面积 {shown.land_area_km2:,.2f} km²；"
            f"单位国土面积 GEP：{shown.gep_per_km2:,.2f} 万元/km²",
            highlight=False,
        )
        for e in shown.excluded:
            console.print(
                f"未计入（避免重复计算）：{e['name']} {e['value']:,.2f} 万元 — {e['reason']}", highlight=False
            )
        if shown.not_accounted:
            console.print(f"未核算的项目：{'、'.join(shown.not_accounted)}", highlight=False)
        s = Table(title=f"逐年 GEP（不变价基年：{const_year if const_year is not None else '未设定'}）")
        for h in ("年份", "当年价 GEP（万元）", "不变价 GEP（万元）", "不变价 GEP/km²（万元/km²）"):
            s.add_column(h, justify="right")
        for r in summary:
            s.add_row(
                str(r["year"]),
                f"{r['gep_current']:,.2f}",
                "—" if r["gep_constant"] is None else f"{r['gep_constant']:,.2f}",
                "—" if r["gep_per_km2_constant"] is None else f"{r['gep_per_km2_constant']:,.2f}",
            )
        console.print(s)
    if to_indicator:
        from liangshan.cli.common import record_results

        assert region is not None
        try:
            results = gep_calc.gep_values(workbook, series, const_year, year, rasters, region)
        except ValueError as exc:
            fail(str(exc))
        record_results(results, region, db)
