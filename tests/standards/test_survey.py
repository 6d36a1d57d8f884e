"""公众满意度 statistics (liangshan.standards.survey) and the ``survey`` CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.standards import survey as sv
from liangshan.standards.survey import SurveyInputError, sample_size, satisfaction, wilson_interval

runner = CliRunner()


# ------------------------------------------------------------------------------------------ sample size


def test_sample_size_infinite_population_is_385() -> None:
    # n0 = 1.96² × 0.25 / 0.05² = 384.16 → 385
    assert sample_size() == 385
    assert sample_size(math.inf) == 385


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (317_232, 384),  # 384.16 / (1 + 383.16/317232) = 383.70 → 384
        (1_000, 278),  # 384.16 / 1.38316 = 277.74 → 278
        (500, 218),  # 384.16 / 1.76632 = 217.49 → 218
        (100, 80),  # 384.16 / 4.8316 = 79.51 → 80
        (1, 1),  # 384.16 / 384.16 = 1
    ],
)
def test_sample_size_fpc(population: float, expected: int) -> None:
    assert sample_size(population) == expected


def test_sample_size_other_parameters() -> None:
    assert sample_size(margin=0.03) == 1068  # 3.8416 × 0.25 / 0.0009 = 1067.11
    assert sample_size(p=0.9) == 139  # 3.8416 × 0.09 / 0.0025 = 138.30
    assert sample_size(invalid_allowance=0.1) == 427  # 384.16 / 0.9 = 426.84
    assert sample_size(z=1.959963984540054) == 385  # 384.146 → 385


def test_sample_size_rejects_bad_parameters() -> None:
    for kwargs in ({"p": 0.0}, {"p": 1.0}, {"margin": 0.0}, {"invalid_allowance": 1.0}, {"population": 0.5}):
        with pytest.raises(ValueError):
            sample_size(**kwargs)


@given(st.floats(1, 1e9))
def test_sample_size_never_exceeds_infinite_population_or_population(n: float) -> None:
    s = sample_size(n)
    assert s <= 385
    assert s <= math.ceil(n)


# ----------------------------------------------------------------------------------------------- Wilson


def test_wilson_hand_computed() -> None:
    # p = .95, z² = 3.8416: centre .969208/1.038416, half 1.96/1.038416 × sqrt(.000475 + .00009604)
    lo, hi = wilson_interval(95, 100)
    assert lo == pytest.approx(0.888248, abs=1e-6)
    assert hi == pytest.approx(0.978457, abs=1e-6)


def test_wilson_all_satisfied_closed_form() -> None:
    lo, hi = wilson_interval(400, 400)
    assert lo == pytest.approx(400 / (400 + 1.96**2))
    assert hi == 1.0
    lo0, hi0 = wilson_interval(0, 400)
    assert lo0 == 0.0
    assert hi0 == pytest.approx(1.96**2 / (400 + 1.96**2))


@given(st.integers(1, 5000), st.data())
@settings(max_examples=60)
def test_wilson_contains_estimate(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n + 1e-12
    assert k / n - 1e-12 <= hi <= 1.0


def test_wilson_rejects_bad_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(1, 0)
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


# ------------------------------------------------------------------------------------------ satisfaction


def _frame(codes: list[int], **strata: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"code": pl.Series(codes, dtype=pl.Int8), **strata})


def test_top_box_default_three_and_configurable() -> None:
    # 2 很满意, 3 满意, 4 基本满意, 1 不太满意 → top3 = 9/10, top2 = 5/10
    codes = [0, 0, 1, 1, 1, 2, 2, 2, 2, 3]
    assert satisfaction(_frame(codes)).satisfaction_percent == pytest.approx(90.0)
    r2 = satisfaction(_frame(codes), top_box=2)
    assert r2.satisfaction_percent == pytest.approx(50.0)
    assert r2.parameters["top_box_labels"] == ["很满意", "满意"]
    with pytest.raises(ValueError):
        satisfaction(_frame(codes), top_box=5)


def test_claim_flag_both_sides_of_95() -> None:
    # n = 400: k = 388 → Wilson low 94.83 % (cannot claim > 95); k = 389 → 95.14 % (can)
    below = satisfaction(_frame([0] * 388 + [4] * 12))
    above = satisfaction(_frame([0] * 389 + [4] * 11))
    assert below.ci_low == pytest.approx(94.830, abs=1e-3)
    assert not below.supports_claim
    assert above.ci_low == pytest.approx(95.143, abs=1e-3)
    assert above.supports_claim
    assert below.sample_needed == 385 and below.sample_sufficient


def test_small_sample_flag() -> None:
    # 60 of 60 satisfied: Wilson low = 60 / 63.8416 = 93.98 % → the sample cannot support "> 95 %"
    r = satisfaction(_frame([0] * 60), population=317_232)
    assert r.satisfaction_percent == 100.0
    assert r.ci_low == pytest.approx(100 * 60 / (60 + 1.96**2))
    assert not r.supports_claim
    assert r.sample_needed == 384
    assert not r.sample_sufficient
    # 100 of 100: low = 96.30 % → supported by the interval even though n < sample_needed
    r100 = satisfaction(_frame([0] * 100), population=317_232)
    assert r100.supports_claim and not r100.sample_sufficient


def test_stratified_weights_hand_computed() -> None:
    # stratum A: W .6, 90/100; stratum B: W .4, 48/50
    codes = [0] * 90 + [3] * 10 + [1] * 48 + [4] * 2
    town = ["A"] * 100 + ["B"] * 50
    weights = pl.DataFrame({"township": ["A", "B"], "weight": [0.6, 0.4]})
    r = satisfaction(_frame(codes, township=town), weights=weights)
    assert r.weighted
    assert r.satisfaction_percent == pytest.approx(92.4)  # .6 × .9 + .4 × .96
    assert r.unweighted_percent == pytest.approx(100 * 138 / 150)
    var = 0.36 * 0.9 * 0.1 / 100 + 0.16 * 0.96 * 0.04 / 50
    assert r.ci_low == pytest.approx(100 * (0.924 - 1.96 * math.sqrt(var)))
    assert r.ci_high == pytest.approx(100 * (0.924 + 1.96 * math.sqrt(var)))
    assert r.ci_method == "stratified"
    assert r.satisfied_equivalent == pytest.approx(0.924 * 150)
    assert {s["township"]: s["n"] for s in r.strata} == {"A": 100, "B": 50}


def test_without_weights_strata_use_sample_shares() -> None:
    codes = [0] * 90 + [3] * 10 + [1] * 48 + [4] * 2
    town = ["A"] * 100 + ["B"] * 50
    r = satisfaction(_frame(codes, township=town))
    assert not r.weighted
    assert r.satisfaction_percent == pytest.approx(100 * 138 / 150)
    assert r.ci_method == "wilson"
    assert sum(s["weight"] for s in r.strata) == pytest.approx(1.0)


def test_weights_two_keys_and_zero_variance_fallback() -> None:
    codes = [0, 0, 1, 1]
    r = satisfaction(
        _frame(codes, township=["A", "A", "B", "B"], urban_rural=["城镇", "农村", "城镇", "农村"]),
        weights=pl.DataFrame(
            {
                "township": ["A", "A", "B", "B"],
                "urban_rural": ["城镇", "农村", "城镇", "农村"],
                "weight": [1.0] * 4,
            }
        ),
    )
    assert r.satisfaction_percent == 100.0
    assert r.ci_method == "wilson(回退)"
    assert r.ci_low == pytest.approx(100 * 4 / (4 + 1.96**2))


def test_weights_stratum_errors() -> None:
    df = _frame([0, 0], township=["A", "C"])
    w = pl.DataFrame({"township": ["A", "B"], "weight": [0.5, 0.5]})
    with pytest.raises(SurveyInputError, match="C 不在权重表中") as ei:
        satisfaction(df, weights=w)
    assert ei.value.row == 3
    with pytest.raises(SurveyInputError, match="B 没有样本"):
        satisfaction(_frame([0, 0], township=["A", "A"]), weights=w)
    with pytest.raises(SurveyInputError, match="缺少列 township"):
        satisfaction(_frame([0, 0]), weights=w)


@given(st.lists(st.integers(0, 4), min_size=1, max_size=300))
@settings(max_examples=50)
def test_rate_matches_count_and_ci_contains_it(codes: list[int]) -> None:
    r = satisfaction(_frame(codes))
    k = sum(c < 3 for c in codes)
    assert r.satisfied == k
    assert r.satisfaction_percent == pytest.approx(100 * k / len(codes))
    assert r.ci_low - 1e-9 <= r.satisfaction_percent <= r.ci_high + 1e-9


# ------------------------------------------------------------------------------------------------ input


def _csv(path: Path, rows: list[str], header: str = "answer,township,urban_rural") -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_encode_answers_vectorized() -> None:
    codes = sv.encode_answers([" 很满意", "满意", "基本满意", "不太满意", "不满意 "])
    assert codes.tolist() == [0, 1, 2, 3, 4]
    assert codes.dtype == np.int8


def test_read_responses_out_of_range_answer_names_row(tmp_path: Path) -> None:
    p = _csv(tmp_path / "r.csv", ["很满意,A,城镇", "非常满意,A,农村", "满意,B,城镇", "5,B,城镇"])
    with pytest.raises(SurveyInputError) as ei:
        sv.read_responses(p)
    assert ei.value.row == 3 and ei.value.column == "answer"
    msg = str(ei.value)
    assert "非常满意" in msg and "r.csv" in msg and "共 2 行无效" in msg


def test_read_responses_empty_answer_and_stratum(tmp_path: Path) -> None:
    p = _csv(tmp_path / "r.csv", ["很满意,A,城镇", ",A,农村"])
    with pytest.raises(SurveyInputError) as ei:
        sv.read_responses(p)
    assert ei.value.row == 3
    p2 = _csv(tmp_path / "r2.csv", ["很满意,A,城镇", "满意,,农村"])
    with pytest.raises(SurveyInputError) as ei2:
        sv.read_responses(p2)
    assert (ei2.value.row, ei2.value.column) == (3, "township")


def test_read_responses_missing_column_and_no_rows(tmp_path: Path) -> None:
    with pytest.raises(SurveyInputError, match="缺少列 answer"):
        sv.read_responses(_csv(tmp_path / "a.csv", ["A"], header="township"))
    (tmp_path / "b.csv").write_text("answer\n", encoding="utf-8")
    with pytest.raises(SurveyInputError, match="没有有效问卷"):
        sv.read_responses(tmp_path / "b.csv")


def test_read_weights(tmp_path: Path) -> None:
    p = _csv(tmp_path / "w.csv", ["A,600", "B,400"], header="township,population")
    w = sv.read_weights(p)
    assert w["weight"].to_list() == pytest.approx([0.6, 0.4])
    bad = _csv(tmp_path / "w2.csv", ["A,600", "B,-1"], header="township,population")
    with pytest.raises(SurveyInputError) as ei:
        sv.read_weights(bad)
    assert (ei.value.row, ei.value.column) == (3, "population")
    dup = _csv(tmp_path / "w3.csv", ["A,1", "A,2"], header="township,population")
    with pytest.raises(SurveyInputError, match="重复"):
        sv.read_weights(dup)
    with pytest.raises(SurveyInputError, match="分层列"):
        sv.read_weights(_csv(tmp_path / "w4.csv", ["1"], header="population"))


# -------------------------------------------------------------------------------------------------- CLI


def test_cli_json(tmp_path: Path) -> None:
    rows = ["很满意,A,城镇"] * 90 + ["不太满意,A,城镇"] * 10 + ["满意,B,农村"] * 48 + ["不满意,B,农村"] * 2
    p = _csv(tmp_path / "r.csv", rows)
    r = runner.invoke(app, ["survey", str(p), "--json", "--population", "1000"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["n"] == 150
    assert d["satisfaction_percent"] == pytest.approx(92.0)
    assert d["sample_needed"] == 278
    lo, hi = wilson_interval(138, 150)
    assert (d["ci_low"], d["ci_high"]) == (pytest.approx(100 * lo), pytest.approx(100 * hi))
    w = _csv(tmp_path / "w.csv", ["A,600", "B,400"], header="township,population")
    r2 = runner.invoke(app, ["survey", str(p), "--weights", str(w), "--json", "--top-box", "2"])
    d2 = json.loads(r2.stdout)
    assert d2["satisfaction_percent"] == pytest.approx(92.4)  # top 2 = the same answers here
    assert d2["weighted"] is True


def test_cli_table_flags_and_errors(tmp_path: Path) -> None:
    p = _csv(tmp_path / "r.csv", ["很满意,A,城镇"] * 50)
    r = runner.invoke(app, ["survey", str(p)])
    assert r.exit_code == 0, r.output
    assert "样本不足以支持" in r.stdout and "少于所需样本量 385" in r.stdout
    bad = _csv(tmp_path / "bad.csv", ["很满意,A,城镇", "还行,A,城镇"])
    r2 = runner.invoke(app, ["survey", str(bad)])
    assert r2.exit_code == 2
    assert "第 3 行" in r2.stderr and "answer" in r2.stderr
    r3 = runner.invoke(app, ["survey", str(p), "--to-indicator", "--region", "411224"])
    assert r3.exit_code == 2 and "--year" in r3.stderr
