"""Daily statistics and validity (GB 3095 表4 / HJ 663), O3 8-h windows, area values, hourly AQI."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from liangshan.standards.air import AirInputError
from liangshan.standards.air.cube import to_cube
from liangshan.standards.air.daily import daily_frame, daily_stats
from liangshan.standards.air.hourly import hourly_aqi
from liangshan.standards.air.io import validate

BASE = {"so2": 10.0, "no2": 20.0, "pm10": 40.0, "pm2_5": 20.0, "co": 0.5, "o3": 50.0}


def hourly(
    n_days: int, stations: tuple[str, ...] = ("A",), start: str = "2024-01-01", **over: object
) -> pl.DataFrame:
    """Complete station-hour grid; ``over[p]`` replaces pollutant p (scalar or array (stations, hours))."""
    t = np.arange(np.datetime64(f"{start}T00", "h"), np.datetime64(f"{start}T00", "h") + n_days * 24)
    cols: dict[str, object] = {
        "station": np.repeat(np.array(stations), t.size),
        "time": np.tile(t.astype("datetime64[us]"), len(stations)),
    }
    for p, v in BASE.items():
        arr = np.broadcast_to(np.asarray(over.get(p, v), dtype=float), (len(stations), t.size))
        cols[p] = arr.reshape(-1).copy()
    return validate(pl.DataFrame(cols))


def day_rows(df: pl.DataFrame, **kw: object) -> pl.DataFrame:
    return daily_frame(daily_stats(to_cube(df), edition="HJ633-2012", **kw))  # type: ignore[arg-type]


def test_complete_day() -> None:
    row = day_rows(hourly(1)).row(0, named=True)
    assert (row["pm2_5"], row["pm10"], row["co"], row["o3_1h"], row["o3_8h"]) == (20, 40, 0.5, 50, 50)
    assert row["n_pm2_5"] == 24 and row["n_o3_8h"] == 17
    assert row["status"] == "有效" and row["valid"] and row["reason"] is None
    assert row["aqi"] == 40 and row["primary_pollutant"] is None  # PM10 40 → 40; AQI ≤ 50: no primary


@pytest.mark.parametrize(("valid_hours", "ok"), [(20, True), (19, False)])
def test_24h_mean_needs_20_hours(valid_hours: int, ok: bool) -> None:
    pm = np.full(24, 20.0)
    pm[valid_hours:] = np.nan
    row = day_rows(hourly(1, pm2_5=pm)).row(0, named=True)
    assert row["n_pm2_5"] == valid_hours and row["valid"] is ok
    assert row["status"] == ("有效" if ok else "无效")
    if not ok:
        assert row["reason"] == f"PM2.5有效小时数{valid_hours}<20" and row["aqi"] is None


def test_incomplete_but_exceeding_day_counts() -> None:
    pm = np.full(24, 200.0)
    pm[15:] = np.nan  # 15 valid hours at 200 µg/m³: incomplete, but already above the limit
    row = day_rows(hourly(1, pm2_5=pm)).row(0, named=True)
    assert row["status"] == "不完整但超标" and row["valid"] is True
    assert row["aqi"] == 250 and row["category"] == "重度污染"
    assert row["reason"].startswith("数据不完整但已超标") and "PM2.5有效小时数15<20" in row["reason"]


def test_o3_daily_max_8h_and_1h() -> None:
    o3 = np.full(24, 20.0)
    o3[10:18] = 200.0  # one 8-h block at 200 (window 10–17, inside 00–23)
    o3[12] = 260.0
    row = day_rows(hourly(1, o3=o3)).row(0, named=True)
    assert row["o3_1h"] == 260
    assert row["o3_8h"] == round((200 * 7 + 260) / 8)  # 207.5 → 208 (half to even)
    # IAQI O3 8h 208: 100 + 50·48/55 = 143.6 → 144; O3 1h 260: 100 + 50·60/100 = 130
    assert row["aqi"] == 144 and row["primary_pollutant"] == "O3_8h"
    assert row["nonattainment"] == "O3_1h,O3_8h"


def test_o3_window_needs_6_of_8_hours_and_14_windows() -> None:
    o3 = np.full(24, 50.0)
    o3[[2, 5, 8, 11, 14, 17, 20]] = np.nan  # every 8-h window loses 2 or 3 hours
    row = day_rows(hourly(1, o3=o3)).row(0, named=True)
    # windows starting 0..16: lost hours per window; valid if ≤ 2 lost
    lost = [sum(1 for h in (2, 5, 8, 11, 14, 17, 20) if k <= h < k + 8) for k in range(17)]
    assert row["n_o3_8h"] == sum(1 for x in lost if x <= 2)
    assert (row["n_o3_8h"] >= 14) is (row["status"] == "有效")
    o3 = np.full(24, 50.0)
    o3[:11] = np.nan  # window k (hours k…k+7) keeps k − 3 valid hours: valid from k = 9
    row = day_rows(hourly(1, o3=o3)).row(0, named=True)
    assert row["n_o3_8h"] == 8
    assert row["status"] == "无效" and "O3_8h有效8小时值8<14" in row["reason"]


def test_o3_windows_may_start_the_evening_before() -> None:
    o3 = np.full(48, 30.0)
    o3[20:28] = 300.0  # 20:00 on day 1 to 03:00 on day 2
    default = day_rows(hourly(2, o3=o3)).row(1, named=True)
    shifted = day_rows(hourly(2, o3=o3), o3_first_window_start=-7).row(1, named=True)
    assert default["o3_8h"] < 300 and shifted["o3_8h"] == 300


def test_area_is_mean_of_concentrations_not_of_aqis() -> None:
    pm = np.array([[50.0], [100.0]])  # station IAQIs 69 and 132: their mean 100.5 would not be good
    df = hourly(1, ("A", "B"), pm2_5=pm)
    stations = day_rows(df)
    assert stations["aqi"].to_list() == [69, 132]
    for method in ("hourly", "daily"):
        area = day_rows(df, area=True, area_method=method).row(0, named=True)
        assert area["station"] == "区域" and area["pm2_5"] == 75 and area["aqi"] == 100, method


def test_area_hour_missing_only_when_all_stations_missing() -> None:
    pm = np.full((2, 24), 30.0)
    pm[0, :10] = np.nan
    pm[1, 5:15] = np.nan
    rows = day_rows(hourly(1, ("A", "B"), pm2_5=pm), area=True).row(0, named=True)
    assert rows["n_pm2_5"] == 19  # hours 5–9 missing at both stations


def test_edition_switch_inside_the_data() -> None:
    df = hourly(2, start="2026-02-28", pm2_5=70.0)
    rows = daily_frame(daily_stats(to_cube(df), edition="auto"))
    assert rows["edition"].to_list() == ["HJ633-2012", "HJ633-2026"]
    assert rows["aqi"].to_list() == [94, 110]


def test_duplicate_station_hour_names_both_rows() -> None:
    df = hourly(1)
    df = pl.concat([df, df.slice(5, 1)])
    with pytest.raises(AirInputError, match=r"第 7 行与第 26 行"):
        to_cube(df)


def test_missing_rows_are_missing_hours() -> None:
    df = hourly(2).filter(pl.int_range(pl.len()) % 5 != 0)  # drop whole rows, unsorted order kept
    rows = day_rows(df.reverse())
    assert rows["n_pm2_5"].to_list() == [19, 19]


def test_hourly_aqi_realtime_rules() -> None:
    df = hourly(1, pm2_5=np.r_[75.0, 80.0, np.full(22, np.nan)], o3=np.full(24, 190.0))
    df = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 2).then(float("nan")).otherwise(pl.col(p)).alias(p) for p in BASE
    )
    out = hourly_aqi(df, "HJ633-2012")
    assert out["aqi"].to_list()[:3] == [100, 107, None]  # PM2.5 1-h against the 24-h breakpoints
    assert out["primary_pollutant"].to_list()[:2] == ["PM2.5", "PM2.5"]
    row = out.row(3, named=True)  # PM2.5 missing: O3 1-h 190 → 88 (8-h not used), nothing invented
    assert row["aqi"] == 88 and row["primary_pollutant"] == "O3"


def test_hourly_so2_above_800() -> None:
    so2 = np.full(48, 100.0)
    so2[30] = 900.0
    df = hourly(2, so2=so2)
    old = hourly_aqi(df, "HJ633-2012", with_iaqi=True).row(30, named=True)
    mean24 = (23 * 100 + 900) / 24  # trailing 24-h mean 133.3 → 133: IAQI 50 + 50·83/100 = 91.5 → 92
    assert old["iaqi_so2"] == 92 and old["flag"] == "SO2>800"
    new = hourly_aqi(df, "HJ633-2026", with_iaqi=True).row(30, named=True)
    assert new["iaqi_so2"] == 200 and new["aqi"] == 200 and mean24 > 0
