"""``liangshan air annual``: annual evaluation per pollutant against GB 3095 (per station and for the area).

Registered onto the ``air`` Typer app; the rules live in
:func:`liangshan.standards.air.annual.annual_evaluation`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from liangshan.cli import common
from liangshan.cli.air import app
from liangshan.cli.common import emit_json, fail


def evaluate_file(
    input: Path,
    *,
    grade: str = "二级",
    edition: str = "auto",
    area_method: str = "hourly",
    columns: str | None = None,
    o3_start: int = 0,
    dust_days: Path | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Annual evaluation of an hourly file, one entry per year with the area and every station.

    Raises :class:`~liangshan.standards.air.errors.AirInputError` (file, row, column) or ValueError.
    """
    from liangshan.standards.air.annual import annual_evaluation
    from liangshan.standards.air.cube import to_cube
    from liangshan.standards.air.daily import daily_stats
    from liangshan.standards.air.dust import DustRule, read_dust_days
    from liangshan.standards.air.io import parse_columns, read_hourly
    from liangshan.standards.air.limits import limits_for

    limits_for(2000, grade)  # an unknown grade fails before the file is read
    dust = read_dust_days(dust_days) if dust_days is not None else None
    df = read_hourly(input, parse_columns(columns))
    cube = to_cube(df, file=input.name)
    kw: dict[str, Any] = {"edition": edition, "o3_first_window_start": o3_start}
    stations = annual_evaluation(daily_stats(cube, **kw), grade=grade, dust_days=dust)
    area = annual_evaluation(
        daily_stats(cube, area=True, area_method=area_method, **kw), grade=grade, dust_days=dust
    )
    years = []
    for row in area:
        years.append(
            {
                "year": row["year"],
                "limits": row["limits"],
                "limits_code": row["limits_code"],
                "grade": grade,
                "area": row,
                "stations": [s for s in stations if s["year"] == row["year"]],
            }
        )
    params = {
        "grade": grade,
        "edition": edition,
        "area_method": area_method,
        "o3_first_window_start": o3_start,
        "columns": columns or "",
        "stations": list(cube.stations),
        "dust_days": dust_days.name if dust_days is not None else "",
        "dust_rule": DustRule().describe() if dust is not None else "",
    }
    return years, params


def _cell(item: dict[str, Any]) -> str:
    if item["value"] is None:
        return "—"
    verdict = {True: "达标", False: "超标", None: "数据不足" if not item["complete"] else "—"}[
        item["attained"]
    ]
    return f"{item['value']:g}（{verdict}）"


def _print(years: list[dict[str, Any]], params: dict[str, Any]) -> None:
    from rich.table import Table

    for y in years:
        area = y["area"]
        table = Table(title=f"{y['year']} 年环境空气质量年评价（{y['limits']}）")
        for head in ("污染物", "统计量", "单位", "限值", "区域"):
            table.add_column(head, justify="left" if head in ("污染物", "统计量") else "right")
        dust = "dust_excluded" in area
        if dust:
            table.add_column("区域（扣沙）", justify="right")
        for s in y["stations"]:
            table.add_column(s["station"], justify="right")
        for i, item in enumerate(area["items"]):
            cells = [item["pollutant"], item["statistic"], item["unit"], f"{item['limit']:g}", _cell(item)]
            if dust:
                cells.append(_cell(area["dust_excluded"]["items"][i]))
            cells += [_cell(s["items"][i]) for s in y["stations"]]
            table.add_row(*cells)
        common.console.print(table)
        verdict = {True: "达标", False: "未达标", None: "无法判定（数据不足）"}[area["attained"]]
        common.console.print(f"  区域六项污染物综合：{verdict}", highlight=False)
        if dust:
            common.console.print(
                f"  沙尘天 {len(area['dust_days'])} 天；扣沙规则：{area['dust_excluded']['rule']}",
                highlight=False,
            )
    if not years:
        common.err_console.print("文件中没有可评价的年份")


@app.command("annual")
def annual_cmd(
    input: Path = typer.Argument(..., help="小时数据文件（.csv 或 .parquet），每行一个站点小时"),
    grade: str = typer.Option("二级", "--grade", help="浓度限值级别：一级（一类区）或 二级（二类区，缺省）"),
    edition: str = typer.Option(
        "auto",
        "--edition",
        help="AQI/有效性标准版本：auto（按日期，2026-03-01 起用 2026 版）、HJ633-2012、HJ633-2026",
    ),
    area_method: str = typer.Option("hourly", "--area-method", help="区域值：hourly（先小时均值）或 daily"),
    columns: str | None = typer.Option(None, "--columns", help="列名映射，如 'pm2_5=PM2.5,time=监测时间'"),
    o3_start: int = typer.Option(0, "--o3-window-start", help="当日首个 O3 8 小时窗口的起始小时（-7…0）"),
    dust_days: Path | None = typer.Option(
        None, "--dust-days", help="沙尘天列表（CSV/文本：日期[,发布文件]），同时给出扣沙与不扣沙结果"
    ),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """按年评价各污染物年均值与百分位数是否达到 GB 3095 浓度限值（逐站与区域）。

    限值按当年 12 月 31 日有效的版本与阶段选取（2026—2030 年为 GB 3095-2026 过渡阶段）。
    """
    from liangshan.standards.air.errors import AirInputError

    try:
        years, params = evaluate_file(
            input,
            grade=grade,
            edition=edition,
            area_method=area_method,
            columns=columns,
            o3_start=o3_start,
            dust_days=dust_days,
        )
    except (AirInputError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        emit_json({"input": input.name, "parameters": params, "years": years})
        return
    _print(years, params)
