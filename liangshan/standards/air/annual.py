"""Annual statistics: 优良天数, 有效监测天数, 优良天数比例, days per category, annual means and percentiles,
the comparison with the GB 3095 limits of the edition in force, and the per-pollutant annual evaluation.

References
----------
HJ 663-2013 (annual statistics and the items of the annual evaluation: SO2/NO2 annual mean and 24-h P98,
PM10/PM2.5 annual mean and 24-h P95, CO 24-h P95, O3 daily maximum 8-h P90; percentile formula
k = 1 + (n−1)·p/100 — HJ 663-2013); GB 3095-2012 / GB 3095-2026 表1 (一级/二级, stages by 4.4) and 表4 (annual
validity: ≥ 324 daily values, ≥ 27 per month, 25 in February); docs/air.md (indicator 1); sand-dust days:
:mod:`liangshan.standards.air.dust`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from liangshan.standards.air.aqi import EDITIONS
from liangshan.standards.air.daily import STATS, STATUS, DailyResult, day_reasons, rounded_conc
from liangshan.standards.air.dust import DUST_POLLUTANTS, DustDays, DustRule
from liangshan.standards.air.inputs import round_half_even
from liangshan.standards.air.limits import limits_for, limits_for_year
from liangshan.standards.air.tables import CATEGORIES, DISPLAY_NAMES, UNITS

ANNUAL: dict[str, tuple[str, str, str, float | None]] = {
    # output column: (daily statistic, aggregation, GB 3095 limit key ..., percentile)
    "so2": ("so2", "mean", "annual", None),
    "no2": ("no2", "mean", "annual", None),
    "pm10": ("pm10", "mean", "annual", None),
    "pm2_5": ("pm2_5", "mean", "annual", None),
    "co_p95": ("co", "percentile", "24h", 95.0),
    "o3_8h_p90": ("o3_8h", "percentile", "8h", 90.0),
}

EVALUATION: tuple[tuple[str, str, str, float | None, str], ...] = (
    # HJ 663-2013 annual evaluation: (daily statistic, GB 3095 limit key, aggregation, percentile, name).
    ("so2", "annual", "mean", None, "年平均"),
    ("so2", "24h", "percentile", 98.0, "24小时平均第98百分位数"),
    ("no2", "annual", "mean", None, "年平均"),
    ("no2", "24h", "percentile", 98.0, "24小时平均第98百分位数"),
    ("pm10", "annual", "mean", None, "年平均"),
    ("pm10", "24h", "percentile", 95.0, "24小时平均第95百分位数"),
    ("pm2_5", "annual", "mean", None, "年平均"),
    ("pm2_5", "24h", "percentile", 95.0, "24小时平均第95百分位数"),
    ("co", "24h", "percentile", 95.0, "24小时平均第95百分位数"),
    ("o3_8h", "8h", "percentile", 90.0, "日最大8小时滑动平均第90百分位数"),
)
"""Items of the per-pollutant annual evaluation (HJ 663-2013; GB 3095-2026 6.2 defers to it)."""


def hj663_percentile(values: Any, p: float) -> float:
    """Percentile after HJ 663-2013: sort x(1)…x(n); k = 1 + (n−1)·p/100; s = ⌊k⌋; x(s) + (x(s+1)−x(s))(k−s).

    Parameters
    ----------
    values : array_like of float
        Daily values (NaN ignored), any unit.
    p : float
        Percentile, 0–100.
    """
    x = np.sort(np.asarray(values, dtype=float)[~np.isnan(np.asarray(values, dtype=float))])
    if x.size == 0:
        return float("nan")
    k = 1 + (x.size - 1) * p / 100.0
    s = int(np.floor(k))
    if s >= x.size:
        return float(x[-1])
    return float(x[s - 1] + (x[s] - x[s - 1]) * (k - s))


def good_day_ratio(good: Any, valid: Any) -> np.ndarray:
    """优良天数比例 (%) = 100 × good / valid, rounded half-to-even to 1 decimal (GB/T 8170; HJ 663).

    Parameters
    ----------
    good, valid : array_like of int
        优良天数 and 有效监测天数 (days). NaN where ``valid`` is 0.
    """
    g = np.asarray(good, dtype=float)
    v = np.asarray(valid, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(v > 0, round_half_even(100.0 * g / np.where(v > 0, v, 1.0), 1), np.nan)


def _dust_mask(res: DailyResult, dust: DustDays | None) -> np.ndarray:
    """Station-day mask (flattened S×D) of the declared dust days."""
    n_s, _n_d = res.status.shape
    if dust is None or not dust.documents:
        return np.zeros(res.status.size, dtype=bool)
    days = np.array(dust.dates, dtype="datetime64[D]")
    return np.tile(np.isin(res.stats.dates.astype("datetime64[D]"), days), n_s)


def _long(
    res: DailyResult,
    dust: DustDays | None = None,
    rule: DustRule | None = None,
    period: np.ndarray | None = None,
) -> pl.DataFrame:
    """Per station-day (numeric only): year, month, counted/good flags, level index, status code, and each
    statistic as reported (null unless valid). With ``period`` (bool, shape (stations, days)) only those
    station-days.

    With ``dust`` and ``rule`` (扣沙): ``valid``/``good`` are False on dust days when the rule leaves them out
    of the ratio, and ``v_<stat>`` (the values used for annual means and percentiles) is null for the dust
    pollutants on dust days; ``<stat>`` keeps every valid value (annual validity counts all of them).
    """
    n_s, n_d = res.status.shape
    dates = np.tile(res.stats.dates, n_s)
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    is_dust = _dust_mask(res, dust) if rule is not None else np.zeros(dates.size, dtype=bool)
    drop_day = is_dust if rule is not None and rule.exclude_from_good_day_ratio else np.zeros_like(is_dust)
    cols = [
        pl.Series("station", res.stats.stations, dtype=pl.String).gather(np.repeat(np.arange(n_s), n_d)),
        pl.Series("year", years.astype(np.int32)),
        pl.Series("month", months.astype(np.int8)),
        pl.Series("valid", res.counted.reshape(-1) & ~drop_day),
        pl.Series("good", res.good.reshape(-1) & ~drop_day),
        pl.Series("level", res.aqi.level_index),
        pl.Series("status", res.status.reshape(-1)),
        pl.Series("aqi", res.aqi.aqi),
        pl.Series("dust", is_dust),
    ]
    drop_pm = rule is not None and rule.exclude_pm_concentration
    for s in STATS:
        values = np.where(res.stats.valid(s), rounded_conc(res, s), np.nan).reshape(-1)
        cols.append(pl.Series(s, values).fill_nan(None))
        used = np.where(is_dust, np.nan, values) if drop_pm and s in DUST_POLLUTANTS else values
        cols.append(pl.Series(f"v_{s}", used).fill_nan(None))
    frame = pl.DataFrame(cols)
    return frame if period is None else frame.filter(pl.Series(np.asarray(period, dtype=bool).reshape(-1)))


def _aggregate(stat: str, how: str, p: float | None) -> pl.Expr:
    """Annual mean, or percentile by HJ 663-2013 (polars' linear interpolation is k = 1 + (n−1)·p/100,
    checked against :func:`hj663_percentile`)."""
    col = pl.col(f"v_{stat}")
    return col.mean() if how == "mean" else col.quantile((p or 0) / 100.0, interpolation="linear")


def _completeness(
    long: pl.DataFrame, min_days: int, min_days_month: int, min_days_february: int
) -> pl.DataFrame:
    """``station, year, complete_<stat>`` per station-year of ``long`` (:func:`_long`: station by station,
    day by day, so a station-year is one run of rows), by :func:`_station_year_counts`."""
    change = (
        (pl.col("station") != pl.col("station").shift(1)) | (pl.col("year") != pl.col("year").shift(1))
    ).fill_null(True)
    first = long.select(change).to_series()
    keys = long.filter(first).select("station", "year")
    _n, complete = _station_year_counts(
        first.cast(pl.Int64).cum_sum().to_numpy() - 1,
        long["month"].to_numpy().astype(np.int64) - 1,
        {s: long[s].is_not_null().to_numpy() for s in STATS},
        keys.height,
        min_days,
        min_days_month,
        min_days_february,
    )
    return keys.with_columns(pl.Series(f"complete_{s}", complete[s]) for s in STATS)


def _station_year_counts(
    g: np.ndarray,
    month: np.ndarray,
    has: dict[str, np.ndarray],
    n_groups: int,
    min_days: int,
    min_days_month: int,
    min_days_february: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Valid daily values per station-year (``n_<stat>``) and the annual validity of GB 3095 表4
    (``complete_<stat>``): ≥ ``min_days`` valid daily values in the year and ≥ ``min_days_month`` in every
    one of its 12 months (``min_days_february`` in February). ``g``: station-year of each station-day
    (0 … ``n_groups`` − 1), ``month`` 0–11, ``has[stat]``: the day has a valid value."""
    cell = g * 12 + month
    months = np.bincount(cell, minlength=n_groups * 12).reshape(n_groups, 12) > 0
    all_months = months.all(axis=1)
    need = np.full(12, min_days_month, dtype=np.int64)
    need[1] = min_days_february
    n, complete = {}, {}
    for s, ok in has.items():
        n[s] = np.bincount(g[ok], minlength=n_groups)
        per_month = np.bincount(cell[ok], minlength=n_groups * 12).reshape(n_groups, 12)
        complete[s] = all_months & (per_month >= need).all(axis=1) & (n[s] >= min_days)
    return n, complete


def _quantile_by(g: np.ndarray, values: np.ndarray, n_groups: int, q: float) -> np.ndarray:
    """Linear-interpolation quantile ``q`` of the non-NaN ``values`` of each group (NaN for none): the
    HJ 663-2013 percentile (k = 1 + (n−1)·p/100, :func:`hj663_percentile`), computed as polars'
    ``quantile(q, interpolation="linear")`` does — ``lower + (idx − ⌊idx⌋)·(upper − lower)`` with
    idx = (n−1)·q — so that the figures do not change by a bit."""
    ok = values == values
    g, v = g[ok], values[ok]
    order = np.argsort(v, kind="stable")
    order = order[np.argsort(g[order], kind="stable")]
    v = v[order]
    n = np.bincount(g, minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    idx = (n - 1).astype(float) * q
    lo = np.floor(idx).astype(np.int64)
    has = n > 0
    at = np.where(has, start + lo, 0)
    up = np.where(has, start + np.minimum(lo + 1, n - 1), 0)
    lower = v[at] if v.size else np.zeros(n_groups)
    upper = v[up] if v.size else np.zeros(n_groups)
    with np.errstate(invalid="ignore"):
        out = np.where(lower == upper, lower, (idx - lo) * (upper - lower) + lower)
    return np.where(has, out, np.nan)


def _station_years(
    res: DailyResult,
    *,
    limits: str = "auto",
    min_days: int = 324,
    min_days_month: int = 27,
    min_days_february: int = 25,
    dust: DustDays | None = None,
    rule: DustRule | None = None,
    period: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The figures of :func:`annual_stats` as arrays, one element per station-year (station index, year,
    columns; NaN = null, and for ``exceed_*``/``attained`` NaN/0/1) — one ``bincount`` per figure over the
    (stations × days) arrays instead of a table per station-day, so the cost hardly depends on the number
    of stations and years. Station-years in station order, then year; those without a day in ``period``
    are absent. The rules are those of :func:`annual_stats`: HJ 663-2013 (有效天数, 优良天数, annual means,
    percentiles), GB 3095 表4 (annual validity), GB 3095-2012 / -2026 表1 (limits of the year's edition)."""
    n_s, n_d = res.status.shape
    dates = res.stats.dates.astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12
    y0 = int(year.min()) if n_d else 1970
    n_y = int(year.max()) - y0 + 1 if n_d else 1
    inside = (
        np.ones((n_s, n_d), dtype=bool)
        if period is None
        else np.asarray(period, dtype=bool).reshape(n_s, n_d)
    )
    everywhere = bool(inside.all())

    def pick(a: np.ndarray) -> np.ndarray:
        """The station-days of the period, station by station, day by day."""
        a = np.broadcast_to(a, (n_s, n_d))
        return a.reshape(-1) if everywhere else a[inside]

    key = pick(np.arange(n_s)[:, None] * n_y + (year - y0)[None, :])
    present = np.bincount(key, minlength=n_s * n_y)
    ids = np.flatnonzero(present)
    n_g = ids.size
    compact = np.zeros(n_s * n_y, dtype=np.int64)
    compact[ids] = np.arange(n_g)
    g = compact[key]
    m = pick(month[None, :])

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(g[mask], minlength=n_g)

    is_dust = np.zeros(g.size, dtype=bool)
    if rule is not None and dust is not None and dust.documents:
        is_dust = pick(np.isin(dates, np.array(dust.dates, dtype="datetime64[D]"))[None, :])
    drop_day = is_dust if rule is not None and rule.exclude_from_good_day_ratio else np.zeros_like(is_dust)
    valid = pick(res.counted) & ~drop_day
    status = pick(res.status)
    level = pick(res.aqi.level_index.reshape(n_s, n_d))
    aqi = pick(res.aqi.aqi.reshape(n_s, n_d))
    cols: dict[str, np.ndarray] = {
        "days": present[ids],
        "valid_days": count(valid),
        "good_days": count(pick(res.good) & ~drop_day),
        "invalid_days": count(status == STATUS.index("无效")),
        "no_data_days": count(status == STATUS.index("无数据")),
    }
    for i, c in enumerate(CATEGORIES):
        cols[c] = count(valid & (level == i))
    with np.errstate(invalid="ignore"):
        cols["heavy_days"] = count(valid & ~(aqi <= 200))  # a missing AQI compares as above (polars' NaN)
    cols["dust_days"] = count(is_dust)
    drop_pm = rule is not None and rule.exclude_pm_concentration
    has: dict[str, np.ndarray] = {}
    used: dict[str, np.ndarray] = {}
    for s in STATS:
        values = pick(np.where(res.stats.valid(s), rounded_conc(res, s), np.nan))
        has[s] = values == values
        used[s] = np.where(is_dust, np.nan, values) if drop_pm and s in DUST_POLLUTANTS else values
    for out, (stat, how, _key, p) in ANNUAL.items():
        v = used[stat]
        if how == "mean":
            ok = v == v
            n = np.bincount(g[ok], minlength=n_g)
            total = np.bincount(g[ok], weights=v[ok], minlength=n_g)
            with np.errstate(invalid="ignore", divide="ignore"):
                value = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        else:
            value = _quantile_by(g, v, n_g, (p or 0) / 100.0)
        cols[out] = round_half_even(value, 1 if out == "co_p95" else 0)
    n_valid, complete = _station_year_counts(g, m, has, n_g, min_days, min_days_month, min_days_february)
    cols |= {f"n_{s}": n_valid[s] for s in STATS}
    cols |= {f"complete_{s}": complete[s] for s in STATS}
    cols["ratio"] = good_day_ratio(cols["good_days"], cols["valid_days"])
    codes = pick(res.stats.codes.astype(np.int64)[None, :])
    n_e = len(EDITIONS)
    seen = np.bincount(g * n_e + codes, minlength=n_g * n_e).reshape(n_g, n_e) > 0
    by_name = sorted(range(n_e), key=EDITIONS.__getitem__)
    editions = np.empty(n_g, dtype=object)
    for i, row in enumerate(seen.tolist()):  # one per station-year
        editions[i] = [EDITIONS[e] for e in by_name if row[e]]
    cols["editions"] = editions
    years = ids % n_y + y0
    # sorted(set()) rather than np.unique: numpy 2's unique imports numpy.ma on first use (≈ 0.01 s of a
    # small file's run); one entry per station-year either way.
    sets = {y: limits_for_year(int(y), limits) for y in sorted(set(years.tolist()))}
    cols["limits"] = np.array([sets[y].code for y in years.tolist()], dtype=object)
    exceeds = []
    for out, (stat, _how, averaging, _p) in ANNUAL.items():
        pollutant = "o3" if stat == "o3_8h" else stat
        per_year = {
            y: np.nan if (x := ls.grade2.get((pollutant, averaging))) is None else x for y, ls in sets.items()
        }
        lim = np.array([per_year[y] for y in years.tolist()], dtype=float)
        val = cols[out]
        with np.errstate(invalid="ignore"):
            exceed = np.where(np.isnan(val) | np.isnan(lim), np.nan, (val > lim).astype(float))
        cols[f"limit_{out}"], cols[f"exceed_{out}"] = lim, exceed
        exceeds.append(exceed)
    ex = np.array(exceeds).reshape(len(exceeds), n_g)
    cols["attained"] = np.where((ex == 1).any(axis=0), 0.0, np.where((ex == ex).all(axis=0), 1.0, np.nan))
    return ids // n_y, years, cols


def _nullable(name: str, values: np.ndarray) -> pl.Series:
    """Column ``name`` of :func:`annual_stats`, typed as before (counts UInt32, NaN → null)."""
    if name == "limits":
        return pl.Series(name, values.tolist(), dtype=pl.String)
    if name.startswith("complete_"):
        return pl.Series(name, values, dtype=pl.Boolean)
    if name.startswith("exceed_") or name == "attained":
        return pl.Series(name, values).fill_nan(None).cast(pl.Boolean)
    if values.dtype.kind in "iub":
        return pl.Series(name, values, dtype=pl.UInt32)
    return pl.Series(name, values).fill_nan(None)


def annual_stats(
    res: DailyResult,
    *,
    limits: str = "auto",
    min_days: int = 324,
    min_days_month: int = 27,
    min_days_february: int = 25,
    dust: DustDays | None = None,
    dust_rule: DustRule | None = None,
    period: np.ndarray | None = None,
) -> pl.DataFrame:
    r"""One row per station (or area) and calendar year.

    Parameters
    ----------
    res : DailyResult
        Output of :func:`liangshan.standards.air.daily.daily_stats`.
    limits : str
        GB 3095 limit set (``auto``: in force on 31 December; or a key of ``GB3095_LIMITS``).
    min_days, min_days_month, min_days_february : int
        Validity of annual statistics (days with a valid daily value; GB 3095 表4 / HJ 663).
    dust, dust_rule : DustDays, DustRule, optional
        扣沙: declared dust days and the rule applied to them (:mod:`liangshan.standards.air.dust`; default
        rule :class:`DustRule`\ ()). Without ``dust`` the figures are 不扣沙. Annual validity
        (``complete_<stat>``) always counts every valid daily value, dust days included.
    period : ndarray of bool, shape (stations, days), optional
        Only these station-days count (default: all). Used when the rows of ``res`` are regions stacked on
        one date axis (:mod:`liangshan.standards.air.regions`), each with its own period.

    Returns
    -------
    polars.DataFrame with ``valid_days`` (有效监测天数), ``good_days`` (优良天数), ``ratio`` (优良天数比例, %,
    1 decimal half-even), ``invalid_days``, one column per category (优 … 严重污染), ``heavy_days``
    (重度及以上, AQI > 200), ``so2 no2 pm10 pm2_5`` annual means (µg/m³, integers), ``co_p95`` (mg/m³,
    1 decimal), ``o3_8h_p90`` (µg/m³), ``n_<stat>`` days and ``complete_<stat>``, ``limits`` and, for each
    statistic, ``limit_<stat>`` and ``exceed_<stat>``; ``attained`` (all six statistics within limits);
    ``dust_days`` (declared dust days with data in the year).
    """
    rule = (dust_rule or DustRule()) if dust is not None else None
    station, year, cols = _station_years(
        res,
        limits=limits,
        min_days=min_days,
        min_days_month=min_days_month,
        min_days_february=min_days_february,
        dust=dust,
        rule=rule,
        period=period,
    )
    return pl.DataFrame(
        [
            pl.Series("station", res.stats.stations, dtype=pl.String).gather(station),
            pl.Series("year", year, dtype=pl.Int32),
            *[_nullable(c, v) for c, v in cols.items() if c != "editions"],
        ]
    )


def _rows(
    res: DailyResult, station: np.ndarray, year: np.ndarray, cols: dict[str, np.ndarray]
) -> list[dict[str, Any]]:
    """The rows of :func:`annual_stats` as dicts of Python values (as ``iter_rows(named=True)`` gives
    them: null → None, ``exceed_*``/``attained`` as bool), without building the table."""
    names = res.stats.stations
    out: dict[str, list[Any]] = {"station": [names[i] for i in station.tolist()], "year": year.tolist()}
    for c, v in cols.items():
        if v.dtype.kind == "f":
            values = v.tolist()
            nullable_bool = c.startswith("exceed_") or c == "attained"
            out[c] = [None if x != x else (x == 1.0 if nullable_bool else x) for x in values]
        else:
            out[c] = v.tolist()
    keys = list(out)
    return [dict(zip(keys, row, strict=True)) for row in zip(*out.values(), strict=True)]


def good_days_report(
    res: DailyResult,
    annual: pl.DataFrame | None = None,
    *,
    dust_days: DustDays | None = None,
    dust_rule: DustRule | None = None,
    period: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """Per station/area and year: indicator-1 figures, annual statistics and the days not counted with their
    reasons (JSON-ready).

    Parameters
    ----------
    res : DailyResult
    annual : polars.DataFrame, optional
        :func:`annual_stats` of ``res`` (不扣沙), computed when not given.
    dust_days, dust_rule : DustDays, DustRule, optional
        With ``dust_days`` each row also carries ``dust_days`` (the declared days of that year with their
        documents) and ``dust_excluded`` — the 扣沙 figures under ``dust_rule`` (default :class:`DustRule`:
        PM10/PM2.5 of dust days out of the annual statistics, dust days kept in the ratio): ``valid_days``,
        ``good_days``, ``ratio``, ``categories``, ``annual``, ``attained`` and ``rule`` (in Chinese). The
        top-level figures stay 不扣沙.
    period : ndarray of bool, shape (stations, days), optional
        Only these station-days count (see :func:`annual_stats`; ``annual``, when given, must use the same).

    The figures come from the (stations × days) arrays (:func:`_station_years`, a few ``bincount`` calls per
    figure); only the days not counted are listed, their reasons formatted once per distinct reason
    (:func:`~liangshan.standards.air.daily.day_reasons`), so the cost of a call is small for
    one area and grows with the station-days, not with the number of station-years.
    """
    station, year, cols = _station_years(res, period=period)
    base = _rows(res, station, year, cols)
    ed_map = {(r["station"], r["year"]): r["editions"] for r in base}
    rows = base if annual is None else list(annual.iter_rows(named=True))
    excluded: dict[tuple[str, int], dict[str, Any]] = {}
    if dust_days is not None:
        rule = dust_rule or DustRule()
        for r in _rows(res, *_station_years(res, dust=dust_days, rule=rule, period=period)):
            excluded[(r["station"], r["year"])] = {
                "valid_days": r["valid_days"],
                "good_days": r["good_days"],
                "ratio": r["ratio"],
                "categories": {c: r[c] for c in CATEGORIES},
                "annual": {c: r[c] for c in ANNUAL},
                "attained": r["attained"],
                "dust_days_with_data": r["dust_days"],
                "rule": rule.describe(),
            }
    n_s, n_d = res.status.shape
    bad = res.status != STATUS.index("有效")
    if period is not None:
        bad &= np.asarray(period, dtype=bool).reshape(n_s, n_d)
    listed: dict[tuple[str, int], list[dict[str, Any]]] = {}
    flat = np.flatnonzero(bad)
    if flat.size:
        texts, index = day_reasons(res, flat)
        station, day = np.divmod(flat, n_d)
        dates = res.stats.dates.astype("datetime64[D]")[day]
        years = (dates.astype("datetime64[Y]").astype(np.int64) + 1970).tolist()
        names = res.stats.stations
        for st, y, d, status, k in zip(  # one per day not counted
            station.tolist(),
            years,
            np.datetime_as_string(dates).tolist(),
            res.status.reshape(-1)[flat].tolist(),
            index.tolist(),
            strict=True,
        ):
            listed.setdefault((names[st], y), []).append(
                {"date": d, "status": STATUS[status], "reason": texts[k]}
            )
    out = []
    for row in rows:  # one iteration per station-year, not per hour or day
        days = listed.get((row["station"], row["year"]), [])
        item: dict[str, Any] = {
            "station": row["station"],
            "year": row["year"],
            "days": row["days"],
            "valid_days": row["valid_days"],
            "good_days": row["good_days"],
            "ratio": row["ratio"],
            "categories": {c: row[c] for c in CATEGORIES},
            "heavy_days": row["heavy_days"],
            "invalid_day_count": row["invalid_days"] + row["no_data_days"],
            "invalid_days": [d for d in days if d["status"] != "不完整但超标"],
            "incomplete_exceedance_days": [d for d in days if d["status"] == "不完整但超标"],
            "editions": ed_map.get((row["station"], row["year"]), []),
            "annual": {c: row[c] for c in ANNUAL},
            "limits": row["limits"],
            "attained": row["attained"],
        }
        if dust_days is not None:
            item["dust_days"] = dust_days.in_year(int(row["year"]))
            item["dust_excluded"] = excluded[(row["station"], row["year"])]
        out.append(item)
    return out


def _evaluate(row: dict[str, Any], grade: str, limits: str, require_complete: bool) -> dict[str, Any]:
    """Items, per-pollutant and overall attainment of one station-year row of :func:`_evaluation_table`."""
    lim = limits_for(int(row["year"]), grade, limits)
    items = []
    per_pollutant: dict[str, bool | None] = {}
    for stat, key, _how, p, name in EVALUATION:
        pollutant = "o3" if stat == "o3_8h" else stat
        value = row[_column(stat, key, p)]
        limit = lim.get(pollutant, key)
        complete = bool(row[f"complete_{stat}"])
        attained = None
        if value is not None and limit is not None and (complete or not require_complete):
            attained = bool(value <= limit)  # GB 3095: 达标 = not above the limit
        label = DISPLAY_NAMES[pollutant]
        items.append(
            {
                "pollutant": label,
                "statistic": name,
                "value": value,
                "unit": UNITS[pollutant],
                "limit": limit,
                "attained": attained,
                "days": row[f"n_{stat}"],
                "complete": complete,
            }
        )
        before = per_pollutant.get(label, True)
        per_pollutant[label] = (
            False
            if before is False or attained is False
            else (None if before is None or attained is None else True)
        )
    flags = list(per_pollutant.values())
    overall = False if False in flags else (None if None in flags else True)
    return {"items": items, "pollutants": per_pollutant, "attained": overall}


def _column(stat: str, key: str, p: float | None) -> str:
    return f"{stat}_{key}" if p is None else f"{stat}_p{int(p)}"


def _evaluation_table(
    long: pl.DataFrame, min_days: int, min_days_month: int, min_days_february: int
) -> pl.DataFrame:
    aggs = [_aggregate(stat, how, p).alias(_column(stat, key, p)) for stat, key, how, p, _ in EVALUATION]
    aggs += [pl.col(s).count().alias(f"n_{s}") for s in STATS]
    table = long.group_by("station", "year", maintain_order=True).agg(aggs)
    complete = _completeness(long, min_days, min_days_month, min_days_february)
    table = table.join(complete, on=["station", "year"], how="left", maintain_order="left")
    return table.with_columns(
        pl.Series(
            c,
            round_half_even(
                table[c].cast(pl.Float64).fill_null(np.nan).to_numpy(), 1 if c.startswith("co_") else 0
            ),
        ).fill_nan(None)
        for c in (_column(stat, key, p) for stat, key, _how, p, _ in EVALUATION)
    )


def annual_evaluation(
    res: DailyResult,
    *,
    grade: str = "二级",
    limits: str = "auto",
    dust_days: DustDays | None = None,
    dust_rule: DustRule | None = None,
    require_complete: bool = True,
    min_days: int = 324,
    min_days_month: int = 27,
    min_days_february: int = 25,
) -> list[dict[str, Any]]:
    """Annual evaluation per pollutant (HJ 663-2013; GB 3095-2026 6.2), per station (or area) and year.

    Statistics (:data:`EVALUATION`): SO2 and NO2 annual mean and 24-h P98; PM10 and PM2.5 annual mean and
    24-h P95; CO 24-h P95; O3 daily maximum 8-h P90; percentiles by the HJ 663 formula (k = 1 + (n−1)·p/100),
    from the reported (GB/T 8170-rounded) daily values, then rounded half-to-even (CO to 0.1 mg/m³, others to
    1 µg/m³). Each is compared with the GB 3095 limit of its averaging time: annual mean ↔ 年平均,
    P98/P95 ↔ 24 小时平均, O3 P90 ↔ 日最大8小时平均; attained when not above it. A pollutant attains when
    all its items do.

    Parameters
    ----------
    res : DailyResult
    grade : {"一级", "二级"}
        GB 3095 limit grade (4.2).
    limits : str
        ``auto``: the edition/stage in force on 31 December of the year (GB 3095-2026 4.4), or a key of
        ``GB3095_LIMITS``.
    dust_days, dust_rule : optional
        With ``dust_days`` each row also has ``dust_excluded`` (扣沙 items under ``dust_rule``) and
        ``dust_days``; the top-level items are 不扣沙.
    require_complete : bool
        Leave ``attained`` null for a statistic whose data fall short of GB 3095 表4 (≥ ``min_days`` daily
        values a year, ≥ ``min_days_month`` a month, ``min_days_february`` in February; applied to every
        item). Default True: an incomplete year cannot be declared attained or not.

    Returns
    -------
    list of dict: ``station``, ``year``, ``limits`` (e.g. ``GB 3095-2026 过渡阶段 二级``), ``limits_code``,
    ``grade``, ``items`` (``pollutant``, ``statistic``, ``value``, ``unit``, ``limit``, ``attained``,
    ``days``, ``complete``), ``pollutants`` (attainment per pollutant) and ``attained``.
    """
    limits_for(2000, grade, limits)  # validates grade and limits before any work
    base = _evaluation_table(_long(res), min_days, min_days_month, min_days_february)
    rule = dust_rule or DustRule()
    dust_table = (
        _evaluation_table(_long(res, dust_days, rule), min_days, min_days_month, min_days_february)
        if dust_days is not None
        else None
    )
    dust_rows = (
        {(r["station"], r["year"]): r for r in dust_table.iter_rows(named=True)}
        if dust_table is not None
        else {}
    )
    out = []
    for row in base.iter_rows(named=True):
        lim = limits_for(int(row["year"]), grade, limits)
        item: dict[str, Any] = {
            "station": row["station"],
            "year": row["year"],
            "limits": lim.name,
            "limits_code": lim.code,
            "grade": grade,
            **_evaluate(row, grade, limits, require_complete),
        }
        if dust_days is not None:
            item["dust_days"] = dust_days.in_year(int(row["year"]))
            item["dust_excluded"] = {
                **_evaluate(dust_rows[(row["station"], row["year"])], grade, limits, require_complete),
                "rule": rule.describe(),
            }
        out.append(item)
    return out
