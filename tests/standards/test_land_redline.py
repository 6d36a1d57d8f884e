"""生态保护红线面积 (liangshan.standards.redline): known polygon areas, 不减少 verdicts, change location."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyogrio.raw
import pyproj
import pytest
import shapely
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.standards.land_cover import MissingCRSError, NoOverlapError, china_albers
from liangshan.standards.redline import (
    RedlineError,
    judge_not_decrease,
    redline_area,
    redline_changes,
)

ALBERS = china_albers(pyproj.CRS.from_epsg(4490))
X0, Y0 = 500_000.0, 3_800_000.0


def write_polys(path: Path, geoms: list[shapely.Geometry], crs: object = ALBERS, **fields: list) -> Path:
    crs_arg = crs.to_wkt() if isinstance(crs, pyproj.CRS) else crs
    pyogrio.raw.write(
        path,
        np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
        [np.asarray(v) for v in fields.values()],
        list(fields),
        geometry_type="Unknown",
        crs=crs_arg,
        driver="GPKG" if path.suffix == ".gpkg" else "GeoJSON",
    )
    return path


def sq(x_km: float, y_km: float, w_km: float, h_km: float | None = None) -> shapely.Geometry:
    h = w_km if h_km is None else h_km
    return shapely.box(X0 + x_km * 1000, Y0 + y_km * 1000, X0 + (x_km + w_km) * 1000, Y0 + (y_km + h) * 1000)


@pytest.fixture
def boundary(tmp_path: Path) -> Path:
    return write_polys(tmp_path / "boundary.gpkg", [sq(0, 0, 10)])  # 100 km² region


def test_known_areas_in_equal_area_crs(tmp_path: Path, boundary: Path) -> None:
    red = write_polys(tmp_path / "red.gpkg", [sq(1, 1, 2), sq(5, 5, 1, 3)], hxbh=["A", "B"])
    res = redline_area(red, boundary, id_field="hxbh")
    assert res.area_km2 == pytest.approx(7.0, rel=1e-9)
    assert [p["id"] for p in res.polygons] == ["A", "B"]
    assert [p["area_km2"] for p in res.polygons] == pytest.approx([4.0, 3.0], rel=1e-9)
    assert res.overlap_km2 == pytest.approx(0.0, abs=1e-9)


def test_overlaps_counted_once_and_outside_excluded(tmp_path: Path, boundary: Path) -> None:
    red = write_polys(tmp_path / "red.gpkg", [sq(1, 1, 2), sq(2, 1, 2), sq(9, 9, 2)])
    res = redline_area(red, boundary)
    # union of the two overlapping squares = 3 × 2 = 6; the third has 1 km² inside, 3 km² outside
    assert res.area_km2 == pytest.approx(7.0, rel=1e-9)
    assert res.overlap_km2 == pytest.approx(2.0, rel=1e-9)
    assert res.outside_km2 == pytest.approx(3.0, rel=1e-9)
    assert [p["id"] for p in res.polygons] == [1, 2, 3]


def test_geographic_polygons_match_ellipsoidal_zone_area(tmp_path: Path) -> None:
    lonlat = shapely.box(111.0, 34.0, 111.2, 34.1)
    red = write_polys(tmp_path / "red.geojson", [lonlat], crs="EPSG:4490")
    bnd = write_polys(tmp_path / "bnd.geojson", [shapely.box(110.5, 33.5, 111.5, 34.5)], crs="EPSG:4490")
    # analytic zone area on the CGCS2000 ellipsoid: b²/2 · Δλ · (q(φ1) − q(φ0))
    a, f = 6378137.0, 1 / 298.257222101
    e = np.sqrt(f * (2 - f))
    b = a * (1 - f)

    def q(phi: float) -> float:
        s = np.sin(np.radians(phi))
        return s / (1 - e * e * s * s) + np.log((1 + e * s) / (1 - e * s)) / (2 * e)

    truth = b * b / 2 * np.radians(0.2) * (q(34.1) - q(34.0)) / 1e6
    assert redline_area(red, bnd).area_km2 == pytest.approx(truth, rel=1e-6)


def test_gauss_kruger_polygons_use_ellipsoidal_area(tmp_path: Path) -> None:
    """A 10 km square in EPSG:4546, 150 km east of the CM: its true area is not the planar 100 km²."""
    sq_gk = shapely.box(650_000.0, 3_750_000.0, 660_000.0, 3_760_000.0)
    red = write_polys(tmp_path / "gk.geojson", [sq_gk], crs="EPSG:4546")
    bnd = write_polys(
        tmp_path / "b.geojson", [shapely.box(600_000.0, 3_700_000.0, 700_000.0, 3_800_000.0)], crs="EPSG:4546"
    )
    alb = pyproj.CRS.from_proj4("+proj=aea +lat_1=30 +lat_2=40 +lat_0=0 +lon_0=111 +ellps=GRS80 +units=m")
    tr = pyproj.Transformer.from_crs(pyproj.CRS.from_epsg(4546), alb, always_xy=True)
    xy = np.array(shapely.segmentize(sq_gk, 10.0).exterior.coords)
    ax, ay = tr.transform(xy[:, 0], xy[:, 1])
    truth = shapely.Polygon(np.column_stack([ax, ay])).area / 1e6
    area = redline_area(red, bnd).area_km2
    assert area == pytest.approx(truth, rel=1e-7)
    assert abs(area - 100.0) > 0.02  # the planar area would be off by more than the 0.01 km² tolerance


def test_boundary_in_another_crs(tmp_path: Path) -> None:
    red = write_polys(tmp_path / "red.geojson", [shapely.box(111.0, 34.0, 111.2, 34.1)], crs="EPSG:4490")
    half = write_polys(tmp_path / "half.geojson", [shapely.box(110.0, 34.0, 111.1, 35.0)], crs="EPSG:4490")
    whole = redline_area(
        red, write_polys(tmp_path / "w.geojson", [shapely.box(110, 33, 112, 35)], crs="EPSG:4490")
    )
    part = redline_area(red, half)
    assert part.area_km2 == pytest.approx(whole.area_km2 / 2, rel=1e-4)
    assert part.outside_km2 == pytest.approx(whole.area_km2 / 2, rel=1e-4)


@pytest.mark.parametrize(
    ("area", "baseline", "approved", "verdict"),
    [
        (100.0, 100.0, 0.0, "达标"),
        (100.5, 100.0, 0.0, "达标"),
        (99.991, 100.0, 0.0, "达标"),  # inside the 0.01 km² tolerance
        (99.989, 100.0, 0.0, "未达标"),  # just outside it
        (99.5, 100.0, 0.6, "经批准调整（标记）"),
        (99.3, 100.0, 0.6, "未达标"),
        (99.5, None, 0.0, "无基准"),
    ],
)
def test_not_decrease_on_both_sides(
    area: float, baseline: float | None, approved: float, verdict: str
) -> None:
    assert judge_not_decrease(area, baseline, approved_reduction_km2=approved) == verdict


def test_tolerance_is_a_parameter() -> None:
    assert judge_not_decrease(99.95, 100.0, tolerance_km2=0.1) == "达标"
    assert judge_not_decrease(99.95, 100.0) == "未达标"
    with pytest.raises(RedlineError):
        judge_not_decrease(1.0, 1.0, tolerance_km2=-1)


def test_changes_by_id_and_geometry(tmp_path: Path, boundary: Path) -> None:
    before = write_polys(tmp_path / "y1.gpkg", [sq(1, 1, 2), sq(5, 5, 1), sq(7, 1, 1)], hxbh=["A", "B", "C"])
    # A shrinks by a 0.5 × 2 km strip on its east side, B disappears, C unchanged, D is new
    after = write_polys(
        tmp_path / "y2.gpkg", [sq(1, 1, 1.5, 2), sq(7, 1, 1), sq(3, 7, 1)], hxbh=["A", "C", "D"]
    )
    ch = redline_changes(before, after, boundary, id_field="hxbh")
    assert ch.lost_km2 == pytest.approx(1.0 + 1.0, rel=1e-9)
    assert ch.added_km2 == pytest.approx(1.0, rel=1e-9)
    assert ch.lost_ids == ["B"] and ch.added_ids == ["D"]
    assert [c["id"] for c in ch.changed_ids] == ["A"]
    assert ch.changed_ids[0]["before_km2"] == pytest.approx(4.0) and ch.changed_ids[0][
        "after_km2"
    ] == pytest.approx(3.0)
    assert sorted(p["ids"][0] for p in ch.lost) == ["A", "B"]
    assert [p["ids"] for p in ch.added] == [["D"]]
    # located: the lost piece of B lies where B was
    b_piece = next(p for p in ch.lost if p["ids"] == ["B"])
    tr = pyproj.Transformer.from_crs(ALBERS, ALBERS.geodetic_crs, always_xy=True)
    lon_min, lat_min = tr.transform(X0 + 5000, Y0 + 5000)
    lon_max, lat_max = tr.transform(X0 + 6000, Y0 + 6000)
    assert lon_min <= b_piece["lon"] <= lon_max and lat_min <= b_piece["lat"] <= lat_max


def test_changes_without_id_field(tmp_path: Path, boundary: Path) -> None:
    before = write_polys(tmp_path / "y1.gpkg", [sq(1, 1, 2)])
    after = write_polys(tmp_path / "y2.gpkg", [sq(1, 1, 2), sq(5, 5, 0.005)])  # a 25 m² sliver added
    ch = redline_changes(before, after, boundary)
    assert ch.added_km2 == pytest.approx(25e-6, rel=1e-6)
    assert ch.added == []  # below the 1e-4 km² sliver threshold
    ch2 = redline_changes(before, after, boundary, min_piece_km2=1e-6)
    assert len(ch2.added) == 1 and ch2.added[0]["ids"] == [2]


def test_bad_inputs(tmp_path: Path, boundary: Path) -> None:
    red = write_polys(tmp_path / "red.gpkg", [sq(1, 1, 2), sq(4, 4, 1)], hxbh=["A", "A"])
    with pytest.raises(RedlineError, match="第 2 个要素的 hxbh='A' 与第 1 个要素重复"):
        redline_area(red, boundary, id_field="hxbh")
    with pytest.raises(RedlineError, match="没有属性列 'code'"):
        redline_area(red, boundary, id_field="code")
    far = write_polys(tmp_path / "far.gpkg", [sq(100, 100, 1)])
    with pytest.raises(NoOverlapError, match="不重叠"):
        redline_area(far, boundary)
    nocrs = write_polys(tmp_path / "nocrs.geojson", [sq(1, 1, 1)])
    with pytest.raises(MissingCRSError):
        redline_area(nocrs, boundary)


# --------------------------------------------------------------------------------------------- CLI
def test_cli_redline_json(tmp_path: Path, boundary: Path) -> None:
    red = write_polys(tmp_path / "red.gpkg", [sq(1, 1, 2), sq(5, 5, 1)], hxbh=["A", "B"])
    prev = write_polys(tmp_path / "prev.gpkg", [sq(1, 1, 2), sq(5, 5, 1), sq(7, 7, 1)], hxbh=["A", "B", "C"])
    out = CliRunner().invoke(
        app,
        [
            "land",
            "redline",
            str(red),
            str(boundary),
            "--baseline-km2",
            "6",
            "--id-field",
            "hxbh",
            "--previous",
            str(prev),
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    assert d["area_km2"] == pytest.approx(5.0) and d["baseline_km2"] == 6.0 and d["verdict"] == "未达标"
    assert d["changes"]["lost_ids"] == ["C"]
    text = CliRunner().invoke(
        app,
        [
            "land",
            "redline",
            str(red),
            str(boundary),
            "--baseline-km2",
            "5",
            "--previous",
            str(prev),
            "--id-field",
            "hxbh",
        ],
    )
    assert text.exit_code == 0, text.output
    assert "达标" in text.stdout and "减少图斑 1.0000 km²" in text.stdout and "消失的编号：C" in text.stdout


def test_cli_redline_error(tmp_path: Path, boundary: Path) -> None:
    out = CliRunner().invoke(app, ["land", "redline", str(tmp_path / "missing.gpkg"), str(boundary)])
    assert out.exit_code == 2 and "不存在" in out.stderr


def test_cli_redline_to_indicator(tmp_path: Path, boundary: Path) -> None:
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
    red = write_polys(tmp_path / "red.gpkg", [sq(1, 1, 2)])
    out = CliRunner().invoke(
        app,
        [
            "land",
            "redline",
            str(red),
            str(boundary),
            "--to-indicator",
            "--region",
            "411224",
            "--year",
            "2023",
            "--db",
            url,
        ],
    )
    assert out.exit_code == 0, out.output
    with session_scope(url) as s:
        sub = latest(s, "411224", "redline_area_km2", 2023)
        assert sub is not None and sub.value == pytest.approx(4.0)
        prov = sub.provenance or {}
        assert prov["calculator"] == "liangshan.standards.redline.redline_area"
        assert [i["name"] for i in prov["inputs"]] == ["red.gpkg", "boundary.gpkg"]
