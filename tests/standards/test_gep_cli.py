"""``liangshan gep`` (and the --to-indicator path of gep, survey, soil, species) and the eco demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.demo import eco as demo
from liangshan.standards import soil

runner = CliRunner()


def small_workbook() -> dict[str, Any]:
    return {
        "region_name": "测试县",
        "years": [2020, 2021],
        "price_year": 2020,
        "land_area_km2": 10,
        "items": {
            "material_products": {
                "zones": {
                    "香菇": {
                        "quantity": {"value": {2020: 10, 2021: 12}, "unit": "t"},
                        "price": {"value": {2020: 5000, 2021: 6000}, "unit": "元/t"},
                    }
                }
            },
            "carbon_sequestration": {"params": {"nep_t_c": 120, "carbon_price": {2020: 50, 2021: 60}}},
            "recreation": {"params": {"visits_10k": {2020: 10, 2021: 11}, "spend_per_visit": 100}},
        },
    }


@pytest.fixture
def wb_path(tmp_path: Path) -> Path:
    p = tmp_path / "wb.yaml"
    p.write_text(yaml.safe_dump(small_workbook(), allow_unicode=True), encoding="utf-8")
    return p


def run_json(*args: str) -> dict[str, Any]:
    r = runner.invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_gep_json_contract_current_prices(wb_path: Path) -> None:
    d = run_json("gep", str(wb_path), "--year", "2021")
    assert {"gep", "gep_per_km2", "items"} <= set(d)
    for item in d["items"]:
        assert {"name", "category", "quantity", "quantity_unit", "price", "value"} <= set(item)
    # 2021 current: 12 × 6000 = 7.2; 440 t CO₂ × 60 = 2.64; 11 万人次 × 100 = 1100
    assert d["gep"] == pytest.approx(7.2 + 2.64 + 1100)
    assert d["gep_per_km2"] == pytest.approx((7.2 + 2.64 + 1100) / 10)
    assert d["price_basis"] == "current"
    names = {i["name"]: i for i in d["items"]}
    assert names["固碳"]["quantity"] == pytest.approx(440) and names["固碳"]["quantity_unit"] == "t CO₂"
    assert [y["year"] for y in d["years"]] == [2020, 2021]
    assert d["years"][1]["gep_constant"] == pytest.approx(6.0 + 2.2 + 1100)


def test_gep_json_constant_prices(wb_path: Path) -> None:
    d = run_json("gep", str(wb_path), "--price-year", "2020", "--year", "2021")
    assert d["price_basis"] == "constant" and d["price_year"] == 2020
    assert d["gep"] == pytest.approx(6.0 + 2.2 + 1100)
    default_year = run_json("gep", str(wb_path))
    assert default_year["year"] == 2021


def test_gep_table(wb_path: Path) -> None:
    r = runner.invoke(app, ["gep", str(wb_path), "--price-year", "2020"])
    assert r.exit_code == 0, r.output
    assert "单位国土面积 GEP" in r.stdout and "逐年 GEP" in r.stdout and "未核算的项目" in r.stdout


def test_gep_missing_parameter_exit_2_naming_it(tmp_path: Path) -> None:
    d = small_workbook()
    del d["items"]["carbon_sequestration"]["params"]["carbon_price"]
    p = tmp_path / "wb.yaml"
    p.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    r = runner.invoke(app, ["gep", str(p), "--json"])
    assert r.exit_code == 2
    assert "carbon_price" in r.stderr and "carbon_sequestration" in r.stderr
    assert r.stdout == ""


def test_gep_to_indicator_needs_region_and_price_year(wb_path: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["gep", str(wb_path), "--to-indicator"])
    assert r.exit_code == 2 and "--region" in r.stderr
    d = small_workbook()
    d.pop("price_year")
    p = tmp_path / "np.yaml"
    p.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    r2 = runner.invoke(
        app, ["gep", str(p), "--to-indicator", "--region", "411224", "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert r2.exit_code == 2 and "不变价" in r2.stderr


def test_to_indicator_records_with_provenance(wb_path: Path, tmp_path: Path, sqlite_db: str) -> None:
    service = pytest.importorskip("liangshan.store.service")
    from liangshan.demo.build import PROFILE
    from liangshan.store.db import session_scope
    from liangshan.store.regions import load_profile
    from liangshan.store.submissions import latest

    service.ensure_db(sqlite_db)
    with session_scope(sqlite_db) as s:
        load_profile(s, PROFILE)
    common = ["--to-indicator", "--region", "411224", "--db", sqlite_db]
    r = runner.invoke(app, ["gep", str(wb_path), "--price-year", "2020", *common])
    assert r.exit_code == 0, r.output
    files = demo.write_inputs(tmp_path / "demo")
    cmds = [
        ["survey", str(files["survey_2022"]), "--weights", str(files["weights"]), "--year", "2022"],
        ["soil", "farmland", str(files["farmland"])],
        ["soil", "plots", str(files["plots"])],
        ["species", str(files["species"])],
    ]
    for cmd in cmds:
        res = runner.invoke(app, [*cmd, *common])
        assert res.exit_code == 0, (cmd, res.output)
    with session_scope(sqlite_db) as s:
        g = latest(s, "411224", "gep_constant", 2021)
        assert g is not None and g.value == pytest.approx(6.0 + 2.2 + 1100)
        assert (g.provenance or {})["calculator"] == "liangshan.standards.gep.account"
        assert (g.provenance or {})["parameters"]["price_year"] == 2020
        assert (g.provenance or {})["inputs"][0]["name"] == "wb.yaml"
        land = latest(s, "411224", "land_area_km2", 2020)
        assert land is not None and land.value == 10
        sv = latest(s, "411224", "survey_valid", 2022)
        assert sv is not None and sv.value == 405
        sat = latest(s, "411224", "survey_satisfied", 2022)
        assert sat is not None and "加权" in (sat.provenance or {})["components"]["survey_satisfied_note"]
        plots = latest(s, "411224", "plots_redeveloped", 2021)
        assert plots is not None and plots.value == 0
        assert (plots.provenance or {})["components"]["status"] == "不适用"
        sp = latest(s, "411224", "species_richness", 2023)
        assert sp is not None and (sp.provenance or {})["components"]["revision_only_drop"] is True
        fe = latest(s, "411224", "farmland_e_area", 2020)
        assert fe is not None and fe.value == pytest.approx(12_460)


# -------------------------------------------------------------------------------------------------- demo


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    work = tmp_path_factory.mktemp("eco-demo")
    return work, demo.compute_demo(work)


def test_demo_values_per_year_and_element(demo_run: tuple[Path, list[Any]]) -> None:
    _, out = demo_run
    by_year: dict[int, dict[str, float]] = {}
    for cv in out:
        assert cv.region == "411224"
        assert cv.provenance.inputs, cv.provenance.calculator
        by_year.setdefault(cv.year, {}).update(cv.values)
    assert sorted(by_year) == list(range(2020, 2026))
    codes = {
        "farmland_b_area",
        "farmland_c_area",
        "farmland_d_area",
        "farmland_e_area",
        "plots_safe_use",
        "plots_redeveloped",
        "species_richness",
        "gep_constant",
        "land_area_km2",
        "survey_satisfied",
        "survey_valid",
    }
    assert all(set(v) == codes for v in by_year.values())
    a = [
        100 * (v["farmland_b_area"] + v["farmland_c_area"] + v["farmland_d_area"]) / v["farmland_e_area"]
        for v in by_year.values()
    ]
    assert all(95 < x < 98 for x in a)
    zero = [y for y, v in by_year.items() if v["plots_redeveloped"] == 0]
    assert zero == [2021, 2025] and all(by_year[y]["plots_safe_use"] == 0 for y in zero)
    sat = [100 * v["survey_satisfied"] / v["survey_valid"] for v in by_year.values()]
    assert all(93 <= s <= 97 for s in sat) and any(s <= 95 for s in sat)
    assert all(390 <= v["survey_valid"] <= 420 for v in by_year.values())
    rich = [v["species_richness"] for v in by_year.values()]
    assert rich == sorted(rich) and len(set(rich)) == 6  # comparable richness rises every year
    per_km2 = [v["gep_constant"] / v["land_area_km2"] for v in by_year.values()]
    dips = [i for i in range(1, 6) if per_km2[i] < per_km2[i - 1]]
    assert dips == [2] and per_km2[-1] > per_km2[0]  # one dip year (2022)
    assert by_year[2020]["land_area_km2"] == demo.LAND_AREA_KM2


def test_demo_na_notes_and_revision_flag(demo_run: tuple[Path, list[Any]]) -> None:
    _, out = demo_run
    plots = {cv.year: cv for cv in out if "plots_redeveloped" in cv.values}
    assert plots[2021].provenance.components["status"] == soil.STATUS_NOT_APPLICABLE
    assert "不适用" in plots[2021].notes["plots_redeveloped"]
    sp = {cv.year: cv for cv in out if "species_richness" in cv.values}
    assert sp[2023].provenance.components["revision_only_drop"] is True
    assert sp[2023].provenance.components["recorded"] < sp[2022].provenance.components["recorded"]


def test_demo_files_deterministic_and_labelled(demo_run: tuple[Path, list[Any]], tmp_path: Path) -> None:
    work, out = demo_run
    again = demo.write_inputs(tmp_path)
    for key, path in again.items():
        assert path.read_bytes() == (work / "eco" / path.name).read_bytes(), key
        assert "示例数据" in path.name
    hashes = {i.name: i.sha256 for cv in out for i in cv.provenance.inputs}
    assert set(hashes) >= {p.name for k, p in again.items() if k != "readme"}


def test_demo_files_run_through_the_cli(demo_run: tuple[Path, list[Any]]) -> None:
    work, out = demo_run
    d = run_json(
        "gep", str(work / "eco" / "gep_workbook_示例数据.yaml"), "--price-year", "2020", "--year", "2025"
    )
    g2025 = next(cv for cv in out if cv.year == 2025 and "gep_constant" in cv.values)
    assert d["gep"] == pytest.approx(g2025.values["gep_constant"])
    assert [e["name"] for e in d["excluded"]] == ["水资源"]
