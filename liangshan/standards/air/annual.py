"""Annual statistics: 优良天数, 有效监测天数, 优良天数比例, days per category, annual means and percentiles,
and the comparison with the GB 3095 limits of the edition in force.

References
----------
HJ 663-2013 (annual statistics, percentile formula, validity 324 days / 27 per month / 25 in February —
SPEC §B.2–B.3, UNVERIFIED from memory); GB 3095-2012 / GB 3095-2026 表1 (class II); SPEC §B.4 (indicator 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from liangshan.standards.air.daily import STATS, STATUS, DailyResult, daily_frame, rounded_conc
from liangshan.standards.air.inputs import round_half_even
from liangshan.standards.air.limits import limits_for_year
from liangshan.standards.air.tables import CATEGORIES

ANNUAL: dict[str, tuple[str, str, str, float | None]] = {
    # output column: (daily statistic, aggregation, GB 3095 limit key ..., percentile)
    "so2": ("so2", "mean", "annual", None),
    "no2": ("no2", "mean", "annual", None),
    "pm10": ("pm10", "mean", "annual", None),
    "pm2_5": ("pm2_5", "mean", "annual", None),
    "co_p95": ("co", "percentile", "24h", 95.0),
    "o3_8h_p90": ("o3_8h", "percentile", "8h", 90.0),
}


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
    """优良天数比例 (%) = 100 × good / valid, rounded half-to-even to 1 decimal (GB/T 8170; SPEC §B.3–B.4).

    Parameters
    ----------
    good, valid : array_like of int
        优良天数 and 有效监测天数 (days). NaN where ``valid`` is 0.
    """
    g = np.asarray(good, dtype=float)
    v = np.asarray(valid, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(v > 0, round_half_even(100.0 * g / np.where(v > 0, v, 1.0), 1), np.nan)


def _long(res: DailyResult) -> pl.DataFrame:
    """Per station-day (numeric only): year, month, counted/good flags, level index, status code, and each
    statistic as reported (null unless valid)."""
    n_s, n_d = res.status.shape
    dates = np.tile(res.stats.dates, n_s)
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    cols = [
        pl.Series("station", res.stats.stations, dtype=pl.String).gather(np.repeat(np.arange(n_s), n_d)),
        pl.Series("year", years.astype(np.int32)),
        pl.Series("month", months.astype(np.int8)),
        pl.Series("valid", res.counted.reshape(-1)),
        pl.Series("good", res.good.reshape(-1)),
        pl.Series("level", res.aqi.level_index),
        pl.Series("status", res.status.reshape(-1)),
        pl.Series("aqi", res.aqi.aqi),
    ]
    cols += [
        pl.Series(s, np.where(res.stats.valid(s), rounded_conc(res, s), np.nan).reshape(-1)).fill_nan(None)
        for s in STATS
    ]
    return pl.DataFrame(cols)


def annual_stats(
    res: DailyResult,
    *,
    limits: str = "auto",
    min_days: int = 324,
    min_days_month: int = 27,
    min_days_february: int = 25,
) -> pl.DataFrame:
    """One row per station (or area) and calendar year.

    Parameters
    ----------
    res : DailyResult
        Output of :func:`liangshan.standards.air.daily.daily_stats`.
    limits : str
        GB 3095 limit set (``auto``: in force on 31 December; or a key of ``GB3095_LIMITS``).
    min_days, min_days_month, min_days_february : int
        Validity of annual statistics (days with a valid daily value; HJ 663 / GB 3095 表4).

    Returns
    -------
    polars.DataFrame with ``valid_days`` (有效监测天数), ``good_days`` (优良天数), ``ratio`` (优良天数比例, %,
    1 decimal half-even), ``invalid_days``, one column per category (优 … 严重污染), ``heavy_days``
    (重度及以上, AQI > 200), ``so2 no2 pm10 pm2_5`` annual means (µg/m³, integers), ``co_p95`` (mg/m³,
    1 decimal), ``o3_8h_p90`` (µg/m³), ``n_<stat>`` days and ``complete_<stat>``, ``limits`` and, for each
    statistic, ``limit_<stat>`` and ``exceed_<stat>``; ``attained`` (all six statistics within limits).
    """
    long = _long(res)
    aggs: list[pl.Expr] = [
        pl.len().alias("days"),
        pl.col("valid").sum().alias("valid_days"),
        pl.col("good").sum().alias("good_days"),
        (pl.col("status") == STATUS.index("无效")).sum().alias("invalid_days"),
        (pl.col("status") == STATUS.index("无数据")).sum().alias("no_data_days"),
        *[(pl.col("valid") & (pl.col("level") == i)).sum().alias(c) for i, c in enumerate(CATEGORIES)],
        (pl.col("valid") & (pl.col("aqi") > 200)).sum().alias("heavy_days"),
    ]
    for out, (stat, how, _key, p) in ANNUAL.items():
        aggs.append(
            pl.col(stat).mean().alias(out)
            if how == "mean"
            else pl.col(stat).quantile((p or 0) / 100.0, interpolation="linear").alias(out)
        )
    aggs += [pl.col(s).count().alias(f"n_{s}") for s in STATS]
    table = long.group_by("station", "year", maintain_order=True).agg(aggs)
    monthly = (
        long.group_by("station", "year", "month")
        .agg([pl.col(s).count().alias(s) for s in STATS])
        .with_columns(
            pl.when(pl.col("month") == 2).then(min_days_february).otherwise(min_days_month).alias("_need")
        )
        .group_by("station", "year")
        .agg(
            [((pl.col(s) >= pl.col("_need")).all() & (pl.len() == 12)).alias(f"complete_{s}") for s in STATS]
        )
    )
    table = table.join(monthly, on=["station", "year"], how="left", maintain_order="left")
    table = table.with_columns(
        [(pl.col(f"complete_{s}") & (pl.col(f"n_{s}") >= min_days)).alias(f"complete_{s}") for s in STATS]
    )
    table = table.with_columns(
        pl.Series(
            "ratio", good_day_ratio(table["good_days"].to_numpy(), table["valid_days"].to_numpy())
        ).fill_nan(None),
        *[
            pl.Series(
                c,
                round_half_even(
                    table[c].cast(pl.Float64).fill_null(np.nan).to_numpy(), 1 if c == "co_p95" else 0
                ),
            ).fill_nan(None)
            for c in ANNUAL
        ],
    )
    return _compare(table, limits)


def _compare(table: pl.DataFrame, limits: str) -> pl.DataFrame:
    sets = [limits_for_year(int(y), limits) for y in table["year"].to_list()]
    cols: list[pl.Series] = [pl.Series("limits", [ls.code for ls in sets], dtype=pl.String)]
    exceed_cols = []
    for out, (stat, _how, key, _p) in ANNUAL.items():
        pollutant = "o3" if stat == "o3_8h" else stat
        lim = np.array(
            [np.nan if (v := ls.grade2.get((pollutant, key))) is None else v for ls in sets], dtype=float
        )
        val = table[out].cast(pl.Float64).fill_null(np.nan).to_numpy()
        exceed = np.where(np.isnan(val) | np.isnan(lim), np.nan, (val > lim).astype(float))
        cols += [
            pl.Series(f"limit_{out}", lim).fill_nan(None),
            pl.Series(f"exceed_{out}", exceed).fill_nan(None).cast(pl.Boolean),
        ]
        exceed_cols.append(f"exceed_{out}")
    out_table = table.with_columns(cols)
    return out_table.with_columns(
        pl.when(pl.any_horizontal(exceed_cols))
        .then(False)
        .when(pl.all_horizontal([pl.col(c).is_not_null() for c in exceed_cols]))
        .then(True)
        .otherwise(None)
        .alias("attained")
    )


def good_days_report(res: DailyResult, annual: pl.DataFrame | None = None) -> list[dict[str, Any]]:
    """Per station/area and year: indicator-1 figures, annual statistics and the days not counted with their
    reasons (JSON-ready)."""
    annual = annual_stats(res) if annual is None else annual
    frame = daily_frame(res).with_columns(pl.col("date").dt.year().alias("year"))
    bad = frame.filter(pl.col("status") != "有效").select("station", "year", "date", "status", "reason")
    groups = bad.partition_by(["station", "year"], as_dict=True)
    editions = frame.group_by("station", "year").agg(pl.col("edition").unique().sort())
    ed_map = {(r["station"], r["year"]): r["edition"] for r in editions.iter_rows(named=True)}
    out = []
    for row in annual.iter_rows(named=True):  # one iteration per station-year, not per hour or day
        days = groups.get((row["station"], row["year"]), bad.clear())
        listed = [
            {"date": str(d["date"]), "status": d["status"], "reason": d["reason"]}
            for d in days.iter_rows(named=True)
        ]
        out.append(
            {
                "station": row["station"],
                "year": row["year"],
                "days": row["days"],
                "valid_days": row["valid_days"],
                "good_days": row["good_days"],
                "ratio": row["ratio"],
                "categories": {c: row[c] for c in CATEGORIES},
                "heavy_days": row["heavy_days"],
                "invalid_day_count": row["invalid_days"] + row["no_data_days"],
                "invalid_days": [d for d in listed if d["status"] != "不完整但超标"],
                "incomplete_exceedance_days": [d for d in listed if d["status"] == "不完整但超标"],
                "editions": ed_map.get((row["station"], row["year"]), []),
                "annual": {c: row[c] for c in ANNUAL},
                "limits": row["limits"],
                "attained": row["attained"],
            }
        )
    return out
