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
from liangshan.provenance import ComputedValues, Provenance, sha256_file
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


def _result_dict(res: soil.SafeUseResult) -> dict[str, Any]:
    return {
        "rate_percent": res.rate,
        "status": res.status,
        "reason": res.reason,
        "numerator": res.numerator,
        "denominator": res.denominator,
    }


ZERO_HELP = "分母为 0 时：not_applicable（不适用，默认）或 deemed_met（按省级规定视为达标）"


@soil_app.command("farmland")
def farmland(
    csv: Path = typer.Argument(..., help="CSV：year,b_area,c_area,d_area,e_area（亩）"),
    zero_rule: str = typer.Option("not_applicable", "--zero-rule", help=ZERO_HELP),
    year: int | None = typer.Option(None, "--year", help="只处理该年份"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录为指标5的数据元素"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
) -> None:
    """受污染耕地安全利用率 A = (B + C + D) / E × 100%。"""
    _check_indicator_opts(to_indicator, region)
    if zero_rule not in ("not_applicable", "deemed_met"):
        fail(f"--zero-rule 应为 not_applicable 或 deemed_met，得到 {zero_rule}")
    try:
        records = soil.read_farmland_csv(csv, zero_denominator=zero_rule)  # type: ignore[arg-type]
    except ValueError as exc:
        fail(str(exc))
    if year is not None:
        records = [r for r in records if r.year == year]
        if not records:
            fail(f"{csv} 中没有 {year} 年的数据")
    rows = [
        {"year": r.year, "b_area": r.b_area, "c_area": r.c_area, "d_area": r.d_area, "e_area": r.e_area}
        | _result_dict(r.result)
        for r in records
    ]
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
    if to_indicator:
        assert region is not None
        inp = sha256_file(csv)
        results = [
            ComputedValues(
                year=r.year,
                values={
                    "farmland_b_area": r.b_area,
                    "farmland_c_area": r.c_area,
                    "farmland_d_area": r.d_area,
                    "farmland_e_area": r.e_area,
                },
                provenance=Provenance(
                    calculator="liangshan.standards.soil.farmland_safe_use_rate",
                    standard="农业农村部《受污染耕地安全利用率核算方法（试行）》(2020)",
                    parameters={"zero_denominator": zero_rule, "unit": "亩"},
                    inputs=[inp],
                    components=_result_dict(r.result),
                ),
                region=region,
            )
            for r in records
        ]
        record_results(results, region, db)


@soil_app.command("plots")
def plots(
    csv: Path = typer.Argument(..., help="CSV：year,plots_redeveloped,plots_safe_use"),
    basis: str = typer.Option("count", "--basis", help="count（按个数，默认）或 area（按面积，亩）"),
    zero_rule: str = typer.Option("not_applicable", "--zero-rule", help=ZERO_HELP),
    year: int | None = typer.Option(None, "--year", help="只处理该年份"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录为指标6的数据元素"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
) -> None:
    """污染地块安全利用率 = 安全利用的再开发污染地块 / 再开发利用的污染地块 × 100%。"""
    _check_indicator_opts(to_indicator, region)
    if zero_rule not in ("not_applicable", "deemed_met"):
        fail(f"--zero-rule 应为 not_applicable 或 deemed_met，得到 {zero_rule}")
    if basis not in ("count", "area"):
        fail(f"--basis 应为 count 或 area，得到 {basis}")
    try:
        records = soil.read_plots_csv(csv, basis=basis, zero_denominator=zero_rule)  # type: ignore[arg-type]
    except ValueError as exc:
        fail(str(exc))
    if year is not None:
        records = [r for r in records if r.year == year]
        if not records:
            fail(f"{csv} 中没有 {year} 年的数据")
    rows = [
        {"year": r.year, "plots_redeveloped": r.plots_redeveloped, "plots_safe_use": r.plots_safe_use}
        | _result_dict(r.result)
        for r in records
    ]
    if json_out:
        emit_json(
            {"indicator": "污染地块安全利用率", "method": soil.METHOD_PLOTS, "basis": basis, "years": rows}
        )
    else:
        t = Table(title="污染地块安全利用率")
        for h in ("年份", "再开发利用", "安全利用", "比率（%）", "状态"):
            t.add_column(h)
        for r in rows:
            rate = "—" if r["rate_percent"] is None else f"{r['rate_percent']:.2f}"
            t.add_row(
                str(r["year"]), f"{r['plots_redeveloped']:g}", f"{r['plots_safe_use']:g}", rate, r["status"]
            )
        console.print(t)
        console.print(f"方法：{soil.METHOD_PLOTS}", highlight=False)
    if to_indicator:
        assert region is not None
        inp = sha256_file(csv)
        results = [
            ComputedValues(
                year=r.year,
                values={"plots_safe_use": r.plots_safe_use, "plots_redeveloped": r.plots_redeveloped},
                provenance=Provenance(
                    calculator="liangshan.standards.soil.plots_safe_use_rate",
                    standard="环办土壤函〔2023〕7号（公式口径 UNVERIFIED，见 docs/ecology.md）",
                    parameters={"zero_denominator": zero_rule, "basis": basis},
                    inputs=[inp],
                    components=_result_dict(r.result),
                ),
                region=region,
            )
            for r in records
        ]
        record_results(results, region, db)


def richness_rows(years: list[biodiversity.YearRichness], basis: str) -> list[dict[str, Any]]:
    """JSON-ready rows of :func:`liangshan.standards.biodiversity.species_richness` results."""
    return [
        {
            "year": y.year,
            "species_richness": y.value(basis),  # type: ignore[arg-type]
            "recorded": y.recorded,
            "comparable": y.comparable,
            "by_taxon": y.by_taxon,
            "change": y.change,
            "revision_adjustment": y.revision_adjustment,
            "change_excluding_revision": y.change_excluding_revision,
            "declined": y.declined,
            "revision_only_drop": y.revision_only_drop,
            "unequal_effort": y.unequal_effort,
            "missing_taxa": y.missing_taxa,
            "sources": y.sources,
            "flags": y.flags,
        }
        for y in years
    ]


@species_app.callback(invoke_without_command=True)
def species(
    csv: Path = typer.Argument(
        ..., help="CSV：year,taxon,count[,source,effort,effort_unit,revision_adjustment,revision_note]"
    ),
    basis: str = typer.Option(
        "comparable",
        "--basis",
        help="comparable（扣除分类修订、以首年分类体系可比，默认）或 recorded（记录数）",
    ),
    effort_tolerance: float = typer.Option(
        0.2, "--effort-tolerance", help="调查强度相对差异容差（0.2 = 20%）"
    ),
    year: int | None = typer.Option(None, "--year", help="只记录该年份"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录为指标8的 species_richness"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
) -> None:
    """物种丰富度：各年野生物种数（按类群），年际比较标记分类修订与调查强度差异。"""
    _check_indicator_opts(to_indicator, region)
    if basis not in ("comparable", "recorded"):
        fail(f"--basis 应为 comparable 或 recorded，得到 {basis}")
    try:
        table = biodiversity.read_species_csv(csv)
        years = biodiversity.species_richness(table, effort_tolerance=effort_tolerance)
    except ValueError as exc:
        fail(str(exc))
    rows = richness_rows(years, basis)
    if year is not None:
        rows = [r for r in rows if r["year"] == year]
        if not rows:
            fail(f"{csv} 中没有 {year} 年的数据")
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
        assert region is not None
        inp = sha256_file(csv)
        results = [
            ComputedValues(
                year=r["year"],
                values={"species_richness": float(r["species_richness"])},
                provenance=Provenance(
                    calculator="liangshan.standards.biodiversity.species_richness",
                    standard="HJ 623-2011（物种丰富度口径，UNVERIFIED 细节见 docs/ecology.md）",
                    parameters={"basis": basis, "effort_tolerance": effort_tolerance},
                    inputs=[inp],
                    components={k: r[k] for k in r if k != "species_richness"},
                ),
                region=region,
            )
            for r in rows
        ]
        record_results(results, region, db)
