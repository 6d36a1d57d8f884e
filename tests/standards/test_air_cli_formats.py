"""The air commands on the national files and with a list of sand-dust days: the CLI wiring of
``--format``, several input files or a folder, ``--dust-days`` and the 扣沙/不扣沙 choice."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from test_air_2026 import three_days
from test_air_formats import station_hours, write_china_sites, write_long
from typer.testing import CliRunner

from liangshan.cli import app

runner = CliRunner()


def aqi_rows(*args: str) -> pl.DataFrame:
    res = runner.invoke(app, ["air", "aqi", *args])
    assert res.exit_code == 0, res.output
    from io import StringIO

    return pl.read_csv(StringIO(res.stdout))


def test_aqi_on_china_sites_folder_files_and_forced_format(tmp_path: Path) -> None:
    df = station_hours()
    own = aqi_rows(str(write_long(df, tmp_path / "long.csv"))).sort("station", "time")
    paths = write_china_sites(df, tmp_path / "sites")
    folder = aqi_rows(str(tmp_path / "sites")).sort("station", "time")
    files = aqi_rows(*map(str, paths), "--format", "china_sites").sort("station", "time")
    for got in (folder, files):
        assert got.height == own.height == 3 * 30  # one row per station-hour
        assert got["aqi"].to_list() == own["aqi"].to_list()
        assert got["primary_pollutant"].to_list() == own["primary_pollutant"].to_list()
    bad = runner.invoke(app, ["air", "aqi", str(tmp_path / "long.csv"), "--format", "excel"])
    assert bad.exit_code == 2 and "--format 应为" in bad.output


def test_good_days_with_dust_days(tmp_path: Path) -> None:
    hourly = tmp_path / "城关站.csv"
    pl.concat([three_days(2025), three_days(2026)]).write_csv(hourly, datetime_format="%Y-%m-%dT%H:%M")
    dust = tmp_path / "沙尘.csv"
    dust.write_text("日期,发布文件\n2026-06-12,省站沙尘过程通报（测试）\n", encoding="utf-8")

    def run(*extra: str) -> dict:
        res = runner.invoke(app, ["air", "good-days", str(hourly), "--json", *extra])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    plain = run()
    both = run("--dust-days", str(dust))
    y26 = {y["year"]: y for y in both["years"]}[2026]
    # both figures are reported; the list and its document are recorded in the parameters
    assert y26["dust_days"] == [{"date": "2026-06-12", "document": "省站沙尘过程通报（测试）"}]
    assert "dust_excluded" in y26 and both["parameters"]["dust_mode"] == "include"
    assert both["parameters"]["dust_days"] == y26["dust_days"]
    assert [y["good_days"] for y in both["years"]] == [y["good_days"] for y in plain["years"]]
    # 扣沙 selected: the year's values are the 扣沙 ones, the 不扣沙 ones kept beside them
    ex = run("--dust-days", str(dust), "--dust-mode", "exclude")
    e26 = {y["year"]: y for y in ex["years"]}[2026]
    assert (e26["valid_days"], e26["good_days"]) == (
        y26["dust_excluded"]["valid_days"],
        y26["dust_excluded"]["good_days"],
    )
    assert e26["dust_included"]["good_days"] == y26["good_days"]
    res = runner.invoke(app, ["air", "good-days", str(hourly), "--dust-mode", "exclude"])
    assert res.exit_code == 2 and "沙尘天气影响日期清单" in res.output
