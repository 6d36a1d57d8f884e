"""The 卢氏县 land demo (liangshan.demo.land): real files, real calculators, deterministic output."""

from __future__ import annotations

from pathlib import Path

import pytest

from liangshan.demo.land import COVER_TARGET, REGION, YEARS, compute_demo
from liangshan.provenance import ComputedValues, sha256_file
from liangshan.standards.land_cover import land_coverage


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ComputedValues]]:
    work = tmp_path_factory.mktemp("land-demo")
    return work, compute_demo(work)


def test_one_result_per_year_with_the_four_elements(demo: tuple[Path, list[ComputedValues]]) -> None:
    _, results = demo
    assert [r.year for r in results] == list(YEARS)
    for r in results:
        assert r.region == REGION
        assert set(r.values) == {"forest_area_km2", "grass_area_km2", "land_area_km2", "redline_area_km2"}
        assert r.values["land_area_km2"] == pytest.approx(4004.0, abs=0.01)  # docs/demo.md
        v = {k: float(x) for k, x in r.values.items() if x is not None}
        cover = (v["forest_area_km2"] + v["grass_area_km2"]) / v["land_area_km2"] * 100
        assert cover == pytest.approx(COVER_TARGET[r.year], abs=0.05)
        assert r.provenance.components["land_cover"]["attained"] is True  # 山区 > 60 %


def test_redline_not_decrease_has_a_failing_year(demo: tuple[Path, list[ComputedValues]]) -> None:
    _, results = demo
    verdicts = {r.year: r.provenance.components["redline"]["verdict"] for r in results}
    assert verdicts == {2020: "达标", 2021: "达标", 2022: "达标", 2023: "未达标", 2024: "达标", 2025: "达标"}
    by_year = {r.year: r for r in results}
    ch = by_year[2023].provenance.components["redline"]["changes_vs_previous_year"]
    assert ch["lost_km2"] > 0.5 and ch["changed_ids"][0]["id"] == "411224-HX-01"
    ch24 = by_year[2024].provenance.components["redline"]["changes_vs_previous_year"]
    assert ch24["added_ids"] == ["411224-HX-B01"]


def test_provenance_hashes_the_files_written(demo: tuple[Path, list[ComputedValues]]) -> None:
    work, results = demo
    for r in results:
        for f in r.provenance.inputs:
            assert sha256_file(work / f.name).sha256 == f.sha256
    assert (work / "示例数据_说明.txt").read_text(encoding="utf-8").startswith("示例数据（非官方）")


def test_values_are_recomputable_from_the_files(demo: tuple[Path, list[ComputedValues]]) -> None:
    work, results = demo
    last = results[-1]
    raster = work / last.provenance.inputs[0].name
    res = land_coverage(raster, work / last.provenance.inputs[1].name)
    assert res.forest_area_km2 == pytest.approx(last.values["forest_area_km2"], abs=1e-4)
    assert res.cells_in_window > 4_400_000  # the 30 m evaluation year


@pytest.mark.slow  # a second full demo run (≈ 1.5 s idle, more on a loaded machine)
def test_deterministic(demo: tuple[Path, list[ComputedValues]], tmp_path: Path) -> None:
    _, results = demo
    again = compute_demo(tmp_path)
    assert [r.provenance.inputs for r in again] == [r.provenance.inputs for r in results]
    assert [r.values for r in again] == [r.values for r in results]
