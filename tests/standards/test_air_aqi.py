"""IAQI/AQI after HJ 633-2012 and HJ 633-2026: every breakpoint on both sides, special rules, rounding,
input kinds and properties. Expected values come from the standard's tables (docs/air.md, §A.1) restated here
and from formula (1) evaluated with exact fractions — never from another library."""

from __future__ import annotations

import math
import warnings
from datetime import date
from fractions import Fraction

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liangshan.standards.air import AirInputError, AQIWarning, aqi, aqi_from_iaqi, iaqi, round_half_even
from liangshan.standards.air.tables import BREAKPOINTS, LEVELS

IAQI = (0, 50, 100, 150, 200, 300, 400, 500)
# HJ 633-2012 表1, restated from HJ 633-2012 表1 (second transcription, to catch a typo in tables.py).
T2012 = {
    ("so2", "24h"): (0, 50, 150, 475, 800, 1600, 2100, 2620),
    ("so2", "1h"): (0, 150, 500, 650, 800),
    ("no2", "24h"): (0, 40, 80, 180, 280, 565, 750, 940),
    ("no2", "1h"): (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    ("pm10", "24h"): (0, 50, 150, 250, 350, 420, 500, 600),
    ("co", "24h"): (0, 2, 4, 14, 24, 36, 48, 60),
    ("co", "1h"): (0, 5, 10, 35, 60, 90, 120, 150),
    ("o3", "1h"): (0, 160, 200, 300, 400, 800, 1000, 1200),
    ("o3", "8h"): (0, 100, 160, 215, 265, 800),
    ("pm2_5", "24h"): (0, 35, 75, 115, 150, 250, 350, 500),
}
# HJ 633-2026 表3: particulate columns changed (docs/air.md).
T2026 = {
    **T2012,
    ("pm2_5", "24h"): (0, 35, 60, 115, 150, 250, 350, 500),
    ("pm10", "24h"): (0, 50, 120, 250, 350, 420, 500, 600),
}
TABLES = {"HJ633-2012": T2012, "HJ633-2026": T2026}


def exact(bps: tuple[int, ...], c: Fraction) -> int:
    """Formula (1) with fractions, rounded up (the reference implementation of the tests)."""
    for i in range(1, len(bps)):
        if c <= bps[i]:
            v = Fraction(IAQI[i] - IAQI[i - 1], bps[i] - bps[i - 1]) * (c - bps[i - 1]) + IAQI[i - 1]
            return math.ceil(v)
    raise AssertionError


def test_tables_match_the_standard() -> None:
    for ed, table in TABLES.items():
        assert dict(BREAKPOINTS[ed]) == table, ed


def test_so2_24h_column_is_not_the_1h_column() -> None:
    # aqi-hub re-uses the 1-h column for SO2 24 h and gets 34 here; HJ 633-2012 gives 75.
    assert iaqi("so2", 100, "24h", "HJ633-2012") == 75


CASES = [
    (ed, p, per, i)
    for ed, table in TABLES.items()
    for (p, per), bps in table.items()
    for i in range(1, len(bps))
]


@pytest.mark.parametrize(("ed", "pollutant", "period", "i"), CASES)
def test_every_breakpoint_both_sides(ed: str, pollutant: str, period: str, i: int) -> None:
    bps = TABLES[ed][(pollutant, period)]
    unit = Fraction(1, 10) if pollutant == "co" else Fraction(1)
    bp = bps[i]
    assert iaqi(pollutant, float(bp), period, ed) == IAQI[i]
    below = bp - unit
    assert iaqi(pollutant, float(below), period, ed) == exact(bps, below)
    assert IAQI[i - 1] < iaqi(pollutant, float(below), period, ed) <= IAQI[i]
    above = bp + unit
    if i + 1 < len(bps):
        assert iaqi(pollutant, float(above), period, ed) == exact(bps, above)
        assert iaqi(pollutant, float(above), period, ed) > IAQI[i]


def test_editions_differ_for_particulates() -> None:
    assert iaqi("pm2_5", 75, "24h", "HJ633-2012") == 100
    assert iaqi("pm2_5", 75, "24h", "HJ633-2026") == 114  # 100 + 50·15/55 = 113.6 → 114
    assert iaqi("pm2_5", 60, "24h", "HJ633-2012") == 82  # 50 + 50·25/40 = 81.25 → 82
    assert iaqi("pm2_5", 60, "24h", "HJ633-2026") == 100
    assert iaqi("pm10", 150, "24h", "HJ633-2012") == 100
    assert iaqi("pm10", 150, "24h", "HJ633-2026") == 112  # 100 + 50·30/130 = 111.5 → 112
    assert iaqi("pm10", 57, "24h", "HJ633-2026") == 55  # exactly 55: no float creep to 56


def test_auto_edition_by_date() -> None:
    assert iaqi("pm2_5", 70, "24h", date="2026-02-28") == 94
    assert iaqi("pm2_5", 70, "24h", date=date(2026, 3, 1)) == 110
    out = iaqi("pm2_5", [70, 70], "24h", date=np.array(["2025-12-31", "2026-03-01"], dtype="datetime64[D]"))
    assert out.tolist() == [94, 110]
    assert iaqi("pm2_5", 70, "24h") == 110  # no date: the edition in force today (after 2026-03-01)


def test_special_rules_so2_1h() -> None:
    assert iaqi("so2", 800, "1h", "HJ633-2012") == 200
    assert iaqi("so2", 800, "1h", "HJ633-2026") == 200
    with pytest.warns(AQIWarning, match="800"):
        assert math.isnan(iaqi("so2", 801, "1h", "HJ633-2012"))  # 2012: use the 24-h IAQI instead
    with pytest.warns(AQIWarning):
        assert iaqi("so2", 2000, "1h", "HJ633-2026") == 200  # 2026 note b: IAQI is 200
    with pytest.warns(AQIWarning):
        res = aqi({"so2_1h": [801.0], "so2_24h": [475.0]}, "HJ633-2012")
    assert res.aqi.tolist() == [150]


def test_special_rules_o3_8h() -> None:
    assert iaqi("o3", 800, "8h", "HJ633-2012") == 300
    with pytest.warns(AQIWarning):
        assert math.isnan(iaqi("o3", 801, "8h", "HJ633-2012"))
    with pytest.warns(AQIWarning):
        assert iaqi("o3", 900, "8h", "HJ633-2026") == 300  # 2026 note c
    with pytest.warns(AQIWarning):
        res = aqi({"o3_8h": [900.0], "o3_1h": [1000.0]}, "HJ633-2012")
    assert res.aqi.tolist() == [400]  # the 1-h IAQI is reported


def test_above_top_breakpoint_is_500_and_flagged() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert iaqi("pm2_5", 500, "24h", "HJ633-2012") == 500
    with pytest.warns(AQIWarning, match="爆表"):
        assert iaqi("pm2_5", 501, "24h", "HJ633-2012") == 500
    with pytest.warns(AQIWarning):
        assert iaqi("co", 1000, "1h", "HJ633-2026") == 500


def test_input_rounding_gbt8170() -> None:
    assert iaqi("pm2_5", 35.5, "24h", "HJ633-2012") == 52  # 35.5 → 36: 50 + 50/40 = 51.25 → 52
    assert iaqi("pm2_5", 34.5, "24h", "HJ633-2012") == 49  # 34.5 → 34: 48.6 → 49
    assert iaqi("co", 2.05, "24h", "HJ633-2012") == 50  # 2.05 → 2.0 (decimal tie, even)
    assert iaqi("co", 2.15, "24h", "HJ633-2012") == 55  # 2.15 → 2.2
    assert iaqi("pm2_5", 35.5, "24h", "HJ633-2012", round_inputs=False) == 51
    assert iaqi("co", 2.05, "24h", "HJ633-2012", round_inputs=False) == 52
    assert iaqi("pm2_5", 35.5, "24h", "HJ633-2026") == 52  # clause 4.2.2, same digits


def test_round_half_even() -> None:
    got = round_half_even([0.5, 1.5, 2.5, 35.5, 34.5, 35.49, 35.51, np.nan], 0)
    assert np.array_equal(got, [0, 2, 2, 36, 34, 35, 36, np.nan], equal_nan=True)
    assert round_half_even([2.05, 2.15, 2.25, 2.35, 0.45, 12.55], 1).tolist() == [
        2.0,
        2.2,
        2.2,
        2.4,
        0.4,
        12.6,
    ]
    assert round_half_even([0.1 + 0.2 + 0.15], 1).tolist() == [0.4]  # 0.45000000000000007 is the tie 0.45


def test_input_kinds() -> None:
    assert iaqi("pm2_5", 35, "24h", "HJ633-2012") == 50 and isinstance(iaqi("pm2_5", 35, "24h"), int)
    assert math.isnan(iaqi("pm2_5", None, "24h"))
    arr = iaqi("pm2_5", np.array([0.0, 35, np.nan]), "24h", "HJ633-2012")
    assert isinstance(arr, np.ndarray) and np.array_equal(arr, [0, 50, np.nan], equal_nan=True)
    assert iaqi("pm2_5", [75, "", None, "115"], "24h", "HJ633-2012").tolist()[0] == 100
    s = pd.Series([35.0, 75.0, None], index=["a", "b", "c"], name="pm")
    out = iaqi("pm2_5", s, "24h", "HJ633-2012")
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b", "c"] and out.name == "pm"
    assert out.iloc[:2].tolist() == [50, 100] and math.isnan(out.iloc[2])
    ps = iaqi("pm2_5", pl.Series("pm", [35.0, None]), "24h", "HJ633-2012")
    assert isinstance(ps, pl.Series) and ps.to_list() == [50, None]
    ps = iaqi("pm2_5", pl.Series("pm", ["35", None]), "24h", "HJ633-2012")
    assert ps.to_list() == [50, None]
    assert iaqi("pm2_5", 10, "1h", "HJ633-2012") == iaqi("pm2_5", 10, "24h", "HJ633-2012")


def test_bad_inputs_name_the_row() -> None:
    with pytest.raises(AirInputError, match=r"第 3 行.*负"):
        iaqi("pm2_5", [1, 2, -1], "24h")
    with pytest.raises(AirInputError, match=r"第 2 行.*不是数值"):
        iaqi("pm2_5", ["1", "abc"], "24h")
    with pytest.raises(AirInputError):
        iaqi("pm2_5", [np.inf], "24h")
    with pytest.raises(AirInputError, match="污染物"):
        iaqi("pm25", 1, "24h")
    with pytest.raises(AirInputError, match="时段"):
        iaqi("pm2_5", 1, "2h")
    with pytest.raises(AirInputError):
        iaqi("pm10", 1, "8h")
    with pytest.raises(AirInputError, match="版本"):
        iaqi("pm2_5", 1, "24h", edition="HJ633-2019")


@pytest.mark.parametrize("lv", LEVELS[:-1])
def test_levels_on_both_sides(lv) -> None:
    res = aqi_from_iaqi({"x": [lv.upper, lv.upper + 1]})
    assert res.category.tolist()[0] == lv.category
    nxt = LEVELS[LEVELS.index(lv) + 1]
    assert res.level.tolist() == [lv.level, nxt.level]
    assert res.colour.tolist()[1] == nxt.hex


def test_aqi_primary_and_nonattainment() -> None:
    res = aqi_from_iaqi(
        {
            "pm2_5_24h": [50, 80, 120, np.nan, 130],
            "pm10_24h": [40, 80, 101, np.nan, 20],
            "o3_8h": [10, 20, 30, np.nan, 130],
        }
    )
    assert np.array_equal(res.aqi, [50, 80, 120, np.nan, 130], equal_nan=True)
    assert res.primary.tolist() == [None, "PM2.5,PM10", "PM2.5", None, "PM2.5,O3_8h"]  # only when AQI > 50
    assert res.nonattainment.tolist() == [None, None, "PM2.5,PM10", None, "PM2.5,O3_8h"]
    assert res.level.tolist()[3] is None
    frame = res.to_polars(("aqi", "level", "category", "colour", "primary_pollutant", "nonattainment"))
    assert frame.row(1) == (80, "二级", "良", "#FFFF00", "PM2.5,PM10", None)


BPS = st.sampled_from([(ed, p, per) for ed, t in TABLES.items() for (p, per) in t])


@settings(max_examples=200, deadline=None)
@given(BPS, st.floats(0, 1300, allow_nan=False), st.floats(0, 1300, allow_nan=False))
def test_monotone_in_concentration(key, a, b) -> None:
    ed, p, per = key
    lo, hi = sorted((a, b))
    top = TABLES[ed][(p, per)][-1]
    lo, hi = min(lo, top), min(hi, top)  # below the special-rule limits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AQIWarning)
        v = iaqi(p, np.array([lo, hi]), per, ed)
    assert v[0] <= v[1]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 400, allow_nan=False), min_size=3, max_size=3))
def test_aqi_is_max_iaqi_and_rounding_idempotent(cs) -> None:
    conc = {"pm2_5_24h": [cs[0]], "no2_24h": [cs[1]], "co_24h": [cs[2] / 10]}
    res = aqi(conc, "HJ633-2012")
    subs = [iaqi(k.rpartition("_")[0], v[0], "24h", "HJ633-2012") for k, v in conc.items()]
    assert res.aqi[0] == max(subs)
    for k, v in conc.items():  # rounding already-rounded values changes nothing
        p = k.rpartition("_")[0]
        once = round_half_even(v, 1 if p == "co" else 0)
        assert iaqi(p, once, "24h", "HJ633-2012") == iaqi(p, v, "24h", "HJ633-2012")


@settings(max_examples=100, deadline=None)
@given(BPS, st.lists(st.integers(0, 12000), min_size=1, max_size=20))
def test_lookup_equals_formula(key, tenths) -> None:
    ed, p, per = key
    c = np.array(tenths, dtype=float) / 10
    c = round_half_even(c, 1 if p == "co" else 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AQIWarning)
        fast = iaqi(p, c, per, ed)
        slow = iaqi(p, c, per, ed, round_inputs=False)
    assert np.array_equal(fast, slow, equal_nan=True)
    bps = TABLES[ed][(p, per)]
    for ci, fi in zip(c, fast, strict=True):
        if ci <= bps[-1]:
            assert fi == exact(bps, Fraction(str(ci)))
