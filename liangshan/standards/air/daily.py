"""Daily statistics with validity (GB 3095 表4, HJ 663) and the daily AQI (HJ 633 日报).

Per station (or area) and day: 24-h means of SO2, NO2, PM10, PM2.5, CO (≥ 20 valid hours), the O3 daily
maximum 1-h value and the O3 daily maximum 8-h moving average (GB 3095-2026 3.9: the maximum of the 8-h
moving averages within one natural day; windows of 8 hours with ≥ 6 valid, 表4; ≥ 14 of the day's 17 windows
valid, HJ 663-2013).

The daily AQI (日报) is the maximum IAQI over the edition's daily indicators
(:data:`~liangshan.standards.air.tables.DAILY_INDICATORS`): seven under HJ 633-2012 (with the O3 daily
maximum 1-h value), six under HJ 633-2026 4.2.2 (the O3 1-h value serves the real-time report only, 表3
note a — neither its IAQI nor its "≥ 20 hours" validity rule applies to a 2026 day).

Days with a missing or invalid indicator:

* HJ 633-2012 days: a statistic computed from incomplete data still counts when it already exceeds
  (IAQI > 100, i.e. above the class-II limit), HJ 663-2013; the day's AQI is then the maximum over every
  computed statistic.
* HJ 633-2026 days, clause 5.3.1: the AQI is computed from the *other* (valid) indicators and published only
  when it exceeds 100; otherwise AQI, level and category are NA. Incomplete statistics are not used
  (GB 3095-2026 6.4: data below the 表4 minimum are invalid "in any case").

Such a published day is counted as a valid, non-good monitoring day by default (``partial_days="count"``);
``partial_days="exclude"`` leaves it out of 有效天数 (and so of 优良天数 and the ratio).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from liangshan.standards.air.aqi import EDITIONS, AQIResult, aqi_from_iaqi, edition_codes, iaqi_values
from liangshan.standards.air.cube import AREA, HourlyCube, station_mean
from liangshan.standards.air.tables import COMPANION, DAILY_INDICATORS, VALIDITY

STATS: tuple[str, ...] = ("so2", "no2", "pm10", "pm2_5", "co", "o3_1h", "o3_8h")
"""Daily statistics: five 24-h means, O3 daily max 1-h, O3 daily max 8-h moving average."""
IAQI_OF = {
    "so2": ("so2", "24h"),
    "no2": ("no2", "24h"),
    "pm10": ("pm10", "24h"),
    "pm2_5": ("pm2_5", "24h"),
    "co": ("co", "24h"),
    "o3_1h": ("o3", "1h"),
    "o3_8h": ("o3", "8h"),
}
_LABEL = {
    "so2": "SO2",
    "no2": "NO2",
    "pm10": "PM10",
    "pm2_5": "PM2.5",
    "co": "CO",
    "o3_1h": "O3_1h",
    "o3_8h": "O3_8h",
}
STATUS = ("有效", "不完整但超标", "无效", "无数据")
"""Day status: 0 valid; 1 incomplete but exceeding — HJ 633-2012: an incomplete statistic with IAQI > 100;
HJ 633-2026 5.3.1: an indicator missing/invalid and the AQI of the others > 100 (published; counted, not
good, unless ``partial_days="exclude"``); 2 invalid (AQI NA); 3 no data at all."""
PARTIAL_DAYS = ("count", "exclude")
"""How a status-1 day counts in 有效天数: ``count`` (valid, non-good day; default) or ``exclude``."""
_USES_5_3_1 = np.array([e == "HJ633-2026" for e in EDITIONS])
"""Editions whose missing-data rule is HJ 633-2026 5.3.1 (AQI from the other indicators, published > 100)."""


@dataclass(frozen=True)
class DailyStats:
    """Daily statistics (before any AQI), arrays of shape (stations, days).

    ``conc`` in µg/m³ (CO mg/m³, unrounded, NaN when no data); ``count`` = valid hours (8-h: valid windows);
    ``need`` = the count required (per day, from the edition's validity table); ``basis`` says how area
    values were formed (``station``, ``area-hourly`` or ``area-daily``).
    """

    stations: tuple[str, ...]
    dates: np.ndarray
    codes: np.ndarray
    conc: dict[str, np.ndarray]
    count: dict[str, np.ndarray]
    need: dict[str, np.ndarray]
    basis: str = "station"

    def valid(self, stat: str) -> np.ndarray:
        """Whether each statistic meets its data requirement."""
        return self.count[stat] >= self.need[stat]

    def used(self, stat: str) -> np.ndarray:
        """Whether each day's edition has ``stat`` among its daily AQI indicators, shape (1, days)."""
        per_edition = np.array([stat in DAILY_INDICATORS[e] for e in EDITIONS])
        return np.asarray(per_edition[self.codes][None, :])


def _need(codes: np.ndarray, attr: str) -> np.ndarray:
    per_edition = np.array([getattr(VALIDITY[COMPANION[e]["validity"]], attr) for e in EDITIONS])
    return np.asarray(per_edition[codes][None, :])


def daily_statistics(
    cube: HourlyCube, edition: str = "auto", *, o3_first_window_start: int = 0, basis: str = "station"
) -> DailyStats:
    """Daily statistics of every station-day of ``cube``.

    Parameters
    ----------
    cube : HourlyCube
        Hourly concentrations, µg/m³ (CO mg/m³).
    edition : {"auto", "HJ633-2012", "HJ633-2026"}
        Selects the validity table per day (HJ 663-2013 / HJ 663-2026, same thresholds by default).
    o3_first_window_start : int, -7 … 0
        Start hour of the day's first 8-h window. 0 (default, HJ 663): the 17 windows ending 08:00 … 24:00,
        i.e. hours 00–07 … 16–23 of the natural day. Negative values shift the windows so that the first ones
        start the previous evening (the moving average is computed on the continuous series, so windows cross
        midnight). UNVERIFIED convention; make it explicit when comparing with published figures.
    """
    if not -7 <= o3_first_window_start <= 0:
        raise ValueError("o3_first_window_start 应在 -7 … 0 之间")
    n_s, n_d = len(cube.stations), cube.n_days
    codes = edition_codes(edition, cube.dates, n_d)
    conc, count, need = {}, {}, {}
    for p in ("so2", "no2", "pm10", "pm2_5", "co"):
        conc[p], count[p] = station_mean(cube.data[p].reshape(n_s, n_d, 24), axis=2)
        need[p] = _need(codes, "min_hours_24h")
    o3 = cube.data["o3"]
    day = o3.reshape(n_s, n_d, 24)
    ok = ~np.isnan(day)
    count["o3_1h"] = ok.sum(axis=2)
    conc["o3_1h"] = np.where(count["o3_1h"] > 0, np.where(ok, day, -np.inf).max(axis=2), np.nan)
    need["o3_1h"] = _need(codes, "min_hours_o3_1h_max")
    # 8-h windows from cumulative sums over the continuous series (padded in front so that the first
    # windows may start the evening before); window k of day d covers hours d·24 + start + k … + 7.
    pad = -o3_first_window_start
    x = np.concatenate([np.full((n_s, pad), np.nan), o3], axis=1) if pad else o3
    v = ~np.isnan(x)
    cs = np.zeros((n_s, x.shape[1] + 1))
    np.cumsum(np.where(v, x, 0.0), axis=1, out=cs[:, 1:])
    cn = np.zeros((n_s, x.shape[1] + 1), dtype=np.int32)
    np.cumsum(v, axis=1, out=cn[:, 1:])
    n_win = int(_need(codes, "n_windows_o3_8h").max())
    # Sums of all windows starting at t = 0 … n_d·24 − 1 (a window past the data end is empty), then the
    # first n_win start hours of each day as a strided view.
    width = n_d * 24
    ends = np.minimum(np.arange(width) + 8, x.shape[1])
    ws = (cs[:, ends] - cs[:, :width]).reshape(n_s, n_d, 24)[:, :, :n_win]
    wn = (cn[:, ends] - cn[:, :width]).reshape(n_s, n_d, 24)[:, :, :n_win]
    win_ok = wn >= _need(codes, "min_hours_8h")[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(win_ok, ws / np.maximum(wn, 1), -np.inf)
    count["o3_8h"] = win_ok.sum(axis=2)
    conc["o3_8h"] = np.where(count["o3_8h"] > 0, means.max(axis=2), np.nan)
    need["o3_8h"] = _need(codes, "min_windows_o3_8h")
    return DailyStats(cube.stations, cube.dates, codes, conc, count, need, basis)


def area_daily(ds: DailyStats, name: str = AREA) -> DailyStats:
    """Area daily statistics as the mean over stations of their *valid* daily statistics (HJ 663 city value).

    ``count`` becomes the number of stations with a valid value (need: 1). When no station is valid the
    incomplete station values are averaged so that an exceedance can still count.
    """
    conc, count, need = {}, {}, {}
    for s in STATS:
        ok = ds.valid(s)
        m_ok, n_ok = station_mean(np.where(ok, ds.conc[s], np.nan), axis=0)
        m_any, _ = station_mean(ds.conc[s], axis=0)
        conc[s] = np.where(n_ok > 0, m_ok, m_any)[None, :]
        count[s] = n_ok[None, :]
        need[s] = np.ones((1, ds.dates.size), dtype=np.int64)
    return DailyStats((name,), ds.dates, ds.codes, conc, count, need, "area-daily")


@dataclass(frozen=True)
class DailyResult:
    """Daily statistics with IAQIs (S, D), the AQI over them (flattened S×D) and each day's status."""

    stats: DailyStats
    iaqi: dict[str, np.ndarray]
    aqi: AQIResult
    status: np.ndarray
    required: tuple[str, ...]
    round_inputs: bool
    partial_days: str = "count"

    @property
    def counted(self) -> np.ndarray:
        """Days counted as valid monitoring days: status 0, and status 1 unless ``partial_days="exclude"``."""
        return self.status <= (1 if self.partial_days == "count" else 0)

    @property
    def good(self) -> np.ndarray:
        """优良天: counted and AQI ≤ 100."""
        a = self.aqi.aqi.reshape(self.status.shape)
        return self.counted & (np.nan_to_num(a, nan=np.inf) <= 100)


def daily_aqi(
    ds: DailyStats,
    *,
    round_inputs: bool = True,
    required: tuple[str, ...] = STATS,
    partial_days: str = "count",
) -> DailyResult:
    """Daily AQI (日报) and day status from :class:`DailyStats`.

    Parameters
    ----------
    ds : DailyStats
    round_inputs : bool
        GB/T 8170 rounding before the IAQI (see :func:`liangshan.standards.air.iaqi`).
    required : tuple of str
        Statistics that must be valid for the day to be valid (default all, our reading of HJ 663, docs/air.md
        "all required pollutant daily statistics valid"), restricted on each day to the indicators of that
        day's edition (HJ 633-2026 4.2.2: no O3 1-h). A day missing one is handled by the edition's rule
        (module docstring: incomplete exceedance for 2012, 5.3.1 for 2026).
    partial_days : {"count", "exclude"}
        Whether a day with a missing indicator whose AQI is nevertheless published (> 100) counts as a
        valid (non-good) monitoring day. Default ``count``: the published AQI already shows the day is not
        good.
    """
    if partial_days not in PARTIAL_DAYS:
        raise ValueError(f"partial_days 应为 count 或 exclude，而不是 {partial_days!r}")
    shape = ds.conc["so2"].shape
    codes = np.broadcast_to(ds.codes[None, :], shape).reshape(-1)
    rule_5_3_1 = np.broadcast_to(_USES_5_3_1[ds.codes][None, :], shape)
    iaqis: dict[str, np.ndarray] = {}
    for s in STATS:
        p, period = IAQI_OF[s]
        iaqis[s] = iaqi_values(p, ds.conc[s].reshape(-1), period, codes, round_inputs=round_inputs).values
    used = {s: np.broadcast_to(ds.used(s), shape) for s in STATS}
    valid_used = {s: ds.valid(s) & used[s] for s in STATS}
    all_valid = np.logical_and.reduce([ds.valid(s) | ~used[s] for s in required])
    any_data = np.logical_or.reduce([~np.isnan(ds.conc[s]) for s in STATS])
    # HJ 633-2012 (HJ 663-2013): any computed statistic, complete or not, above IAQI 100.
    exceed_any = np.logical_or.reduce(
        [used[s] & (np.nan_to_num(iaqis[s].reshape(shape), nan=0) > 100) for s in STATS]
    )
    # HJ 633-2026 5.3.1: the AQI of the other (valid) indicators above 100.
    exceed_others = np.logical_or.reduce(
        [valid_used[s] & (np.nan_to_num(iaqis[s].reshape(shape), nan=0) > 100) for s in STATS]
    )
    exceed = np.where(rule_5_3_1, exceed_others, exceed_any)
    status = np.where(all_valid, 0, np.where(exceed, 1, np.where(any_data, 2, 3))).astype(np.int8)
    # Valid days use every valid indicator of their edition; exceedance days under 2012 use whatever was
    # computed, under 2026 (5.3.1) the valid others only; invalid days: no AQI (NA).
    partial_use = {s: np.where(rule_5_3_1, valid_used[s], used[s]) for s in STATS}
    keep = {
        s: np.where(
            ((status == 0) & valid_used[s]) | ((status == 1) & partial_use[s]),
            iaqis[s].reshape(shape),
            np.nan,
        )
        for s in STATS
    }
    res = aqi_from_iaqi({s: keep[s].reshape(-1) for s in STATS}, _LABEL)
    return DailyResult(
        ds, {s: iaqis[s].reshape(shape) for s in STATS}, res, status, required, round_inputs, partial_days
    )


def daily_stats(
    cube: HourlyCube,
    *,
    edition: str = "auto",
    area: bool = False,
    area_method: str = "hourly",
    o3_first_window_start: int = 0,
    round_inputs: bool = True,
    required: tuple[str, ...] = STATS,
    partial_days: str = "count",
) -> DailyResult:
    """Hourly cube → daily statistics → daily AQI, per station or for the area.

    Parameters
    ----------
    area : bool
        Compute one series for all stations together (mean of station concentrations, never of AQIs).
    area_method : {"hourly", "daily"}
        ``hourly`` (default, HJ 663): area hourly mean → daily statistics; ``daily``: mean of the stations'
        valid daily statistics (UNVERIFIED which HJ 663 mandates).
    edition, o3_first_window_start, round_inputs, required, partial_days
        See :func:`daily_statistics` and :func:`daily_aqi`.
    """
    from liangshan.standards.air.cube import area_cube

    if area and area_method == "hourly":
        return area_hourly_daily(
            area_cube(cube),
            edition=edition,
            o3_first_window_start=o3_first_window_start,
            round_inputs=round_inputs,
            required=required,
            partial_days=partial_days,
        )
    ds = daily_statistics(cube, edition, o3_first_window_start=o3_first_window_start)
    if area:
        if area_method != "daily":
            raise ValueError("area_method 应为 hourly 或 daily")
        ds = area_daily(ds)
    return daily_aqi(ds, round_inputs=round_inputs, required=required, partial_days=partial_days)


def area_hourly_daily(
    area: HourlyCube,
    *,
    edition: str = "auto",
    o3_first_window_start: int = 0,
    round_inputs: bool = True,
    required: tuple[str, ...] = STATS,
    partial_days: str = "count",
) -> DailyResult:
    """Daily statistics and daily AQI of an area hourly series (``area_method="hourly"``, HJ 663: the hourly
    mean of the stations' concentrations, from :func:`~liangshan.standards.air.cube.area_cube` or
    :func:`~liangshan.standards.air.stream.area_hourly_parquet`). Parameters as :func:`daily_stats`."""
    ds = daily_statistics(area, edition, o3_first_window_start=o3_first_window_start, basis="area-hourly")
    return daily_aqi(ds, round_inputs=round_inputs, required=required, partial_days=partial_days)


def rounded_conc(res: DailyResult, stat: str) -> np.ndarray:
    """Daily values as reported: rounded half-to-even (GB/T 8170) to 1 µg/m³ (CO 0.1 mg/m³) when
    ``round_inputs``; these are the values the IAQI and the annual statistics use."""
    from liangshan.standards.air.inputs import round_half_even
    from liangshan.standards.air.tables import INPUT_DECIMALS

    c = res.stats.conc[stat]
    return round_half_even(c, INPUT_DECIMALS[EDITIONS[0]][IAQI_OF[stat][0]]) if res.round_inputs else c


def day_reasons(res: DailyResult, rows: np.ndarray | None = None) -> tuple[list[str | None], np.ndarray]:
    """Why each station-day is not a valid day, as ``texts[index[k]]`` for station-day ``rows[k]`` (indices
    into the flattened (stations × days) arrays; default all): None for a valid day; ``无监测数据``; else the
    required statistics short of data (``PM2.5有效小时数18<20``, HJ 663-2013 / GB 3095 表4), joined by
    ``；``, after the rule that published an incomplete day (HJ 633-2012 exceedance, HJ 633-2026 5.3.1).

    The few distinct reasons are formatted once each (days with the same status, edition and shortfalls
    share one text), so the cost follows the number of days not counted, not a table per station-day."""
    ds = res.stats
    n_s, n_d = res.status.shape
    flat = np.arange(n_s * n_d) if rows is None else np.asarray(rows, dtype=np.int64)
    status = res.status.reshape(-1)[flat]
    bad = np.flatnonzero(status != STATUS.index("有效"))
    station, day = np.divmod(flat[bad], n_d)
    key = [status[bad].astype(np.int64), ds.codes.astype(np.int64)[day]]
    for s in res.required:
        n = ds.count[s][station, day].astype(np.int64)
        need = np.broadcast_to(ds.need[s], (n_s, n_d))[station, day]
        short = (n < need) & np.broadcast_to(ds.used(s), (n_s, n_d))[station, day]
        key += [np.where(short, n, -1), np.where(short, need, -1)]
    unique, inverse = np.unique(np.stack(key, axis=1), axis=0, return_inverse=True)
    texts: list[str | None] = [None, *(_reason(res, row) for row in unique.tolist())]
    index = np.zeros(flat.size, dtype=np.int64)
    index[bad] = inverse.reshape(-1) + 1
    return texts, index


def _reason(res: DailyResult, key: list[int]) -> str:
    """Text of one key of :func:`day_reasons`: status, edition code, then (count, need) per required
    statistic, (-1, -1) when it is not short of data."""
    status, code = key[0], key[1]
    if status == STATUS.index("无数据"):
        return "无监测数据"
    basis = res.stats.basis
    unit = "有效站点数" if basis == "area-daily" else "有效小时数"
    parts = []
    for k, s in enumerate(res.required):
        n, need = key[2 + 2 * k], key[3 + 2 * k]
        if n >= 0:
            what = "有效8小时值" if s == "o3_8h" and basis != "area-daily" else unit
            parts.append(f"{_LABEL[s]}{what}{n}<{need}")
    joined = "；".join(parts)
    if status == STATUS.index("不完整但超标"):
        counts = "计入有效天" if res.partial_days == "count" else "不计入有效天"
        if EDITIONS[code] == "HJ633-2026":
            return f"缺项，其余污染物 AQI 大于 100 仍发布（HJ 633-2026 5.3.1），{counts}：{joined}"
        return f"数据不完整但已超标，{counts}：{joined}"
    return joined


def daily_frame(res: DailyResult) -> pl.DataFrame:
    """One row per station-day (or area-day): concentrations, counts, AQI, level, category, primary and
    non-attainment pollutants, status (有效/不完整但超标/无效/无数据), ``valid`` (counted) and ``reason``
    (:func:`day_reasons`)."""
    ds = res.stats
    n_s, n_d = res.status.shape
    cols: list[pl.Series] = [
        pl.Series("station", ds.stations, dtype=pl.String).gather(np.repeat(np.arange(n_s), n_d)),
        pl.Series("date", np.tile(ds.dates, n_s)),
        pl.Series("edition", EDITIONS, dtype=pl.String).gather(np.tile(ds.codes.astype(np.int64), n_s)),
    ]
    cols += [pl.Series(s, rounded_conc(res, s).reshape(-1)).fill_nan(None) for s in STATS]
    cols += [pl.Series(f"n_{s}", ds.count[s].reshape(-1)) for s in STATS]
    frame = pl.concat(
        [
            pl.DataFrame(cols),
            res.aqi.to_polars(("aqi", "level", "category", "primary_pollutant", "nonattainment")),
        ],
        how="horizontal",
    )
    texts, index = day_reasons(res)
    return frame.with_columns(
        pl.Series("status", STATUS, dtype=pl.String).gather(res.status.reshape(-1).astype(np.int64)),
        pl.Series("valid", res.counted.reshape(-1)),
        pl.Series("reason", texts, dtype=pl.String).gather(index),
    )
