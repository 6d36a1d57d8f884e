"""Survey calculator (indicator 17 公众满意度): answers CSV → 满意样本数, 有效样本数.

满意度 = 前 N 档答案数 / 有效问卷数 × 100% (docs/survey.md recommended practice — no official sampling rule,
UNVERIFIED), Wilson 95% interval, stratified design variance with population weights, and the sample size
needed (:mod:`liangshan.standards.survey`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from liangshan.provenance import ComputedValues, Provenance, sha256_file
from liangshan.services.calculators import standards_cited as sc
from liangshan.services.calculators.spec import CalculatorSpec, Computation, FileSpec, ParamSpec
from liangshan.standards import survey as sv

CALCULATOR = "liangshan.standards.survey.satisfaction"


def result_dict(res: sv.SurveyResult) -> dict[str, Any]:
    """JSON-ready dict (keys n, satisfaction_percent, ci_low, ci_high, sample_needed, …)."""
    return {
        "n": res.n,
        "satisfaction_percent": res.satisfaction_percent,
        "ci_low": res.ci_low,
        "ci_high": res.ci_high,
        "sample_needed": res.sample_needed,
        "satisfied": res.satisfied,
        "unweighted_percent": res.unweighted_percent,
        "weighted": res.weighted,
        "satisfied_equivalent": res.satisfied_equivalent,
        "ci_method": res.ci_method,
        "supports_claim": res.supports_claim,
        "sample_sufficient": res.sample_sufficient,
        "counts": res.counts,
        "strata": res.strata,
        "parameters": res.parameters,
    }


def survey_provenance(res: sv.SurveyResult, inputs: list[Path]) -> Provenance:
    """Provenance for the survey_satisfied / survey_valid data elements."""
    comp = {k: v for k, v in result_dict(res).items() if k not in ("parameters",)}
    if res.weighted:
        comp["survey_satisfied_note"] = "加权满意率 × 有效样本数（加权等效满意人数），非整数"
    return Provenance(
        calculator=CALCULATOR,
        standard=sc.SURVEY,
        parameters=res.parameters,
        inputs=[sha256_file(p) for p in inputs],
        components=comp,
    )


def compute(
    responses: Path,
    *,
    top_box: int = sv.DEFAULT_TOP_BOX,
    weights: Path | None = None,
    population: float | None = None,
    margin: float = 0.05,
) -> sv.SurveyResult:
    """Satisfaction of a responses CSV. Raises ValueError
    (:class:`~liangshan.standards.errors.InputError` naming the file, row and column)."""
    df = sv.read_responses(responses)
    w = sv.read_weights(weights) if weights is not None else None
    return sv.satisfaction(df, top_box=top_box, weights=w, population=population, margin=margin)


def survey_values(
    res: sv.SurveyResult, responses: Path, weights: Path | None, year: int, region: str | None
) -> ComputedValues:
    """survey_satisfied and survey_valid of ``year`` with provenance."""
    files = [responses] + ([weights] if weights is not None else [])
    return ComputedValues(
        year=year,
        values={"survey_satisfied": res.satisfied_equivalent, "survey_valid": float(res.n)},
        provenance=survey_provenance(res, files),
        region=region,
    )


def run(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    weights = files.get("weights")
    population = None if p["population"] is None else float(p["population"])
    res = compute(
        files["responses"], top_box=int(p["top_box"]), weights=weights, population=population,
        margin=float(p["margin"]),
    )  # fmt: skip
    if p["year"] is None:
        return Computation([], raw=res)
    year = int(p["year"])
    out = Computation([survey_values(res, files["responses"], weights, year, region)], raw=res)
    out.details[year] = {
        "有效问卷": str(res.n),
        "满意度": f"{res.satisfaction_percent:.2f}%" + ("（加权）" if res.weighted else ""),
        "95% 置信区间": f"{res.ci_low:.2f}–{res.ci_high:.2f}%",
        "所需样本量": str(res.sample_needed),
    }
    threshold = res.parameters.get("claim_threshold")
    if not res.supports_claim and threshold is not None:
        out.warnings.append(
            f"置信区间下限 {res.ci_low:.2f}% ≤ {threshold:g}%，样本不足以支持“满意度 > {threshold:g}%”的结论"
        )
    if not res.sample_sufficient:
        out.warnings.append(f"有效问卷 {res.n} 份少于所需样本量 {res.sample_needed} 份")
    return out


SPEC = CalculatorSpec(
    key="survey",
    title="公众满意度（问卷答案 → 满意样本数、有效样本数）",
    cli="liangshan survey",
    elements=("survey_satisfied", "survey_valid"),
    files=(
        FileSpec("responses", "问卷答案", ("csv",), help="列 answer[,township,urban_rural]，UTF-8"),
        FileSpec(
            "weights",
            "分层人口权重（可选）",
            ("csv",),
            False,
            "列 township/urban_rural + population 或 weight",
        ),
    ),
    params=(
        ParamSpec(
            "year",
            "年份",
            "int",
            required=True,
            low=1990,
            high=2100,
            round_year=True,
            help="调查年份（--to-indicator 时必填）",
        ),
        ParamSpec(
            "top_box",
            "计为满意的前 N 档",
            "int",
            sv.DEFAULT_TOP_BOX,
            low=1,
            high=4,
            help="计为满意的前 N 档（默认 3：很满意、满意、基本满意）",
        ),
        ParamSpec(
            "population",
            "调查总体人数 N（可选）",
            "float",
            low=1,
            unit="人",
            help="调查总体人数 N（样本量有限总体校正）",
        ),
        ParamSpec(
            "margin",
            "允许误差 e",
            "float",
            0.05,
            low=0.001,
            high=0.5,
            help="允许误差 e（0.05 = ±5 个百分点）",
        ),
    ),
    standards=(sc.SURVEY,),
    run=run,
)
