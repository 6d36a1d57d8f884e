"""``liangshan survey RESPONSES.csv``: public satisfaction rate, CI, sample size (indicator 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail
from liangshan.provenance import ComputedValues, Provenance, sha256_file
from liangshan.standards import survey as sv

app = typer.Typer(
    help="公众满意度（指标17）：满意率、95% 置信区间、所需样本量",
    context_settings={"allow_interspersed_args": True},
    subcommand_metavar="",
)


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
        calculator="liangshan.standards.survey.satisfaction",
        standard="SPEC §I 推荐做法（无官方抽样规则，UNVERIFIED）；Wilson 置信区间；分层设计方差",
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
    """Satisfaction of a responses CSV: the one implementation behind ``survey`` (and its
    ``--to-indicator``) and the web upload (:mod:`liangshan.web.calculators`). Raises ValueError
    (:class:`~liangshan.standards.errors.InputError` naming the file, row and column)."""
    df = sv.read_responses(responses)
    w = sv.read_weights(weights) if weights is not None else None
    return sv.satisfaction(df, top_box=top_box, weights=w, population=population, margin=margin)


def survey_values(
    res: sv.SurveyResult, responses: Path, weights: Path | None, year: int, region: str | None
) -> ComputedValues:
    """``--to-indicator``: survey_satisfied and survey_valid of ``year`` with provenance."""
    files = [responses] + ([weights] if weights is not None else [])
    return ComputedValues(
        year=year,
        values={"survey_satisfied": res.satisfied_equivalent, "survey_valid": float(res.n)},
        provenance=survey_provenance(res, files),
        region=region,
    )


@app.callback(invoke_without_command=True)
def survey(
    responses: Path = typer.Argument(..., help="问卷 CSV：answer[,township,urban_rural]"),
    top_box: int = typer.Option(
        sv.DEFAULT_TOP_BOX, "--top-box", help="计为满意的前 N 档（默认 3：很满意、满意、基本满意）"
    ),
    weights: Path | None = typer.Option(
        None, "--weights", help="分层人口权重 CSV：township/urban_rural + population 或 weight"
    ),
    population: float | None = typer.Option(
        None, "--population", help="调查总体人数 N（样本量有限总体校正）"
    ),
    margin: float = typer.Option(0.05, "--margin", help="允许误差 e（0.05 = ±5 个百分点）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录 survey_satisfied 与 survey_valid"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    year: int | None = typer.Option(None, "--year", help="调查年份（--to-indicator 时必填）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
) -> None:
    """公众满意度：满意率 = 前 N 档答案数 / 有效问卷数 × 100%，及 95% 置信区间与所需样本量。"""
    if to_indicator and (not region or year is None):
        fail("--to-indicator 需要 --region 地区代码 和 --year 年份")
    try:
        res = compute(responses, top_box=top_box, weights=weights, population=population, margin=margin)
    except ValueError as exc:
        fail(str(exc))
    if json_out:
        emit_json(result_dict(res))
    else:
        labels = "、".join(res.parameters["top_box_labels"])
        t = Table(title="公众满意度")
        t.add_column("项目")
        t.add_column("数值", justify="right")
        t.add_row("有效问卷", str(res.n))
        t.add_row(f"满意（{labels}）", str(res.satisfied))
        t.add_row("满意度（%）" + ("（加权）" if res.weighted else ""), f"{res.satisfaction_percent:.2f}")
        if res.weighted:
            t.add_row("未加权满意度（%）", f"{res.unweighted_percent:.2f}")
        t.add_row(f"95% 置信区间（{res.ci_method}）", f"{res.ci_low:.2f} – {res.ci_high:.2f}")
        n_txt = "∞" if population is None else f"{population:,.0f}"
        t.add_row(f"所需样本量（N={n_txt}，e=±{margin * 100:g}%）", str(res.sample_needed))
        console.print(t)
        threshold = res.parameters["claim_threshold"]
        if res.supports_claim:
            console.print(
                f"置信区间下限 > {threshold:g}%：样本支持“满意度 > {threshold:g}%”。", highlight=False
            )
        else:
            console.print(
                f"注意：置信区间下限 {res.ci_low:.2f}% ≤ {threshold:g}%，"
                f"样本不足以支持“满意度 > {threshold:g}%”的结论。",
                highlight=False,
            )
        if not res.sample_sufficient:
            console.print(
                f"注意：有效问卷 {res.n} 份少于所需样本量 {res.sample_needed} 份。", highlight=False
            )
    if to_indicator:
        from liangshan.cli.common import record_results

        assert region is not None and year is not None
        record_results([survey_values(res, responses, weights, year, region)], region, db)
