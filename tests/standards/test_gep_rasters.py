"""GEP raster inputs: water conservation and RUSLE soil retention on tiny synthetic GeoTIFFs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from liangshan.standards.gep import GepRasterError, account, parse_workbook
from liangshan.standards.gep import rasters as gr

UTM = "EPSG:32649"  # metres; 100 m cells → 1 hm² = 10⁴ m² each
T = from_origin(500_000, 3_800_000, 100, 100)


def tif(
    path: Path, data: np.ndarray, *, crs: str | None = UTM, transform: Any = T, nodata: float | None = -9999
) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=data.shape[0],
        width=data.shape[1],
        count=1,
        dtype=data.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)
    return path


def full(v: float, shape: tuple[int, int] = (3, 4)) -> np.ndarray:
    return np.full(shape, v, dtype=np.float32)


def test_water_conservation_hand_computed(tmp_path: Path) -> None:
    p = full(800)
    p[0, 0] = -9999  # nodata → skipped
    et = full(500)
    et[2, 3] = 900  # 800 − 100 − 900 < 0 → counts 0
    agg = gr.water_conservation_raster(
        tif(tmp_path / "precipitation.tif", p),
        tif(tmp_path / "et.tif", et),
        runoff=tif(tmp_path / "runoff.tif", full(100)),
    )
    # 10 cells × 200 mm × 10⁴ m² = 10 × 2000 m³
    assert agg.values["water_conservation_m3"] == pytest.approx(20_000)
    assert (agg.cells, agg.nodata_cells, agg.cell_area_m2) == (11, 1, 1e4)


def test_water_conservation_landcover_coefficients(tmp_path: Path) -> None:
    lc = np.array([[1, 1, 2, 2]] * 3, dtype=np.int16)
    agg = gr.water_conservation_raster(
        tif(tmp_path / "precipitation.tif", full(800)),
        tif(tmp_path / "et.tif", full(500)),
        landcover=tif(tmp_path / "landcover.tif", lc, nodata=0),
        runoff_coefficients={1: 0.1, 2: 0.5},
    )
    # class 1: 800 − 80 − 500 = 220 mm on 6 cells; class 2: 800 − 400 − 500 < 0 → 0
    assert agg.values["water_conservation_m3"] == pytest.approx(6 * 220 * 10)


def test_unknown_land_cover_class(tmp_path: Path) -> None:
    lc = np.array([[1, 1, 7, 2]] * 3, dtype=np.int16)
    with pytest.raises(GepRasterError, match="地类代码 7"):
        gr.water_conservation_raster(
            tif(tmp_path / "precipitation.tif", full(800)),
            tif(tmp_path / "et.tif", full(500)),
            landcover=tif(tmp_path / "landcover.tif", lc, nodata=0),
            runoff_coefficients={1: 0.1, 2: 0.5},
        )


def test_soil_retention_hand_computed(tmp_path: Path) -> None:
    names = {"r_factor": 100, "k_factor": 0.02, "ls_factor": 5, "c_factor": 0.1, "p_factor": 0.5}
    paths = [tif(tmp_path / f"{n}.tif", full(v)) for n, v in names.items()]
    agg = gr.soil_retention_raster(*paths)
    # A_c = 100 × 0.02 × 5 × (1 − 0.05) = 9.5 t/hm² on 12 cells of 1 hm²
    assert agg.values["soil_retention_t"] == pytest.approx(114.0, rel=1e-6)


def test_c_factor_out_of_range(tmp_path: Path) -> None:
    names = {"r_factor": 100, "k_factor": 0.02, "ls_factor": 5, "c_factor": 1.2, "p_factor": 0.5}
    paths = [tif(tmp_path / f"{n}.tif", full(v)) for n, v in names.items()]
    with pytest.raises(GepRasterError, match=r"c_factor\.tif"):
        gr.soil_retention_raster(*paths)


def test_blocks_give_the_same_sum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    shape = (37, 23)
    p = rng.uniform(600, 900, shape).astype(np.float32)
    et = rng.uniform(300, 700, shape).astype(np.float32)
    r = rng.uniform(0, 200, shape).astype(np.float32)
    files = (tif(tmp_path / "p.tif", p), tif(tmp_path / "e.tif", et))
    runoff = tif(tmp_path / "r.tif", r)
    whole = gr.water_conservation_raster(*files, runoff=runoff).values["water_conservation_m3"]
    monkeypatch.setattr(gr, "BLOCK_CELLS", 50)  # 2 rows per block
    blocks = gr.water_conservation_raster(*files, runoff=runoff).values["water_conservation_m3"]
    expected = float(np.clip(p.astype(np.float64) - r - et, 0, None).sum()) * 1e4 * 1e-3
    assert whole == pytest.approx(expected, rel=1e-9)
    assert blocks == pytest.approx(expected, rel=1e-9)


def test_geographic_crs_rejected(tmp_path: Path) -> None:
    geo = from_origin(110.0, 34.0, 0.001, 0.001)
    a = tif(tmp_path / "precipitation.tif", full(800), crs="EPSG:4326", transform=geo)
    b = tif(tmp_path / "et.tif", full(500), crs="EPSG:4326", transform=geo)
    c = tif(tmp_path / "runoff.tif", full(100), crs="EPSG:4326", transform=geo)
    with pytest.raises(GepRasterError, match="地理坐标"):
        gr.water_conservation_raster(a, b, runoff=c)


def test_missing_crs_rejected(tmp_path: Path) -> None:
    a = tif(tmp_path / "precipitation.tif", full(800), crs=None)
    with pytest.raises(GepRasterError, match="CRS"):
        gr.water_conservation_raster(a, a, runoff=a)


def test_misaligned_grids_rejected(tmp_path: Path) -> None:
    a = tif(tmp_path / "precipitation.tif", full(800))
    b = tif(tmp_path / "et.tif", full(500), transform=from_origin(500_050, 3_800_000, 100, 100))
    c = tif(tmp_path / "runoff.tif", full(100))
    with pytest.raises(GepRasterError, match=r"et\.tif"):
        gr.water_conservation_raster(a, b, runoff=c)


def _workbook() -> dict[str, Any]:
    return {
        "years": [2020, 2021],
        "land_area_km2": 1,
        "items": {
            "water_conservation": {
                "params": {"reservoir_cost": 8},
                "zones": {
                    "林地": {"land_cover_codes": "1", "runoff_coefficient": 0.1},
                    "草地": {"land_cover_codes": "2", "runoff_coefficient": 0.5},
                },
            },
            "soil_retention": {
                "params": {
                    "soil_n_g_per_kg": 1,
                    "soil_p_g_per_kg": 0.5,
                    "reservoir_cost": 8,
                    "nitrogen_cost": 2,
                    "phosphorus_cost": 3,
                }
            },
        },
    }


def test_engine_uses_rasters_with_year_specific_files(tmp_path: Path) -> None:
    d = tmp_path / "r"
    d.mkdir()
    tif(d / "precipitation.tif", full(800))
    tif(d / "precipitation_2021.tif", full(900))
    tif(d / "et.tif", full(500))
    tif(d / "landcover.tif", np.array([[1, 1, 2, 2]] * 3, dtype=np.int16), nodata=0)
    for n, v in {"r_factor": 100, "k_factor": 0.02, "ls_factor": 5, "c_factor": 0.1, "p_factor": 0.5}.items():
        tif(d / f"{n}.tif", full(v))
    wb = parse_workbook(_workbook())
    r20 = {i.key: i for i in account(wb, 2020, rasters=d).items}
    r21 = {i.key: i for i in account(wb, 2021, rasters=d).items}
    assert r20["water_conservation"].quantity == pytest.approx(6 * 220 * 10)
    # 2021: class 1 900 − 90 − 500 = 310 mm; class 2 900 − 450 − 500 < 0
    assert r21["water_conservation"].quantity == pytest.approx(6 * 310 * 10)
    assert "precipitation_2021.tif" in r21["water_conservation"].quantity_source
    assert r20["water_conservation"].parameters["林地.runoff_coefficient"]["value"] == 0.1
    assert r20["soil_retention.nitrogen"].quantity == pytest.approx(114.0, rel=1e-6)  # 114 t × 1 g/kg


def test_engine_without_rasters_needs_zones(tmp_path: Path) -> None:
    wb = parse_workbook(_workbook())
    with pytest.raises(ValueError):
        account(wb, 2020)  # zone parameters (area, P, R, ET) are absent and no rasters given


def test_engine_partial_rasters_are_an_error(tmp_path: Path) -> None:
    d = tmp_path / "r"
    d.mkdir()
    tif(d / "precipitation.tif", full(800))
    with pytest.raises(GepRasterError, match="et"):
        account(parse_workbook(_workbook()), 2020, rasters=d)
    with pytest.raises(GepRasterError, match="不存在"):
        account(parse_workbook(_workbook()), 2020, rasters=tmp_path / "nope")
