"""Dense (station × hour) arrays from long hourly tables, and the multi-station area series.

The long table (one row per station-hour) is scattered once into a float64 array of shape
``(stations, days × 24)`` per pollutant, NaN = missing; all statistics then run as numpy reductions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.tables import POLLUTANTS

AREA = "区域"
"""Station name given to the area (multi-station mean) series."""


@dataclass(frozen=True)
class HourlyCube:
    """Hourly concentrations on a complete hour grid.

    Attributes
    ----------
    stations : tuple of str
        Station names (sorted), one per first-axis row.
    start : numpy.datetime64
        First day (``datetime64[D]``); column ``h`` is the hour starting at ``start + h`` hours (local time).
    n_days : int
        Number of whole days covered.
    data : dict of str → ndarray, shape (n_stations, n_days * 24)
        µg/m³ (CO mg/m³), NaN = missing.
    """

    stations: tuple[str, ...]
    start: np.datetime64
    n_days: int
    data: dict[str, np.ndarray]

    @property
    def dates(self) -> np.ndarray:
        """The days, ``datetime64[D]``."""
        return self.start + np.arange(self.n_days)


def to_cube(df: pl.DataFrame, *, file: str | None = None, first_data_row: int = 2) -> HourlyCube:
    """Scatter a validated long hourly table into a :class:`HourlyCube`.

    Parameters
    ----------
    df : polars.DataFrame
        Columns ``station`` (str), ``time`` (Datetime, local hour start, whole hours) and the pollutants.
    file : str, optional
        File name for error messages.
    first_data_row : int
        Row number (as the user sees it) of ``df``'s first row, for error messages (CSV header = row 1).

    Raises
    ------
    AirInputError
        Duplicate station-hour (naming both rows), or an empty table.
    """
    if df.height == 0:
        raise AirInputError("没有任何小时数据行", file=file)
    names = df["station"].cast(pl.String)
    stations, s_idx, run_lengths = _station_codes(names)
    t = df["time"]
    t_min = t.min()
    assert isinstance(t_min, datetime)
    day0 = datetime(t_min.year, t_min.month, t_min.day)
    # Hours since day0 computed by polars in one pass (no int64 microsecond copy in numpy).
    day0_us = int(np.datetime64(day0, "us").astype(np.int64))
    hour_s = (t.cast(pl.Datetime("us")).to_physical() - day0_us) // 3_600_000_000
    n_days = int(hour_s.max()) // 24 + 1  # type: ignore[arg-type]
    n_h = n_days * 24
    size = len(stations) * n_h
    small = size < 2**31
    hours = hour_s.cast(pl.Int32 if small else pl.Int64).to_numpy()
    # A complete grid sorted by station and time cannot hold duplicates and needs no scatter.
    in_order = hours.size == size and _complete_in_order(run_lengths, hours, n_h)
    lin = np.zeros(0, dtype=np.int64)
    dup = np.zeros(0, dtype=np.intp)
    if not in_order:
        lin = s_idx.astype(np.int64) * n_h + hours
        dup = np.flatnonzero(np.bincount(lin, minlength=size)[lin] > 1)
    del hours, s_idx
    if dup.size:
        first = np.flatnonzero(lin == lin[dup[0]])
        rows = [int(r) + first_data_row for r in first[:2]]
        raise AirInputError(
            f"站点 {names[int(dup[0])]} 时间 {t[int(dup[0])]} 重复（第 {rows[0]} 行与第 {rows[1]} 行），"
            "每个站点每小时只能有一行",
            file=file,
            row=rows[1],
            column="station,time",
        )
    data = {}
    for p in POLLUTANTS:
        col = df[p].cast(pl.Float64)
        values = (col.fill_null(np.nan) if col.null_count() else col).to_numpy()
        if in_order:  # complete grid sorted by station and time: a view, no scatter (read-only)
            arr = values
        else:
            arr = np.empty(size) if lin.size == size else np.full(size, np.nan)
            arr[lin] = values
        data[p] = arr.reshape(len(stations), n_h)
    return HourlyCube(stations, np.datetime64(day0.date(), "D"), n_days, data)


def _station_codes(names: pl.Series) -> tuple[tuple[str, ...], np.ndarray, np.ndarray | None]:
    """Sorted station names, each row's index into them (int32) and, when each station is one block of rows
    already in sorted order, the blocks' lengths (else None)."""
    runs = names.rle()
    values = runs.struct.field("value")
    if values.len() <= 100_000 and values.n_unique() == values.len():  # one block per station
        order = values.arg_sort().to_numpy()  # distinct names, byte order = code-point order, as sorted()
        rank = np.empty(order.size, dtype=np.int32)
        rank[order] = np.arange(order.size, dtype=np.int32)
        stations = tuple(values.gather(order).to_list())
        lengths = runs.struct.field("len").to_numpy()
        sorted_blocks = bool((order == np.arange(order.size)).all())
        return stations, np.repeat(rank, lengths), lengths if sorted_blocks else None
    uniq = names.unique().sort()
    stations = tuple(uniq.to_list())
    codes = names.cast(pl.Enum(uniq)).to_physical().cast(pl.Int32).to_numpy()
    return stations, codes, None


def _complete_in_order(run_lengths: np.ndarray | None, hours: np.ndarray, n_h: int) -> bool:
    """True when the rows are station blocks in sorted order, each exactly hours 0 … n_h − 1 in order.

    Checked a block of stations at a time, so the temporary arrays stay small.
    """
    if run_lengths is None or not bool((run_lengths == n_h).all()):
        return False
    grid = hours.reshape(-1, n_h)
    expect = np.arange(n_h, dtype=hours.dtype)
    step = max(1, 4_000_000 // n_h)
    return all(bool((grid[i : i + step] == expect).all()) for i in range(0, grid.shape[0], step))


def station_mean(a: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean over valid (non-NaN) values along ``axis`` and the number of valid values (NaN when none).

    Over the stations of a 2-D cube (``axis=0``) the stations are added one row at a time — the order numpy's
    own reduction over that axis uses, so the sums are bit-identical — and the temporaries are one row, not
    a second cube.
    """
    if axis == 0 and a.ndim == 2:
        s = np.zeros(a.shape[1])
        n = np.zeros(a.shape[1], dtype=np.int64)
        for row in a:
            valid = row == row  # False for NaN
            n += valid
            s += np.where(valid, row, 0.0)
    else:
        valid = a == a
        n = valid.sum(axis=axis)
        s = np.where(valid, a, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan), n


def area_cube(cube: HourlyCube, name: str = AREA) -> HourlyCube:
    """Area hourly series: each hour, the arithmetic mean of the valid station concentrations.

    HJ 663-2013 multi-station value: the mean of station *concentrations*, never of AQIs. An hour
    is missing for the area only when every station is missing.
    """
    data = {p: station_mean(a, axis=0)[0][None, :] for p, a in cube.data.items()}
    return HourlyCube((name,), cube.start, cube.n_days, data)
