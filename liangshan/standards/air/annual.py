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

from liangshan.standards.air.daily import STATS, STATUS, DailyResult, daily_frame, rounded_conc
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
    """``complete_<stat>`` per station-year: GB 3095 表4 — ≥ ``min_days`` valid daily values in the year and
    ≥ ``min_days_month`` in every month (``min_days_february`` in February)."""
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
    totals = long.group_by("station", "year").agg([pl.col(s).count().alias(f"n_{s}") for s in STATS])
    return totals.join(monthly, on=["station", "year"]).select(
        "station",
        "year",
        *[(pl.col(f"complete_{s}") & (pl.col(f"n_{s}") >= min_days)).alias(f"complete_{s}") for s in STATS],
    )


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
    long = _long(res, dust, rule, period)
    aggs: list[pl.Expr] = [
        pl.len().alias("days"),
        pl.col("valid").sum().alias("valid_days"),
        pl.col("good").sum().alias("good_days"),
        (pl.col("status") == STATUS.index("无效")).sum().alias("invalid_days"),
        (pl.col("status") == STATUS.index("无数据")).sum().alias("no_data_days"),
        *[(pl.col("valid") & (pl.col("level") == i)).sum().alias(c) for i, c in enumerate(CATEGORIES)],
        (pl.col("valid") & (pl.col("aqi") > 200)).sum().alias("heavy_days"),
        pl.col("dust").sum().alias("dust_days"),
    ]
    aggs += [_aggregate(stat, how, p).alias(out) for out, (stat, how, _key, p) in ANNUAL.items()]
    aggs += [pl.col(s).count().alias(f"n_{s}") for s in STATS]
    table = long.group_by("station", "year", maintain_order=True).agg(aggs)
    complete = _completeness(long, min_days, min_days_month, min_days_february)
    table = table.join(complete, on=["station", "year"], how="left", maintain_order="left")
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
    """
    annual = annual_stats(res, period=period) if annual is None else annual
    excluded: dict[tuple[str, int], dict[str, Any]] = {}
    if dust_days is not None:
        rule = dust_rule or DustRule()
        for r in annual_stats(res, dust=dust_days, dust_rule=rule, period=period).iter_rows(named=True):
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
    frame = daily_frame(res).with_columns(pl.col("date").dt.year().alias("year"))
    if period is not None:
        frame = frame.filter(pl.Series(np.asarray(period, dtype=bool).reshape(-1)))
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
            "invalid_days": [d for d in listed if d["status"] != "不完整但超标"],
            "incomplete_exceedance_days": [d for d in listed if d["status"] == "不完整但超标"],
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
