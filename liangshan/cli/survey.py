"""``liangshan survey RESPONSES.csv``: public satisfaction rate, CI, sample size (indicator 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from liangshan.cli.common import console, emit_json, fail, record_results
from liangshan.cli.specs import spec_options
from liangshan.services.calculators import survey as survey_calc

app = typer.Typer(
    help="公众满意度（指标17）：满意率、95% 置信区间、所需样本量",
    context_settings={"allow_interspersed_args": True},
    subcommand_metavar="",
)


@app.callback(invoke_without_command=True)
@spec_options(survey_calc.SPEC)
def survey(
    responses: Path = typer.Argument(..., help="问卷 CSV：answer[,township,urban_rural]"),
    weights: Path | None = typer.Option(
        None, "--weights", help="分层人口权重 CSV：township/urban_rural + population 或 weight"
    ),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    to_indicator: bool = typer.Option(False, "--to-indicator", help="记录 survey_satisfied 与 survey_valid"),
    region: str | None = typer.Option(None, "--region", help="地区代码（GB/T 2260）"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
    **params: Any,
) -> None:
    """公众满意度：满意率 = 前 N 档答案数 / 有效问卷数 × 100%，及 95% 置信区间与所需样本量。"""
    year, population, margin = params["year"], params["population"], params["margin"]
    if to_indicator and (not region or year is None):
        fail("--to-indicator 需要 --region 地区代码 和 --year 年份")
    try:
        comp = survey_calc.SPEC.compute({"responses": responses, "weights": weights}, params, region)
    except ValueError as exc:
        fail(str(exc))
    res = comp.raw
    if json_out:
        emit_json(survey_calc.result_dict(res))
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
        record_results(comp.results, region, db)
