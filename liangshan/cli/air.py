"""``liangshan air``: AQI, daily statistics and 优良天数比例 from hourly station data (CSV or Parquet)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

# The air commands do no linear algebra: numpy's OpenBLAS would start a thread per core at import, and
# the threads' start-up is a tenth of a second of CPU for nothing (a user's own setting is kept).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import typer

from liangshan.cli import common
from liangshan.cli.common import cycle_gc_paused, emit_json, fail, record_results, stderr_is_terminal
from liangshan.cli.specs import spec_options
from liangshan.services.calculators import air as air_calc

if TYPE_CHECKING:
    import polars as pl

# One jemalloc arena for polars: a file of more than two chunks is read on a second thread
# (standards/air/stream.py) and its pieces freed on the first, and with one arena the next piece reuses
# their pages instead of faulting fresh ones in. 120 stations × 4 years: ≈ 42,000 → 33,000 page faults,
# peak 209 → 167 MiB, 1,200 stations 220 → 170 MiB; a 92 MB CSV read by polars' threads is not slower
# (benchmarks/README.md, sixth session).
common.polars_allocator("narenas:1")

app = typer.Typer(
    help="环境空气质量：AQI（HJ 633-2012/2026）、日统计与有效性（GB 3095、HJ 663）、优良天数比例",
    no_args_is_help=True,
)

EDITION_HELP = air_calc.EDITION_HELP
COLUMNS_HELP = air_calc.COLUMNS_HELP
INPUTS_ARG = typer.Argument(
    ...,
    help="小时数据：一个或多个文件（.csv/.xlsx/.parquet）或文件夹；本程序长表、"
    "全国逐日 china_sites_YYYYMMDD.csv 或全国实时发布长表（自动识别，或用 --format 指定）",
    exists=False,
)
FORMAT_OPTION = typer.Option("auto", "--format", help=air_calc.FORMAT_HELP)


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    """Progress bar on stderr (stdout stays clean for --json and CSV). Not built when stderr is not a
    terminal: a transient bar then prints nothing (and rich need not be imported)."""
    if not stderr_is_terminal():
        yield lambda label: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=common.err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("读取数据", total=total)

        def step(label: str) -> None:
            progress.update(task, advance=1, description=label)

        yield step


def _load(paths: list[Path], columns: str | None, format: str) -> pl.DataFrame:
    if format not in dict(air_calc.FORMATS):
        fail(f"--format 应为 {'、'.join(dict(air_calc.FORMATS))} 之一，收到“{format}”")
    return air_calc.load_hourly(paths, columns, format)


def _daily(df: pl.DataFrame, path: Path, *, edition: str, area: bool, area_method: str, o3_start: int) -> Any:
    return air_calc.daily_result(
        df, path, edition=edition, area=area, area_method=area_method, o3_start=o3_start
    )


def _write_csv(frame: pl.DataFrame, out: Path | None) -> None:
    import polars.selectors as cs

    frame = frame.with_columns(cs.float().fill_nan(None))  # missing values as empty cells
    if out is None:
        sys.stdout.write(frame.write_csv(datetime_format="%Y-%m-%dT%H:%M"))
    else:
        frame.write_csv(out, datetime_format="%Y-%m-%dT%H:%M")
        common.err_console.print(f"已写出 {frame.height} 行 → {out}", highlight=False)


@app.command("aqi")
def aqi_cmd(
    inputs: list[Path] = INPUTS_ARG,
    mode: str = typer.Option("hourly", "--mode", help="hourly：逐小时实时 AQI；daily：逐站逐日日报 AQI"),
    out: Path | None = typer.Option(None, "--out", help="输出 CSV（缺省写到标准输出）"),
    edition: str = typer.Option("auto", "--edition", help=EDITION_HELP),
    columns: str | None = typer.Option(None, "--columns", help=COLUMNS_HELP),
    format: str = FORMAT_OPTION,
) -> None:
    """逐行计算 AQI、级别与首要污染物（hourly 按 HJ 633 实时报规则：PM 用 24 小时限值，不用 O3 8 小时）。"""
    from liangshan.standards.air.daily import daily_frame
    from liangshan.standards.air.errors import AirInputError
    from liangshan.standards.air.hourly import hourly_aqi

    if mode not in ("hourly", "daily"):
        fail(f"--mode 应为 hourly 或 daily，而不是 {mode!r}")
    try:
        with _progress(2) as step:
            df = _load(inputs, columns, format)
            step("计算 AQI")
            if mode == "hourly":
                from liangshan.standards.air.cube import to_cube

                to_cube(df, file=inputs[0].name)  # rejects duplicate station-hours
                result = hourly_aqi(df, edition)
            else:
                result = daily_frame(
                    _daily(df, inputs[0], edition=edition, area=False, area_method="hourly", o3_start=0)
                )
            step("写出")
    except (AirInputError, ValueError) as exc:
        fail(str(exc))
    _write_csv(result, out)


@app.command("daily")
def daily_cmd(
    inputs: list[Path] = INPUTS_ARG,
    area: bool = typer.Option(False, "--area", help="输出区域（全部站点浓度平均）逐日结果，而非逐站"),
    area_method: str = typer.Option(
        "hourly", "--area-method", help="区域值：hourly（先小时均值）或 daily（站点日均值平均）"
    ),
    out: Path | None = typer.Option(None, "--out", help="输出 CSV（缺省写到标准输出）"),
    edition: str = typer.Option("auto", "--edition", help=EDITION_HELP),
    columns: str | None = typer.Option(None, "--columns", help=COLUMNS_HELP),
    o3_start: int = typer.Option(
        0, "--o3-window-start", help="当日首个 O3 8 小时窗口的起始小时（-7…0，缺省 0）"
    ),
    format: str = FORMAT_OPTION,
) -> None:
    """逐站（或区域）逐日统计：24 小时均值、O3 日最大 1 小时与 8 小时滑动平均、有效性、日 AQI。"""
    from liangshan.standards.air.daily import daily_frame
    from liangshan.standards.air.errors import AirInputError

    try:
        with _progress(3) as step:
            df = _load(inputs, columns, format)
            step("日统计")
            frame = daily_frame(
                _daily(df, inputs[0], edition=edition, area=area, area_method=area_method, o3_start=o3_start)
            )
            step("写出")
    except (AirInputError, ValueError) as exc:
        fail(str(exc))
    _write_csv(frame, out)


@app.command("good-days")
@spec_options(air_calc.SPEC)
def good_days_cmd(
    inputs: list[Path] = INPUTS_ARG,
    dust_days: Path | None = typer.Option(
        None,
        "--dust-days",
        help="沙尘天气影响日期清单（CSV/文本：日期或日期段，可附认定文件）；同时输出扣沙与不扣沙结果",
    ),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
    to_indicator: bool = typer.Option(
        False, "--to-indicator", help="记为指标 1 的数据元（air_good_days、air_valid_days）"
    ),
    region: str | None = typer.Option(None, "--region", help="区域代码（--to-indicator 时必填），如 411224"),
    db: str | None = typer.Option(None, "--db", help="数据库 URL"),
    user: str = typer.Option("system", "--user", help="记录人"),
    **params: Any,
) -> None:
    """按年统计区域（文件内全部站点浓度平均）的有效监测天数、优良天数与优良天数比例。"""
    if to_indicator and not region:
        fail("--to-indicator 需要 --region 区域代码")
    with cycle_gc_paused():  # polars' and numpy's import, then arrays: nothing for the collector
        from liangshan.standards.air.errors import AirInputError

        try:
            with _progress(3) as step:
                files: dict[str, Any] = {"hourly": inputs}
                if dust_days is not None:
                    files["dust_days"] = dust_days
                comp = air_calc.SPEC.compute(files, params, region, progress=step)
        except (AirInputError, ValueError) as exc:
            fail(str(exc))
    report, run_params = comp.raw
    ids: list[int] = []
    if to_indicator:
        assert region is not None
        ids = record_results(comp.results, region, db, user)
    if as_json:
        emit_json(
            {
                "input": "、".join(p.name for p in inputs),
                "parameters": run_params,
                "years": report,
                **({"submission_ids": ids} if to_indicator else {}),
            }
        )
        return
    _print(report, run_params)
    if to_indicator:
        common.console.print(f"已记录为区域 {region} 的指标 1 数据元，提交编号：{ids}", highlight=False)


def _print(report: list[dict[str, Any]], params: dict[str, Any]) -> None:
    from rich.table import Table

    from liangshan.standards.air.tables import CATEGORIES

    table = Table(title=f"环境空气质量优良天数比例（区域：{len(params['stations'])} 个站点浓度平均）")
    for head in ("年份", "有效天数", "优良天数", "比例(%)", *CATEGORIES, "不计入天数", "标准版本"):
        table.add_column(head, justify="right")
    for y in report:
        table.add_row(
            str(y["year"]),
            str(y["valid_days"]),
            str(y["good_days"]),
            "—" if y["ratio"] is None else f"{y['ratio']:.1f}",
            *[str(y["categories"][c]) for c in CATEGORIES],
            str(y["invalid_day_count"]),
            "+".join(y["editions"]),
        )
    console = common.console
    console.print(table)
    for y in report:
        for d in y["invalid_days"][:10]:
            console.print(f"  {d['date']} {d['status']}：{d['reason']}", highlight=False, soft_wrap=True)
        if len(y["invalid_days"]) > 10:
            console.print(f"  … {y['year']} 年另有 {len(y['invalid_days']) - 10} 天未计入（--json 查看全部）")


from liangshan.cli import air_annual as _air_annual  # noqa: E402, F401  (registers `air annual`)
