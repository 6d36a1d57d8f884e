"""Soil calculators: 受污染耕地安全利用率 (indicator 5) and 污染地块安全利用率 (indicator 6) from yearly CSVs.

- farmland: A = (B + C + D) / E × 100% (农业农村部《受污染耕地安全利用率核算方法（试行）》(2020) 公式(1));
  C is the table's figure, or — with a product-sampling file (``--c-from-sampling``) — the area of the
  parcels whose sampled products are 达标 (:func:`liangshan.standards.soil.sampling_c_area`, threshold
  ``c_min_share``, default every sample);
- plots: 安全利用的再开发污染地块 / 再开发利用的污染地块 × 100% (环办土壤函〔2023〕7号; formula basis
  UNVERIFIED, see docs/ecology.md), or under ``definition=14th`` 重点建设用地安全利用率
  (《“十四五”土壤、地下水和农村生态环境保护规划》). A zero denominator is 不适用 or, by provincial
  rule, 视为达标.
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


def _with_sampled_c(
    records: list[Any], sampling: Path, min_share: float, zero_rule: Any, out_warnings: list[str]
) -> tuple[list[Any], dict[int, Any]]:
    """The records with C replaced by the sampled parcels' area (one year at a time), and C per year."""
    from liangshan.standards import soil

    by_year = soil.sampling_c_area(sampling, min_share_percent=min_share)
    kept = []
    for r in records:
        sc_ = by_year.get(r.year)
        if sc_ is None:
            raise soil.SoilInputError(
                f"没有 {r.year} 年的抽样结果（文件中的年份：{'、'.join(str(y) for y in sorted(by_year))}）",
                file=str(sampling),
                column="year",
            )
        try:
            res = soil.farmland_safe_use_rate(
                r.b_area, sc_.c_area, r.d_area, r.e_area, zero_denominator=zero_rule
            )
        except soil.SoilInputError as exc:
            raise soil.SoilInputError(f"{r.year}年按抽样结果核算 C = {sc_.c_area:g} 亩后，{exc}") from None
        if abs(sc_.c_area - r.c_area) > 1e-9:
            out_warnings.append(
                f"{r.year}年：C 按抽样结果核算为 {sc_.c_area:g} 亩（面积表中为 {r.c_area:g} 亩，未采用）"
            )
        n_out = len(sc_.excluded)
        if n_out:
            out_warnings.append(
                f"{r.year}年：{n_out} 个地块未计入 C（"
                + "；".join(f"{x['parcel']}：{x['reason']}" for x in sc_.excluded[:5])
                + ("…" if n_out > 5 else "")
                + "）"
            )
        kept.append(soil.FarmlandRecord(r.year, r.b_area, sc_.c_area, r.d_area, r.e_area, result=res))
    return kept, by_year


def run_farmland(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    from liangshan.standards import soil

    check_choice(FARMLAND, "zero_rule", p["zero_rule"])
    path = files["csv"]
    records = _only_year(soil.read_farmland_csv(path, zero_denominator=p["zero_rule"]), p["year"], path)
    inp = sha256_file(path)
    sampling = files.get("sampling")
    warnings: list[str] = []
    sampled: dict[int, Any] = {}
    params: dict[str, Any] = {"zero_denominator": p["zero_rule"], "unit": "亩"}
    inputs = [inp]
    if sampling is not None:
        records, sampled = _with_sampled_c(
            records, sampling, float(p["c_min_share"]), p["zero_rule"], warnings
        )
        params |= {"c_from_sampling": True, "c_min_share_percent": float(p["c_min_share"])}
        inputs.append(sha256_file(sampling))

    def components(r: Any) -> dict[str, Any]:
        comps = result_dict(r.result)
        if r.year in sampled:
            comps["c_from_sampling"] = {"method": soil.METHOD_SAMPLING_C, **sampled[r.year].summary()}
        return comps

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
                parameters=params,
                inputs=inputs,
                components=components(r),
            ),
            region=region,
        )
        for r in records
    ]
    out = Computation(results, raw=records)
    _details(out, records)
    for r in records:
        if r.year in sampled:
            got = sampled[r.year]
            out.details[r.year]["C（抽样核算）"] = (
                f"{got.c_area:g} 亩（计入 {len(got.counted)} 个地块，未计入 {len(got.excluded)} 个）"
            )
    out.warnings.extend(warnings)
    return out


def run_plots(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    from liangshan.standards import soil

    check_choice(PLOTS, "zero_rule", p["zero_rule"])
    check_choice(PLOTS, "basis", p["basis"])
    check_choice(PLOTS, "definition", p["definition"])
    path = files["csv"]
    records = soil.read_plots_csv(
        path, basis=p["basis"], zero_denominator=p["zero_rule"], definition=p["definition"]
    )
    records = _only_year(records, p["year"], path)
    inp = sha256_file(path)
    results = [
        ComputedValues(
            year=r.year,
            values={"plots_safe_use": r.plots_safe_use, "plots_redeveloped": r.plots_redeveloped},
            provenance=Provenance(
                calculator="liangshan.standards.soil.plots_safe_use_rate",
                standard=sc.SOIL_PLOTS,
                parameters={
                    "zero_denominator": p["zero_rule"],
                    "basis": p["basis"],
                    "definition": p["definition"],
                    "method": r.result.method,
                },
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
    files=(
        FileSpec("csv", "耕地面积表", ("csv",), help="列 year,b_area,c_area,d_area,e_area（亩），UTF-8"),
        FileSpec(
            "sampling",
            "农产品抽样结果（可选，按地块核算 C）",
            ("csv", "xlsx"),
            False,
            "每个样品一行：year,parcel,parcel_area（亩）,sample,compliant（是/否）[,product,measured,limit,"
            "measures]；给出后 C 取所抽农产品达标地块的面积之和，替换面积表中的 C",
        ),
    ),
    params=(
        ZERO,
        ParamSpec(
            "c_min_share",
            "地块达标样品占比下限（%）",
            "float",
            100.0,
            low=1,
            high=100,
            unit="%",
            help="按抽样结果核算 C 时，地块计入 C 所需的达标样品占比"
            "（默认 100：全部样品达标；省级另有规定时填写，如 80）",
        ),
        YEAR,
    ),
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
        ParamSpec(
            "definition",
            "指标口径",
            "choice",
            "pre-14th",
            (
                ("pre-14th", "再开发利用的污染地块（《土壤污染防治行动计划》口径，默认）"),
                ("14th", "重点建设用地安全利用率（“十四五”规划口径）"),
            ),
            help="pre-14th（再开发利用的污染地块，默认）或 14th（“十四五”重点建设用地：开发利用前符合土壤污染"
            "风险管控和修复名录要求的重点建设用地 / 开发利用的重点建设用地）",
        ),
        ZERO,
        YEAR,
    ),
    standards=(sc.SOIL_PLOTS,),
    run=run_plots,
)
SPECS = (FARMLAND, PLOTS)
