"""Benchmark of 林草覆盖率 (not a test): ``.venv/bin/python benchmarks/land.py [--big-cells N] [--repeat R]``.

1. County case: the 卢氏县 demo raster of 2025 (30 m, 6.5 M cells in the county's bounding window, 4.45 M
   inside), in the demo's Albers equal-area CRS (constant cell area) and the same cells re-georeferenced to
   CGCS2000 Gauss-Krüger CM 111°E, EPSG:4546 (scale-corrected cell areas). Throughput in cells per second
   (cells of the boundary's bounding window) and the ratio against
   ``rasterstats.zonal_stats(categorical=True)`` computing the same class counts (cell-centre rule) in the
   same run; the area difference of the two methods is shown. Median of ``--repeat`` runs. Target: < 2 s
   per county on 2 cores.
2. Streamed case: a tiled, ZSTD-compressed GeoTIFF of ``--big-cells`` cells (default 100 M; the figure in
   benchmarks/README.md was measured with ``--big-cells 1000000000``) written block by block to a temporary
   directory, and a 2,000-vertex polygon covering most of it; 林草覆盖率 is computed in a child process whose
   peak memory (max RSS) is reported. Target: peak < 2 GB for 1 billion cells.

``--compare`` instead runs ``liangshan land coverage RASTER BOUNDARY --json`` (a subprocess: start-up,
boundary reading and reprojection, exact coverage fractions, JSON output) alternately with the plain
rasterstats script a user would write (``benchmarks/land_rasterstats.py``, also a subprocess) on the 卢氏县
demo raster of 2025 and its GeoJSON boundary (4,004 km²), ``--repeat`` runs each: medians, min–max, ratio
(rasterstats ÷ liangshan, above 1: liangshan faster), peak RSS, and the areas of both. Target: ratio ≥ 1.0.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyogrio.raw
import pyproj
import rasterio
import shapely
from rasterio.transform import from_origin

from liangshan.demo.land import RASTER_NAME, compute_demo
from liangshan.standards.land_cover import (
    china_albers,
    land_coverage,
    load_class_table,
    read_polygons,
    to_crs,
)

T = TypeVar("T")


def _median_time(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _write_boundary(path: Path, geom: shapely.Geometry, crs: str) -> Path:
    pyogrio.raw.write(
        path,
        np.array([shapely.to_wkb(geom)], dtype=object),
        [],
        [],
        geometry_type="Polygon",
        crs=crs,
        driver="GPKG",
    )
    return path


def county(tmp: Path, repeat: int) -> None:
    from rasterstats import zonal_stats

    compute_demo(tmp)
    albers_tif = tmp / RASTER_NAME.format(year=2025)
    boundary = tmp / "示例数据_卢氏县边界.geojson"
    table = load_class_table()
    with rasterio.open(albers_tif) as ds:
        arr = ds.read(1)
        t = ds.transform
        acrs = pyproj.CRS.from_user_input(ds.crs.to_wkt())
    bnd_alb = to_crs(read_polygons(boundary).union(), pyproj.CRS.from_epsg(4490), acrs)
    alb_gpkg = _write_boundary(tmp / "boundary_albers.gpkg", bnd_alb, acrs.to_wkt())
    # the same cells georeferenced in EPSG:4546 around 111°E 34°N (boundary shifted with them)
    gx, gy = 470_000.0, 3_800_000.0
    gk_tif = tmp / "county_gk.tif"
    with rasterio.open(
        gk_tif,
        "w",
        driver="GTiff",
        width=arr.shape[1],
        height=arr.shape[0],
        count=1,
        dtype=arr.dtype,
        crs="EPSG:4546",
        transform=from_origin(gx, gy, 30.0, 30.0),
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="zstd",
    ) as ds:
        ds.write(arr, 1)
    bnd_gk = shapely.affinity.translate(bnd_alb, gx - t.c, gy - t.f)
    gk_gpkg = _write_boundary(tmp / "boundary_gk.gpkg", bnd_gk, "EPSG:4546")

    print(f"county raster: {arr.shape[1]} × {arr.shape[0]} = {arr.size:,} cells (30 m)")
    for label, tif, bnd, geom in (
        ("Albers equal-area (constant cell area)", albers_tif, alb_gpkg, bnd_alb),
        ("EPSG:4546 Gauss-Krüger (scale-corrected)", gk_tif, gk_gpkg, bnd_gk),
    ):
        land_coverage(tif, bnd)  # warm-up (imports, PROJ database)
        med, res = _median_time(partial(land_coverage, tif, bnd), repeat)
        cells = res.cells_in_window
        feats = [shapely.geometry.mapping(geom)]
        rs_med, rs = _median_time(partial(zonal_stats, feats, str(tif), categorical=True), repeat)
        counts = rs[0]
        cell_km2 = 900e-6
        rs_forest = sum(n for c, n in counts.items() if table.groups.get(int(c)) == "forest") * cell_km2
        rs_land = sum(counts.values()) * cell_km2
        print(f"\n[{label}]")
        print(
            f"  exactextract (ours): median {med:.3f} s, {cells / med / 1e6:.1f} M cells/s "
            f"({cells:,} cells in window); coverage {res.coverage_percent:.4f} %, "
            f"land {res.land_area_km2:.4f} km²"
        )
        print(
            f"  rasterstats (cell centre, counts × 900 m²): median {rs_med:.3f} s; "
            f"forest {rs_forest:.3f} km² vs ours {res.forest_area_km2:.3f} km²; "
            f"land {rs_land:.3f} km²"
        )
        print(f"  ratio rasterstats / ours: {rs_med / med:.2f}×")


def make_big(path: Path, n_cells: int) -> tuple[Path, Path]:
    """A square-ish uint8 CLCD-coded raster written block by block, and a 2,000-vertex boundary."""
    side = math.isqrt(n_cells)
    side -= side % 512
    crs = china_albers(pyproj.CRS.from_epsg(4490))
    x0, y0 = 500_000.0, 4_200_000.0
    rng = np.random.default_rng(1)
    tile = rng.choice(
        np.array([1, 2, 3, 4, 5, 7, 8], dtype=np.uint8),
        size=(64, 64),
        p=[0.15, 0.45, 0.1, 0.15, 0.05, 0.05, 0.05],
    )
    tile = np.repeat(np.repeat(tile, 8, axis=0), 8, axis=1)  # 512 × 512 block of 8-cell patches
    tif = path / "big.tif"
    profile = dict(
        driver="GTiff",
        width=side,
        height=side,
        count=1,
        dtype="uint8",
        crs=crs.to_wkt(),
        transform=from_origin(x0, y0, 30.0, 30.0),
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="zstd",
        zstd_level=1,
        BIGTIFF="YES",
    )
    t0 = time.perf_counter()
    with rasterio.open(tif, "w", **profile) as ds:
        strip = np.tile(tile, (1, side // 512))
        for row in range(0, side, 512):
            ds.write(
                np.roll(strip, row // 512 * 7, axis=1), 1, window=rasterio.windows.Window(0, row, side, 512)
            )
    print(
        f"\nbig raster: {side:,} × {side:,} = {side * side:,} cells written in "
        f"{time.perf_counter() - t0:.1f} s ({tif.stat().st_size / 1e6:.0f} MB on disk)"
    )
    half = side * 30.0 / 2
    k = np.arange(2000) * 2 * np.pi / 2000
    r = half * (0.97 + 0.02 * np.cos(7 * k))
    poly = shapely.Polygon(np.column_stack([x0 + half + r * np.cos(k), y0 - half + r * np.sin(k)]))
    return tif, _write_boundary(path / "big_boundary.gpkg", poly, crs.to_wkt())


def extract_child(tif: str, bnd: str, max_cells: int) -> None:
    t0 = time.perf_counter()
    res = land_coverage(tif, bnd, scheme="clcd", max_cells_in_memory=max_cells)
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB → MiB on Linux
    print(
        json.dumps(
            {
                "seconds": dt,
                "cells": res.cells_in_window,
                "peak_mib": peak,
                "coverage_percent": res.coverage_percent,
                "land_area_km2": res.land_area_km2,
            }
        )
    )


def big(tmp: Path, n_cells: int, max_cells: int) -> None:
    tif, bnd = make_big(tmp, n_cells)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(tif), str(bnd), "--max-cells", str(max_cells)],
        check=True,
        capture_output=True,
        text=True,
    )
    d = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"  streamed coverage: {d['seconds']:.1f} s, {d['cells'] / d['seconds'] / 1e6:.1f} M cells/s, "
        f"peak RSS {d['peak_mib']:.0f} MiB (max_cells_in_memory={max_cells:,}); "
        f"coverage {d['coverage_percent']:.3f} %, land {d['land_area_km2']:.1f} km²"
    )


def compare_cli(tmp: Path, repeat: int) -> None:
    """The CLI against the rasterstats script, each a subprocess, alternating (benchmarks/clivs.py)."""
    import os

    from clivs import compare, liangshan_cmd, load  # benchmarks/clivs.py (the script's folder is on sys.path)

    compute_demo(tmp)
    tif = str(tmp / RASTER_NAME.format(year=2025))
    boundary = str(tmp / "示例数据_卢氏县边界.geojson")
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "land_rasterstats.py")
    ours_cmd = liangshan_cmd("land", "coverage", tif, boundary, "--json")
    peer_cmd = [sys.executable, "-W", "ignore", peer, tif, boundary]
    print(f"load average before: {load()} (2 cores, shared with other jobs)")
    ours = json.loads(subprocess.run(ours_cmd, capture_output=True, text=True, check=True).stdout)
    theirs = json.loads(subprocess.run(peer_cmd, capture_output=True, text=True, check=True).stdout)
    print(
        f"liangshan (exact fractions): forest {ours['forest_area_km2']:.3f} km², "
        f"land {ours['land_area_km2']:.4f} km², coverage {ours['coverage_percent']:.4f} %\n"
        f"rasterstats (cell centres): forest {theirs['forest_area_km2']:.3f} km², "
        f"land {theirs['land_area_km2']:.4f} km², coverage {theirs['coverage_percent']:.4f} %"
    )
    with rasterio.open(tif) as ds:
        size = f"{ds.width:,} × {ds.height:,} cells, 30 m"
    compare(
        f"land coverage, 卢氏县 2025 ({size})", ours_cmd, peer_cmd, repeat, names=("liangshan", "rasterstats")
    )
    print(f"load average now: {load()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--big-cells", type=int, default=100_000_000)
    ap.add_argument("--max-cells", type=int, default=1_000_000)
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--compare", action="store_true", help="CLI subprocess against a rasterstats script")
    ap.add_argument("--child", nargs=2, metavar=("RASTER", "BOUNDARY"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        extract_child(a.child[0], a.child[1], a.max_cells)
        return
    if a.compare:
        with tempfile.TemporaryDirectory(prefix="liangshan-bench-land-") as d:
            compare_cli(Path(d), a.repeat)
        return
    with tempfile.TemporaryDirectory(prefix="liangshan-bench-land-") as d:
        county(Path(d), a.repeat)
        if not a.skip_big:
            big(Path(d), a.big_cells, a.max_cells)


if __name__ == "__main__":
    main()
