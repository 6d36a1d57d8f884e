"""The vectorised roll-up assessment against per-county ``assess()`` (the reference) on random counties."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from liangshan.assess import Observation, assess
from liangshan.assess.rules import VERDICTS, RegionProfile
from liangshan.assess.values import display_value, indicator_key, round_half_even
from liangshan.assess.vectorised import (
    CountyVerdicts,
    assess_counties_vectorised,
    covered,
    observation_frame,
    round_half_even_array,
)
from liangshan.catalog import Catalog, load_catalog
from liangshan.catalog.models import Target

YEARS = (2022, 2023, 2024, 2025)
ZONES = ("山区", "丘陵区", "平原区", None)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _value(rng: random.Random, kind: str, year: int, base: float) -> float | bool:
    if kind == "boolean":
        return rng.random() < 0.8
    x = base * (1 + 0.02 * (year - 2022)) * (1 + rng.choice([0.0, 0.0, -0.03, 0.01, -0.001]))
    if kind == "count":
        return float(int(x))
    return round(x, rng.choice([1, 2, 3]))


def random_county(
    catalog: Catalog, rng: random.Random, code: str
) -> tuple[RegionProfile, dict[tuple[str, int], Observation], dict[int, dict[str, Any]]]:
    """A county with gaps, zero denominators, dips, ties of rounding, direct values and odd cases."""
    zone = rng.choice(ZONES)
    shares = {"山区": 0.7, "丘陵区": 0.3} if rng.random() < 0.03 else None
    obs: dict[tuple[str, int], Observation] = {}
    bases = {e.code: rng.uniform(0.5, 3000) for e in catalog.data_elements}
    for ind in catalog.indicators:
        f = ind.formula
        share = rng.choice([0.9, 0.95, 0.955, 0.905, 0.8, 1.0, 0.9500001, 0.0])
        for y in YEARS:
            if f.kind == "ratio":
                den_total = 0.0 if rng.random() < 0.05 else float(rng.choice([20, 40, 365, 1000, 2000]))
                for c in f.denominator:
                    obs[(c, y)] = Observation(den_total / len(f.denominator), rng.randint(0, 1))
                noisy = share * (1 + rng.choice([0.0, 0.0, -0.01, 0.004, 0.02]))
                for c in f.numerator:
                    obs[(c, y)] = Observation(
                        round(den_total * noisy / len(f.numerator), 2), rng.randint(0, 1)
                    )
            else:
                for c in f.element_codes():
                    el = catalog.element(c)
                    obs[(c, y)] = Observation(_value(rng, el.kind, y, bases[c]), rng.choice([0, 0, 1, 2]))
            for cond in ind.conditions:  # indicator 1: 完成上级下达的改善目标 (true, false, no evidence)
                obs[(cond.element, y)] = Observation(rng.random() < 0.85, rng.choice([0, 1, 1, 2]))
            if rng.random() < 0.04:  # a directly entered value
                choices: list[float | bool] = [91.0, 89.95, 100.0, 2.0, 0.0]
                direct = rng.choice([True, False] if f.kind == "all_true" else choices)
                obs[(indicator_key(ind.id), y)] = Observation(direct, rng.randint(0, 1))
    for key in list(obs):
        r = rng.random()
        if r < 0.04:
            del obs[key]  # 数据缺失
        elif r < 0.05:
            obs[key] = Observation(None)
    if rng.random() < 0.02:
        obs[("official:1", 2025)] = Observation(93.0)  # an item the vectorised path does not know
    overrides: dict[int, dict[str, Any]] = {}
    if rng.random() < 0.05:
        overrides[9] = {"baseline": round(rng.uniform(100, 3000), 2)}
    if rng.random() < 0.05:
        overrides[6] = {"na_counts_as_pass": True}
    return RegionProfile(code, f"县{code}", zone, shares), obs, overrides


def compare(catalog: Catalog, vec: CountyVerdicts, profile: RegionProfile, obs: Any, ov: Any) -> None:
    ref = assess(catalog, profile, vec.years, obs, ov)
    for r in ref.results:
        assert vec.verdict_of(profile.code, r.indicator.id) == r.verdict, (profile.code, r.indicator.id)
        for yv in r.years:
            got, status = vec.year_value(profile.code, r.indicator.id, yv.year)
            assert status == yv.status, (profile.code, r.indicator.id, yv.year)
            want = display_value(r.indicator, yv)
            assert got == want and type(got) is type(want), (profile.code, r.indicator.id, yv.year, got, want)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_equals_assess_on_random_counties(catalog: Catalog, seed: int) -> None:
    rng = random.Random(seed)
    counties = [random_county(catalog, rng, f"9{seed}{i:04d}") for i in range(150)]
    profiles = [p for p, _, _ in counties]
    frame = observation_frame({p.code: obs for p, obs, _ in counties})
    overrides = {p.code: ov for p, _, ov in counties if ov}
    seen: set[str] = set()
    for window in ((2023, 2024, 2025), (2022, 2023, 2024), (2025,)):
        vec = assess_counties_vectorised(catalog, profiles, frame, window, overrides)
        seen |= {VERDICTS[int(v)] for v in np.unique(vec.verdict)}
        for p, obs, ov in counties:
            compare(catalog, vec, p, obs, ov)
        # most cells are computed by the vectorised path itself, not by the fallback: indicators with
        # further conditions (indicator 1) included
        assert len(vec.fallback) < 0.25 * len(counties) * len(catalog.indicators)
        assert len({c for c, _ in vec.fallback}) < 0.5 * len(counties)
    assert seen == set(VERDICTS)  # the random counties reach every verdict


def test_conditions_are_vectorised(catalog: Catalog) -> None:
    """Indicator 1's 完成上级下达的改善目标 (a condition with required evidence) is judged by the
    vectorised path: met, false, without evidence and missing give 达标, 未达标, 未达标, 数据缺失."""
    ind = catalog.indicator(1)
    assert ind.conditions and covered(ind)
    cond = ind.conditions[0].element
    cases = {"910001": Observation(True, 1), "910002": Observation(False, 1), "910003": Observation(True, 0)}
    counties = {}
    for code in (*cases, "910004"):
        obs = {("air_good_days", y): Observation(350.0) for y in YEARS}
        obs |= {("air_valid_days", y): Observation(365.0) for y in YEARS}
        if code in cases:
            obs[(cond, 2025)] = cases[code]
        counties[code] = obs
    profiles = [RegionProfile(c, c, "山区") for c in counties]
    vec = assess_counties_vectorised(catalog, profiles, observation_frame(counties), YEARS[1:])
    got = [vec.verdict_of(c, 1) for c in counties]
    assert got == ["达标", "未达标", "未达标", "数据缺失"]
    assert not vec.fallback
    for p in profiles:
        compare(catalog, vec, p, counties[p.code], None)


def test_fallback_for_what_the_vectorised_path_does_not_cover(catalog: Catalog) -> None:
    ind = catalog.indicator(4)
    assert covered(ind)
    ols = Target.model_validate({**ind.target.model_dump(), "mode": "ols_slope"})
    assert not covered(ind, ols)
    new_ind = ind.model_copy(
        update={"formula": ind.formula.model_copy(update={"elements": ("system_issued",)})}
    )
    assert not covered(new_ind)  # a condition added to a ratio: the reference decides
    rng = random.Random(5)
    p, obs, _ = random_county(catalog, rng, "900001")
    obs[("official:1", 2025)] = Observation(99.0)
    vec = assess_counties_vectorised(
        catalog, [p], observation_frame({p.code: obs}), YEARS[1:], {p.code: {9: {}}}
    )
    assert ("900001", 1) in vec.fallback and ("900001", 9) in vec.fallback
    assert ("900001", 2) not in vec.fallback
    compare(catalog, vec, p, obs, {9: {}})


def test_rounding_matches_gbt8170_reference() -> None:
    xs = np.array([2.675, 0.125, 0.135, 90.05, 90.15, 1.005, 2.5, 3.5, -0.125, 12345.6785, 1e-9, np.nan])
    for d in (0, 1, 2, 3):
        got = round_half_even_array(xs, d)
        want = [np.nan if np.isnan(x) else round_half_even(float(x), d) for x in xs]
        np.testing.assert_array_equal(got, np.array(want))


def test_rolled_values_from_arrays_equal_the_grouped_sums(catalog: Catalog) -> None:
    """Σ/Σ from the verdicts' arrays (``rollup_values_arrays``) = the polars group-by
    (``rollup_values``): sums, counts, coverage and the excluded counties with their reasons, for
    every region of a random tree (counties with and without population, direct values, gaps)."""
    from liangshan.assess.rollup import RegionNode, RegionTree, rollup_values, rollup_values_arrays
    from liangshan.assess.vectorised import ItemArrays

    rng = random.Random(11)
    nodes = [RegionNode("910000", "省", "province"), RegionNode("910100", "市", "city", "910000")]
    nodes.append(RegionNode("910200", "市二", "city", "910000"))
    counties = [random_county(catalog, rng, f"910{c}{i:02d}") for c in (1, 2) for i in range(1, 61)]
    for p, _, _ in counties:
        pop = rng.choice([None, 0, 120_000, 350_000, 801_234])
        nodes.append(RegionNode(p.code, p.name, "county", p.code[:4] + "00", p.terrain_zone, population=pop))
    nodes.append(RegionNode("919999", "直辖县", "county", "910000", "山区", population=50_000))
    tree = RegionTree(nodes)
    obs = {p.code: o for p, o, _ in counties} | {"919999": counties[0][1]}
    frame = observation_frame(obs)
    for root, with_self in (("910000", False), ("910100", False), ("100000", False), ("910101", True)):
        ys = [2022, 2023, 2024, 2025]
        arrays = ItemArrays(catalog, frame, tree.counties(root), ys)
        want = rollup_values(catalog, tree, frame, ys, root, counties_too=with_self)
        got = rollup_values_arrays(catalog, tree, arrays, ys, root, counties_too=with_self)
        assert set(got) == set(want) and len(got) == len(want) > 0
        for key, w in want.items():
            g = got[key]
            assert (g.counties, g.covered, g.excluded, g.status) == (
                w.counties,
                w.covered,
                w.excluded,
                w.status,
            )
            assert g.numerator == pytest.approx(w.numerator, rel=1e-12)
            assert g.denominator == pytest.approx(w.denominator, rel=1e-12)
            assert (g.value is None) == (w.value is None)
            if w.value is not None:
                assert g.value == pytest.approx(w.value, rel=1e-12)
        reasons = {r for v in want.values() for _, r in v.excluded}
        assert root == "910101" or reasons == {"direct", "elements", "population"}


def test_item_arrays_place_each_row_and_skip_the_rest(catalog: Catalog) -> None:
    from liangshan.assess.vectorised import ItemArrays

    obs = {
        "410001": {
            ("air_good_days", 2024): Observation(300.0, 0, 1, 1),
            ("air_valid_days", 2025): Observation(None, 2, 2, 3),  # a row without a value
            ("eco_brands_obtained", 2023): Observation(True, 3, 3, 1),
            ("not_in_catalog", 2024): Observation(1.0, 0, 4, 1),
            ("air_good_days", 2019): Observation(9.0, 0, 5, 1),  # a year not asked for
        },
        "499999": {("air_good_days", 2024): Observation(7.0, 0, 6, 1)},  # not a county asked for
        "410002": {("air_good_days", 2025): Observation(0.0, 1, 7, 1)},
    }
    arrays = ItemArrays(catalog, observation_frame(obs), ["410002", "410001"], [2023, 2024, 2025])
    assert set(arrays.items) == {"air_good_days", "air_valid_days", "eco_brands_obtained"}
    good = arrays.items["air_good_days"]
    assert good.value.shape == (2, 3)
    assert good.present.tolist() == [[False, False, True], [False, True, False]]
    assert np.array_equal(good.value, [[np.nan, np.nan, 0.0], [np.nan, 300.0, np.nan]], equal_nan=True)
    assert good.evidence.tolist() == [[0, 0, 1], [0, 0, 0]]
    valid = arrays.items["air_valid_days"]
    assert not valid.present.any() and valid.evidence[1, 2] == 2
    brand = arrays.items["eco_brands_obtained"]
    assert brand.boolean.tolist() == [[False, False, False], [True, False, False]]
    assert brand.value[1, 0] == 1.0 and brand.present[1, 0] and brand.evidence[1, 0] == 3
    window = arrays.window([2024, 2025])["air_good_days"]
    assert window.present.tolist() == [[False, True], [True, False]]
