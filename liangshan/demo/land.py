"""卢氏县 demo for indicators 7 (林草覆盖率) and 9 (生态保护红线面积) — 示例数据（非官方）.

:func:`compute_demo` writes deterministic synthetic raw files into ``work_dir`` and runs the calculator specs
(:data:`liangshan.services.calculators.land.SPEC`, :data:`liangshan.services.calculators.redline.SPEC` — the
runs of ``liangshan land coverage|redline --to-indicator`` and of the web upload) on them, and records one
value set per year whose provenance joins the two specs' provenances:

* ``示例数据_卢氏县边界.geojson`` — a synthetic county outline around 111.0°E 34.0°N (CGCS2000 lon/lat,
  EPSG:4490) whose ellipsoidal area is the published 4,004 km² (docs/demo.md);
* ``示例数据_土地覆盖_<year>.tif`` — a categorical raster per year in an Albers equal-area projection on
  CGCS2000 (like the 30 m national land-use products), GB/T 21010-2017 codes. The evaluation year 2025 is at
  30 m (about 4.45 million cells inside the county, 6.5 million in the raster's rectangle); 2020–2024 are at
  90 m, sampled from the same synthetic landscape, to keep the demo within a few seconds. Forest + grass
  drift from about 69.3 % to 70.4 % (the published forest cover was 69.34 % in 2019 and 70.35 % around
  2023–2025, docs/demo.md; the class mix is synthetic);
* ``示例数据_生态保护红线_<year>.geojson`` — redline polygons (EPSG:4546, id field ``hxbh``): the 2022
  delineation is used for 2020–2022, 2023 loses part of one polygon (不减少 → 未达标), 2024 restores it and
  adds a small polygon (达标). The redline area of 卢氏县 is not public: the figures are synthetic;
* ``示例数据_说明.txt`` — what the files are.

The same call writes byte-identical files on the same machine (fixed seed; only +, −, ×, ÷ on the random
fields, vertices rounded to 1 cm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import pyproj
import rasterio
import rasterio.features
import shapely
import shapely.affinity
from numpy.typing import NDArray
from rasterio.transform import from_origin

from liangshan.provenance import ComputedValues, Provenance
from liangshan.services.calculators import land as land_calc
from liangshan.services.calculators import redline as redline_calc
from liangshan.standards.land_cover import china_albers, equal_area_km2, to_crs
from liangshan.standards.redline import redline_area

REGION = "411224"
YEARS = tuple(range(2020, 2026))
SEED = 411224
CELL_M = 30.0
FULL_RESOLUTION_YEARS = (2025,)  # 30 m; the other years at 90 m to keep the demo fast (said in the README)
COARSE_FACTOR = 3
COUNTY_KM2 = 4004.0  # docs/demo.md
CENTRE_LONLAT = (111.0, 34.0)
GK_CRS = "EPSG:4546"  # CGCS2000 / 3-degree Gauss-Kruger CM 111E
LONLAT_CRS = "EPSG:4490"  # CGCS2000 geographic
# forest + grass share of the county by year (%): synthetic drift between the published 2019 and 2023–25
# forest-cover figures
COVER_TARGET = {2020: 69.30, 2021: 69.50, 2022: 69.75, 2023: 69.95, 2024: 70.20, 2025: 70.40}
BASELINE_YEAR = 2022  # the 三区三线 delineation year: the approved redline baseline

BOUNDARY_NAME = "示例数据_卢氏县边界.geojson"
RASTER_NAME = "示例数据_土地覆盖_{year}.tif"
REDLINE_NAME = "示例数据_生态保护红线_{year}.geojson"
README_NAME = "示例数据_说明.txt"

README = """示例数据（非官方）— 卢氏县 林草覆盖率（指标7）与生态保护红线面积（指标9）

本目录的文件由 liangshan.demo.land.compute_demo 以固定随机种子生成，仅用于演示计算流程，不代表官方数据。
- {boundary}：合成的县界（CGCS2000 经纬度 EPSG:4490），椭球面积按公开的 4004 km² 缩放；形状为虚构。
- 示例数据_土地覆盖_<年>.tif：地类栅格（CGCS2000 Albers 等积投影），地类代码按 GB/T 21010-2017
  （0301 乔木林地 → 301）；2025 年为 30 m，2020–2024 年为 90 m（同一合成地表的粗分辨率版本，仅为加快演示）；
  林草覆盖率由约 69.3% 逐年增至约 70.4%（合成）。
- 示例数据_生态保护红线_<年>.geojson：合成的生态保护红线图斑（EPSG:4546，编号列 hxbh）；
  2020–2022 年均为 2022 年划定结果，2023 年一处图斑减少（不减少判定为未达标），2024 年恢复并新增一处。
计算：liangshan land coverage <栅格> {boundary}
      liangshan land redline <红线> {boundary} --baseline-km2 <基数>
"""


# ------------------------------------------------------------------------------------ random fields
def _smooth_field(rng: np.random.Generator, ny: int, nx: int, coarse: int) -> NDArray[np.float32]:
    """Bilinear upsampling of a coarse white-noise grid (only +, −, × so results are reproducible)."""
    gy = ny // coarse + 2
    gx = nx // coarse + 2
    g = rng.standard_normal((gy, gx)).astype(np.float32)
    ty = np.arange(ny, dtype=np.float64) / coarse
    tx = np.arange(nx, dtype=np.float64) / coarse
    iy = ty.astype(np.int64)
    ix = tx.astype(np.int64)
    fy = (ty - iy).astype(np.float32)[:, None]
    fx = (tx - ix).astype(np.float32)[None, :]
    rows = g[iy, :] * (1.0 - fy) + g[iy + 1, :] * fy  # (ny, gx)
    out: NDArray[np.float32] = rows[:, ix] * (1.0 - fx) + rows[:, ix + 1] * fx
    return out


def _boundary_gk(rng: np.random.Generator) -> tuple[shapely.Polygon, pyproj.CRS]:
    """Irregular county outline in EPSG:4546, scaled so that its ellipsoidal area is 4004 km²."""
    gk = pyproj.CRS.from_user_input(GK_CRS)
    to_gk = pyproj.Transformer.from_crs(LONLAT_CRS, gk, always_xy=True)
    cx, cy = to_gk.transform(*CENTRE_LONLAT)
    n = 720
    amps = rng.uniform(0.03, 0.10, size=5)
    phases = rng.uniform(0.0, 2.0 * math.pi, size=5)
    ring = []
    for k in range(n):
        t = 2.0 * math.pi * k / n
        r = 1.0 + sum(float(amps[h]) * math.cos((h + 2) * t + float(phases[h])) for h in range(5))
        # east-west elongated like the real county (about 80 km × 55 km); 35 km nominal radius
        ring.append((cx + 35_000.0 * 1.25 * r * math.cos(t), cy + 35_000.0 * 0.8 * r * math.sin(t)))
    poly = shapely.Polygon(ring)
    for _ in range(2):  # the areal scale barely changes with size: two refinements reach 1e-9
        f = math.sqrt(COUNTY_KM2 / equal_area_km2(poly, gk))
        poly = shapely.affinity.scale(poly, f, f, origin=(cx, cy))
    return poly, gk


def _round_cm(geom: Any) -> Any:
    return shapely.set_precision(geom, 0.01)


def _write_vector(path: Path, geoms: list[Any], crs: str, fields: dict[str, list[Any]] | None = None) -> None:
    fields = fields or {}
    if path.exists():
        path.unlink()
    pyogrio.raw.write(
        path,
        np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
        [np.asarray(v) for v in fields.values()],
        list(fields),
        geometry_type="MultiPolygon",
        promote_to_multi=True,
        crs=crs,
        driver="GeoJSON",
        layer_options={"COORDINATE_PRECISION": 7 if crs == LONLAT_CRS else 2, "RFC7946": "NO"},
    )


# ------------------------------------------------------------------------------------- land cover
@dataclass(frozen=True)
class _Landscape:
    """Static synthetic fields; only the forest/grass threshold changes from year to year."""

    elev: NDArray[np.float32]
    base: NDArray[np.uint16]  # codes of the cells that are not forest/grass
    water: NDArray[np.bool_]
    pasture: NDArray[np.bool_]
    meadow: NDArray[np.bool_]
    land_vals: NDArray[np.float32]  # elev of the county's non-water cells
    n_inside: int


def _landscape(
    elev: NDArray[np.float32], mix: NDArray[np.float32], river: NDArray[np.float32], inside: NDArray[np.bool_]
) -> _Landscape:
    water = np.abs(river) < 0.035
    base = np.full(elev.shape, 103, dtype=np.uint16)  # 旱地
    base[mix > 0.9] = 702  # 农村宅基地
    base[mix < -1.2] = 307  # 其他林地 (not counted as forest)
    base[(elev < -1.0) & (mix > 0.4)] = 1003  # 公路用地
    base[water] = 1101  # 河流水面
    return _Landscape(
        elev=elev,
        base=base,
        water=water,
        pasture=mix > 1.1,
        meadow=mix > 0.2,
        land_vals=elev[inside & ~water],
        n_inside=int(inside.sum()),
    )


def _classify(ls: _Landscape, cover_percent: float) -> NDArray[np.uint16]:
    """GB/T 21010 codes: forest/grass on the highest ``cover_percent`` of the county (by cell centre)."""
    k = min(round(ls.n_inside * cover_percent / 100.0), ls.land_vals.size)
    thr = np.partition(ls.land_vals, ls.land_vals.size - k)[ls.land_vals.size - k]
    d = ls.elev - thr
    conds = [ls.water, d < 0, ls.pasture, (d < 0.12) & ls.meadow, d < 0.25]
    u16 = np.uint16
    codes: NDArray[np.uint16] = np.select(conds, [u16(1101), ls.base, u16(401), u16(404), u16(305)], u16(301))
    return codes


def compute_demo(work_dir: Path) -> list[ComputedValues]:
    """Write the synthetic land-cover and redline files for 卢氏县 and compute indicators 7 and 9.

    Parameters
    ----------
    work_dir : Path
        Directory receiving the raw files (created if missing).

    Returns
    -------
    list of ComputedValues
        One per year 2020–2025 with ``forest_area_km2``, ``grass_area_km2``, ``land_area_km2`` (km²) and
        ``redline_area_km2`` (km²), each computed by :func:`liangshan.standards.land_cover.land_coverage` and
        :func:`liangshan.standards.redline.redline_area` from the files written.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    poly_gk, gk = _boundary_gk(rng)
    poly_gk = _round_cm(poly_gk)
    lonlat = pyproj.CRS.from_user_input(LONLAT_CRS)
    boundary_path = work_dir / BOUNDARY_NAME
    _write_vector(boundary_path, [to_crs(poly_gk, gk, lonlat)], LONLAT_CRS, {"name": ["卢氏县（示例）"]})
    (work_dir / README_NAME).write_text(README.format(boundary=BOUNDARY_NAME), encoding="utf-8")

    # raster grid (Albers equal-area on CGCS2000, like the 30 m national land-use products): the county's
    # bounding box snapped to 90 m with one 90 m cell of margin, so that the 90 m grid nests in the 30 m one
    albers = china_albers(lonlat)
    poly_alb = to_crs(poly_gk, gk, albers)
    x0, y0, x1, y1 = shapely.bounds(poly_alb)
    big = CELL_M * COARSE_FACTOR
    left = math.floor(x0 / big) * big - big
    top = math.ceil(y1 / big) * big + big
    nx = COARSE_FACTOR * (math.ceil((x1 - left) / big) + 1)
    ny = COARSE_FACTOR * (math.ceil((top - y0) / big) + 1)
    elev = _smooth_field(rng, ny, nx, 220) + 0.35 * _smooth_field(rng, ny, nx, 40)
    mix = _smooth_field(rng, ny, nx, 90)
    river = _smooth_field(rng, ny, nx, 300) + 0.05 * _smooth_field(rng, ny, nx, 25)
    grids = {}
    for step in (1, COARSE_FACTOR):
        c = step // 2  # the coarse cell takes the fields at its centre
        tr = from_origin(left, top, CELL_M * step, CELL_M * step)
        e, m, w = elev[c::step, c::step], mix[c::step, c::step], river[c::step, c::step]
        inside = rasterio.features.geometry_mask([poly_alb], e.shape, tr, invert=True)
        grids[step] = (tr, _landscape(e, m, w, inside))
    del elev, mix, river

    # redline polygons of the 2022 delineation (synthetic), clipped to the county
    cx, cy = shapely.get_coordinates(shapely.centroid(poly_gk))[0]
    centres = rng.uniform(-1.0, 1.0, size=(40, 2)) * np.array([45_000.0, 28_000.0]) + np.array([cx, cy])
    radii = rng.uniform(1_800.0, 5_200.0, size=40)
    blobs = []
    for (px, py), r in zip(centres, radii, strict=True):
        blob = shapely.Point(px, py).buffer(r, quad_segs=24)
        blob = shapely.affinity.scale(blob, 1.0 + 0.6 * rng.random(), 1.0, origin="centroid")
        clipped = shapely.intersection(blob, poly_gk)
        if not clipped.is_empty and clipped.area > 1e6:
            blobs.append(clipped)
    merged = shapely.get_parts(shapely.union_all(blobs))
    redline_2022 = [_round_cm(g) for g in merged[np.argsort(-shapely.area(merged))][:24]]
    ids = [f"411224-HX-{i + 1:02d}" for i in range(len(redline_2022))]
    # 2023: part of the largest polygon is lost (e.g. a project occupying it); 2024: restored + one added
    hole = shapely.point_on_surface(redline_2022[0]).buffer(650.0, quad_segs=16)
    loss_2023 = _round_cm(shapely.difference(redline_2022[0], hole))
    taken = shapely.union_all(redline_2022)
    extra = None
    for dx in np.arange(-40_000.0, 40_001.0, 4_000.0):
        for dy in np.arange(-20_000.0, 20_001.0, 4_000.0):
            cand = shapely.Point(cx + dx, cy + dy).buffer(900.0, quad_segs=16)
            if extra is None and shapely.within(cand, poly_gk) and not shapely.intersects(cand, taken):
                extra = _round_cm(cand)
    assert extra is not None
    redlines: dict[int, tuple[list[Any], list[str]]] = {}
    for year in YEARS:
        if year == 2023:
            redlines[year] = ([loss_2023, *redline_2022[1:]], ids)
        elif year >= 2024:
            redlines[year] = ([*redline_2022, extra], [*ids, "411224-HX-B01"])
        else:
            redlines[year] = (redline_2022, ids)

    results: list[ComputedValues] = []
    prev_path: Path | None = None
    for year in YEARS:
        geoms, hx = redlines[year]
        _write_vector(work_dir / REDLINE_NAME.format(year=year), geoms, GK_CRS, {"hxbh": hx})
    baseline_path = work_dir / REDLINE_NAME.format(year=BASELINE_YEAR)
    baseline_km2 = redline_area(baseline_path, boundary_path, id_field="hxbh").area_km2
    for year in YEARS:
        transform, landscape = grids[1 if year in FULL_RESOLUTION_YEARS else COARSE_FACTOR]
        codes = _classify(landscape, COVER_TARGET[year])
        raster_path = work_dir / RASTER_NAME.format(year=year)
        with rasterio.open(
            raster_path,
            "w",
            driver="GTiff",
            width=codes.shape[1],
            height=codes.shape[0],
            count=1,
            dtype="uint16",
            crs=albers.to_wkt(),
            transform=transform,
            tiled=True,
            blockxsize=512,
            blockysize=512,
            compress="zstd",
            zstd_level=1,
        ) as ds:
            ds.write(codes, 1)
        (cover,) = land_calc.SPEC.compute(
            {"raster": raster_path, "boundary": boundary_path}, {"year": year, "zone": "山区"}, REGION
        ).results
        red_path = work_dir / REDLINE_NAME.format(year=year)
        (red,) = redline_calc.SPEC.compute(
            {"polygons": red_path, "boundary": boundary_path, "previous": prev_path},
            {"year": year, "baseline_km2": baseline_km2, "id_field": "hxbh"},
            REGION,
        ).results
        prev_path = red_path
        red_parts = {k: v for k, v in red.provenance.components.items() if k not in ("changes", "method")}
        prov = Provenance(
            calculator=f"{land_calc.CALCULATOR}; {redline_calc.CALCULATOR}",
            standard="; ".join([cover.provenance.standard, red.provenance.standard]),
            parameters={"scheme": "gbt21010-2017", "zone": "山区", "id_field": "hxbh", "tolerance_km2": 0.01},
            inputs=[*cover.provenance.inputs, red.provenance.inputs[0]],
            components={
                "land_cover": cover.provenance.components,
                "redline": {
                    **red_parts,
                    "baseline_year": BASELINE_YEAR,
                    "changes_vs_previous_year": red.provenance.components.get("changes"),
                },
                "data": "示例数据（非官方）",
            },
        )
        note = "示例数据：由合成 30 m 地类栅格计算"
        values = {**cover.values, **red.values}
        results.append(
            ComputedValues(
                year=year,
                values={k: None if v is None else round(float(v), 4) for k, v in values.items()},
                provenance=prov,
                region=REGION,
                notes={
                    "forest_area_km2": note,
                    "grass_area_km2": note,
                    "land_area_km2": note,
                    "redline_area_km2": "示例数据：由合成生态保护红线图斑计算",
                },
            )
        )
    return results
