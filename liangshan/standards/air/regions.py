"""优良天数比例 (indicator 1) for many regions at once: the regions' area series stacked on one date axis.

A region's figures are those of ``liangshan air good-days`` on the region's stations alone
(:func:`~liangshan.standards.air.cube.to_cube` → :func:`~liangshan.standards.air.daily.daily_stats` with
``area=True`` → :func:`~liangshan.standards.air.annual.good_days_report`), but computed for all regions in one
pass: the rows scattered once into a (pollutants × stations × hours) array, the area hourly mean of each
region and hour (HJ 663-2013: arithmetic mean of the valid station concentrations) added up over each
region's block of stations, then the daily statistics, the daily AQI (HJ 633) and the annual summary with
the regions as the rows of one array — no per-region calls.

Each region keeps its own period (``first`` … ``last`` day): days outside it are left out of its annual
figures, exactly as they are absent from a single-region run. The results are bit-identical to the
per-region chain:

* Area means: a region's stations are numbered consecutively in name order and added one station row at a
  time from 0.0 — the order :func:`~liangshan.standards.air.cube.station_mean` adds them in.
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

__all__ = ["DuplicateHourError", "region_daily", "regions_good_days_report", "stacked_daily"]

_HOUR_US = 3_600_000_000


class DuplicateHourError(AirInputError):
    """A station-hour given twice (the caller names the rows; :func:`region_daily` only finds it)."""


def _block_mean(x: np.ndarray, starts: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the valid (non-NaN) values of each block of consecutive rows along ``axis`` (blocks begin at
    ``starts``, none empty, the last runs to the end) and the number of valid values; NaN where none.

    The rows of a block are added one after the other from 0.0, as
    :func:`~liangshan.standards.air.cube.station_mean` adds a region's stations, so the sums are
    bit-identical (a loop over the rows: ``numpy.add.reduceat`` along a middle axis is ~8× slower). The
    outputs are the only large arrays allocated; a block's sum lives in one row-sized temporary."""
    rows = np.moveaxis(x, axis, 0)
    ends = [*starts[1:].tolist(), rows.shape[0]]
    mean = np.empty((len(starts), *rows.shape[1:]))
    n = np.empty((len(starts), *rows.shape[1:]), dtype=np.int64)
    for i, (a, b) in enumerate(zip(starts.tolist(), ends, strict=True)):  # one per block, then per row
        if b == a + 1:  # one row: its values (0.0 + x = x; + 0.0 turns -0.0 into 0.0 as that sum does)
            np.greater_equal(rows[a], -np.inf, out=n[i], casting="unsafe")  # valid: not NaN
            np.add(rows[a], 0.0, out=mean[i])
            continue
        total = np.zeros(rows.shape[1:])
        count = n[i]
        count[...] = 0
        for row in rows[a:b]:
            valid = row == row  # False for NaN
            count += valid
            total += np.where(valid, row, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(total, np.maximum(count, 1), out=mean[i])
        mean[i][count == 0] = np.nan
    return np.moveaxis(mean, 0, axis), np.moveaxis(n, 0, axis)


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
    # Stations ordered by region, then name: the order the single-region chain adds them in.
    keys = df.select("region", "station").unique().sort("region", "station")
    twice = keys.filter(pl.col("station").is_duplicated())
    if twice.height:
        raise AirInputError(f"站点 {twice['station'][0]} 属于多个区域", column="station")
    other = keys.filter(~pl.col("region").is_in(pl.Series(list(regions), dtype=pl.String).implode()))
    if other.height:
        raise AirInputError(f"区域 {other['region'][0]} 不在所列区域中", column="region")
    code = df["station"].cast(pl.Enum(keys["station"])).to_physical().cast(pl.Int64).to_numpy()
    of_station = keys["region"].cast(pl.Enum(list(regions))).to_physical().cast(pl.Int64).to_numpy()
    return stacked_daily(
        code,
        _hours(df, start),
        {p: _values(df, p) for p in POLLUTANTS},
        of_station,
        tuple(regions),
        start,
        n_days,
        station_names=tuple(keys["station"].to_list()),
        edition=edition,
        area_method=area_method,
        o3_first_window_start=o3_first_window_start,
    )


def stacked_daily(
    station: np.ndarray,
    hours: np.ndarray,
    values: dict[str, np.ndarray],
    of_station: np.ndarray,
    regions: tuple[str, ...],
    start: np.datetime64,
    n_days: int,
    *,
    station_names: tuple[str, ...] | None = None,
    edition: str = "auto",
    area_method: str = "hourly",
    o3_first_window_start: int = 0,
) -> DailyResult:
    """:func:`region_daily` on arrays: row ``k`` is station ``station[k]`` (0 … S − 1, the stations numbered
    by region, then name — the order the single-region chain adds them in) at hour ``hours[k]`` after
    ``start``, with the concentrations ``values[p][k]`` (NaN = missing); ``of_station[s]`` is the index in
    ``regions`` of station ``s``'s region (non-decreasing). One scatter of the rows into a (pollutants ×
    stations × hours) array, then one block sum over each region's stations (HJ 663-2013: the area hourly
    value is the arithmetic mean of the valid station concentrations). ``station_names`` (for the
    ``daily`` method's station rows) default to the station numbers.

    Raises :class:`DuplicateHourError` for a station-hour given twice and :class:`AirInputError` for an
    hour outside the ``n_days`` days.
    """
    if area_method not in ("hourly", "daily"):
        raise ValueError("area_method 应为 hourly 或 daily")
    start = start.astype("datetime64[D]")
    n_r, n_h, n_s = len(regions), n_days * 24, of_station.size
    if hours.size and (hours.min() < 0 or hours.max() >= n_h):
        raise AirInputError("小时数据超出统计期")
    if of_station.size and bool((np.diff(of_station) < 0).any()):
        raise ValueError("stations must be numbered region by region")
    lin = station * n_h + hours
    if hours.size and int(np.bincount(lin, minlength=n_s * n_h).max()) > 1:
        raise DuplicateHourError("同一站点同一小时有多行，每个站点每小时只能有一行", column="station,time")
    flat = np.full((len(POLLUTANTS), n_s * n_h), np.nan)
    for k, p in enumerate(POLLUTANTS):
        flat[k, lin] = values[p]
    cube = flat.reshape(len(POLLUTANTS), n_s, n_h)
    # Region r's stations are rows starts[r] … of the cube; a region without stations stays missing.
    n_of = np.bincount(of_station, minlength=n_r)
    starts = np.concatenate([[0], np.cumsum(n_of)[:-1]]).astype(np.intp)
    has = n_of > 0
    if area_method == "hourly":
        if has.all():
            area = _block_mean(cube, starts, axis=1)[0]
        else:
            area = np.full((len(POLLUTANTS), n_r, n_h), np.nan)
            if n_s:
                area[:, has] = _block_mean(cube, starts[has], axis=1)[0]
        data = {p: area[k] for k, p in enumerate(POLLUTANTS)}
        stacked = HourlyCube(regions, start, n_days, data)
        return area_hourly_daily(stacked, edition=edition, o3_first_window_start=o3_first_window_start)
    names = station_names if station_names is not None else tuple(str(i) for i in range(n_s))
    station_cube = HourlyCube(names, start, n_days, {p: cube[k] for k, p in enumerate(POLLUTANTS)})
    ds = daily_statistics(station_cube, edition, o3_first_window_start=o3_first_window_start)
    return daily_aqi(_area_daily(ds, starts, has, regions))


def _values(df: pl.DataFrame, p: str) -> np.ndarray:
    col = df[p].cast(pl.Float64)
    return (col.fill_null(np.nan) if col.null_count() else col).to_numpy()


def _area_daily(ds: DailyStats, starts: np.ndarray, has: np.ndarray, regions: tuple[str, ...]) -> DailyStats:
    """:func:`~liangshan.standards.air.daily.area_daily` for all regions at once (region ``r``: the
    stations from ``starts[r]``; ``has[r]``: it has any)."""
    n_r, n_d = len(regions), ds.dates.size
    conc, count, need = {}, {}, {}
    for s in STATS:
        m_ok = np.full((n_r, n_d), np.nan)
        m_any = np.full((n_r, n_d), np.nan)
        n_ok = np.zeros((n_r, n_d), dtype=np.int64)
        if has.any():
            ok = ds.valid(s)
            m_ok[has], n_ok[has] = _block_mean(np.where(ok, ds.conc[s], np.nan), starts[has], axis=0)
            m_any[has] = _block_mean(ds.conc[s], starts[has], axis=0)[0]
        conc[s] = np.where(n_ok > 0, m_ok, m_any)
        count[s] = n_ok
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
