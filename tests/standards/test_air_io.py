"""Reading hourly files: the column contract, --columns, and bad files named by file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from liangshan.standards.air import AirInputError
from liangshan.standards.air.cube import to_cube
from liangshan.standards.air.io import parse_columns, read_hourly

HEAD = "station,time,so2,no2,pm10,pm2_5,co,o3"


def write(tmp_path: Path, rows: list[str], head: str = HEAD, name: str = "h.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return p


def rows(n: int = 30, co: str = "0.8") -> list[str]:
    return [
        f"S1,2024-01-01T{h % 24:02d}:00,5,20,40,25,{co},60".replace("01T", f"{1 + h // 24:02d}T")
        for h in range(n)
    ]


def test_reads_contract_with_empty_cells(tmp_path: Path) -> None:
    r = rows(3)
    r[1] = "S1,2024-01-01 01:00:00,,20,40,,0.8,60"
    df = read_hourly(write(tmp_path, r))
    assert df.columns == ["station", "time", "so2", "no2", "pm10", "pm2_5", "co", "o3"]
    assert df["time"].dtype == pl.Datetime("us")
    assert np.isnan(df["so2"][1]) and np.isnan(df["pm2_5"][1]) and df["co"][0] == 0.8


def test_columns_mapping(tmp_path: Path) -> None:
    head = "站点,监测时间,SO2,NO2,PM10,PM2.5,CO,O3"
    spec = "station=站点,time=监测时间,so2=SO2,no2=NO2,pm10=PM10,pm2_5=PM2.5,co=CO,o3=O3"
    df = read_hourly(write(tmp_path, rows(2), head=head), parse_columns(spec))
    assert df["pm2_5"].to_list() == [25, 25]
    with pytest.raises(AirInputError, match="--columns"):
        parse_columns("pm25=PM2.5")
    with pytest.raises(
        AirInputError, match=r"第 1 行，列 PM25：缺少列 PM25（--columns 将 pm2_5 映射到此列）"
    ):
        read_hourly(write(tmp_path, rows(2), head=head), {**parse_columns(spec), "pm2_5": "PM25"})


def test_missing_column(tmp_path: Path) -> None:
    p = write(tmp_path, ["S1,2024-01-01T00:00,5,20,40,25,60"], head="station,time,so2,no2,pm10,pm2_5,o3")
    with pytest.raises(AirInputError, match=r"文件 h.csv，第 1 行，列 co：缺少列 co"):
        read_hourly(p)


def test_unparseable_time(tmp_path: Path) -> None:
    r = rows(5)
    r[3] = "S1,2024-13-45T00:00,5,20,40,25,0.8,60"
    with pytest.raises(AirInputError, match=r"第 5 行，列 time：无法解析时间"):
        read_hourly(write(tmp_path, r))


def test_time_not_on_the_hour(tmp_path: Path) -> None:
    r = rows(3)
    r[2] = "S1,2024-01-01T02:30,5,20,40,25,0.8,60"
    with pytest.raises(AirInputError, match=r"第 4 行，列 time：.*不是整点"):
        read_hourly(write(tmp_path, r))


def test_negative_and_non_numeric(tmp_path: Path) -> None:
    r = rows(4)
    r[2] = "S1,2024-01-01T02:00,5,20,-3,25,0.8,60"
    with pytest.raises(AirInputError, match=r"第 4 行，列 pm10：浓度为负数"):
        read_hourly(write(tmp_path, r))
    r[2] = "S1,2024-01-01T02:00,5,20,4O,25,0.8,60"
    with pytest.raises(AirInputError, match=r"第 4 行，列 pm10：'4O' 不是数值"):
        read_hourly(write(tmp_path, r))


def test_duplicate_station_hour(tmp_path: Path) -> None:
    r = rows(4)
    r.append(r[1])
    df = read_hourly(p := write(tmp_path, r))
    with pytest.raises(AirInputError, match=r"文件 h.csv，第 6 行.*重复（第 3 行与第 6 行）"):
        to_cube(df, file=p.name)


def test_co_in_micrograms_is_rejected(tmp_path: Path) -> None:
    r = rows(30, co="800")
    with pytest.raises(AirInputError, match=r"第 2 行，列 co：CO 中位数为 800.*µg/m³.*除以 1000"):
        read_hourly(write(tmp_path, r))


def test_particulates_in_milligrams_are_rejected(tmp_path: Path) -> None:
    r = [x.replace(",40,25,", ",0.04,0.025,") for x in rows(30)]
    with pytest.raises(AirInputError, match=r"列 pm2_5.*mg/m³"):
        read_hourly(write(tmp_path, r))


def test_empty_station_and_file_errors(tmp_path: Path) -> None:
    r = rows(3)
    r[1] = ",2024-01-01T01:00,5,20,40,25,0.8,60"
    with pytest.raises(AirInputError, match=r"第 3 行，列 station"):
        read_hourly(write(tmp_path, r))
    with pytest.raises(AirInputError, match="不存在"):
        read_hourly(tmp_path / "none.csv")
    with pytest.raises(AirInputError, match="不支持"):
        read_hourly(write(tmp_path, rows(1), name="h.xlsx"))


def test_parquet_with_timezone(tmp_path: Path) -> None:
    t = pl.datetime_range(
        pl.datetime(2024, 1, 1, time_zone="UTC"),
        pl.datetime(2024, 1, 1, 2, time_zone="UTC"),
        "1h",
        eager=True,
    )
    df = pl.DataFrame({"station": "S1", "time": t, **{c: [1.0, None, 3.0] for c in HEAD.split(",")[2:]}})
    df.write_parquet(p := tmp_path / "h.parquet")
    out = read_hourly(p)
    assert str(out["time"][0]) == "2024-01-01 08:00:00"  # converted to Beijing local time
    assert np.isnan(out["co"][1])


def test_column_hints_are_rendered_per_face() -> None:
    """The same error reads ``--columns`` on the command line and 列名映射 on the web."""
    with pytest.raises(AirInputError) as info:
        parse_columns("pm2_5")
    err = info.value
    assert str(err) == err.text("cli") and "--columns 中的 'pm2_5' 无效" in str(err)
    assert "“列名映射” 中的 'pm2_5' 无效" in err.text("web") and "--columns" not in err.text("web")
    assert "{" not in err.text("plain") and "--columns" not in err.text("plain")
