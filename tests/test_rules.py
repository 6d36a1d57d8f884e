"""Target rules at their boundaries (docs/assessment.md), with the reasons a county office reads."""

from __future__ import annotations

import pytest

from liangshan.assess import (
    FAIL,
    MISSING,
    NA,
    PARTIAL,
    PASS,
    Observation,
    RegionProfile,
    assess,
    equal_weights,
    indicator_key,
    ratio_of_sums,
    round_half_even,
)  # fmt: skip
from liangshan.catalog import Catalog

LUSHI = RegionProfile("411224", "卢氏县", "山区")
TARGET_MET = "air_improvement_target_met"
Y3 = (2023, 2024, 2025)


def run(
    catalog: Catalog,
    ind_id: int,
    series: dict[str, tuple],
    region: RegionProfile = LUSHI,
    years=Y3,
    overrides=None,
    evidence: int = 0,
    target_met: bool | None = True,
):
    obs = {
        (code, y): Observation(v, evidence)
        for code, vals in series.items()
        for y, v in zip(years, vals, strict=True)
        if v is not None
    }
    if target_met is not None:  # indicator 1's second condition, with its target document
        obs.update({(TARGET_MET, y): Observation(target_met, 1) for y in years})
    result = assess(catalog, region, years, obs, overrides)
    return next(r for r in result.results if r.indicator.id == ind_id)


def air(catalog, good, valid=(365, 366, 365), **kw):
    return run(catalog, 1, {"air_good_days": good, "air_valid_days": valid}, **kw)


# -- threshold "> 90%" -------------------------------------------------------------------------
def test_threshold_strict_at_boundary(catalog) -> None:
    r = air(catalog, (330, 330, 328.5), valid=(365, 365, 365))  # 328.5/365 = 90.0%
    assert r.values()["2025"] == 90.0
    assert r.verdict == FAIL and r.judgement.reason == "2025年 90.0% ≤ 90%，未达到目标"


def test_threshold_passes_just_above_after_rounding(catalog) -> None:
    r = air(catalog, (330, 330, 329), valid=(365, 365, 365))  # 90.137 → 90.1
    assert r.verdict == PASS and r.judgement.reason == "2025年 90.1% > 90%"


def test_threshold_rounding_half_even_decides(catalog) -> None:
    # 90.05 rounds (GB/T 8170, half to even) to 90.0 → not > 90
    r = run(catalog, 1, {indicator_key(1): (None, None, 90.05)})
    assert r.values()["2025"] == 90.0 and r.verdict == FAIL
    r = run(catalog, 1, {indicator_key(1): (None, None, 90.15)})
    assert r.values()["2025"] == 90.2 and r.verdict == PASS


def test_inclusive_override_for_other_regions(catalog) -> None:
    r = air(catalog, (330, 330, 328.5), valid=(365, 365, 365), overrides={1: {"op": ">=", "text": "≥ 90%"}})
    assert r.verdict == PASS and r.target.text == "≥ 90%" and "≥ 90%" in r.judgement.reason
    # the shared catalog is untouched
    assert catalog.indicator(1).target.op == ">"


def test_threshold_uses_latest_year_and_missing_latest_is_missing(catalog) -> None:
    r = air(catalog, (300, 340, None), valid=(365, 366, None))
    assert r.verdict == MISSING
    assert "2025年数据缺失" in r.judgement.reason and "市生态环境局卢氏分局" in r.judgement.reason


def test_zero_denominator_is_not_applicable_not_zero(catalog) -> None:
    r = run(catalog, 6, {"plots_safe_use": (1, 0, 0), "plots_redeveloped": (1, 2, 0)})
    assert r.verdict == NA and r.values()["2025"] is None
    assert r.values()["2024"] == 0.0
    prov = run(
        catalog,
        6,
        {"plots_safe_use": (1, 0, 0), "plots_redeveloped": (1, 2, 0)},
        overrides={6: {"na_counts_as_pass": True}},
    )
    assert prov.verdict == PASS and "按省级规则计为达标" in prov.judgement.reason


def test_indicator_20_two_decimals(catalog) -> None:
    r = run(catalog, 20, {"eco_env_investment": (3, 3, 30_001), "gdp": (100, 100, 1_000_000)})
    assert r.values()["2025"] == 3.0 and r.verdict == FAIL  # 3.0001% → 3.00, not > 3
    r = run(catalog, 20, {"eco_env_investment": (3, 3, 30_050), "gdp": (100, 100, 1_000_000)})
    assert r.values()["2025"] == 3.0 and r.verdict == FAIL  # 3.005 → 3.00 (half to even)
    r = run(catalog, 20, {"eco_env_investment": (3, 3, 30_051), "gdp": (100, 100, 1_000_000)})
    assert r.values()["2025"] == 3.01 and r.verdict == PASS


# -- equals "100%" -----------------------------------------------------------------------------
def test_equals_100(catalog) -> None:
    assert run(catalog, 2, {"dws_compliant": (3, 3, 3), "dws_total": (3, 3, 3)}).verdict == PASS
    r = run(catalog, 2, {"dws_compliant": (3, 3, 2), "dws_total": (3, 3, 3)})
    assert r.verdict == FAIL and r.judgement.reason == "2025年 66.7%，未达到 100%"


# -- zoned threshold ---------------------------------------------------------------------------
@pytest.mark.parametrize(("zone", "pct", "verdict"), [
    ("山区", 60.0, FAIL), ("山区", 60.1, PASS), ("丘陵区", 40.0, FAIL), ("丘陵区", 40.1, PASS),
    ("平原区", 18.0, FAIL), ("平原区", 18.1, PASS),
])  # fmt: skip
def test_zoned_threshold_each_zone(catalog, zone, pct, verdict) -> None:
    r = run(
        catalog,
        7,
        {
            "forest_area_km2": (1, 1, pct * 10),
            "grass_area_km2": (0, 0, 0),
            "land_area_km2": (1000, 1000, 1000),
        },
        region=RegionProfile("1", "某县", zone),
    )
    assert r.verdict == verdict and zone in r.judgement.reason


def test_zoned_threshold_area_weighted_and_unknown_zone(catalog) -> None:
    mixed = RegionProfile("1", "某县", None, {"山区": 0.5, "丘陵区": 0.5})  # target 50%
    series = {
        "forest_area_km2": (1, 1, 501),
        "grass_area_km2": (0, 0, 0),
        "land_area_km2": (1000, 1000, 1000),
    }
    r = run(catalog, 7, series, region=mixed)
    assert r.judgement.threshold == 50.0 and r.verdict == PASS and "按面积加权" in r.judgement.reason
    r = run(catalog, 7, series, region=RegionProfile("1", "某县"))
    assert r.verdict == MISSING and "地形区" in r.judgement.reason


# -- 稳定提高 -----------------------------------------------------------------------------------
def gw(catalog, good, total=(10, 10, 10), **kw):
    return run(catalog, 4, {"gw_points_good": good, "gw_points_total": total}, **kw)


def test_steady_rising(catalog) -> None:
    r = gw(catalog, (6, 7, 8))
    assert r.verdict == PASS and r.judgement.reason == "2023→2025 连续提高（60.0%→80.0%）"


def test_steady_flat_is_no_decline(catalog) -> None:
    r = gw(catalog, (7, 7, 8))
    assert r.verdict == PASS and "未下降" in r.judgement.reason


def test_steady_single_dip_recovered_is_partial(catalog) -> None:
    r = run(catalog, 8, {"species_richness": (2400, 2395, 2400)})
    assert r.verdict == PARTIAL
    assert r.judgement.reason == "2024年较上年下降 5 种，2025年不低于2023年"


def test_steady_dip_percent_points(catalog) -> None:
    r = gw(catalog, (800, 796, 801), total=(1000, 1000, 1000))
    assert r.verdict == PARTIAL and r.judgement.reason.startswith("2024年较上年下降 0.4 个百分点")


def test_steady_latest_below_base_fails(catalog) -> None:
    r = gw(catalog, (8, 9, 7))
    assert r.verdict == FAIL and "2025年较2023年下降 10 个百分点" in r.judgement.reason


def test_steady_ceiling_held_passes(catalog) -> None:
    r = gw(catalog, (10, 10, 10))
    assert r.verdict == PASS and "保持在上限" in r.judgement.reason


def test_steady_tolerance_absorbs_noise(catalog) -> None:
    assert gw(catalog, (800, 799, 801), total=(1000,) * 3).verdict == PARTIAL
    r = gw(catalog, (800, 799, 801), total=(1000,) * 3, overrides={4: {"tolerance": 0.1}})
    assert r.verdict == PASS


def test_steady_missing_years(catalog) -> None:
    assert gw(catalog, (None, 7, 8), total=(None, 10, 10)).verdict == MISSING
    r = gw(catalog, (6, None, 8), total=(10, None, 10))
    assert r.verdict == PASS and "2024年缺失" in r.judgement.reason


def test_steady_alternative_modes(catalog) -> None:
    dip = {"gw_points_good": (6, 5, 7), "gw_points_total": (10, 10, 10)}
    assert run(catalog, 4, dip, overrides={4: {"mode": "latest_vs_base"}}).verdict == PASS
    assert run(catalog, 4, dip, overrides={4: {"mode": "ols_slope"}}).verdict == PASS
    down = {"gw_points_good": (7, 8, 6), "gw_points_total": (10, 10, 10)}
    assert run(catalog, 4, down, overrides={4: {"mode": "ols_slope"}}).verdict == FAIL


# -- 不减少 -------------------------------------------------------------------------------------
def test_not_decrease_against_baseline(catalog) -> None:
    s = {"redline_area_km2": (1500.0, 1500.0, 1499.995)}
    assert run(catalog, 9, s, overrides={9: {"baseline": 1500.0}}).verdict == PASS  # within 0.01 km²
    r = run(catalog, 9, {"redline_area_km2": (1500.0, 1500.0, 1499.98)}, overrides={9: {"baseline": 1500.0}})
    assert r.verdict == FAIL and "减少 0.02 km²" in r.judgement.reason
    r = run(catalog, 9, {"redline_area_km2": (1500.0, 1501.0, 1500.5)})
    assert r.verdict == PASS and "未设置批准基数" in r.judgement.reason


# -- 获得 / 建立实施 -----------------------------------------------------------------------------
def test_obtained_needs_a_title_and_evidence(catalog) -> None:
    assert run(catalog, 16, {"eco_brands_obtained": (0, 1, 0)}, evidence=1).verdict == PASS
    r = run(catalog, 16, {"eco_brands_obtained": (0, 1, 0)}, evidence=0)
    assert r.verdict == FAIL and "无佐证材料" in r.judgement.reason
    assert run(catalog, 16, {"eco_brands_obtained": (0, 0, 0)}, evidence=1).verdict == FAIL
    assert run(catalog, 16, {"eco_brands_obtained": (None, None, None)}).verdict == MISSING


def test_established_needs_issued_and_implemented(catalog) -> None:
    ok = {"system_issued": (True, True, True), "system_implemented": (True, True, True)}
    assert run(catalog, 18, ok, evidence=1).verdict == PASS
    r = run(
        catalog,
        18,
        {"system_issued": (True, True, True), "system_implemented": (True, True, False)},
        evidence=1,
    )
    assert r.verdict == FAIL and "未见当年实施" in r.judgement.reason
    r = run(
        catalog,
        18,
        {"system_issued": (False, False, False), "system_implemented": (True, True, True)},
        evidence=1,
    )
    assert r.verdict == FAIL and "未印发" in r.judgement.reason
    assert run(catalog, 18, ok, evidence=0).verdict == FAIL


# -- ratios, rounding, summary, score -----------------------------------------------------------
def test_ratio_of_sums_not_mean_of_ratios() -> None:
    rows = [{"g": 300.0, "v": 365.0}, {"g": 10.0, "v": 100.0}]
    value, num, den = ratio_of_sums(["g"], ["v"], rows, 100)
    assert (num, den) == (310.0, 465.0)
    assert value == pytest.approx(310 / 465 * 100)
    assert ratio_of_sums(["g"], ["v"], [{"g": 0.0, "v": 0.0}], 100)[0] is None


def test_round_half_even() -> None:
    assert [round_half_even(x, 1) for x in (90.05, 90.15, 90.25, 90.35)] == [90.0, 90.2, 90.2, 90.4]
    assert round_half_even(2.5, 0) == 2.0 and round_half_even(3.5, 0) == 4.0


def test_direct_indicator_value_used_when_elements_absent(catalog) -> None:
    r = run(catalog, 17, {indicator_key(17): (95.5, 96.0, 96.2)})
    assert r.verdict == PASS and r.years[-1].source == "direct"


def test_summary_counts_and_unofficial_score(catalog) -> None:
    obs = {("air_good_days", 2025): Observation(340), ("air_valid_days", 2025): Observation(365)}
    obs[(TARGET_MET, 2025)] = Observation(True, 1)
    a = assess(catalog, LUSHI, Y3, obs, weights=equal_weights(catalog))
    counts = a.counts()
    assert counts[PASS] == 1 and counts[MISSING] == 19 and sum(counts.values()) == 20
    assert a.score() == 5.0
    d = a.to_dict()
    assert d["summary"]["score"]["label"] == "参考评分（非官方）"
    assert [g["indicators"] for g in d["summary"]["goals"]] == [10, 7, 3]
    assert sum(c["indicators"] for c in d["summary"]["categories"]) == 20
    assert "score" not in assess(catalog, LUSHI, Y3, obs).to_dict()["summary"]
