"""All regions at once (``standards.air.regions``) equals the single-region chain region by region."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl
import pytest

from liangshan.standards.air.annual import good_days_report
from liangshan.standards.air.cube import to_cube
from liangshan.standards.air.daily import daily_stats
from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.regions import DuplicateHourError, region_daily, regions_good_days_report
from liangshan.standards.air.tables import POLLUTANTS

SIZES = {"410101": 3, "410102": 1, "410103": 2, "410104": 1, "410105": 4, "410106": 1}
"""Stations per region: several regions of one station."""


def _rows(seed: int) -> pl.DataFrame:
    """Hourly rows around the year end and the 2026 edition switch: each station its own period, ~8 % of
    hours absent, ~5 % of values missing, whole days of one pollutant missing (invalid days) and some very
    high values (exceedance days)."""
    rng = np.random.default_rng(seed)
    frames = []
    for region, n in SIZES.items():
        for k in range(n):
            t0 = np.datetime64("2025-12-20T00") + int(rng.integers(0, 20)) * 24 + int(rng.integers(0, 24))
            hours = np.arange(t0, t0 + int(rng.integers(30, 80)) * 24 + int(rng.integers(0, 24)))
            hours = hours[rng.random(hours.size) > 0.08]
            n_h = hours.size
            base = np.exp(rng.normal(0, 0.6, n_h))
            data: dict[str, Any] = {
                "station": [f"{region}-{k:02d}"] * n_h,
                "time": hours.astype("datetime64[us]"),
                "so2": np.round(12 * base),
                "no2": np.round(35 * base),
                "pm10": np.round(80 * base),
                "pm2_5": np.round(50 * base) * np.where(rng.random(n_h) < 0.03, 8, 1),
                "co": np.round(0.9 * base, 1),
                "o3": np.round(rng.uniform(10, 220, n_h)),
            }
            for p in POLLUTANTS:
                data[p][rng.random(n_h) < 0.05] = np.nan
            day = (hours - hours[0]).astype(int) // 24
            for bad in rng.choice(day.max() + 1, 3, replace=False):  # invalid days of one pollutant
                data[str(rng.choice(POLLUTANTS))][day == bad] = np.nan
            frames.append(pl.DataFrame(data).with_columns(pl.lit(region).alias("region")))
    df = pl.concat(frames)
    return df.sample(fraction=1.0, shuffle=True, seed=seed)  # rows in any order


def _norm(x: Any) -> Any:
    return json.loads(json.dumps(x, ensure_ascii=False, default=str))


@pytest.mark.parametrize(
    ("seed", "area_method", "o3_start", "edition"),
    [
        (1, "hourly", 0, "auto"),
        (2, "hourly", -4, "auto"),
        (3, "daily", 0, "auto"),
        (4, "daily", -7, "HJ633-2012"),
        (5, "hourly", -1, "HJ633-2026"),
    ],
)
def test_regions_equal_single_region_chain(seed: int, area_method: str, o3_start: int, edition: str) -> None:
    df = _rows(seed)
    regions = sorted(SIZES)
    start = np.datetime64(df["time"].min().date(), "D")  # type: ignore[union-attr]
    n_days = int((np.datetime64(df["time"].max().date(), "D") - start).astype(int)) + 1  # type: ignore[union-attr]
    span = df.group_by("region").agg(pl.col("time").min().alias("t0"), pl.col("time").max().alias("t1"))
    span = span.sort("region").select(pl.col("t0").dt.date(), pl.col("t1").dt.date()).to_numpy()
    first = (span[:, 0].astype("datetime64[D]") - start).astype(int)
    last = (span[:, 1].astype("datetime64[D]") - start).astype(int)
    assert len(set(first.tolist())) > 1 and len(set(last.tolist())) > 1  # the periods differ

    res = region_daily(
        df, regions, start, n_days, edition=edition, area_method=area_method, o3_first_window_start=o3_start
    )
    together = regions_good_days_report(res, first, last)

    for region in regions:
        part = df.filter(pl.col("region") == region).sort("station", "time").drop("region")
        single = daily_stats(
            to_cube(part),
            edition=edition,
            area=True,
            area_method=area_method,
            o3_first_window_start=o3_start,
        )
        expected = good_days_report(single)
        got = together[region]
        for r in expected:
            r["station"] = region  # the single run names its area row 区域
        assert _norm(got) == _norm(expected)
    assert any(len(rows) == 2 for rows in together.values())  # regions across the year end
    assert sum(r["invalid_day_count"] for rows in together.values() for r in rows) > 0
    assert sum(len(r["incomplete_exceedance_days"]) for rows in together.values() for r in rows) > 0


def test_regions_input_errors() -> None:
    df = _rows(7)
    regions = sorted(SIZES)
    start = np.datetime64("2025-12-20", "D")
    twice = pl.concat([df, df.head(1)])
    with pytest.raises(DuplicateHourError):
        region_daily(twice, regions, start, 120)
    one = df.filter(pl.col("station") == "410101-00").head(1)
    elsewhere = one.with_columns(pl.lit("410106").alias("region"), pl.col("time").dt.offset_by("1y"))
    moved = pl.concat([df, elsewhere])
    with pytest.raises(AirInputError, match="属于多个区域"):
        region_daily(moved, regions, start, 120)
    with pytest.raises(AirInputError, match="不在所列区域中"):
        region_daily(df, regions[1:], start, 120)
    with pytest.raises(AirInputError, match="超出统计期"):
        region_daily(df, regions, start, 30)
