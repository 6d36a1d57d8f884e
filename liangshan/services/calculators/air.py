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
from typing import TYPE_CHECKING, Any

from liangshan.services.calculators import standards_cited as sc
from liangshan.services.calculators.spec import CalculatorSpec, Computation, FileSpec, ParamSpec, check_choice

if TYPE_CHECKING:  # imported where used: ``liangshan air good-days --help`` loads neither polars nor pydantic
    import polars as pl

    from liangshan.provenance import ComputedValues, InputFile

EDITION_HELP = "标准版本：auto（按日期，2026-03-01 起用 HJ633-2026）、HJ633-2012、HJ633-2026"
COLUMNS_HELP = "列名映射，如 'pm2_5=PM2.5,time=监测时间'（本程序列名=文件列名）"
#: HJ 663-2013 §5.3: a year needs at least 324 valid days for an annual evaluation
MIN_VALID_DAYS = 324


FORMAT_HELP = (
    "文件格式：auto（自动识别）、long（本程序长表）、china_sites（全国逐日 china_sites_YYYYMMDD.csv，"
    "可为多个文件或文件夹）、cnemc_realtime（全国实时发布长表）"
)
FORMATS = (
    ("auto", "自动识别"),
    ("long", "本程序长表（每行一个站点小时）"),
    ("china_sites", "全国逐日文件 china_sites_YYYYMMDD.csv"),
    ("cnemc_realtime", "全国实时发布长表"),
)
DUST_MODES = (("include", "不扣沙（全部天数）"), ("exclude", "扣沙（扣除沙尘天气影响）"))


def hourly_paths(inputs: Path | Sequence[Path]) -> list[Path]:
    """The files an input names: one file, several files, or every file of a folder (sorted)."""
    items = [inputs] if isinstance(inputs, Path) else list(inputs)
    out: list[Path] = []
    for p in items:
        out.extend(sorted(q for q in p.iterdir() if q.is_file()) if p.is_dir() else [p])
    return out


def load_hourly(path: Path | Sequence[Path], columns: str | None, format: str = "auto") -> pl.DataFrame:
    """Read and validate hourly data (one file, several, or a folder; the layouts of
    :func:`liangshan.standards.air.io.read_hourly`); AirInputError names file, row and column."""
    from liangshan.standards.air.io import parse_columns, read_hourly

    paths = hourly_paths(path)
    return read_hourly(paths[0] if len(paths) == 1 else paths, parse_columns(columns), format)


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
    input: Path | Sequence[Path],
    *,
    edition: str = "auto",
    area_method: str = "hourly",
    columns: str | None = None,
    o3_start: int = 0,
    format: str = "auto",
    dust_days: Path | None = None,
    dust_mode: str = "include",
    step: Callable[[str], None] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Area 优良天数 per year of hourly data and the parameters used (HJ 663-2013 §5).

    With ``dust_days`` (a list of days affected by sand and dust weather, :func:`~liangshan.standards.air.
    dust.read_dust_days`) every year carries both the 不扣沙 figures and, under ``dust_excluded``, the 扣沙
    ones; ``dust_mode="exclude"`` makes the 扣沙 figures the year's values (the ones recorded for the
    indicator). Raises :class:`~liangshan.standards.air.errors.AirInputError` (file, row, column) or
    ValueError.
    """
    from liangshan.standards.air.annual import good_days_report
    from liangshan.standards.air.daily import area_hourly_daily
    from liangshan.standards.air.dust import DustRule, read_dust_days

    if dust_mode not in dict(DUST_MODES):
        raise ValueError(f"扣沙方式应为 include（不扣沙）或 exclude（扣沙），收到“{dust_mode}”")
    if dust_mode == "exclude" and dust_days is None:
        raise ValueError("选择“扣沙”时须提供沙尘天气影响日期清单")
    dust = read_dust_days(dust_days) if dust_days is not None else None
    paths = hourly_paths(input)
    streamed = _streamed_area(paths, columns, format) if area_method == "hourly" else None
    if streamed is not None:
        if step:
            step("日统计")
        res = area_hourly_daily(streamed.cube, edition=edition, o3_first_window_start=o3_start)
        stations = list(streamed.stations)
    else:
        df = load_hourly(paths, columns, format)
        if step:
            step("日统计")
        res = daily_result(
            df, paths[0], edition=edition, area=True, area_method=area_method, o3_start=o3_start
        )
        stations = df["station"].unique().sort().to_list()
        del df
    if step:
        step("年统计")
    report = good_days_report(res, dust_days=dust)
    if dust_mode == "exclude":
        report = [_dust_excluded(y) for y in report]
    params = good_days_parameters(
        edition=edition,
        area_method=area_method,
        o3_start=o3_start,
        required=res.required,
        columns=columns,
        stations=stations,
    )
    if format != "auto":
        params["format"] = format
    if dust is not None:
        params["dust_mode"] = dust_mode
        params["dust_rule"] = DustRule().describe()
        params["dust_days"] = [{"date": d.isoformat(), "document": dust.documents[d]} for d in dust.dates]
    return report, params


def _streamed_area(paths: list[Path], columns: str | None, format: str) -> Any:
    """The area hourly series of one long-layout Parquet file read in chunks
    (:func:`liangshan.standards.air.stream.area_hourly_parquet`; memory bounded by a chunk, figures
    identical), or None when that path does not apply — then the whole file is read as before."""
    if len(paths) != 1 or paths[0].suffix.lower() != ".parquet" or format not in ("auto", "long"):
        return None
    from liangshan.standards.air.io import parse_columns
    from liangshan.standards.air.stream import area_hourly_parquet

    return area_hourly_parquet(paths[0], parse_columns(columns))


def _dust_excluded(year: dict[str, Any]) -> dict[str, Any]:
    """A report year whose figures are the 扣沙 ones (the 不扣沙 figures kept under ``dust_included``)."""
    ex = year["dust_excluded"]
    keep = {k: year[k] for k in ("valid_days", "good_days", "ratio", "categories")}
    return {**year, **{k: ex[k] for k in keep}, "dust_included": keep}


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
    check_choice(SPEC, "format", p.get("format", "auto"))
    check_choice(SPEC, "dust_mode", p.get("dust_mode", "include"))
    paths = hourly_paths(files["hourly"])
    dust = files.get("dust_days")
    from liangshan.services.calculators.digest import hash_meanwhile

    digest = hash_meanwhile([*paths, *([dust] if dust is not None else [])])
    report, params = good_days(
        paths,
        edition=p["edition"],
        area_method=p["area_method"],
        columns=p["columns"] or None,
        o3_start=int(p["o3_start"]),
        format=p.get("format", "auto"),
        dust_days=dust,
        dust_mode=p.get("dust_mode", "include"),
        step=p.get("_step"),
    )
    out = Computation(good_days_values(report, digest(), params, region), raw=(report, params))
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
            help="每行一个站点小时：station, time, so2 no2 pm10 pm2_5 co o3；或全国逐日 china_sites 文件",
        ),
        FileSpec(
            "dust_days",
            "沙尘天气影响日期清单（可选）",
            ("csv",),
            required=False,
            help="每行一个日期或日期段，可附认定文件；用于同时给出扣沙与不扣沙结果",
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
        ParamSpec("format", "文件格式", "choice", "auto", FORMATS, help=FORMAT_HELP),
        ParamSpec(
            "dust_mode",
            "指标取值",
            "choice",
            "include",
            DUST_MODES,
            help="有沙尘天气影响日期清单时，指标取不扣沙（include）或扣沙（exclude）结果",
        ),
    ),
    standards=(sc.HJ633_2012, sc.HJ633_2026, sc.HJ663_2013, sc.GB3095_2012),
    run=run,
)
