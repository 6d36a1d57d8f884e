"""Soil calculators: 受污染耕地安全利用率 (indicator 5) and 污染地块安全利用率 (indicator 6) from yearly CSVs.

- farmland: A = (B + C + D) / E × 100% (农业农村部《受污染耕地安全利用率核算方法（试行）》(2020) 公式(1));
- plots: 安全利用的再开发污染地块 / 再开发利用的污染地块 × 100% (环办土壤函〔2023〕7号; formula basis
  UNVERIFIED, see docs/ecology.md). A zero denominator is 不适用 or, by provincial rule, 视为达标.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from liangshan.provenance import ComputedValues, Provenance, sha256_file
from liangshan.services.calculators import standards_cited as sc
from liangshan.services.calculators.spec import CalculatorSpec, Computation, FileSpec, ParamSpec, check_choice

ZERO_HELP = "分母为 0 时：not_applicable（不适用，默认）或 deemed_met（按省级规定视为达标）"
ZERO = ParamSpec(
    "zero_rule",
    "分母为 0 时",
    "choice",
    "not_applicable",
    (("not_applicable", "不适用"), ("deemed_met", "按省级规定视为达标")),
    help=ZERO_HELP,
)
YEAR = ParamSpec("year", "年份", "int", low=1990, high=2100, help="只处理该年份（留空：文件中的每一年）")
FARMLAND_ELEMENTS = ("farmland_b_area", "farmland_c_area", "farmland_d_area", "farmland_e_area")


def result_dict(res: Any) -> dict[str, Any]:
    """The rate, status and terms of a :class:`~liangshan.standards.soil.SafeUseResult`."""
    return {
        "rate_percent": res.rate,
        "status": res.status,
        "reason": res.reason,
        "numerator": res.numerator,
        "denominator": res.denominator,
    }


def _only_year(records: list[Any], year: Any, path: Path) -> list[Any]:
    if year is None:
        return records
    kept = [r for r in records if r.year == int(year)]
    if not kept:
        raise ValueError(f"{path.name} 中没有 {int(year)} 年的数据")
    return kept


def _details(out: Computation, records: list[Any]) -> None:
    for r in records:
        rate = "—" if r.result.rate is None else f"{r.result.rate:.2f}%"
        out.details[r.year] = {"安全利用率": rate, "状态": r.result.status}
        if r.result.reason:
            out.warnings.append(f"{r.year}年：{r.result.reason}")


def run_farmland(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    from liangshan.standards import soil

    check_choice(FARMLAND, "zero_rule", p["zero_rule"])
    path = files["csv"]
    records = _only_year(soil.read_farmland_csv(path, zero_denominator=p["zero_rule"]), p["year"], path)
    inp = sha256_file(path)
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
                standard=sc.SOIL_FARMLAND,
                parameters={"zero_denominator": p["zero_rule"], "unit": "亩"},
                inputs=[inp],
                components=result_dict(r.result),
            ),
            region=region,
        )
        for r in records
    ]
    out = Computation(results, raw=records)
    _details(out, records)
    return out


def run_plots(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    from liangshan.standards import soil

    check_choice(PLOTS, "zero_rule", p["zero_rule"])
    check_choice(PLOTS, "basis", p["basis"])
    path = files["csv"]
    records = soil.read_plots_csv(path, basis=p["basis"], zero_denominator=p["zero_rule"])
    records = _only_year(records, p["year"], path)
    inp = sha256_file(path)
    results = [
        ComputedValues(
            year=r.year,
            values={"plots_safe_use": r.plots_safe_use, "plots_redeveloped": r.plots_redeveloped},
            provenance=Provenance(
                calculator="liangshan.standards.soil.plots_safe_use_rate",
                standard=sc.SOIL_PLOTS,
                parameters={"zero_denominator": p["zero_rule"], "basis": p["basis"]},
                inputs=[inp],
                components=result_dict(r.result),
            ),
            region=region,
        )
        for r in records
    ]
    out = Computation(results, raw=records)
    _details(out, records)
    return out


FARMLAND = CalculatorSpec(
    key="soil-farmland",
    title="受污染耕地安全利用率（年度面积表 → B、C、D、E 面积）",
    cli="liangshan soil farmland",
    elements=FARMLAND_ELEMENTS,
    files=(FileSpec("csv", "耕地面积表", ("csv",), help="列 year,b_area,c_area,d_area,e_area（亩），UTF-8"),),
    params=(ZERO, YEAR),
    standards=(sc.SOIL_FARMLAND,),
    run=run_farmland,
)
PLOTS = CalculatorSpec(
    key="soil-plots",
    title="污染地块安全利用率（年度地块表 → 再开发利用、安全利用地块数）",
    cli="liangshan soil plots",
    elements=("plots_safe_use", "plots_redeveloped"),
    files=(FileSpec("csv", "污染地块表", ("csv",), help="列 year,plots_redeveloped,plots_safe_use，UTF-8"),),
    params=(
        ParamSpec(
            "basis",
            "口径",
            "choice",
            "count",
            (("count", "按个数"), ("area", "按面积（亩）")),
            help="count（按个数，默认）或 area（按面积，亩）",
        ),
        ZERO,
        YEAR,
    ),
    standards=(sc.SOIL_PLOTS,),
    run=run_plots,
)
SPECS = (FARMLAND, PLOTS)
