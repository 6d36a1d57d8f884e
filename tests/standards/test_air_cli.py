"""``liangshan air`` through typer's CliRunner, the demo hook, and --to-indicator."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from liangshan.cli import app

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Two stations, 2024-01-01 … 01-04; day 2 is polluted at both; day 3 loses 6 hours at both."""
    t = np.arange(np.datetime64("2024-01-01T00", "h"), np.datetime64("2024-01-05T00", "h"))
    pm = np.full(t.size, 30.0)
    pm[24:48] = 120.0
    frames = []
    for name, k in (("城关站", 1.0), ("东门站", 1.1)):
        f = pl.DataFrame({"station": name, "time": t.astype("datetime64[us]"), "so2": 8.0, "no2": 25.0,
                          "pm10": 60.0, "pm2_5": pm * k, "co": 0.7, "o3": 60.0})  # fmt: skip
        frames.append(f)
    df = pl.concat(frames).with_columns(
        pl.when(pl.col("time").is_between(pl.datetime(2024, 1, 3, 6), pl.datetime(2024, 1, 3, 11)))
        .then(None)
        .otherwise(pl.col("pm2_5"))
        .alias("pm2_5")
    )
    p = tmp_path / "air.csv"
    df.write_csv(p, datetime_format="%Y-%m-%dT%H:%M")
    return p


def run_json(*args: str) -> dict:
    res = runner.invoke(app, ["air", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_good_days_json_contract(data: Path) -> None:
    out = run_json("good-days", str(data))
    (year,) = out["years"]
    assert year["year"] == 2024 and year["station"] == "区域"
    assert (year["valid_days"], year["good_days"], year["ratio"]) == (3, 2, 66.7)
    assert year["categories"]["中度污染"] == 1 and year["editions"] == ["HJ633-2012"]
    assert year["invalid_days"] == [
        {"date": "2024-01-03", "status": "无效", "reason": "PM2.5有效小时数18<20"}
    ]
    assert out["parameters"]["stations"] == ["东门站", "城关站"]


def test_good_days_table(data: Path) -> None:
    res = runner.invoke(app, ["air", "good-days", str(data), "--edition", "HJ633-2026"])
    assert res.exit_code == 0, res.output
    assert "优良天数" in res.stdout and "2024-01-03" in res.stdout and "HJ633-2026" in res.stdout


def test_aqi_hourly_writes_rows(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "aqi.csv"
    res = runner.invoke(app, ["air", "aqi", str(data), "--mode", "hourly", "--out", str(out)])
    assert res.exit_code == 0, res.output
    got = pl.read_csv(out)
    assert got.height == 192 and {"aqi", "level", "primary_pollutant"} <= set(got.columns)
    first = got.row(0, named=True)
    assert first["time"] == "2024-01-01T00:00" and first["aqi"] == 55 and first["primary_pollutant"] == "PM10"
    assert got.filter(pl.col("pm2_5").is_null()).height == 12  # empty cells stay empty


def test_daily_area_and_stations(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "daily.csv"
    assert runner.invoke(app, ["air", "daily", str(data), "--area", "--out", str(out)]).exit_code == 0
    area = pl.read_csv(out)
    assert area["station"].unique().to_list() == ["区域"] and area.height == 4
    assert area["pm2_5"].to_list()[1] == 126  # mean of 120 and 132
    res = runner.invoke(app, ["air", "daily", str(data)])
    assert res.exit_code == 0 and res.stdout.count("\n") == 9  # header + 2 stations × 4 days


def test_bad_file_exits_2_naming_row_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "station,time,so2,no2,pm10,pm2_5,co,o3\nA,2024-01-01T00:00,1,1,1,-5,0.5,1\n", encoding="utf-8"
    )
    res = runner.invoke(app, ["air", "good-days", str(bad), "--json"])
    assert res.exit_code == 2 and res.stdout == ""
    assert "第 2 行" in res.stderr and "pm2_5" in res.stderr
    res = runner.invoke(app, ["air", "aqi", str(bad), "--mode", "weekly"])
    assert res.exit_code == 2


def test_to_indicator_needs_region(data: Path) -> None:
    res = runner.invoke(app, ["air", "good-days", str(data), "--to-indicator"])
    assert res.exit_code == 2 and "--region" in res.stderr


def test_demo_is_deterministic_and_feeds_indicator_1(tmp_path: Path) -> None:
    from liangshan.demo.air import FILE_NAME, compute_demo

    a = compute_demo(tmp_path / "a")
    b = compute_demo(tmp_path / "b")
    raw_a, raw_b = ((tmp_path / d / FILE_NAME).read_bytes() for d in ("a", "b"))
    assert raw_a == raw_b
    assert [r.year for r in a] == list(range(2020, 2026))
    ratios = [100 * r.values["air_good_days"] / r.values["air_valid_days"] for r in a]  # type: ignore[operator]
    assert all(85 <= x <= 92 for x in ratios) and min(ratios) < 90
    assert a[0].provenance.inputs[0].sha256 == hashlib.sha256(raw_a).hexdigest()
    assert a[0].region == "411224" and a[0].provenance.standard.startswith("HJ633-2012")
    assert [r.values for r in a] == [r.values for r in b]
    assert "示例数据" in FILE_NAME and (tmp_path / "a" / "README_空气示例数据.txt").exists()


def test_to_indicator_records_with_provenance(data: Path, sqlite_db: str) -> None:
    service = pytest.importorskip("liangshan.store.service")
    from liangshan.demo.build import PROFILE
    from liangshan.store.db import session_scope
    from liangshan.store.regions import load_profile

    service.ensure_db(sqlite_db)
    with session_scope(sqlite_db) as s:
        load_profile(s, PROFILE)
    args = ("good-days", str(data), "--to-indicator", "--region", "411224", "--db", sqlite_db)
    out = run_json(*args)
    assert len(out["submission_ids"]) == 2
    again = run_json(*args)  # same file, same parameters: nothing new
    assert again["submission_ids"] == []
