"""GEP calculator (indicator 10 单位国土面积生态系统生产总值): parameter workbook → 不变价 GEP, 国土面积.

GEP = 物质产品 + 调节服务 + 文化服务 (万元), at current prices and at the constant prices of a base year, with
the double-counting rules of the technical guide (《陆地生态系统生产总值（GEP）核算技术指南》2020;
《生态产品总值核算规范（试行）》2022), :mod:`liangshan.standards.gep`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from liangshan.provenance import ComputedValues, InputFile, Provenance, sha256_file
from liangshan.services.calculators import standards_cited as sc
from liangshan.services.calculators.spec import CalculatorSpec, Computation, FileSpec, ParamSpec

CALCULATOR = "liangshan.standards.gep.account"


def provenance_for(result: Any, current: Any, inputs: list[InputFile], rasters: Path | None) -> Provenance:
    """Provenance of a constant-price result (with the current-price figure as a component)."""
    return Provenance(
        calculator=CALCULATOR,
        standard=sc.GEP,
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
) -> tuple[Any, int, int | None, list[Any], Any]:
    """Account GEP for the workbook's years.

    Returns (workbook, reported year, constant-price base year, per-year series, the reported year's
    result at ``price_year``). Raises ValueError.
    """
    from liangshan.standards import gep as gep_mod

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
    """gep_constant and land_area_km2 of each year (or ``year``) with provenance."""
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


def run(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    path = files["workbook"]
    rasters = Path(p["rasters"]) if p.get("rasters") else None
    price_year = None if p["price_year"] is None else int(p["price_year"])
    year = None if p["year"] is None else int(p["year"])
    computed = compute(path, rasters=rasters, price_year=price_year, year=year)
    _wb, _year, const_year, series, shown = computed
    out = Computation(gep_values(path, series, const_year, year, rasters, region), raw=computed)
    for s in series:
        if year is not None and s.year != year:
            continue
        c = s.constant
        out.details[s.year] = {
            "当年价 GEP": f"{s.current.gep:,.2f} 万元",
            f"{const_year} 年不变价 GEP": "—" if c is None else f"{c.gep:,.2f} 万元",
            "单位国土面积 GEP（不变价）": "—" if c is None else f"{c.gep_per_km2:,.2f} 万元/km²",
        }
    for e in shown.excluded:
        out.warnings.append(f"{shown.year}年未计入（避免重复计算）：{e['name']} — {e['reason']}")
    if shown.not_accounted:
        out.warnings.append(f"未核算的项目：{'、'.join(shown.not_accounted)}")
    return out


SPEC = CalculatorSpec(
    key="gep",
    title="生态系统生产总值 GEP（参数工作簿 → 不变价 GEP、国土面积）",
    cli="liangshan gep",
    elements=("gep_constant", "land_area_km2"),
    files=(FileSpec("workbook", "参数工作簿", ("yaml", "xlsx")),),
    params=(
        ParamSpec(
            "price_year",
            "不变价基年",
            "int",
            low=1990,
            high=2100,
            help="不变价基年（留空：工作簿中的 price_year；命令行不填则按当年价报告）",
        ),
        ParamSpec(
            "year",
            "年份",
            "int",
            low=1990,
            high=2100,
            help="报告年份（缺省：显示工作簿最后一年，记录工作簿中的每一年）",
        ),
        ParamSpec(
            "rasters",
            "栅格目录",
            "text",
            None,
            help="栅格目录（降水、蒸散、径流、地类、R/K/LS/C/P 因子）",
            web=False,
        ),
    ),
    standards=(sc.GEP,),
    run=run,
    note="需要栅格目录（--rasters）的核算请用命令行",
    not_offered_on=("land_area_km2",),
)
