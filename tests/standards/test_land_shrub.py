"""林草覆盖率 (indicator 7): the 灌木林地 option (class-table ``shrub`` column) and the official figure
preferred over the recomputation (value_source official_first)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_land_cover import box, write_polys, write_raster
from typer.testing import CliRunner

from liangshan.assess import FAIL, PASS, Observation, RegionProfile, assess, official_key
from liangshan.catalog import Catalog
from liangshan.cli import app
from liangshan.services.calculators import land as land_calc
from liangshan.services.calculators.spec import SpecError
from liangshan.standards.land_cover import SHRUB_RULES, ClassTableError, load_class_table

runner = CliRunner()


@pytest.mark.parametrize(("shrub", "group"), [("forest", "forest"), ("grass", "grass"), ("exclude", "other")])
def test_builtin_shrub_codes_follow_the_option(shrub: str, group: str) -> None:
    for scheme, code in (("gbt21010-2017", 305), ("clcd", 3), ("esa-worldcover", 20)):
        t = load_class_table(scheme=scheme, shrub=shrub)
        assert t.groups[code] == group and t.shrub_codes == {code: "unsplit"}
        assert t.shrub == shrub and t.shrub_rule == SHRUB_RULES[shrub]
    t = load_class_table(shrub=shrub)
    assert t.groups[301] == "forest" and t.groups[401] == "grass" and t.groups[307] == "other"
    assert t.groups[306] == "forest"  # 灌丛沼泽 is not 灌木林地


def test_special_shrub_only_refuses_the_unsplit_gbt_class() -> None:
    with pytest.raises(
        ClassTableError,
        match="内置地类对照表（gbt21010-2017）: 第 13 行 shrub 列：代码 0305 的灌木林地未区分",
    ) as e:
        load_class_table(shrub="special-shrub-only")
    assert "GB/T 21010-2017 0305 不细分" in str(e.value)


def test_special_shrub_only_with_a_split_table(tmp_path: Path) -> None:
    csv = tmp_path / "classes.csv"
    csv.write_text(
        "code,group,name,shrub\n301,forest,乔木林地,\n30501,forest,国家特别规定灌木林地,special\n"
        "30502,forest,其他灌木林地,other\n401,grass,天然牧草地,\n",
        encoding="utf-8",
    )
    t = load_class_table(csv, shrub="special-shrub-only")
    assert (t.groups[30501], t.groups[30502], t.groups[301]) == ("forest", "other", "forest")
    assert "仅国家特别规定灌木林地计入森林" in t.source
    assert load_class_table(csv).groups[30502] == "forest"  # default: every 灌木林地 is forest
    assert load_class_table(csv, shrub="grass").groups[30501] == "grass"


def test_shrub_option_errors(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("code,group\n301,forest\n305,forest\n", encoding="utf-8")
    assert load_class_table(plain).groups[305] == "forest"  # no shrub column: the table's groups stand
    with pytest.raises(ClassTableError, match="没有 shrub 列"):
        load_class_table(plain, shrub="grass")
    bad = tmp_path / "bad.csv"
    bad.write_text("code,group,shrub\n301,forest,\n305,forest,bush\n", encoding="utf-8")
    with pytest.raises(ClassTableError, match="第 3 行 shrub 列的值 'bush' 无效"):
        load_class_table(bad)
    with pytest.raises(ClassTableError, match="未知的灌木林地口径"):
        load_class_table(shrub="trees")


@pytest.mark.parametrize(
    ("shrub", "forest", "grass"),
    [("forest", 50.0, 25.0), ("grass", 25.0, 50.0), ("exclude", 25.0, 25.0)],
)
def test_calculator_shrub_parameter(tmp_path: Path, shrub: str, forest: float, grass: float) -> None:
    r = write_raster(tmp_path / "r.tif", np.array([[301, 305], [401, 103]], dtype=np.uint16))
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 20)])
    comp = land_calc.SPEC.compute({"raster": r, "boundary": b}, {"year": 2024, "shrub": shrub})
    res, (cv,) = comp.raw, comp.results
    assert res.forest_percent == pytest.approx(forest) and res.grass_percent == pytest.approx(grass)
    assert cv.provenance.parameters["shrub"] == shrub
    assert cv.provenance.parameters["shrub_rule"] == SHRUB_RULES[shrub]
    assert comp.details[2024]["灌木林地"] == SHRUB_RULES[shrub]
    if shrub == "forest":
        assert res.method["class_table"].startswith("builtin:gbt21010-2017（森林 = 0301")
    else:
        assert res.method["class_table"] == f"builtin:gbt21010-2017（灌木林地：{SHRUB_RULES[shrub]}）"
    with pytest.raises(SpecError, match="--shrub"):
        land_calc.SPEC.compute({"raster": r, "boundary": b}, {"year": 2024, "shrub": "bush"})


def test_cli_shrub_option(tmp_path: Path) -> None:
    r = write_raster(tmp_path / "r.tif", np.array([[301, 305], [401, 103]], dtype=np.uint16))
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 20)])
    res = runner.invoke(app, ["land", "coverage", str(r), str(b), "--shrub", "grass", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["grass_percent"] == 50.0
    res = runner.invoke(app, ["land", "coverage", str(r), str(b), "--shrub", "special-shrub-only"])
    assert res.exit_code != 0 and "0305" in res.output


# -- the official figure is preferred for indicator 7 -------------------------------------------------
LUSHI = RegionProfile("411224", "卢氏县", "山区")
YEARS = (2023, 2024, 2025)


def _obs(official: float | None) -> dict:
    obs = {
        (c, y): Observation(v)
        for y in YEARS
        for c, v in (("forest_area_km2", 2000.0), ("grass_area_km2", 900.0), ("land_area_km2", 4000.0))
    }  # recomputed: 72.5 %
    if official is not None:
        published = {"publisher": "卢氏县林业局", "document": "林草湿综合监测成果",
                     "published_on": "2026-03-01", "explanation": "国家特别规定灌木林地计入森林"}  # fmt: skip
        meta = {"kind": "official", "official": published}
        obs[(official_key(7), 2025)] = Observation(official, 1, 99, 1, meta)
    return obs


def test_indicator_7_judges_the_official_figure_when_entered(catalog: Catalog) -> None:
    assert catalog.indicator(7).value_source == "official_first"

    def result(official: float | None):
        return next(r for r in assess(catalog, LUSHI, YEARS, _obs(official)).results if r.indicator.id == 7)

    plain = result(None).to_dict(catalog)
    assert plain["values"]["2025"] == 72.5 and plain["used"]["2025"] == "recomputed"
    d = result(58.3).to_dict(catalog)  # published below the 山区 target although the raster says 72.5
    assert d["values"]["2025"] == 58.3 and d["recomputed"]["2025"] == 72.5
    assert d["used"] == {"2023": "recomputed", "2024": "recomputed", "2025": "official"}
    assert d["official"]["2025"]["document"] == "林草湿综合监测成果"
    assert result(58.3).verdict == FAIL and result(None).verdict == PASS
