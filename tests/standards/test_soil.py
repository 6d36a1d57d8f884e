"""受污染耕地安全利用率 and 污染地块安全利用率 (liangshan.standards.soil) and the ``soil`` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.standards import soil
from liangshan.standards.soil import (
    STATUS_COMPUTED,
    STATUS_DEEMED_MET,
    STATUS_NOT_APPLICABLE,
    SoilInputError,
    farmland_safe_use_rate,
    plots_safe_use_rate,
)

runner = CliRunner()


def test_farmland_formula_hand_computed() -> None:
    r = farmland_safe_use_rate(600, 300, 60, 1000)
    assert r.rate == pytest.approx(96.0)
    assert r.status == STATUS_COMPUTED
    assert (r.numerator, r.denominator) == (960, 1000)
    assert r.components == {"b_area": 600, "c_area": 300, "d_area": 60, "e_area": 1000}


def test_farmland_all_safe_is_100() -> None:
    assert farmland_safe_use_rate(500, 400, 100, 1000).rate == pytest.approx(100.0)


def test_farmland_bcd_equal_e_passes_and_just_above_fails() -> None:
    assert farmland_safe_use_rate(0.1, 0.2, 0.3, 0.6).rate == pytest.approx(
        100.0
    )  # float sum 0.6000000000000001
    with pytest.raises(SoilInputError, match="B \\+ C \\+ D"):
        farmland_safe_use_rate(500, 400, 100.01, 1000)


def test_farmland_zero_denominator_not_applicable_by_default() -> None:
    r = farmland_safe_use_rate(0, 0, 0, 0)
    assert r.rate is None
    assert r.status == STATUS_NOT_APPLICABLE
    assert "不适用" in r.reason


def test_farmland_zero_denominator_provincial_rule() -> None:
    r = farmland_safe_use_rate(0, 0, 0, 0, zero_denominator="deemed_met")
    assert r.rate is None
    assert r.status == STATUS_DEEMED_MET
    assert "视为达标" in r.reason


def test_zero_rule_unknown() -> None:
    with pytest.raises(ValueError, match="zero_denominator"):
        farmland_safe_use_rate(0, 0, 0, 0, zero_denominator="pass")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "abc"])
def test_farmland_bad_values(bad: object) -> None:
    with pytest.raises(SoilInputError):
        farmland_safe_use_rate(bad, 0, 0, 10)  # type: ignore[arg-type]


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e6, exclude_min=True))
def test_farmland_rate_bounded(b: float, c: float, d: float, extra: float) -> None:
    e = b + c + d + extra
    r = farmland_safe_use_rate(b, c, d, e)
    assert r.rate is not None
    assert 0.0 <= r.rate <= 100.0


def test_plots_count_hand_computed() -> None:
    r = plots_safe_use_rate(19, 20)
    assert r.rate == pytest.approx(95.0)
    assert "按个数" in r.method


def test_plots_zero_redeveloped() -> None:
    r = plots_safe_use_rate(0, 0)
    assert r.status == STATUS_NOT_APPLICABLE and r.rate is None
    r2 = plots_safe_use_rate(0, 0, zero_denominator="deemed_met")
    assert r2.status == STATUS_DEEMED_MET and r2.rate is None


def test_plots_validation() -> None:
    with pytest.raises(SoilInputError, match="大于"):
        plots_safe_use_rate(3, 2)
    with pytest.raises(SoilInputError, match="整数"):
        plots_safe_use_rate(1.5, 2)
    assert plots_safe_use_rate(1.5, 2, basis="area").rate == pytest.approx(75.0)
    with pytest.raises(ValueError, match="basis"):
        plots_safe_use_rate(1, 2, basis="volume")  # type: ignore[arg-type]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_read_farmland_csv(tmp_path: Path) -> None:
    p = _write(tmp_path / "f.csv", "year,b_area,c_area,d_area,e_area\n2020,600,300,60,1000\n2021,0,0,0,0\n")
    recs = soil.read_farmland_csv(p)
    assert [r.year for r in recs] == [2020, 2021]
    assert recs[0].result.rate == pytest.approx(96.0)
    assert recs[1].result.status == STATUS_NOT_APPLICABLE


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("year,b_area,c_area,d_area,e_area\n2020,1,1,1,10\n2021,x,1,1,10\n", 3, "b_area"),
        ("year,b_area,c_area,d_area,e_area\n2020,1,1,-1,10\n", 2, "d_area"),
        ("year,b_area,c_area,d_area,e_area\n2020,5,5,1,10\n", 2, "e_area"),
        ("year,b_area,c_area,d_area,e_area\n2020,1,1,1,10\n2020,1,1,1,10\n", 3, "year"),
        ("year,b_area,c_area,d_area,e_area\n2020.5,1,1,1,10\n", 2, "year"),
    ],
)
def test_read_farmland_csv_errors_name_row_and_column(
    tmp_path: Path, text: str, row: int, column: str
) -> None:
    p = _write(tmp_path / "f.csv", text)
    with pytest.raises(SoilInputError) as ei:
        soil.read_farmland_csv(p)
    assert ei.value.row == row
    assert ei.value.column == column
    assert "f.csv" in str(ei.value) and f"第 {row} 行" in str(ei.value)


def test_read_farmland_missing_column(tmp_path: Path) -> None:
    p = _write(tmp_path / "f.csv", "year,b_area,c_area,e_area\n2020,1,1,10\n")
    with pytest.raises(SoilInputError, match="d_area"):
        soil.read_farmland_csv(p)


def test_read_plots_csv_errors(tmp_path: Path) -> None:
    p = _write(tmp_path / "p.csv", "year,plots_redeveloped,plots_safe_use\n2020,2,2\n2021,1,2\n")
    with pytest.raises(SoilInputError) as ei:
        soil.read_plots_csv(p)
    assert (ei.value.row, ei.value.column) == (3, "plots_safe_use")
    p2 = _write(tmp_path / "p2.csv", "year,plots_redeveloped,plots_safe_use\n2020,2.5,2\n")
    with pytest.raises(SoilInputError) as ei2:
        soil.read_plots_csv(p2)
    assert (ei2.value.row, ei2.value.column) == (2, "plots_redeveloped")


def test_cli_farmland_json(tmp_path: Path) -> None:
    p = _write(tmp_path / "f.csv", "year,b_area,c_area,d_area,e_area\n2020,600,300,60,1000\n2021,0,0,0,0\n")
    r = runner.invoke(app, ["soil", "farmland", str(p), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["years"][0]["rate_percent"] == pytest.approx(96.0)
    assert data["years"][1]["status"] == "不适用"
    r2 = runner.invoke(app, ["soil", "farmland", str(p), "--zero-rule", "deemed_met", "--json"])
    assert json.loads(r2.stdout)["years"][1]["status"] == "视为达标"


def test_cli_plots_table_and_error(tmp_path: Path) -> None:
    p = _write(tmp_path / "p.csv", "year,plots_redeveloped,plots_safe_use\n2020,4,3\n2021,0,0\n")
    r = runner.invoke(app, ["soil", "plots", str(p)])
    assert r.exit_code == 0, r.output
    assert "75.00" in r.stdout and "不适用" in r.stdout
    bad = _write(tmp_path / "bad.csv", "year,plots_redeveloped,plots_safe_use\n2020,1,2\n")
    r2 = runner.invoke(app, ["soil", "plots", str(bad)])
    assert r2.exit_code == 2
    assert "第 2 行" in r2.stderr


def test_cli_to_indicator_requires_region(tmp_path: Path) -> None:
    p = _write(tmp_path / "p.csv", "year,plots_redeveloped,plots_safe_use\n2020,4,3\n")
    r = runner.invoke(app, ["soil", "plots", str(p), "--to-indicator"])
    assert r.exit_code == 2
    assert "--region" in r.stderr
