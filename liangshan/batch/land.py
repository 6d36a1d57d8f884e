"""林草覆盖率 (indicator 7) for many regions from a tiled land-cover mosaic.

Input: a directory of GeoTIFF tiles (``*.tif``/``*.tiff``, searched recursively) that form one mosaic — same
CRS, same cell size, cells on one grid, no overlaps — and a boundary file (GeoJSON / GeoPackage / Shapefile)
with a region-code field; several features with the same code form one region (merged, as
``liangshan land coverage`` merges the features of its boundary file).

Work: one Dask task per tile. Each region is reprojected to the raster CRS once and cut along the tile
edges (which are cell edges); every tile × region piece goes through
:func:`liangshan.standards.land_cover.land_coverage` — exact per-cell coverage fractions with exactextract,
the same cell-area model, class table and checks as the single-raster command. A cell is covered by the
pieces of one region in exactly the fractions it is covered by the whole region, so the class areas of the
pieces **add up** to the region's class areas. Ratios are formed only at the end, from the sums:
coverage = Σ(forest + grass) / Σ land area; missing area = boundary area − Σ land area.

A region that fails a per-region rule (more than ``max_missing_percent`` without class, no tile touches it)
gets a row with ``error`` set; input errors that concern the whole run (mixed CRS, overlapping tiles, unknown
class codes, bad class table) stop the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyproj
import shapely

from liangshan.batch.cluster import gather
from liangshan.batch.results import computed_to_json, inputs_column
from liangshan.provenance import InputFile, sha256_file
from liangshan.services.calculators import land as land_calc
from liangshan.standards.land_cover import (
    DEFAULT_MAX_CELLS_IN_MEMORY,
    DEFAULT_SCHEME,
    GROUPS,
    BoundaryError,
    ClassTable,
    CoverageResult,
    LandCoverError,
    RasterError,
    china_albers,
    coverage_target,
    load_class_table,
    read_polygons,
    to_crs,
)

__all__ = ["LandBatchResult", "LandOptions", "Tile", "read_tiles", "run_land"]

Progress = Callable[[str, int, int], None]
_SIDE_CARS = (".shx", ".dbf", ".prj", ".cpg")


@dataclass(frozen=True)
class LandOptions:
    """Options of ``liangshan land coverage`` plus the boundary fields of a multi-region file."""

    year: int
    code_field: str = "code"
    name_field: str | None = None
    zone: str | Mapping[str, float] = "山区"
    zone_field: str | None = None
    classes: str | Path | None = None
    scheme: str = DEFAULT_SCHEME
    max_missing_percent: float = 1.0
    max_cells_in_memory: int = DEFAULT_MAX_CELLS_IN_MEMORY
    layer: str | None = None


@dataclass(frozen=True)
class Tile:
    """One tile of the mosaic."""

    tile_id: int
    path: str
    name: str
    bounds: tuple[float, float, float, float]
    cells: int


@dataclass
class LandBatchResult:
    """Output of :func:`run_land`: the result table and figures about the run."""

    frame: pl.DataFrame
    tiles: int
    tiles_used: int
    pieces: int
    raster_cells: int
    cells_visited: int
    seconds: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ tiles
def read_tiles(directory: str | Path) -> tuple[list[Tile], pyproj.CRS]:
    """The tiles of a mosaic and their CRS, checked: one CRS, one cell size, one grid, no overlaps.

    Raises
    ------
    RasterError
        No tiles, a tile that cannot be read, without CRS, rotated, multi-band or non-integer, or tiles
        that differ in CRS / cell size / grid or overlap (the message names the tiles).
    """
    import rasterio

    root = Path(directory)
    if not root.is_dir():
        raise RasterError(f"{root}: 栅格分块目录不存在")
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".tif", ".tiff") and p.is_file())
    if not paths:
        raise RasterError(f"{root}: 目录中没有 .tif/.tiff 栅格分块")
    tiles: list[Tile] = []
    ref: dict[str, Any] = {}
    for i, p in enumerate(paths):
        name = f"{root.name}/{p.relative_to(root).as_posix()}"
        try:
            ds_ctx = rasterio.open(p)
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError(f"{name}: 无法读取栅格（{exc}）") from exc
        with ds_ctx as ds:
            if ds.crs is None:
                raise RasterError(f"{name}: 栅格没有坐标参考系（CRS）")
            if ds.count != 1 or not np.issubdtype(np.dtype(ds.dtypes[0]), np.integer):
                raise RasterError(f"{name}: 地类栅格应为单波段整数编码（{ds.count} 个波段，{ds.dtypes[0]}）")
            t = ds.transform
            if t.b != 0 or t.d != 0:
                raise RasterError(f"{name}: 不支持旋转的栅格（仿射变换含旋转项）")
            crs = pyproj.CRS.from_user_input(ds.crs.to_wkt())
            if not ref:
                ref = {"crs": crs, "a": t.a, "e": t.e, "c": t.c, "f": t.f, "name": name}
            else:
                if not crs.equals(ref["crs"], ignore_axis_order=True):
                    raise RasterError(f"{name} 的坐标系与 {ref['name']} 不同：同一镶嵌的分块应使用同一坐标系")
                if not (np.isclose(t.a, ref["a"], rtol=1e-9) and np.isclose(t.e, ref["e"], rtol=1e-9)):
                    raise RasterError(
                        f"{name} 的像元大小 ({t.a:g}, {t.e:g}) 与 {ref['name']} "
                        f"({ref['a']:g}, {ref['e']:g}) 不同"
                    )
                cx, cy = (t.c - ref["c"]) / ref["a"], (t.f - ref["f"]) / ref["e"]
                if abs(cx - round(cx)) > 1e-6 or abs(cy - round(cy)) > 1e-6:
                    raise RasterError(
                        f"{name} 的像元网格与 {ref['name']} 错开 ({cx % 1:.4f}, {cy % 1:.4f}) 个像元："
                        "分块应在同一网格上"
                    )
            b = ds.bounds
            tiles.append(Tile(i, str(p), name, (b.left, b.bottom, b.right, b.top), ds.width * ds.height))
    boxes = shapely.box(*np.array([t.bounds for t in tiles]).T)
    left, right = shapely.STRtree(boxes).query(boxes, predicate="intersects")
    keep = left < right
    overlap = shapely.area(shapely.intersection(boxes[left[keep]], boxes[right[keep]]))
    bad = np.flatnonzero(overlap > abs(ref["a"] * ref["e"]) * 1e-6)
    if bad.size:
        a, b2 = tiles[int(left[keep][bad[0]])], tiles[int(right[keep][bad[0]])]
        raise RasterError(f"栅格分块 {a.name} 与 {b2.name} 重叠：同一镶嵌的分块不能重叠（否则面积重复计算）")
    return tiles, ref["crs"]


# ---------------------------------------------------------------------------------------- regions
@dataclass(frozen=True)
class _Region:
    code: str
    name: str | None
    zone: str | dict[str, float]
    geom: Any  # union of the region's features, boundary CRS


def _text(v: Any) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return "" if v is None else str(v).strip()


def _regions(poly: Any, opts: LandOptions) -> list[_Region]:
    fields = poly.fields
    for f in (opts.code_field, opts.name_field, opts.zone_field):
        if f is not None and f not in fields:
            raise BoundaryError(
                f"{poly.path}: 边界文件没有字段 {f!r}（已有字段：{'、'.join(fields) or '无'}）"
            )
    codes = [_text(v) for v in fields[opts.code_field]]
    empty = [i for i, c in enumerate(codes) if not c]
    if empty:
        raise BoundaryError(f"{poly.path}: 第 {empty[0] + 1} 个要素的 {opts.code_field} 为空")
    names = [_text(v) for v in fields[opts.name_field]] if opts.name_field else None
    zones = [_text(v) for v in fields[opts.zone_field]] if opts.zone_field else None
    index = pl.DataFrame({"code": codes}).with_row_index("i").group_by("code").agg("i").sort("code")
    out = []
    for code, idx in index.iter_rows():  # one iteration per region
        zone: str | dict[str, float] = opts.zone if isinstance(opts.zone, str) else dict(opts.zone)
        if zones is not None:
            values = sorted({zones[i] for i in idx if zones[i]})
            if len(values) > 1:
                raise BoundaryError(f"{poly.path}: 区域 {code} 的要素地形区不一致：{'、'.join(values)}")
            if values:
                zone = values[0]
        coverage_target(zone)  # unknown zone → error before any work
        name = next((names[i] for i in idx if names[i]), None) if names else None
        out.append(_Region(code, name, zone, shapely.union_all(poly.geoms[idx])))
    return out


def _file_inputs(path: Path) -> list[InputFile]:
    files = [sha256_file(path)]
    if path.suffix.lower() == ".shp":
        files += [sha256_file(p) for ext in _SIDE_CARS if (p := path.with_suffix(ext)).is_file()]
    return files


# ----------------------------------------------------------------------------------------- tasks
def tile_task(
    tile: Tile,
    pieces: list[tuple[str, bytes]],
    table: ClassTable,
    crs_wkt: str,
    boundary: str,
    max_cells_in_memory: int,
) -> dict[str, Any]:
    """Class areas of every region piece inside one tile (``land_coverage`` per piece; areas in km²)."""
    from liangshan.standards.land_cover import CoverageGapError, NoOverlapError, Polygons, land_coverage

    crs = pyproj.CRS.from_wkt(crs_wkt)
    rows: list[tuple[str, int, float]] = []
    cells: dict[str, int] = {}
    method: dict[str, str] | None = None
    for code, wkb in pieces:  # one iteration per region piece
        poly = Polygons(
            geoms=np.array([shapely.from_wkb(wkb)], dtype=object), crs=crs, fields={}, path=Path(boundary)
        )
        try:
            res = land_coverage(
                tile.path,
                poly,
                classes=table,
                max_missing_percent=100.0,
                max_cells_in_memory=max_cells_in_memory,
            )
        except NoOverlapError:  # a sliver along the tile edge
            continue
        except CoverageGapError:  # only NoData cells: no class area, the whole piece counts as missing
            continue
        method = method or res.method
        cells[code] = cells.get(code, 0) + res.cells_in_window
        rows += [(code, int(c["code"]), float(c["area_km2"])) for c in res.class_areas]
    h = sha256_file(tile.path)
    return {
        "tile_id": tile.tile_id,
        "input": InputFile(name=tile.name, sha256=h.sha256, size=h.size),
        "rows": rows,
        "cells": cells,
        "method": method,
    }


# ---------------------------------------------------------------------------------------- driver
def _result(
    region: _Region,
    boundary_km2: float,
    areas: list[tuple[int, float]],
    table: ClassTable,
    opts: LandOptions,
    method: dict[str, str],
    cells: int,
) -> CoverageResult:
    """The region's :class:`CoverageResult` from its summed class areas (ratios of sums)."""
    from liangshan.standards.land_cover import CoverageGapError, coverage_result

    group_km2 = dict.fromkeys(GROUPS, 0.0)
    class_areas = []
    for code, area in sorted(areas):  # one iteration per class present
        if area <= 0:
            continue
        g = table.groups[code]
        group_km2[g] += area
        class_areas.append({"code": code, "name": table.names.get(code, ""), "group": g, "area_km2": area})
    land_km2 = sum(group_km2.values())
    missing_km2 = max(boundary_km2 - land_km2, 0.0)
    if land_km2 <= 0:
        raise CoverageGapError(
            f"区域 {region.code} 在栅格分块内没有任何有效地类像元（全为 NoData 或在镶嵌范围外）"
        )
    missing_pct = missing_km2 / boundary_km2 * 100.0 if boundary_km2 > 0 else 0.0
    if missing_pct > opts.max_missing_percent:
        raise CoverageGapError(
            f"区域 {region.code} 有 {missing_pct:.2f}% 的面积（{missing_km2:.4g} km²）没有地类"
            f"（NoData 或在镶嵌范围外），超过允许的 {opts.max_missing_percent}%（max_missing_percent）"
        )
    target = coverage_target(region.zone)
    return coverage_result(group_km2, class_areas, boundary_km2, region.zone, target, method, cells)


_FLOATS = (
    "coverage_percent",
    "forest_percent",
    "grass_percent",
    "forest_area_km2",
    "grass_area_km2",
    "other_area_km2",
    "land_area_km2",
    "boundary_area_km2",
    "missing_area_km2",
    "target_percent",
)


def run_land(
    c: Any,
    tiles_dir: str | Path,
    boundaries: str | Path,
    options: LandOptions,
    *,
    progress: Progress | None = None,
) -> LandBatchResult:
    """林草覆盖率 per region of ``boundaries`` over the mosaic of tiles in ``tiles_dir`` on Dask client ``c``.

    Returns
    -------
    LandBatchResult
        ``frame`` has one row per region: ``region, region_name, year``, the figures of
        :class:`~liangshan.standards.land_cover.CoverageResult` (``coverage_percent … missing_area_km2,
        target_percent, attained``), ``zone``, ``tiles`` (tiles touched), ``cells_in_window``, ``inputs``,
        ``computed`` (the ``ComputedValues`` of ``forest_area_km2``, ``grass_area_km2``, ``land_area_km2``
        with the provenance ``liangshan land coverage --to-indicator`` records) and ``error``.

    Raises
    ------
    LandCoverError
        Problems that concern the whole run (see the module docstring); nothing is returned.
    """
    opts = options
    t_start = time.perf_counter()
    table = load_class_table(opts.classes, scheme=opts.scheme)
    tiles, rcrs = read_tiles(tiles_dir)
    poly = read_polygons(boundaries, layer=opts.layer, role="边界")
    regions = _regions(poly, opts)
    unions = np.array([r.geom for r in regions], dtype=object)
    region_r = to_crs(unions, poly.crs, rcrs)  # as land_coverage reprojects its (merged) boundary
    albers = china_albers(poly.crs.geodetic_crs or pyproj.CRS.from_epsg(4490))
    boundary_km2 = shapely.area(to_crs(unions, poly.crs, albers)) / 1e6  # = equal_area_km2, per region
    boxes = shapely.box(*np.array([t.bounds for t in tiles]).T)
    ri, ti = shapely.STRtree(boxes).query(region_r, predicate="intersects")
    pieces = shapely.intersection(region_r[ri], boxes[ti])
    keep = shapely.area(pieces) > 0
    ri, ti, pieces = ri[keep], ti[keep], pieces[keep]
    wkb = shapely.to_wkb(pieces)
    by_tile: dict[int, list[tuple[str, bytes]]] = {}
    for r, t, w in zip(ri.tolist(), ti.tolist(), wkb.tolist(), strict=True):  # one per region piece
        by_tile.setdefault(t, []).append((regions[r].code, w))
    t_plan = time.perf_counter()
    order = sorted(by_tile, key=lambda t: -tiles[t].cells)
    futures = [
        c.submit(
            tile_task,
            tiles[t],
            by_tile[t],
            table,
            rcrs.to_wkt(),
            str(boundaries),
            opts.max_cells_in_memory,
            pure=False,
        )
        for t in order
    ]
    done = gather(c, futures, (lambda d, n: progress("逐分块计算", d, n)) if progress else None)
    t_tiles = time.perf_counter()

    tile_inputs = {d["tile_id"]: d["input"] for d in done}
    method = next((d["method"] for d in done if d["method"]), None) or {}
    method = {
        **method,
        "batch": (
            f"分块计算（liangshan batch land）：{len(tiles)} 个栅格分块，区域沿分块边界（即像元边界）切开，"
            "各块内精确覆盖面积按地类相加，比例在汇总后计算（Σ森林+草地 ÷ Σ国土面积）"
        ),
    }
    if poly.repaired:
        method["repaired_geometries"] = f"边界文件中 {poly.repaired} 个无效几何已用 make_valid 修复"
    areas: dict[str, list[tuple[int, float]]] = {}
    sums = (
        pl.DataFrame(
            [row for d in done for row in d["rows"]],
            schema={"region": pl.String, "code": pl.Int64, "area_km2": pl.Float64},
            orient="row",
        )
        .group_by("region", "code")
        .agg(pl.col("area_km2").sum())
    )
    unknown = sums.filter(~pl.col("code").is_in(list(table.groups)))
    if unknown.height:  # land_coverage already refuses these; kept as a guard for the sums
        raise LandCoverError(
            f"栅格分块含有地类对照表（{table.source}）中没有的代码：{unknown['code'].unique().to_list()}"
        )
    for region, code, area in sums.iter_rows():
        areas.setdefault(region, []).append((code, area))
    cells: dict[str, int] = {}
    used_tiles: dict[str, set[int]] = {}
    for d in done:
        for code, n in d["cells"].items():
            cells[code] = cells.get(code, 0) + n
    for r, t in zip(ri.tolist(), ti.tolist(), strict=True):
        used_tiles.setdefault(regions[r].code, set()).add(tiles[t].tile_id)
    other_inputs = _file_inputs(Path(boundaries)) + (_file_inputs(Path(opts.classes)) if opts.classes else [])
    rows: list[dict[str, Any]] = []
    for i, region in enumerate(regions):  # one iteration per region
        used = [tile_inputs[t] for t in sorted(used_tiles.get(region.code, ())) if t in tile_inputs]
        row: dict[str, Any] = {
            "region": region.code,
            "region_name": region.name,
            "year": opts.year,
            "zone": region.zone if isinstance(region.zone, str) else str(region.zone),
            "tiles": len(used),
            "cells_in_window": cells.get(region.code, 0),
            "inputs": used + other_inputs,
            "computed": None,
            "error": None,
        }
        try:
            if region.code not in used_tiles:
                raise LandCoverError(f"区域 {region.code} 与栅格分块不重叠")
            res = _result(
                region,
                float(boundary_km2[i]),
                areas.get(region.code, []),
                table,
                opts,
                method,
                row["cells_in_window"],
            )
        except LandCoverError as exc:
            row["error"] = str(exc)
            rows.append(row)
            continue
        cv = land_calc.coverage_computed(
            res,
            row["inputs"],
            classes_name=Path(opts.classes).name if opts.classes else None,
            scheme=opts.scheme,
            max_missing_percent=opts.max_missing_percent,
            max_cells=opts.max_cells_in_memory,
            year=opts.year,
            region=region.code,
        )
        row.update(
            {k: getattr(res, k) for k in _FLOATS}, attained=res.attained, computed=computed_to_json(cv)
        )
        rows.append(row)
    t_end = time.perf_counter()
    schema: dict[str, Any] = {
        "region": pl.String,
        "region_name": pl.String,
        "year": pl.Int32,
        **dict.fromkeys(_FLOATS, pl.Float64),
        "attained": pl.Boolean,
        "zone": pl.String,
        "tiles": pl.Int64,
        "cells_in_window": pl.Int64,
    }
    frame = pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema).with_columns(
        inputs_column([r["inputs"] for r in rows]),
        pl.Series("computed", [r["computed"] for r in rows], dtype=pl.String),
        pl.Series("error", [r["error"] for r in rows], dtype=pl.String),
    )
    return LandBatchResult(
        frame=frame,
        tiles=len(tiles),
        tiles_used=len(by_tile),
        pieces=len(pieces),
        raster_cells=sum(t.cells for t in tiles),
        cells_visited=sum(cells.values()),
        seconds={
            "plan": t_plan - t_start,
            "tiles": t_tiles - t_plan,
            "reduce": t_end - t_tiles,
            "total": t_end - t_start,
        },
    )
