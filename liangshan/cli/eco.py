"""``liangshan soil farmland|plots`` and ``liangshan species``: soil safe-use rates and species richness.

Input CSVs (UTF-8, header row; one data row per year):

- ``soil farmland``: ``year,b_area,c_area,d_area,e_area`` — 亩; B 优先保护类措施面积, C 安全利用类措施且农产品
  达标面积, D 严格管控类面积, E 受污染耕地总面积.
- ``soil plots``: ``year,plots_redeveloped,plots_safe_use`` — 个 (or 亩 with ``--basis area``).
- ``species``: ``year,taxon,count`` plus optional ``source,effort,effort_unit,revision_adjustment,
  revision_note`` — one row per year × taxon (taxa: vascular_plant/野生维管束植物, mammal/哺乳类,
  bird/鸟类, reptile/爬行类, amphibian/两栖类, freshwater_fish/淡水鱼类, butterfly/蝴蝶).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail, record_results
from liangshan.cli.specs import spec_options
from liangshan.services.calculators import CalculatorSpec, Computation
from liangshan.services.calculators import soil as soil_calc
from liangshan.services.calculators import species as species_calc
from liangshan.standards import biodiversity, soil

soil_app = typer.Typer(
    help="土壤指标：受污染耕地安全利用率（指标5）与污染地块安全利用率（指标6）",
    no_args_is_help=True,
)
species_app = typer.Typer(
    help="物种丰富度（指标8）：按类群统计、分类修订与调查强度标记",
    context_settings={"allow_interspersed_args": True},
    subcommand_metavar="",
)
#: ``app`` is the soil sub-app (registered as ``soil``); ``species_app`` is registered as ``species``.
app = soil_app


def _check_indicator_opts(to_indicator: bool, region: str | None) -> None:
    if to_indicator and not region:
        fail("--to-indicator 需要 --region 地区代码")


def _compute(
    spec: CalculatorSpec,
    csv: Path,
    params: dict[str, Any],
    region: str | None,
    extra: dict[str, Path | None] | None = None,
) -> Computation:
    try:
        return spec.compute({"csv": csv, **(extra or {})}, params, region)
    except ValueError as exc:
        fail(str(exc))


@soil_app.command("farmland")
@spec_options(soil_calc.FARMLAND)
def farmland(
    csv: Path = typer.Argument(..., help="CSV：year,b_area,c_area,d_area,e_area（亩）"),
    c_from_sampling: Path | None = typer.Option(
        None,
        "--c-from-sampling",
        help="农产品抽样结果（CSV 或 xlsx，每个样品一行：year,parcel,parcel_area,sample,compliant）："
        "C 取所抽农产品达标地块的面积之和，替换面积表中的 C",
    ),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录为指标5的数据元素"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
    **params: Any,
) -> None:
    """受污染耕地安全利用率 A = (B + C + D) / E × 100%。"""
    _check_indicator_opts(to_indicator, region)
    zero_rule = params["zero_rule"]
    if zero_rule not in ("not_applicable", "deemed_met"):
        fail(f"--zero-rule 应为 not_applicable 或 deemed_met，得到 {zero_rule}")
    comp = _compute(soil_calc.FARMLAND, csv, params, region, {"sampling": c_from_sampling})
    records = comp.raw
    rows = [
        {"year": r.year, "b_area": r.b_area, "c_area": r.c_area, "d_area": r.d_area, "e_area": r.e_area}
        | soil_calc.result_dict(r.result)
        for r in records
    ]
    if c_from_sampling is not None:
        for r, cv in zip(rows, comp.results, strict=True):
            r["c_from_sampling"] = cv.provenance.components["c_from_sampling"]
    if json_out:
        emit_json({"indicator": "受污染耕地安全利用率", "method": soil.METHOD_FARMLAND, "years": rows})
    else:
        t = Table(title="受污染耕地安全利用率（亩）")
        for h in ("年份", "B", "C", "D", "E", "A（%）", "状态"):
            t.add_column(h, justify="right" if h not in ("状态",) else "left")
        for r in rows:
            rate = "—" if r["rate_percent"] is None else f"{r['rate_percent']:.2f}"
            t.add_row(
                str(r["year"]),
                *(f"{r[k]:g}" for k in ("b_area", "c_area", "d_area", "e_area")),
                rate,
                r["status"],
            )
        console.print(t)
        console.print(f"方法：{soil.METHOD_FARMLAND}", highlight=False)
        if c_from_sampling is not None:
            console.print(soil.METHOD_SAMPLING_C, highlight=False)
            for r in rows:
                got = r["c_from_sampling"]
                console.print(
                    f"{r['year']}年：C = {got['c_area']:g} 亩，计入地块 {len(got['parcels_counted'])} 个，"
                    f"未计入 {len(got['parcels_excluded'])} 个"
                    f"（达标样品占比下限 {got['min_share_percent']:g}%）",
                    highlight=False,
                )
                for x in got["parcels_excluded"]:
                    console.print(
                        f"  未计入 {x['parcel']}（{x['area']:g} 亩）：{x['reason']}", highlight=False
                    )
    if to_indicator:
        record_results(comp.results, region, db)


@soil_app.command("plots")
@spec_options(soil_calc.PLOTS)
def plots(
    csv: Path = typer.Argument(..., help="CSV：year,plots_redeveloped,plots_safe_use"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录为指标6的数据元素"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
    **params: Any,
) -> None:
    """污染地块安全利用率 = 安全利用的再开发污染地块 / 再开发利用的污染地块 × 100%。"""
    _check_indicator_opts(to_indicator, region)
    zero_rule, basis = params["zero_rule"], params["basis"]
    if zero_rule not in ("not_applicable", "deemed_met"):
        fail(f"--zero-rule 应为 not_applicable 或 deemed_met，得到 {zero_rule}")
    if basis not in ("count", "area"):
        fail(f"--basis 应为 count 或 area，得到 {basis}")
    comp = _compute(soil_calc.PLOTS, csv, params, region)
    records = comp.raw
    rows = [
        {"year": r.year, "plots_redeveloped": r.plots_redeveloped, "plots_safe_use": r.plots_safe_use}
        | soil_calc.result_dict(r.result)
        for r in records
    ]
    if json_out:
        emit_json(
            {
                "indicator": "污染地块安全利用率",
                "method": soil.PLOT_DEFINITIONS[params["definition"]],
                "definition": params["definition"],
                "basis": basis,
                "years": rows,
            }
        )
    else:
        t = Table(title="污染地块安全利用率")
        terms = (
            ("重点建设用地", "符合名录要求") if params["definition"] == "14th" else ("再开发利用", "安全利用")
        )
        for h in ("年份", *terms, "比率（%）", "状态"):
            t.add_column(h)
        for r in rows:
            rate = "—" if r["rate_percent"] is None else f"{r['rate_percent']:.2f}"
            t.add_row(
                str(r["year"]), f"{r['plots_redeveloped']:g}", f"{r['plots_safe_use']:g}", rate, r["status"]
            )
        console.print(t)
        console.print(f"方法：{soil.PLOT_DEFINITIONS[params['definition']]}", highlight=False)
    if to_indicator:
        record_results(comp.results, region, db)


richness_rows = species_calc.richness_rows


@species_app.callback(invoke_without_command=True)
@spec_options(species_calc.SPEC)
def species(
    csv: Path = typer.Argument(
        ..., help="CSV：year,taxon,count[,source,effort,effort_unit,revision_adjustment,revision_note]"
    ),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录为指标8的 species_richness"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
    **params: Any,
) -> None:
    """物种丰富度：各年野生物种数（按类群），年际比较标记分类修订与调查强度差异。"""
    _check_indicator_opts(to_indicator, region)
    basis, effort_tolerance = params["basis"], params["effort_tolerance"]
    if basis not in ("comparable", "recorded"):
        fail(f"--basis 应为 comparable 或 recorded，得到 {basis}")
    comp = _compute(species_calc.SPEC, csv, params, region)
    rows = comp.raw
    if json_out:
        emit_json(
            {"indicator": "物种丰富度", "basis": basis, "effort_tolerance": effort_tolerance, "years": rows}
        )
    else:
        t = Table(title=f"物种丰富度（种；口径：{'可比' if basis == 'comparable' else '记录数'}）")
        t.add_column("年份")
        for code, (zh, _) in biodiversity.TAXA.items():
            if any(code in r["by_taxon"] for r in rows):
                t.add_column(zh, justify="right")
        t.add_column("记录合计", justify="right")
        t.add_column("可比合计", justify="right")
        t.add_column("标记")
        shown = [c for c in biodiversity.TAXA if any(c in r["by_taxon"] for r in rows)]
        for r in rows:
            t.add_row(
                str(r["year"]),
                *(str(r["by_taxon"].get(c, "—")) for c in shown),
                str(r["recorded"]),
                str(r["comparable"]),
                "；".join(r["flags"]),
            )
        console.print(t)
    if to_indicator:
        record_results(comp.results, region, db)
