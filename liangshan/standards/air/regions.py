"""优良天数比例 (indicator 1) for many regions at once: the regions' area series stacked on one date axis.

A region's figures are those of ``liangshan air good-days`` on the region's stations alone
(:func:`~liangshan.standards.air.cube.to_cube` → :func:`~liangshan.standards.air.daily.daily_stats` with
``area=True`` → :func:`~liangshan.standards.air.annual.good_days_report`), but computed for all regions in one
pass: the area hourly mean of each region and hour (HJ 663-2013: arithmetic mean of the valid station
concentrations) by one weighted ``numpy.bincount`` over the rows, then the daily statistics, the daily AQI
(HJ 633) and the annual summary with the regions as the rows of one array — no loop over regions.

Each region keeps its own period (``first`` … ``last`` day): days outside it are left out of its annual
figures, exactly as they are absent from a single-region run. The results are bit-identical to the
per-region chain:

* Area means: ``bincount`` adds the rows of a (region, hour) cell one after the other in row order, from
  0.0; with the rows sorted by region, station and time this is the order
  :func:`~liangshan.standards.air.cube.station_mean` adds the stations in (sorted names, one row at a time).
* O3 8-h windows use cumulative sums along the hours
  (:func:`~liangshan.standards.air.daily.daily_statistics`). Before a region's first value its row holds
  only missing hours, which add exact zeros, so every cumulative sum equals the one of the region's own
  cube, which starts at its first day; after its last value the sums stay constant, as a window cut at the
  end of the region's own cube.
* Everything else is elementwise per row and day, or a per-row, per-year aggregation of the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from liangshan.standards.air.annual import good_days_report
from liangshan.standards.air.cube import HourlyCube
from liangshan.standards.air.daily import (
    STATS,
    DailyResult,
    DailyStats,
    area_hourly_daily,
    daily_aqi,
    daily_statistics,
)
from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.tables import POLLUTANTS

__all__ = ["DuplicateHourError", "region_daily", "regions_good_days_report"]

_HOUR_US = 3_600_000_000


class DuplicateHourError(AirInputError):
    """A station-hour given twice (the caller names the rows; :func:`region_daily` only finds it)."""


def _mean_by(index: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the valid (non-NaN) ``values`` falling in each cell ``index`` and the number of valid values;
    NaN where none. The sums add the values in their order, as
    :func:`~liangshan.standards.air.cube.station_mean` adds stations (``0.0 + x₁ + x₂ …``)."""
    valid = values == values  # False for NaN
    s = np.bincount(index, weights=np.where(valid, values, 0.0), minlength=size)
    n = np.bincount(index, weights=valid, minlength=size).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan), n


def _hours(df: pl.DataFrame, start: np.datetime64) -> np.ndarray:
    start_us = int(start.astype("datetime64[us]").astype(np.int64))
    return ((df["time"].cast(pl.Datetime("us")).to_physical() - start_us) // _HOUR_US).to_numpy()


def region_daily(
    df: pl.DataFrame,
    regions: Sequence[str],
    start: np.datetime64,
    n_days: int,
    *,
    edition: str = "auto",
    area_method: str = "hourly",
    o3_first_window_start: int = 0,
) -> DailyResult:
    """Daily area statistics and daily AQI of every region, rows in the order of ``regions``.

    Parameters
    ----------
    df : polars.DataFrame
        Validated hourly rows (``region``, ``station``, ``time`` and the pollutants), at most one row per
        station-hour, each station in one region, every region listed in ``regions``, times within the
        ``n_days`` days from ``start``. Rows in any order.
    regions : sequence of str
        Region codes, sorted; row ``i`` of the result is ``regions[i]``.
    start : numpy.datetime64
        First day of the common date axis.
    area_method : {"hourly", "daily"}
        As :func:`~liangshan.standards.air.daily.daily_stats`: ``hourly`` (HJ 663) averages the stations'
        hourly concentrations; ``daily`` averages the stations' valid daily statistics.
    edition, o3_first_window_start
        See :func:`~liangshan.standards.air.daily.daily_statistics`.

    Raises
    ------
    AirInputError
        A station in two regions, a region not listed or an hour outside the period;
        :class:`DuplicateHourError` for a
        station-hour given twice.
    """
    if area_method not in ("hourly", "daily"):
        raise ValueError("area_method 应为 hourly 或 daily")
    start = start.astype("datetime64[D]")
    n_r, n_h = len(regions), n_days * 24
    # Stations ordered by region, then name: the order the single-region chain adds them in.
    keys = df.select("region", "station").unique().sort("region", "station")
    twice = keys.filter(pl.col("station").is_duplicated())
    if twice.height:
        raise AirInputError(f"站点 {twice['station'][0]} 属于多个区域", column="station")
    other = keys.filter(~pl.col("region").is_in(pl.Series(list(regions), dtype=pl.String).implode()))
    if other.height:
        raise AirInputError(f"区域 {other['region'][0]} 不在所列区域中", column="region")
    n_s = keys.height
    code = df["station"].cast(pl.Enum(keys["station"])).to_physical().cast(pl.Int64).to_numpy()
    of_station = keys["region"].cast(pl.Enum(list(regions))).to_physical().cast(pl.Int64).to_numpy()
    hours = _hours(df, start)
    if hours.size and (hours.min() < 0 or hours.max() >= n_h):
        raise AirInputError("小时数据超出统计期")
    lin = code * n_h + hours
    if hours.size and int(np.bincount(lin, minlength=n_s * n_h).max()) > 1:
        raise DuplicateHourError("同一站点同一小时有多行，每个站点每小时只能有一行", column="station,time")
    del code, hours

    def cube(p: str) -> np.ndarray:
        a = np.full(n_s * n_h, np.nan)
        a[lin] = _values(df, p)
        return a.reshape(n_s, n_h)

    if area_method == "hourly":
        # Cell (station s, hour h) of the cube adds into (region of s, h), stations in order.
        index = (of_station[:, None] * n_h + np.arange(n_h)[None, :]).reshape(-1)
        data = {p: _mean_by(index, cube(p).reshape(-1), n_r * n_h)[0].reshape(n_r, n_h) for p in POLLUTANTS}
        area = HourlyCube(tuple(regions), start, n_days, data)
        return area_hourly_daily(area, edition=edition, o3_first_window_start=o3_first_window_start)
    names = tuple(keys["station"].to_list())
    station_cube = HourlyCube(names, start, n_days, {p: cube(p) for p in POLLUTANTS})
    ds = daily_statistics(station_cube, edition, o3_first_window_start=o3_first_window_start)
    return daily_aqi(_area_daily(ds, of_station, tuple(regions)))


def _values(df: pl.DataFrame, p: str) -> np.ndarray:
    col = df[p].cast(pl.Float64)
    return (col.fill_null(np.nan) if col.null_count() else col).to_numpy()


def _area_daily(ds: DailyStats, of_station: np.ndarray, regions: tuple[str, ...]) -> DailyStats:
    """:func:`~liangshan.standards.air.daily.area_daily` for all regions at once (stations → region)."""
    n_r, n_d = len(regions), ds.dates.size
    index = (of_station[:, None] * n_d + np.arange(n_d)[None, :]).reshape(-1)
    conc, count, need = {}, {}, {}
    for s in STATS:
        ok = ds.valid(s)
        m_ok, n_ok = _mean_by(index, np.where(ok, ds.conc[s], np.nan).reshape(-1), n_r * n_d)
        m_any, _ = _mean_by(index, ds.conc[s].reshape(-1), n_r * n_d)
        conc[s] = np.where(n_ok > 0, m_ok, m_any).reshape(n_r, n_d)
        count[s] = n_ok.reshape(n_r, n_d)
        need[s] = np.ones((1, n_d), dtype=np.int64)
    return DailyStats(regions, ds.dates, ds.codes, conc, count, need, "area-daily")


def regions_good_days_report(
    res: DailyResult, first: np.ndarray, last: np.ndarray
) -> dict[str, list[dict[str, Any]]]:
    """:func:`~liangshan.standards.air.annual.good_days_report` of every region of ``res`` (from
    :func:`region_daily`), each over its own period: day indices ``first[i]`` … ``last[i]`` (inclusive) of
    the date axis for region ``i``. Returns region → its rows (one per year)."""
    n_d = res.stats.dates.size
    day = np.arange(n_d)[None, :]
    days = (day >= np.asarray(first)[:, None]) & (day <= np.asarray(last)[:, None])
    out: dict[str, list[dict[str, Any]]] = {r: [] for r in res.stats.stations}
    for row in good_days_report(res, period=days):  # one row per region-year
        out[row["station"]].append(row)
    return out
