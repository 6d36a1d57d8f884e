"""``liangshan gep WORKBOOK``: GEP accounting at current and constant prices (indicator 10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail
from liangshan.provenance import ComputedValues, InputFile, Provenance, sha256_file
from liangshan.standards import gep as gep_mod

app = typer.Typer(
    help="GEP 生态系统生产总值核算（指标10 单位国土面积 GEP）",
    context_settings={"allow_interspersed_args": True},
    subcommand_metavar="",
)

STANDARD = (
    "《陆地生态系统生产总值（GEP）核算技术指南》(生态环境部环境规划院, 2020); "
    "《生态产品总值核算规范（试行）》(2022)"
)
CALCULATOR = "liangshan.standards.gep.account"


def _fmt(x: float) -> str:
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def provenance_for(
    result: gep_mod.GepResult, current: gep_mod.GepResult, inputs: list[InputFile], rasters: Path | None
) -> Provenance:
    """Provenance of a constant-price result (with the current-price figure as a component)."""
    return Provenance(
        calculator=CALCULATOR,
        standard=STANDARD,
        parameters={
            "price_basis": result.price_basis,
            "price_year": result.price_year,
            "rasters": None if rasters is None else str(rasters),
            "unit": "万元",
        },
        inputs=inputs,
        components={
            "gep_constant": result.gep,
            "gep_current": current.gep,
            "gep_per_km2_constant": result.gep_per_km2,
            "totals_constant": result.totals,
            "items": [{"name": i.name, "value": i.value, "quantity": i.quantity} for i in result.items],
            "excluded": [{"name": e["name"], "reason": e["reason"]} for e in result.excluded],
            "not_accounted": result.not_accounted,
            "double_counting_rules": result.rules,
        },
    )


def compute(
    workbook: Path, *, rasters: Path | None = None, price_year: int | None = None, year: int | None = None
) -> tuple[Any, int, int | None, list[Any], gep_mod.GepResult]:
    """Account GEP for the workbook's years: the one implementation behind ``gep`` (and its
    ``--to-indicator``) and the web upload (:mod:`liangshan.web.calculators`).

    Returns (workbook, reported year, constant-price base year, per-year series, the reported year's
    result at ``price_year``). Raises ValueError.
    """
    wb = gep_mod.load_workbook(workbook)
    years = wb.years or ([year] if year is not None else [])
    if not years:
        raise ValueError("工作簿没有 years，请用 --year 指定年份")
    the_year = year if year is not None else years[-1]
    if the_year not in years:
        years = sorted({*years, the_year})
    const_year = price_year if price_year is not None else wb.price_year
    series = gep_mod.account_years(wb, years, price_year=const_year, rasters=rasters)
    shown = gep_mod.account(wb, the_year, price_year=price_year, rasters=rasters)
    return wb, the_year, const_year, series, shown


def gep_values(
    workbook: Path,
    series: list[Any],
    const_year: int | None,
    year: int | None,
    rasters: Path | None,
    region: str | None,
) -> list[ComputedValues]:
    """``--to-indicator``: gep_constant and land_area_km2 of each year (or ``year``) with provenance."""
    if const_year is None:
        raise ValueError("记录指标10需要不变价：请用 --price-year 或在工作簿中设置 price_year")
    inputs = [sha256_file(workbook)]
    for s_ in series:
        assert s_.constant is not None
        inputs.extend(sha256_file(p) for p in s_.constant.raster_inputs)
    uniq = {i.sha256 + i.name: i for i in inputs}
    results = []
    for s_ in series:
        if year is not None and s_.year != year:
            continue
        assert s_.constant is not None
        results.append(
            ComputedValues(
                year=s_.year,
                values={"gep_constant": s_.constant.gep, "land_area_km2": s_.constant.land_area_km2},
                provenance=provenance_for(s_.constant, s_.current, list(uniq.values()), rasters),
                region=region,
            )
        )
    return results


@app.callback(invoke_without_command=True)
def gep(
    workbook: Path = typer.Argument(..., help="参数工作簿（.yaml/.yml 或 .xlsx）"),
    rasters: Path | None = typer.Option(
        None, "--rasters", help="栅格目录（降水、蒸散、径流、地类、R/K/LS/C/P 因子）"
    ),
    price_year: int | None = typer.Option(None, "--price-year", help="不变价基年（不填则按当年价报告）"),
    year: int | None = typer.Option(None, "--year", help="报告年份（默认工作簿最后一年）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录 gep_constant 与 land_area_km2"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
) -> None:
    """核算 GEP：物质产品 + 调节服务 + 文化服务（万元），及单位国土面积 GEP（万元/km²）。"""
    if to_indicator and not region:
        fail("--to-indicator 需要 --region 地区代码")
    try:
        wb, the_year, const_year, series, shown = compute(
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
            results = gep_values(workbook, series, const_year, year, rasters, region)
        except ValueError as exc:
            fail(str(exc))
        record_results(results, region, db)
