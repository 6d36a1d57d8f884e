"""林草覆盖率 (liangshan.standards.land_cover): exact answers on small synthetic rasters."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyogrio.raw
import pyproj
import pytest
import rasterio
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.standards.land_cover import (
    ClassTableError,
    CoverageGapError,
    LandCoverError,
    MissingCRSError,
    NoOverlapError,
    RasterError,
    UnknownClassError,
    china_albers,
    coverage_target,
    land_coverage,
    load_class_table,
)

ALBERS = china_albers(pyproj.CRS.from_epsg(4490))  # equal-area: cell area is exactly |a·e|
X0, Y0 = 1_000_000.0, 4_000_000.0  # an Albers location inside China


def write_raster(
    path: Path,
    arr: np.ndarray,
    *,
    crs: object = ALBERS,
    x0: float = X0,
    y0: float = Y0,
    res: float = 10.0,
    yres: float | None = None,
    nodata: int | None = None,
) -> Path:
    crs_arg = crs.to_wkt() if isinstance(crs, pyproj.CRS) else crs
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=arr.shape[1],
        height=arr.shape[0],
        count=1,
        dtype=arr.dtype,
        crs=crs_arg,
        transform=from_origin(x0, y0, res, yres if yres is not None else res),
        nodata=nodata,
    ) as ds:
        ds.write(arr, 1)
    return path


def write_polys(path: Path, geoms: list[shapely.Geometry], crs: object = ALBERS, **fields: list) -> Path:
    crs_arg = crs.to_wkt() if isinstance(crs, pyproj.CRS) else crs
    names = list(fields)
    data = [np.asarray(v) for v in fields.values()]
    driver = "ESRI Shapefile" if path.suffix == ".shp" else ("GPKG" if path.suffix == ".gpkg" else "GeoJSON")
    pyogrio.raw.write(
        path,
        np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
        data,
        names,
        geometry_type="Unknown",
        crs=crs_arg,
        driver=driver,
    )
    return path


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
    return shapely.box(X0 + x0, Y0 - y1, X0 + x1, Y0 - y0)  # offsets in metres right/down of the origin


# ------------------------------------------------------------------------------ exact cell fractions
def test_half_cells_at_the_border(tmp_path: Path) -> None:
    """3×3 cells of 10 m; the boundary covers the middle cell and half of each edge neighbour."""
    arr = np.array([[301, 401, 103], [401, 301, 401], [103, 401, 305]], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [box(5, 5, 25, 25)])
    res = land_coverage(r, b)
    # covered fractions: corners 1/4, edge-centres 1/2, centre 1 → areas in m² (cell = 100 m²)
    forest = (0.25 * 1 + 1.0 + 0.25 * 1) * 100  # 301 corner, 301 centre, 305 corner
    grass = (0.5 * 4) * 100  # four 401 edge cells
    other = (0.25 * 2) * 100  # two 103 corners
    assert res.forest_area_km2 == pytest.approx(forest / 1e6, rel=1e-6)
    assert res.grass_area_km2 == pytest.approx(grass / 1e6, rel=1e-6)
    assert res.other_area_km2 == pytest.approx(other / 1e6, rel=1e-6)
    assert res.land_area_km2 == pytest.approx(400 / 1e6, rel=1e-6)
    assert res.coverage_percent == pytest.approx((forest + grass) / 400 * 100, rel=1e-6)
    assert res.method["cell_area_kind"] == "constant"
    assert res.missing_area_km2 == pytest.approx(0, abs=1e-12)
    by_code = {c["code"]: c["area_km2"] for c in res.class_areas}
    assert by_code[305] == pytest.approx(25 / 1e6)


def test_cell_centre_rule_would_differ(tmp_path: Path) -> None:
    """A boundary covering 40 % of a forest column: exact coverage gives 40 %, not 0 or 100 %."""
    arr = np.array([[301, 103]], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [box(6, 0, 20, 10)])  # 4 m of the forest cell, all of the other
    res = land_coverage(r, b)
    assert res.forest_area_km2 == pytest.approx(40 / 1e6, rel=1e-6)
    assert res.coverage_percent == pytest.approx(40 / 140 * 100, rel=1e-6)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    ny=st.integers(2, 6),
    nx=st.integers(2, 6),
)
def test_rectangle_areas_property(tmp_path: Path, data: st.DataObject, ny: int, nx: int) -> None:
    """Any axis-aligned rectangle: per-class areas = Σ (x overlap × y overlap) over cells, computed here."""
    codes = np.array([103, 301, 305, 401, 1101], dtype=np.uint16)
    arr = codes[
        np.array(data.draw(st.lists(st.integers(0, 4), min_size=nx * ny, max_size=nx * ny))).reshape(ny, nx)
    ]
    xa = data.draw(st.floats(0, nx * 10 - 1))
    xb = data.draw(st.floats(xa + 0.5, nx * 10))
    ya = data.draw(st.floats(0, ny * 10 - 1))
    yb = data.draw(st.floats(ya + 0.5, ny * 10))
    r = write_raster(tmp_path / "p.tif", arr)
    b = write_polys(tmp_path / "p.gpkg", [box(xa, ya, xb, yb)])
    res = land_coverage(r, b)
    edges_x = np.arange(nx + 1) * 10.0
    edges_y = np.arange(ny + 1) * 10.0
    ox = np.clip(np.minimum(edges_x[1:], xb) - np.maximum(edges_x[:-1], xa), 0, None)
    oy = np.clip(np.minimum(edges_y[1:], yb) - np.maximum(edges_y[:-1], ya), 0, None)
    cell = np.outer(oy, ox)  # m²
    expected = {int(c): float(cell[arr == c].sum()) / 1e6 for c in np.unique(arr) if cell[arr == c].sum() > 0}
    got = {c["code"]: c["area_km2"] for c in res.class_areas}
    assert got.keys() == expected.keys()
    for c, v in expected.items():
        assert got[c] == pytest.approx(v, rel=1e-6, abs=1e-12)
    assert res.land_area_km2 == pytest.approx((xb - xa) * (yb - ya) / 1e6, rel=1e-6)


def test_windowed_reading_gives_same_result(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    arr = np.array([103, 301, 401], dtype=np.uint16)[rng.integers(0, 3, size=(60, 50))]
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [shapely.Point(X0 + 250, Y0 - 300).buffer(240)])
    big = land_coverage(r, b, max_cells_in_memory=10_000_000)
    small = land_coverage(r, b, max_cells_in_memory=50)
    assert small.forest_area_km2 == pytest.approx(big.forest_area_km2, rel=1e-6)
    assert small.grass_area_km2 == pytest.approx(big.grass_area_km2, rel=1e-6)


# ------------------------------------------------------------------------------------ cell areas
def _zone_area_geod(lon0: float, lon1: float, lat0: float, lat1: float) -> float:
    """Ellipsoidal area (m²) of a lon/lat rectangle via pyproj.Geod with densified parallels."""
    geod = pyproj.Geod(ellps="WGS84")
    n = 2000
    lons = np.linspace(lon0, lon1, n)
    ring_lon = np.concatenate([lons, [lon1], lons[::-1], [lon0]])
    ring_lat = np.concatenate([np.full(n, lat0), [lat1], np.full(n, lat1), [lat0]])
    area, _ = geod.polygon_area_perimeter(ring_lon, ring_lat)
    return abs(area)


def test_geographic_raster_uses_latitude_dependent_cell_areas(tmp_path: Path) -> None:
    """0.1° cells, lat 0–60°N: north half forest, south half grass; compare with the ellipsoidal zone area."""
    arr = np.where(np.arange(600)[:, None] < 300, 301, 401).astype(np.uint16) * np.ones((1, 10), np.uint16)
    r = write_raster(tmp_path / "g.tif", arr, crs="EPSG:4326", x0=110.0, y0=60.0, res=0.1)
    bnd = shapely.box(110.05, 0.05, 110.95, 59.95)
    b = write_polys(tmp_path / "g.geojson", [bnd], crs="EPSG:4326")
    res = land_coverage(r, b)
    forest = _zone_area_geod(110.05, 110.95, 30.0, 59.95) / 1e6
    grass = _zone_area_geod(110.05, 110.95, 0.05, 30.0) / 1e6
    assert res.method["cell_area_kind"] == "latlon"
    assert res.forest_area_km2 == pytest.approx(forest, rel=1e-5)
    assert res.grass_area_km2 == pytest.approx(grass, rel=1e-5)
    assert res.forest_percent == pytest.approx(forest / (forest + grass) * 100, rel=1e-5)
    # a cell-count share would say 50 %: the area share is far lower at these latitudes
    assert res.forest_percent < 45


def test_geographic_cell_aligned_is_exact(tmp_path: Path) -> None:
    arr = np.full((20, 10), 301, dtype=np.uint16)
    r = write_raster(tmp_path / "g.tif", arr, crs="EPSG:4326", x0=111.0, y0=35.0, res=0.05)
    b = write_polys(tmp_path / "g.geojson", [shapely.box(111.0, 34.0, 111.5, 35.0)], crs="EPSG:4326")
    res = land_coverage(r, b)
    assert res.land_area_km2 == pytest.approx(_zone_area_geod(111.0, 111.5, 34.0, 35.0) / 1e6, rel=1e-8)
    assert res.boundary_area_km2 == pytest.approx(res.land_area_km2, rel=1e-6)


def test_gauss_kruger_raster_is_scale_corrected(tmp_path: Path) -> None:
    """EPSG:4546 (CM 111°E), 150 km east of the CM: true area differs from the nominal 30 m × 30 m."""
    gk = pyproj.CRS.from_epsg(4546)
    arr = np.full((100, 100), 301, dtype=np.uint16)
    r = write_raster(tmp_path / "gk.tif", arr, crs="EPSG:4546", x0=650_000.0, y0=3_800_000.0, res=30.0)
    poly = shapely.box(650_000.0, 3_797_000.0, 653_000.0, 3_800_000.0)
    b = write_polys(tmp_path / "gk.geojson", [poly], crs="EPSG:4546")
    res = land_coverage(r, b)
    # independent: the polygon densified and projected to an Albers equal-area with pyproj
    alb = pyproj.CRS.from_proj4("+proj=aea +lat_1=30 +lat_2=40 +lat_0=0 +lon_0=111 +ellps=GRS80 +units=m")
    tr = pyproj.Transformer.from_crs(gk, alb, always_xy=True)
    dense = shapely.segmentize(poly, 10.0)
    xy = np.array(dense.exterior.coords)
    ax, ay = tr.transform(xy[:, 0], xy[:, 1])
    truth = shapely.Polygon(np.column_stack([ax, ay])).area / 1e6
    nominal = 9.0
    assert res.method["cell_area_kind"] == "scaled"
    assert res.land_area_km2 == pytest.approx(truth, rel=1e-6)
    assert abs(res.land_area_km2 - nominal) / nominal > 1e-4  # the correction matters here


# ---------------------------------------------------------------------------------- class tables
def test_class_mapping_override(tmp_path: Path) -> None:
    arr = np.array([[301, 307], [401, 103]], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 20)])
    default = land_coverage(r, b)
    assert default.forest_percent == pytest.approx(25.0)  # 0307 其他林地 not forest by default
    csv = tmp_path / "classes.csv"
    csv.write_text(
        "code,group,name\n0301,forest,乔木林地\n0307,forest,其他林地\n0401,grass,\n0103,other,旱地\n"
    )
    over = land_coverage(r, b, classes=csv)
    assert over.forest_percent == pytest.approx(50.0)
    assert over.coverage_percent == pytest.approx(75.0)
    assert over.method["class_table"].startswith(str(csv))


def test_builtin_schemes_map_shrub_once() -> None:
    for scheme, shrub in (("gbt21010-2017", 305), ("clcd", 3), ("esa-worldcover", 20)):
        t = load_class_table(scheme=scheme)
        assert t.groups[shrub] == "forest"
    assert load_class_table().groups[401] == "grass"
    assert load_class_table(scheme="esa-worldcover").groups[30] == "grass"
    assert load_class_table(scheme="clcd").groups[1] == "other"
    with pytest.raises(ClassTableError, match="未知的地类分类体系"):
        load_class_table(scheme="nope")


def test_class_table_double_listing_is_an_error(tmp_path: Path) -> None:
    csv = tmp_path / "dup.csv"
    csv.write_text("code,group\n0305,forest\n0401,grass\n305,grass\n")
    with pytest.raises(ClassTableError, match=r"第 4 行 code 列的代码 305 与第 2 行重复"):
        load_class_table(csv)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code,name\n301,x\n", "缺少列 'group'"),
        ("code,group\n30a,forest\n", r"第 2 行 code 列的值 '30a' 不是整数"),
        ("code,group\n301,forest\n401,meadow\n", r"第 3 行 group 列的值 'meadow' 无效"),
        ("code,group\n", "没有任何地类代码行"),
        ("", "文件为空"),
    ],
)
def test_class_table_errors_name_row_and_column(tmp_path: Path, content: str, message: str) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(content)
    with pytest.raises(ClassTableError, match=message) as ei:
        load_class_table(csv)
    assert "bad.csv" in str(ei.value)


def test_class_table_reads_excel_bom_and_gbk(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes("code,group,name\n301,forest,乔木林地\n".encode("utf-8-sig"))
    assert load_class_table(bom).names[301] == "乔木林地"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("code,group,name\n301,forest,乔木林地\n".encode("gbk"))
    assert load_class_table(gbk).names[301] == "乔木林地"


def test_overlapping_boundary_features_are_counted_once(tmp_path: Path) -> None:
    arr = np.full((2, 4), 301, dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 30, 20), box(10, 0, 40, 20)])
    res = land_coverage(r, b)
    assert res.land_area_km2 == pytest.approx(800 / 1e6, rel=1e-6)  # not 600 + 600


# --------------------------------------------------------------------------------------- targets
def test_coverage_target_zones_and_mix() -> None:
    assert coverage_target("山区") == 60
    assert coverage_target("丘陵区") == 40
    assert coverage_target("平原区") == 18
    assert coverage_target({"山区": 0.5, "平原区": 0.5}) == pytest.approx(39.0)
    assert coverage_target("山区", targets={"山区": 65}) == 65
    with pytest.raises(LandCoverError, match="未知的地形区"):
        coverage_target("高原")
    with pytest.raises(LandCoverError, match="之和"):
        coverage_target({"山区": 0.5, "丘陵区": 0.4})
    with pytest.raises(LandCoverError, match="0–1"):
        coverage_target({"山区": 1.5, "丘陵区": -0.5})


@pytest.mark.parametrize(
    ("n_forest", "zone", "attained"),
    [(6, "山区", False), (7, "山区", True), (4, "丘陵区", False), (5, "丘陵区", True)],
)
def test_target_is_strict_on_both_sides(tmp_path: Path, n_forest: int, zone: str, attained: bool) -> None:
    arr = np.array([[301] * n_forest + [103] * (10 - n_forest)], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 100, 10)])
    res = land_coverage(r, b, zone=zone)
    assert res.coverage_percent == pytest.approx(n_forest * 10)
    assert res.attained is attained


@pytest.mark.parametrize(("right_edge", "attained"), [(60 / 0.6004, False), (60 / 0.6006, True)])
def test_target_compared_after_rounding_to_one_decimal(
    tmp_path: Path, right_edge: float, attained: bool
) -> None:
    """60.04 % rounds to 60.0 (not > 60); 60.06 % rounds to 60.1 (> 60)."""
    arr = np.array([[301] * 6 + [103] * 4], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    res = land_coverage(r, write_polys(tmp_path / "b.gpkg", [box(0, 0, right_edge, 10)]))
    assert res.coverage_percent == pytest.approx(60 / right_edge * 100, rel=1e-6)
    assert res.attained is attained


# ------------------------------------------------------------------------------------ bad inputs
def test_unknown_code_inside_boundary_is_named(tmp_path: Path) -> None:
    arr = np.array([[301, 999], [401, 103]], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 20)])
    with pytest.raises(UnknownClassError, match="999") as ei:
        land_coverage(r, b)
    assert "r.tif" in str(ei.value)
    # the same code outside the boundary is not an error
    inside_only = write_polys(tmp_path / "b2.gpkg", [box(0, 10, 20, 20)])
    assert land_coverage(r, inside_only).coverage_percent == pytest.approx(50.0)


def test_missing_crs_raster_and_boundary(tmp_path: Path) -> None:
    arr = np.full((2, 2), 301, dtype=np.uint16)
    r = write_raster(tmp_path / "nocrs.tif", arr, crs=None)
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 20)])
    with pytest.raises(MissingCRSError, match=r"nocrs\.tif: 栅格没有坐标参考系"):
        land_coverage(r, b)
    r2 = write_raster(tmp_path / "ok.tif", arr)
    shp = write_polys(tmp_path / "b.shp", [box(0, 0, 20, 20)])
    (tmp_path / "b.prj").unlink()
    with pytest.raises(MissingCRSError, match=r"b\.shp: 边界文件没有坐标参考系"):
        land_coverage(r2, shp)


def test_projected_geojson_without_crs_is_named(tmp_path: Path) -> None:
    r = write_raster(tmp_path / "r.tif", np.full((2, 2), 301, dtype=np.uint16))
    b = write_polys(tmp_path / "nocrs.geojson", [box(0, 0, 20, 20)])  # custom Albers: GeoJSON drops the CRS
    with pytest.raises(MissingCRSError, match=r"nocrs\.geojson: 坐标范围 .* 超出经纬度范围"):
        land_coverage(r, b)


def test_no_overlap(tmp_path: Path) -> None:
    r = write_raster(tmp_path / "r.tif", np.full((2, 2), 301, dtype=np.uint16))
    b = write_polys(tmp_path / "b.gpkg", [box(1000, 1000, 1100, 1100)])
    with pytest.raises(NoOverlapError, match="不重叠"):
        land_coverage(r, b)


def test_gap_outside_raster_and_nodata(tmp_path: Path) -> None:
    arr = np.array([[301, 65535], [401, 103]], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr, nodata=65535)
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 20)])
    with pytest.raises(CoverageGapError, match=r"25\.00%"):
        land_coverage(r, b)
    res = land_coverage(r, b, max_missing_percent=30)
    assert res.land_area_km2 == pytest.approx(300 / 1e6)
    assert res.missing_area_km2 == pytest.approx(100 / 1e6, rel=1e-9)
    assert res.coverage_percent == pytest.approx(200 / 300 * 100)
    # half of the boundary beyond the raster's edge
    r2 = write_raster(tmp_path / "r2.tif", np.full((2, 2), 301, dtype=np.uint16))
    b2 = write_polys(tmp_path / "b2.gpkg", [box(0, 0, 40, 20)])
    with pytest.raises(CoverageGapError, match=r"50\.00%"):
        land_coverage(r2, b2)


def test_float_or_multiband_raster_is_refused(tmp_path: Path) -> None:
    r = write_raster(tmp_path / "f.tif", np.full((2, 2), 301.0, dtype=np.float32))
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 20)])
    with pytest.raises(RasterError, match="整数编码"):
        land_coverage(r, b)
    with pytest.raises(RasterError, match="不存在"):
        land_coverage(tmp_path / "none.tif", b)


def test_boundary_in_other_crs_is_reprojected(tmp_path: Path) -> None:
    arr = np.full((100, 100), 301, dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr, res=30.0)
    poly = shapely.Point(X0 + 1500, Y0 - 1500).buffer(1000, quad_segs=64)
    tr = pyproj.Transformer.from_crs(ALBERS, pyproj.CRS.from_epsg(4490), always_xy=True)
    xy = np.array(poly.exterior.coords)
    lon, lat = tr.transform(xy[:, 0], xy[:, 1])
    b = write_polys(tmp_path / "ll.geojson", [shapely.Polygon(np.column_stack([lon, lat]))], crs="EPSG:4490")
    res = land_coverage(r, b)
    assert res.land_area_km2 == pytest.approx(poly.area / 1e6, rel=1e-6)
    assert res.coverage_percent == pytest.approx(100.0)


def test_invalid_boundary_is_repaired_and_noted(tmp_path: Path) -> None:
    r = write_raster(tmp_path / "r.tif", np.full((2, 2), 301, dtype=np.uint16))
    bowtie = shapely.Polygon(
        [(X0, Y0), (X0 + 20, Y0 - 20), (X0 + 20, Y0), (X0, Y0 - 20)]
    )  # self-intersecting
    assert not bowtie.is_valid
    res = land_coverage(r, write_polys(tmp_path / "bow.gpkg", [bowtie]))
    assert res.land_area_km2 == pytest.approx(200e-6, rel=1e-6)  # two triangles of 100 m²
    assert "make_valid" in res.method["repaired_geometries"]


def test_non_polygon_boundary_is_refused(tmp_path: Path) -> None:
    r = write_raster(tmp_path / "r.tif", np.full((2, 2), 301, dtype=np.uint16))
    b = write_polys(
        tmp_path / "l.gpkg", [box(0, 0, 20, 20), shapely.LineString([(X0, Y0), (X0 + 5, Y0 - 5)])]
    )
    with pytest.raises(LandCoverError, match="第 2 个要素"):
        land_coverage(r, b)


# --------------------------------------------------------------------------------------------- CLI
def test_cli_coverage_json(tmp_path: Path) -> None:
    arr = np.array([[301, 401], [305, 103]], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 20)])
    out = CliRunner().invoke(app, ["land", "coverage", str(r), str(b), "--zone", "丘陵区", "--json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    for key in ("coverage_percent", "forest_percent", "grass_percent", "land_area_km2", "method"):
        assert key in d
    assert d["coverage_percent"] == pytest.approx(75.0)
    assert d["forest_percent"] == pytest.approx(50.0)
    assert d["grass_percent"] == pytest.approx(25.0)
    assert d["land_area_km2"] == pytest.approx(400e-6)
    assert d["target_percent"] == 40 and d["attained"] is True
    text = CliRunner().invoke(app, ["land", "coverage", str(r), str(b), "--zone", "山区=0.5,平原区=0.5"])
    assert text.exit_code == 0, text.output
    assert "林草覆盖率" in text.stdout and "75.00%" in text.stdout and "> 39%" in text.stdout


def test_cli_coverage_errors_exit_2(tmp_path: Path) -> None:
    arr = np.array([[301, 999]], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 10)])
    out = CliRunner().invoke(app, ["land", "coverage", str(r), str(b), "--json"])
    assert out.exit_code == 2
    assert "错误" in out.stderr and "999" in out.stderr
    out2 = CliRunner().invoke(app, ["land", "coverage", str(r), str(b), "--to-indicator"])
    assert out2.exit_code == 2 and "--region" in out2.stderr


def test_cli_coverage_to_indicator(tmp_path: Path) -> None:
    pytest.importorskip("liangshan.store.service")
    from liangshan.demo.build import PROFILE
    from liangshan.store.db import session_scope
    from liangshan.store.regions import load_profile
    from liangshan.store.service import ensure_db
    from liangshan.store.submissions import latest

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    ensure_db(url)
    with session_scope(url) as s:
        load_profile(s, PROFILE)
    arr = np.array([[301, 401], [305, 103]], dtype=np.uint16)
    r = write_raster(tmp_path / "r.tif", arr)
    b = write_polys(tmp_path / "b.gpkg", [box(0, 0, 20, 20)])
    args = ["land", "coverage", str(r), str(b), "--to-indicator", "--region", "411224", "--year", "2024"]
    out = CliRunner().invoke(app, [*args, "--db", url, "--json"])
    assert out.exit_code == 0, out.output
    assert len(json.loads(out.stdout)["submission_ids"]) == 3
    with session_scope(url) as s:
        forest = latest(s, "411224", "forest_area_km2", 2024)
        land = latest(s, "411224", "land_area_km2", 2024)
        assert forest is not None and land is not None
        assert forest.value == pytest.approx(200e-6)
        assert land.value == pytest.approx(400e-6)
        prov = forest.provenance or {}
        assert prov["inputs"][0]["name"] == "r.tif"
        assert prov["calculator"] == "liangshan.standards.land_cover.land_coverage"
    again = CliRunner().invoke(app, [*args, "--db", url, "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["submission_ids"] == []
    bad = CliRunner().invoke(app, [*args[:-4], "--region", "999999", "--year", "2024", "--db", url])
    assert bad.exit_code == 2


def test_geod_oracle_sanity() -> None:
    # the oracle of the geographic tests: 0.1° × 0.1° at the equator ≈ 11.132 km × 11.057 km
    assert math.isclose(_zone_area_geod(0, 0.1, 0, 0.1) / 1e6, 11.132 * 11.057, rel_tol=1e-3)


_FRESH_READ = """
import json, sys
from liangshan.standards.land_cover import read_polygons
p = read_polygons(sys.argv[1])
skipped = sorted(m for m in ("pandas", "pyarrow") if m in sys.modules)
import pandas  # another importer still gets it
print(json.dumps({"n": len(p.geoms), "skipped": skipped, "pandas": pandas.__name__}))
"""


def test_boundary_reading_does_not_import_pandas_or_pyarrow(tmp_path: Path) -> None:
    """pyogrio's start-up probe for pandas/pyarrow costs ≈ 0.45 s of CPU; ``read_polygons`` needs neither."""
    import subprocess
    import sys

    square = [[[111.0, 34.0], [111.1, 34.0], [111.1, 34.1], [111.0, 34.1], [111.0, 34.0]]]
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": square}}
        ],
    }
    path = tmp_path / "边界.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_READ, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {"n": 1, "skipped": [], "pandas": "pandas"}
