"""Gap analysis in the indicator's own units, the required trend and the Open SDG growth ratio."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liangshan.assess import Observation, RegionProfile, assess
from liangshan.assess.values import round_half_even
from liangshan.catalog import Catalog
from liangshan.report.gaps import (
    ACHIEVED,
    DETERIORATION,
    RATIO_THRESHOLDS,
    _band,
    analyse,
    fmt_delta,
    numerator_needed,
    reach_value,
    trajectory,
)
from liangshan.report.measures import load_measures

LUSHI = RegionProfile("411224", "卢氏县", "山区")


def _assess(catalog: Catalog, values: Mapping[str, Sequence[float | bool | None]], years=(2023, 2024, 2025)):
    obs = {
        (code, y): Observation(v, evidence_count=1)
        for code, series in values.items()
        for y, v in zip(years, series, strict=True)
        if v is not None
    }
    return assess(catalog, LUSHI, years, obs)


def _gap(catalog: Catalog, ident: int, values: Mapping[str, Sequence[float | bool | None]]):
    a = _assess(catalog, values)
    r = next(x for x in a.results if x.indicator.id == ident)
    return r, analyse(r, LUSHI, catalog, 2026, load_measures().gap_terms)


# ---- numerator needed: both sides of the boundary -------------------------------------------------
def test_good_days_needed_is_smallest_whole_day(catalog: Catalog) -> None:
    ind = catalog.indicator(1)
    # 318/358 = 88.83 %; > 90 % at 1 decimal needs 323 (90.22 %), 322 gives 89.94 %
    assert numerator_needed(ind, 318, 358, ">", 90, integer=True) == 5
    assert numerator_needed(ind, 323, 358, ">", 90, integer=True) == 0
    assert numerator_needed(ind, 322, 358, ">", 90, integer=True) == 1


def test_strict_target_needs_more_than_equal(catalog: Catalog) -> None:
    ind = catalog.indicator(1)
    # 90/100 = 90.0 % is not > 90 %: one more day; with >= it is enough
    assert numerator_needed(ind, 90, 100, ">", 90, integer=True) == 1
    assert numerator_needed(ind, 90, 100, ">=", 90, integer=True) == 0


def test_equals_100_needs_every_source(catalog: Catalog) -> None:
    ind = catalog.indicator(2)
    assert numerator_needed(ind, 2, 3, ">=", 100, integer=True) == 1
    assert numerator_needed(ind, 3, 3, ">=", 100, integer=True) == 0


def test_amount_needed_reaches_smallest_passing_value(catalog: Catalog) -> None:
    ind = catalog.indicator(20)  # > 3 % at 2 decimals → 3.01 %
    assert reach_value(ind, ">", 3) == pytest.approx(3.01)
    need = numerator_needed(ind, 43_400, 1_497_000, ">", 3, integer=False)
    assert need == pytest.approx(3.01 * 14_970 - 43_400)  # 1,659.7 万元
    assert numerator_needed(ind, 45_100, 1_497_000, ">", 3, integer=False) == 0


def test_zero_denominator_has_no_need(catalog: Catalog) -> None:
    assert numerator_needed(catalog.indicator(6), 0, 0, ">", 95, integer=True) is None


@given(
    den=st.integers(min_value=1, max_value=2000),
    share=st.floats(min_value=0, max_value=1),
    threshold=st.sampled_from([60.0, 90.0, 95.0, 99.9]),
    op=st.sampled_from([">", ">="]),
)
def test_needed_count_is_minimal(catalog: Catalog, den: int, share: float, threshold: float, op: str) -> None:
    ind = catalog.indicator(1)
    num = math.floor(share * den)
    need = numerator_needed(ind, num, den, op, threshold, integer=True)

    def ok(n: float) -> bool:
        v = round_half_even(n / den * 100, 1)
        return v > threshold if op == ">" else v >= threshold

    if need is None:
        assert not ok(den)  # out of reach even with the whole denominator
        return
    assert float(need).is_integer() and need >= 0
    assert ok(num + need)
    if need > 0:
        assert not ok(num + need - 1)


# ---- trend and growth ratio -----------------------------------------------------------------------
def test_growth_ratio_components() -> None:
    t = trajectory([(2023, 80.0), (2024, 84.0), (2025, 88.2)], 90.1, 2026)
    assert t is not None
    cagr_o = (88.2 / 80.0) ** (1 / 2) - 1
    cagr_r = (90.1 / 80.0) ** (1 / 3) - 1
    assert t.cagr_observed == pytest.approx(cagr_o)
    assert t.cagr_required == pytest.approx(cagr_r)
    assert t.growth_ratio == pytest.approx(cagr_o / cagr_r)
    assert t.observed_annual_change == pytest.approx(4.1)
    assert t.required_annual_change == pytest.approx(1.9)
    assert t.projected_value == pytest.approx(92.3)
    assert t.status == "进展显著"  # ratio ≈ 1.21


@pytest.mark.parametrize(
    ("ratio", "label"),
    [
        (0.95, "进展显著"),
        (0.9499, "进展一般"),
        (0.6, "进展一般"),
        (0.5999, "进展有限"),
        (0.0, "进展有限"),
        (-0.0001, DETERIORATION),
    ],
)
def test_ratio_bands_both_sides(ratio: float, label: str) -> None:
    assert _band(ratio, RATIO_THRESHOLDS) == label


def test_target_already_met_and_base_above_target() -> None:
    t = trajectory([(2023, 91.0), (2025, 92.0)], 90.1, 2026)
    assert t is not None and t.status == ACHIEVED and t.required_annual_change == 0
    t = trajectory([(2023, 91.2), (2025, 88.8)], 90.1, 2026)
    assert t is not None and t.growth_ratio is None and t.status == DETERIORATION
    assert "增长比不适用" in t.note


def test_single_year_has_no_trend() -> None:
    t = trajectory([(2025, 50.0)], None, 2026)
    assert t is not None and t.observed_annual_change is None and t.cagr_observed is None


def test_fmt_delta_uses_percentage_points(catalog: Catalog) -> None:
    assert fmt_delta(catalog.indicator(7), 9.8) == "9.8 个百分点"
    assert fmt_delta(catalog.indicator(9), -1.5) == "1.50 km²"


# ---- sentences ------------------------------------------------------------------------------------
def test_failing_threshold_says_days_needed(catalog: Catalog) -> None:
    r, g = _gap(catalog, 1, {"air_good_days": (331, 336, 318), "air_valid_days": (363, 362, 358)})
    assert r.verdict == "未达标" and g.is_problem
    assert "低于目标（> 90%）1.2 个百分点" in g.headline
    assert "需再增加 5 个优良天" in g.headline
    assert g.need is not None and g.need.amount == 5


def test_passing_zoned_threshold_says_margin(catalog: Catalog) -> None:
    values = {
        "forest_area_km2": (2606.10, 2608.90, 2611.00),
        "grass_area_km2": (176.68, 177.88, 183.79),
        "land_area_km2": (4004, 4004, 4004),
    }
    r, g = _gap(catalog, 7, values)
    assert r.verdict == "达标" and not g.is_problem
    assert g.headline.startswith("林草覆盖率高于山区目标 9.8 个百分点")
    assert g.margin == pytest.approx(9.8)


def test_steady_decline_says_what_to_recover(catalog: Catalog) -> None:
    values = {
        "eco_compensation_revenue": (68_900, 70_200, 67_400),
        "fiscal_revenue": (172_000, 176_000, 181_000),
    }
    r, g = _gap(catalog, 15, values)
    assert r.verdict == "未达标"
    assert "需回升 2.9 个百分点（恢复到2023年的 40.1%）" in g.headline
    # 40.1 % of 181,000 万元 = 72,581 万元, i.e. 5,181 万元 more
    assert g.need is not None and g.need.amount == pytest.approx(5181.0)
    assert "需再增加 5,181.0 万元生态补偿类收入" in g.headline


def test_one_dip_is_partial_and_asks_to_hold(catalog: Catalog) -> None:
    values = {"green_organic_output": (78_800, 77_300, 84_600), "agri_output": (503_000, 512_000, 526_000)}
    r, g = _gap(catalog, 12, values)
    assert r.verdict == "基本达标" and g.is_problem
    assert "须保持逐年不下降，2026年不低于 16.1%" in g.headline


def test_missing_names_the_supplying_unit(catalog: Catalog) -> None:
    values = {
        "eco_product_output_per_capita": (4_430, 4_760, None),
        "disposable_income_per_capita": (1, 2, 3),
    }
    r, g = _gap(catalog, 11, values)
    assert r.verdict == "数据缺失" and g.is_problem
    assert "2025年缺少居民人均生态产品产值（统计局" in g.headline
    assert g.missing[0].units[0] == "统计局"


def test_not_applicable_is_not_a_problem(catalog: Catalog) -> None:
    _, g = _gap(catalog, 6, {"plots_safe_use": (0, 0, 0), "plots_redeveloped": (0, 0, 0)})
    assert g.verdict == "不适用" and not g.is_problem


def test_established_without_implementation(catalog: Catalog) -> None:
    values = {"system_issued": (True, True, True), "system_implemented": (True, True, False)}
    _, g = _gap(catalog, 18, values)
    assert g.is_problem and "须补充当年实施佐证" in g.headline


def test_obtained_none(catalog: Catalog) -> None:
    _, g = _gap(catalog, 16, {"eco_brands_obtained": (0, 0, 0)})
    assert g.is_problem and "尚未获得" in g.headline and "2026年前" in g.headline
