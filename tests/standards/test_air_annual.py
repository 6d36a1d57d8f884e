"""Annual statistics: good days, ratio (1 decimal, half to even), categories, percentiles (HJ 663),
annual validity and the comparison with GB 3095 limits of the edition in force."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liangshan.standards.air.annual import (
    annual_stats,
    good_day_ratio,
    good_days_report,
    hj663_percentile,
    limits_for_year,
)
from liangshan.standards.air.cube import to_cube
from liangshan.standards.air.daily import daily_stats
from liangshan.standards.air.io import validate
from liangshan.standards.air.tables import GB3095_LIMITS

BASE = {"so2": 10.0, "no2": 20.0, "pm10": 40.0, "pm2_5": 20.0, "co": 0.5, "o3": 50.0}


def year_frame(
    year: int, pm_by_day: np.ndarray | None = None, drop_days: tuple[int, ...] = ()
) -> pl.DataFrame:
    start = np.datetime64(f"{year}-01-01T00", "h")
    t = np.arange(start, np.datetime64(f"{year + 1}-01-01T00", "h"))
    cols: dict[str, object] = {"station": np.full(t.size, "A"), "time": t.astype("datetime64[us]")}
    for p, v in BASE.items():
        cols[p] = np.full(t.size, v)
    if pm_by_day is not None:
        cols["pm2_5"] = np.repeat(pm_by_day, 24)
    keep = ~np.isin(np.arange(t.size) // 24, drop_days)
    return validate(pl.DataFrame(cols).filter(pl.Series(keep)))


def test_percentile_formula_hj663() -> None:
    x = np.arange(1, 11, dtype=float)  # k = 1 + 9·0.95 = 9.55 → 9 + 0.55·(10 − 9)
    assert hj663_percentile(x, 95) == pytest.approx(9.55)
    assert hj663_percentile(x[::-1], 90) == pytest.approx(9.1)
    assert hj663_percentile([3.0], 90) == 3.0
    assert np.isnan(hj663_percentile([np.nan], 90))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 500, allow_nan=False), min_size=1, max_size=60), st.sampled_from([90.0, 95.0]))
def test_polars_linear_quantile_is_the_hj663_formula(values, p) -> None:
    got = pl.Series(values).quantile(p / 100, interpolation="linear")
    assert got == pytest.approx(hj663_percentile(values, p), abs=1e-9)


def test_ratio_one_decimal_half_even() -> None:
    assert good_day_ratio([349, 351, 1, 0], [400, 400, 8, 0]).tolist()[:3] == [87.2, 87.8, 12.5]
    assert np.isnan(good_day_ratio([0], [0])[0])


def test_good_days_categories_and_means() -> None:
    pm = np.full(366, 20.0)
    pm[:10] = 100.0  # 轻度污染 (IAQI 132)
    pm[10:13] = 200.0  # 重度污染 (IAQI 250)
    res = daily_stats(to_cube(year_frame(2024, pm, drop_days=(100, 200))), edition="auto")
    row = annual_stats(res).row(0, named=True)
    assert (row["days"], row["valid_days"], row["good_days"], row["no_data_days"]) == (366, 364, 351, 2)
    assert row["ratio"] == 96.4  # 351 / 364 = 96.43 %
    assert (row["优"], row["良"], row["轻度污染"], row["重度污染"], row["heavy_days"]) == (351, 0, 10, 3, 3)
    expect = (10 * 100 + 3 * 200 + 351 * 20) / 364
    assert row["pm2_5"] == round(expect)
    assert row["co_p95"] == 0.5 and row["o3_8h_p90"] == 50
    assert row["limits"] == "GB3095-2012" and row["limit_pm2_5"] == 35 and row["exceed_pm2_5"] is False
    assert row["complete_pm2_5"] is True and row["attained"] is True


def test_report_lists_days_not_counted_with_reasons() -> None:
    df = year_frame(2023).with_columns(
        pl.when(pl.col("time").dt.ordinal_day() == 32)
        .then(float("nan"))
        .otherwise(pl.col("pm2_5"))
        .alias("pm2_5")
    )
    rep = good_days_report(daily_stats(to_cube(df), edition="auto"))[0]
    assert rep["valid_days"] == 364 and rep["invalid_day_count"] == 1
    assert rep["invalid_days"] == [{"date": "2023-02-01", "status": "无效", "reason": "PM2.5有效小时数0<20"}]
    assert rep["editions"] == ["HJ633-2012"] and rep["ratio"] == 100.0


def test_annual_validity_324_days_and_months() -> None:
    days = np.arange(np.datetime64("2023-01-01"), np.datetime64("2024-01-01"))
    month = days.astype("datetime64[M]").astype(int) % 12
    keep_per_month = np.where(month == 1, 25, 27)  # every month exactly at its minimum …
    rank = np.arange(days.size) - np.searchsorted(month, month)  # day index within its month
    keep = rank < keep_per_month
    keep[27] = True  # … plus one January day: 323 < 324 in total
    res = daily_stats(to_cube(year_frame(2023, drop_days=tuple(np.flatnonzero(~keep)))), edition="auto")
    row = annual_stats(res).row(0, named=True)
    assert row["n_pm2_5"] == 323 and row["complete_pm2_5"] is False
    keep[28] = True  # 324
    res = daily_stats(to_cube(year_frame(2023, drop_days=tuple(np.flatnonzero(~keep)))), edition="auto")
    assert annual_stats(res).row(0, named=True)["complete_pm2_5"] is True


def test_february_rule() -> None:
    ok = annual_stats(daily_stats(to_cube(year_frame(2023, drop_days=(31, 32, 33))), edition="auto")).row(
        0, named=True
    )
    bad = annual_stats(
        daily_stats(to_cube(year_frame(2023, drop_days=(31, 32, 33, 34))), edition="auto")
    ).row(0, named=True)
    assert ok["complete_pm2_5"] is True  # 25 days in February
    assert bad["complete_pm2_5"] is False  # 24 days


def test_limits_by_year_and_exceedance() -> None:
    assert limits_for_year(2025).code == "GB3095-2012"
    assert limits_for_year(2026).code == "GB3095-2026-过渡阶段"
    assert limits_for_year(2030).code == "GB3095-2026-过渡阶段"
    assert limits_for_year(2031).code == "GB3095-2026"
    assert limits_for_year(2020, "GB3095-2026").code == "GB3095-2026"
    with pytest.raises(ValueError):
        limits_for_year(2020, "GB3095-1996")
    pm = np.full(365, 32.0)  # 32 µg/m³: attains 2012 (35) but exceeds the 2026 transition limit (30)
    row = annual_stats(daily_stats(to_cube(year_frame(2027, pm)), edition="auto")).row(0, named=True)
    assert (
        row["limits"] == "GB3095-2026-过渡阶段" and row["exceed_pm2_5"] is True and row["attained"] is False
    )
    old = annual_stats(daily_stats(to_cube(year_frame(2023, pm)), edition="auto")).row(0, named=True)
    assert old["exceed_pm2_5"] is False
    assert GB3095_LIMITS["GB3095-2026"].grade2[("pm2_5", "annual")] == 25


@pytest.mark.parametrize(
    ("code", "key", "limit"),
    [("GB3095-2012", ("pm2_5", "annual"), 35), ("GB3095-2012", ("pm10", "annual"), 70),
     ("GB3095-2012", ("no2", "annual"), 40), ("GB3095-2012", ("so2", "annual"), 60),
     ("GB3095-2012", ("co", "24h"), 4), ("GB3095-2012", ("o3", "8h"), 160),
     ("GB3095-2026-过渡阶段", ("pm10", "annual"), 60), ("GB3095-2026", ("no2", "annual"), 30)],
)  # fmt: skip
def test_limit_both_sides(code: str, key: tuple[str, str], limit: float) -> None:
    assert GB3095_LIMITS[code].grade2[key] == limit
    year = 2023 if code == "GB3095-2012" else (2027 if "过渡" in code else 2032)
    stat = {"o3": "o3_8h_p90", "co": "co_p95"}.get(key[0], key[0])
    unit = 0.1 if key[0] == "co" else 1
    for value, exceed in ((limit, False), (limit + unit, True)):
        frame = year_frame(year)
        if key[0] == "o3":
            frame = frame.with_columns(pl.lit(float(value)).alias("o3"))
        else:
            frame = frame.with_columns(pl.lit(float(value)).alias(key[0]))
        row = annual_stats(daily_stats(to_cube(frame), edition="auto"), limits=code).row(0, named=True)
        assert row[stat] == pytest.approx(value) and row[f"exceed_{stat}"] is exceed, (value, row[stat])
