"""The national air data layouts: china_sites day files (wide) and the CNEMC real-time publication (long)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from liangshan.standards.air import AirInputError
from liangshan.standards.air.hourly import hourly_aqi
from liangshan.standards.air.io import read_hourly

CNEMC = Path(__file__).resolve().parents[1] / "data" / "cnemc"
STATIONS = ("1001A", "1002A", "1003A")
TYPES = {"PM2.5": "pm2_5", "PM10": "pm10", "SO2": "so2", "NO2": "no2", "O3": "o3", "CO": "co"}
EXTRA = ("AQI", "PM2.5_24h", "PM10_24h", "SO2_24h", "NO2_24h", "O3_24h", "O3_8h", "O3_8h_24h", "CO_24h")


def station_hours() -> pl.DataFrame:
    """Three stations, 30 hours from 2024-03-01 00:00 (hour starts), with a few missing values."""
    rng = np.random.default_rng(7)
    starts = [datetime(2024, 3, 1) + timedelta(hours=h) for h in range(30)]
    rows = []
    for s in STATIONS:
        for t in starts:
            rows.append(
                {
                    "station": s,
                    "time": t,
                    "so2": float(rng.integers(2, 30)),
                    "no2": float(rng.integers(5, 90)),
                    "pm10": float(rng.integers(20, 300)),
                    "pm2_5": float(rng.integers(10, 250)),
                    "co": round(float(rng.uniform(0.2, 3.0)), 1),
                    "o3": float(rng.integers(5, 220)),
                }
            )
    df = pl.DataFrame(rows)
    return df.with_columns(  # missing values: one PM2.5 and one CO
        pl.when((pl.col("station") == "1002A") & (pl.col("time") == starts[5])).then(None).otherwise("pm2_5")
        .alias("pm2_5"),
        pl.when((pl.col("station") == "1003A") & (pl.col("time") == starts[20])).then(None).otherwise("co")
        .alias("co"),
    )  # fmt: skip


def write_long(df: pl.DataFrame, path: Path) -> Path:
    df.with_columns(pl.col("time").dt.strftime("%Y-%m-%dT%H:%M")).write_csv(path)
    return path


def fmt(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def write_china_sites(df: pl.DataFrame, folder: Path) -> list[Path]:
    """One file per day of the hour's *end* label, stations as columns, with the rows we must ignore."""
    folder.mkdir(exist_ok=True)
    label = df.with_columns((pl.col("time") + timedelta(hours=1)).alias("label"))
    paths = []
    for (day,), part in label.group_by(pl.col("label").dt.date(), maintain_order=True):
        lines = ["date,hour,type," + ",".join(STATIONS)]
        for lab in sorted(part["label"].unique().to_list()):
            at = part.filter(pl.col("label") == lab)
            for typ in ["AQI", *TYPES, *EXTRA[1:]]:
                if typ in TYPES:
                    cells = [fmt(at.filter(pl.col("station") == s)[TYPES[typ]][0]) for s in STATIONS]
                else:
                    cells = ["999"] * len(STATIONS)  # never read
                lines.append(f"{lab:%Y%m%d},{lab.hour},{typ}," + ",".join(cells))
        p = folder / f"china_sites_{day:%Y%m%d}.csv"
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(p)
    return paths


def test_china_sites_folder_equals_long_csv(tmp_path: Path) -> None:
    df = station_hours()
    long = read_hourly(write_long(df, tmp_path / "long.csv"))
    paths = write_china_sites(df, tmp_path / "sites")
    assert len(paths) == 2  # labels run into a second day
    wide = read_hourly(tmp_path / "sites")
    assert wide.columns == long.columns
    assert wide["station"].to_list() == sorted(wide["station"].to_list())
    expected = long.sort("station", "time")
    assert wide.equals(expected)  # NaN = missing in both
    ours = hourly_aqi(wide, "HJ633-2012")
    theirs = hourly_aqi(expected, "HJ633-2012")
    assert ours["aqi"].to_list() == theirs["aqi"].to_list()
    assert ours["primary_pollutant"].to_list() == theirs["primary_pollutant"].to_list()
    # the same through a list of files and a forced format
    again = read_hourly(paths, format="china_sites")
    assert again.equals(expected)


def test_china_sites_hour_label_is_the_hours_end(tmp_path: Path) -> None:
    p = tmp_path / "china_sites_20240302.csv"
    p.write_text(
        "date,hour,type,1001A\n20240302,0,PM2.5,35\n20240302,0,PM10,50\n20240302,0,AQI,50\n", encoding="utf-8"
    )
    out = read_hourly(p)
    assert out["time"].to_list() == [datetime(2024, 3, 1, 23)]
    assert out["pm2_5"][0] == 35 and np.isnan(out["so2"][0])  # SO2 row absent → missing


def test_china_sites_bad_value_names_row_and_station(tmp_path: Path) -> None:
    p = tmp_path / "china_sites_20240301.csv"
    p.write_text("date,hour,type,1001A,1002A\n20240301,1,AQI,x,y\n20240301,1,PM2.5,35,3O\n", encoding="utf-8")
    with pytest.raises(AirInputError, match=r"china_sites_20240301.csv，第 3 行，列 1002A：'3O' 不是数值"):
        read_hourly(p)
    p.write_text("date,hour,type,1001A\n20240301,1,PM2.5,35\n20240301,1,PM2.5,36\n", encoding="utf-8")
    with pytest.raises(AirInputError, match=r"第 3 行.*重复（第 2 行与第 3 行）"):
        read_hourly(p)
    p.write_text("date,hour,type,1001A\n2024-3-1,1,PM2.5,35\n", encoding="utf-8")
    with pytest.raises(AirInputError, match=r"第 2 行，列 date：无法解析日期"):
        read_hourly(p)


def test_cnemc_realtime_file_reproduces_published_aqi() -> None:
    raw = pl.read_csv(CNEMC / "2022-01-01T10.csv", infer_schema=False)
    df = read_hourly(CNEMC / "2022-01-01T10.csv")  # recognised by its header
    assert df["time"].unique().to_list() == [datetime(2022, 1, 1, 9)]  # 10:00 labels 09:00–10:00
    assert df.height == raw.height and set(df["station"]) == set(raw["stationcode"])
    ours = hourly_aqi(df, "HJ633-2012").select("station", "aqi")
    pub = raw.select(
        pl.col("stationcode").alias("station"), pl.col("aqi").cast(pl.Int64, strict=False).alias("pub")
    )
    both = ours.join(pub, on="station").filter(pl.col("pub").is_not_null())
    assert both.height == 66
    assert (both["aqi"] == both["pub"]).all()  # needs the swapped-O3 rule (o3_24h < o3 in this archive)


def test_cnemc_realtime_long_with_dashes(tmp_path: Path) -> None:
    p = tmp_path / "rt.csv"
    p.write_text(
        "timepoint,stationcode,positionname,aqi,primarypollutant,pm2_5,pm2_5_24h,pm10,pm10_24h,so2,so2_24h,"
        "no2,no2_24h,o3,o3_24h,o3_8h,o3_8h_24h,co,co_24h\n"
        "2024-03-01 10:00:00,1001A,万寿西宫,—,—,40,35,—,60,5,6,30,31,50,80,45,60,0.6,0.7\n"
        "2024-03-01 10:00:00,1002A,定陵,20,—,12,14,20,22,3,3,10,12,60,90,50,55,0.3,0.4\n",
        encoding="gb18030",
    )
    df = read_hourly(p, format="cnemc_realtime")
    assert df["station"].to_list() == ["1001A", "1002A"]
    assert np.isnan(df["pm10"][0]) and df["o3"].to_list() == [50, 60]  # o3_24h ≥ o3: not swapped
    assert df["time"][0] == datetime(2024, 3, 1, 9)


def test_formats_are_checked(tmp_path: Path) -> None:
    long = write_long(station_hours(), tmp_path / "long.csv")
    with pytest.raises(AirInputError, match="未知的数据格式"):
        read_hourly(long, format="wide")
    with pytest.raises(AirInputError, match=r"long.csv，第 1 行，列 date：缺少列 date"):
        read_hourly(long, format="china_sites")
    with pytest.raises(AirInputError, match="--columns 只用于"):
        read_hourly(CNEMC / "2022-01-01T10.csv", {"pm2_5": "pm2_5"})
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(AirInputError, match=r"没有.*数据文件"):
        read_hourly(empty)
