"""Map layers of the 卢氏县 demo (示例数据): what the office would upload for ``/map``.

:func:`seed_map_layers` derives

* the county boundary and the ecological redline polygons from the synthetic files of
  :mod:`liangshan.demo.land` (``示例数据_卢氏县边界.geojson`` in CGCS2000 lon/lat; the newest
  ``示例数据_生态保护红线_<year>.geojson``, EPSG:4546, reprojected to lon/lat and simplified to 20 m),
* the air monitoring stations of :mod:`liangshan.demo.air` (:data:`~liangshan.demo.air.STATIONS`),
* the surface-water sections and drinking-water sources of :mod:`liangshan.demo.water`
  (:data:`~liangshan.demo.water.SECTIONS`, :data:`~liangshan.demo.water.SOURCES`),

and stores them through :func:`liangshan.store.boundaries.import_map_layer` — the same validation as an
upload. The demo's stations and sections have names but no coordinates: the coordinates here are
示例坐标 (placed along the rivers' general course, then moved towards the county's centre until inside the
synthetic boundary), not the real sites.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pyproj
import shapely
import shapely.geometry
import shapely.ops

from liangshan.demo import air, land, water
from liangshan.store.boundaries import import_map_layer

REGION = land.REGION
SIMPLIFY_M = 20.0
# 示例坐标 (lon, lat) of the demo's named sites; not surveyed positions
STATION_AT = {air.STATIONS[0]: (111.005, 34.045), air.STATIONS[1]: (111.035, 34.030)}
SECTION_AT = {
    "洛河卢氏入境（示例）": (110.62, 34.10),
    "洛河县城段（示例）": (111.00, 34.06),
    "洛河范里（示例）": (111.18, 34.10),
    "洛河出境（示例）": (111.36, 34.12),
    "文峪河入洛口（示例）": (110.88, 34.07),
    "老灌河五里川（示例）": (110.92, 33.88),
    "老灌河朱阳关（示例）": (111.05, 33.82),
    "淇河出境（示例）": (111.24, 33.86),
}
SOURCE_AT = {
    "洛河城区饮用水水源地（示例）": (110.965, 34.060),
    "窑子沟水库饮用水水源地（示例）": (111.080, 34.000),
    "县城地下水井群水源地（示例）": (111.020, 34.020),
}


def _inside(lon: float, lat: float, boundary: Any) -> tuple[float, float]:
    """The point, or moved towards the boundary's centre until it lies inside (rounded to 1e-5°)."""
    c = shapely.get_coordinates(shapely.point_on_surface(boundary))[0]
    x, y = lon, lat
    for _ in range(30):
        if shapely.contains_xy(boundary, x, y):
            break
        x, y = (x + c[0]) / 2.0, (y + c[1]) / 2.0
    return round(float(x), 5), round(float(y), 5)


def _points(named: dict[str, tuple[float, float]], names: list[str], boundary: Any, kind: str) -> bytes:
    feats = []
    for name in names:
        lon, lat = _inside(*named[name], boundary)
        feats.append(
            {
                "type": "Feature",
                "properties": {"name": name, "类型": kind, "说明": "示例数据，示例坐标"},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode()


def _rounded(geom: Any) -> dict[str, Any]:
    out: dict[str, Any] = shapely.geometry.mapping(shapely.set_precision(geom, 1e-6))
    return json.loads(json.dumps(out))  # tuples → lists


def _land_files(work_dir: Path) -> tuple[Path, Path]:
    boundary = work_dir / land.BOUNDARY_NAME
    redline = work_dir / land.REDLINE_NAME.format(year=land.YEARS[-1])
    return boundary, redline


def seed_map_layers(files_root: Path, work_dir: Path | None = None) -> dict[str, int]:
    """Store the demo's map layers for 卢氏县 under ``files_root`` (the instance's files directory).

    Parameters
    ----------
    files_root : Path
        The files directory of the instance (``Workspace.files_dir``; beside a SQLite demo database,
        ``liangshan.config.evidence_root(url)``).
    work_dir : Path, optional
        Where :func:`liangshan.demo.land.compute_demo` wrote its files; when missing (the demo built in
        a temporary directory) the land module is run again into a temporary directory (same seed,
        same files).

    Returns
    -------
    dict
        Layer → number of features stored.
    """
    if work_dir is not None and all(p.is_file() for p in _land_files(Path(work_dir))):
        return _seed(Path(files_root), Path(work_dir))
    with tempfile.TemporaryDirectory(prefix="liangshan-map-") as tmp:
        land.compute_demo(Path(tmp))
        return _seed(Path(files_root), Path(tmp))


def _seed(files_root: Path, work_dir: Path) -> dict[str, int]:
    boundary_path, redline_path = _land_files(work_dir)
    bdoc = json.loads(boundary_path.read_text(encoding="utf-8"))
    boundary = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in bdoc["features"]])
    county = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "卢氏县（示例）"}, "geometry": _rounded(boundary)}
        ],
    }
    to_lonlat = pyproj.Transformer.from_crs(land.GK_CRS, land.LONLAT_CRS, always_xy=True)
    rdoc = json.loads(redline_path.read_text(encoding="utf-8"))
    red = []
    for f in rdoc["features"]:
        g = shapely.geometry.shape(f["geometry"]).simplify(SIMPLIFY_M)
        ll = shapely.ops.transform(to_lonlat.transform, g)
        code = str((f.get("properties") or {}).get("hxbh", ""))
        red.append({"type": "Feature", "properties": {"name": code, "hxbh": code}, "geometry": _rounded(ll)})
    layers = {
        "boundary": json.dumps(county, ensure_ascii=False).encode(),
        "redline": json.dumps({"type": "FeatureCollection", "features": red}, ensure_ascii=False).encode(),
        "stations": _points(STATION_AT, list(air.STATIONS), boundary, "空气质量自动监测站"),
        "sections": _points(SECTION_AT, [s[0] for s in water.SECTIONS], boundary, "地表水监测断面"),
        "sources": _points(SOURCE_AT, [s[0] for s in water.SOURCES], boundary, "集中式饮用水水源地"),
    }
    out = {}
    for layer, body in layers.items():
        done = import_map_layer(files_root, REGION, layer, body, f"示例数据_{layer}.geojson")
        out[layer] = done.features
    return out
