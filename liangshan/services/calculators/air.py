"""Air good-days calculator (indicator 1 环境空气质量优良天数比例): hourly file → 优良天数, 有效监测天数.

Chain (HJ 633-2012/2026 AQI, HJ 663-2013 validity and annual evaluation, GB 3095-2012 limits):
:func:`~liangshan.standards.air.io.read_hourly` → :func:`~liangshan.standards.air.cube.to_cube` →
:func:`~liangshan.standards.air.daily.daily_stats` (``area=True``: the area value is the mean of the
stations' concentrations) → :func:`~liangshan.standards.air.annual.good_days_report` →
:func:`~liangshan.standards.air.indicator.indicator_values` (provenance per year).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from liangshan.provenance import ComputedValues, InputFile, sha256_file
from liangshan.services.calculators import standards_cited as sc
from liangshan.services.calculators.spec import CalculatorSpec, Computation, FileSpec, ParamSpec, check_choice

EDITION_HELP = "标准版本：auto（按日期，2026-03-01 起用 HJ633-2026）、HJ633-2012、HJ633-2026"
COLUMNS_HELP = "列名映射，如 'pm2_5=PM2.5,time=监测时间'（本程序列名=文件列名）"
#: HJ 663-2013 §5.3: a year needs at least 324 valid days for an annual evaluation
MIN_VALID_DAYS = 324


def load_hourly(path: Path, columns: str | None) -> pl.DataFrame:
    """Read and validate an hourly file (CSV or Parquet); AirInputError names file, row and column."""
    from liangshan.standards.air.io import parse_columns, read_hourly

    return read_hourly(path, parse_columns(columns))


def daily_result(
    df: pl.DataFrame, path: Path, *, edition: str, area: bool, area_method: str, o3_start: int
) -> Any:
    """Daily statistics with validity (GB 3095-2012 表4, HJ 663-2013) of a validated hourly frame."""
    from liangshan.standards.air.cube import to_cube
    from liangshan.standards.air.daily import daily_stats

    return daily_stats(
        to_cube(df, file=path.name),
        edition=edition,
        area=area,
        area_method=area_method,
        o3_first_window_start=o3_start,
    )


def good_days(
    input: Path,
    *,
    edition: str = "auto",
    area_method: str = "hourly",
    columns: str | None = None,
    o3_start: int = 0,
    step: Callable[[str], None] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Area 优良天数 per year of an hourly file and the parameters used (HJ 663-2013 §5).

    Raises :class:`~liangshan.standards.air.errors.AirInputError` (file, row, column) or ValueError.
    """
    from liangshan.standards.air.annual import good_days_report

    df = load_hourly(input, columns)
    if step:
        step("日统计")
    res = daily_result(df, input, edition=edition, area=True, area_method=area_method, o3_start=o3_start)
    if step:
        step("年统计")
    report = good_days_report(res)
    params = good_days_parameters(
        edition=edition,
        area_method=area_method,
        o3_start=o3_start,
        required=res.required,
        columns=columns,
        stations=sorted(set(df["station"].to_list())),
    )
    return report, params


def good_days_parameters(
    *,
    edition: str,
    area_method: str,
    o3_start: int,
    required: Sequence[str],
    columns: str | None,
    stations: Sequence[str],
) -> dict[str, Any]:
    """The provenance parameters of a good-days run (shared with the batch job's per-partition path)."""
    return {
        "edition": edition,
        "area_method": area_method,
        "o3_first_window_start": o3_start,
        "round_inputs": True,
        "required": list(required),
        "columns": columns or "",
        "stations": list(stations),
    }


def good_days_values(
    report: list[dict[str, Any]], inputs: list[InputFile], params: dict[str, Any], region: str | None
) -> list[ComputedValues]:
    """The ComputedValues (air_good_days, air_valid_days per year) with provenance."""
    from liangshan.standards.air.indicator import indicator_values

    return indicator_values(report, inputs, params, region)


def details(report: list[dict[str, Any]], params: dict[str, Any], out: Computation) -> None:
    """Per-year figures and warnings (days not counted, fewer than 324 valid days) for a preview."""
    for y in report:
        ratio = "—" if y["ratio"] is None else f"{y['ratio']:.1f}%"
        out.details[int(y["year"])] = {
            "站点": f"{len(params['stations'])} 个（浓度平均）",
            "统计期天数": str(y["days"]),
            "有效监测天数": str(y["valid_days"]),
            "优良天数": str(y["good_days"]),
            "优良天数比例": ratio,
            "未计入天数": str(y["invalid_day_count"]),
        }
        bad = y["invalid_days"]
        if y["invalid_day_count"]:
            listed = "；".join(f"{d['date']} {d['status']}（{d['reason']}）" for d in bad[:5])
            more = f"等，共 {y['invalid_day_count']} 天" if y["invalid_day_count"] > len(bad[:5]) else ""
            out.warnings.append(
                f"{y['year']}年有 {y['invalid_day_count']} 天未计入有效监测天数：{listed}{more}"
            )
        if y["valid_days"] < MIN_VALID_DAYS:
            out.warnings.append(
                f"{y['year']}年有效监测天数 {y['valid_days']} 天，"
                f"少于 HJ 663 年评价要求的 {MIN_VALID_DAYS} 天"
            )


def run(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    check_choice(SPEC, "edition", p["edition"])
    check_choice(SPEC, "area_method", p["area_method"])
    path = files["hourly"]
    report, params = good_days(
        path,
        edition=p["edition"],
        area_method=p["area_method"],
        columns=p["columns"] or None,
        o3_start=int(p["o3_start"]),
        step=p.get("_step"),
    )
    out = Computation(good_days_values(report, [sha256_file(path)], params, region), raw=(report, params))
    details(report, params, out)
    return out


SPEC = CalculatorSpec(
    key="air",
    title="环境空气质量优良天数比例（小时数据 → 优良天数、有效监测天数）",
    cli="liangshan air good-days",
    elements=("air_good_days", "air_valid_days"),
    files=(
        FileSpec(
            "hourly",
            "小时监测数据",
            ("csv", "parquet"),
            help="每行一个站点小时：station, time, so2 no2 pm10 pm2_5 co o3",
        ),
    ),
    params=(
        ParamSpec(
            "edition",
            "标准版本",
            "choice",
            "auto",
            (
                ("auto", "按日期（2026-03-01 起 HJ633-2026）"),
                ("HJ633-2012", "HJ633-2012"),
                ("HJ633-2026", "HJ633-2026"),
            ),
            help=EDITION_HELP,
        ),
        ParamSpec(
            "area_method",
            "区域值算法",
            "choice",
            "hourly",
            (("hourly", "先小时均值（hourly）"), ("daily", "站点日均值平均（daily）")),
            help="区域值：hourly 或 daily",
        ),
        ParamSpec(
            "o3_start",
            "当日首个 O3 8 小时窗口起始小时",
            "int",
            0,
            low=-7,
            high=0,
            unit="时",
            help="当日首个 O3 8 小时窗口的起始小时（-7…0）",
            flag="--o3-window-start",
        ),
        ParamSpec("columns", "列名映射", "text", "", help=COLUMNS_HELP),
    ),
    standards=(sc.HJ633_2012, sc.HJ633_2026, sc.HJ663_2013, sc.GB3095_2012),
    run=run,
)
