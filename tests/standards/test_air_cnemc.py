"""The real-time (hourly) AQI reproduces what the national monitoring centre published (HJ 633-2012).

Samples: tests/data/cnemc (see its README for the source and the archive's swapped O3 columns).
Rows for which CNEMC published no AQI (a required pollutant missing) are not compared.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from liangshan.standards.air.hourly import hourly_aqi

DATA = Path(__file__).resolve().parents[1] / "data" / "cnemc"
NAMES = {"颗粒物(PM10)": "PM10", "细颗粒物(PM2.5)": "PM2.5", "臭氧1小时": "O3", "二氧化氮": "NO2",
         "二氧化硫": "SO2", "一氧化碳": "CO", "臭氧8小时": "O3"}  # fmt: skip


def published(name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw = pl.read_csv(DATA / name, infer_schema_length=0)
    hourly = raw.select(
        pl.col("stationcode").alias("station"),
        # CNEMC labels an hour by its end (10:00 = 09:00–10:00); our contract uses the hour's start
        (pl.col("timepoint").str.to_datetime() - timedelta(hours=1)).alias("time"),
        *[pl.col(c).cast(pl.Float64, strict=False) for c in ("so2", "no2", "pm10", "pm2_5", "co")],
        pl.col("o3_24h").cast(pl.Float64, strict=False).alias("o3"),  # the archive swaps o3 / o3_24h
    )
    return raw, hourly


@pytest.mark.parametrize(("name", "n_published"), [("2022-01-01T10.csv", 66), ("2022-06-15T15.csv", 22)])
def test_hourly_aqi_equals_published(name: str, n_published: int) -> None:
    raw, hourly = published(name)
    ours = hourly_aqi(hourly, "HJ633-2012")
    both = ours.with_columns(
        raw["aqi"].cast(pl.Int64, strict=False).alias("pub_aqi"), raw["primarypollutant"].alias("pub_primary")
    ).filter(pl.col("pub_aqi").is_not_null())
    assert both.height == n_published
    mismatch = both.filter(pl.col("aqi") != pl.col("pub_aqi"))
    assert mismatch.height == 0, mismatch.select("station", "aqi", "pub_aqi")
    for row in both.iter_rows(named=True):
        expected = {NAMES[p] for p in (row["pub_primary"] or "").split(",") if p}
        got = set(str(row["primary_pollutant"]).split(",")) if row["primary_pollutant"] else set()
        assert got == expected, row
