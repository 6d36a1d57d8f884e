"""林草覆盖率 of a region from a categorical land-cover raster: zonal statistics with exactextract.

林草覆盖率 = (森林面积 + 草地面积) ÷ 国土面积 × 100% (附件2 指标7, 环生态〔2019〕76号), the
areas measured inside the administrative boundary with the exact fraction of every raster cell covered by
the boundary polygon, window by window, on the ellipsoid (see :mod:`liangshan.standards.land_cover.rasters`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import rasterio
import shapely
from exactextract import exact_extract
from exactextract.operation import Operation

from liangshan.standards.land_cover.classes import (
    CLASS_SCHEMES,
    DEFAULT_SCHEME,
    GROUPS,
    ClassTable,
    load_class_table,
)
from liangshan.standards.land_cover.errors import (
    CoverageGapError,
    MissingCRSError,
    NoOverlapError,
    RasterError,
    UnknownClassError,
)
from liangshan.standards.land_cover.geodesy import equal_area_km2, to_crs
from liangshan.standards.land_cover.rasters import CellAreaSource, ClassSource, cell_area_model
from liangshan.standards.land_cover.result import CoverageResult, coverage_result
from liangshan.standards.land_cover.targets import DEFAULT_TARGET_EDITION, coverage_target
from liangshan.standards.land_cover.vectors import Polygons, read_polygons

__all__ = ["DEFAULT_MAX_CELLS_IN_MEMORY", "land_coverage"]

DEFAULT_MAX_CELLS_IN_MEMORY = 1_000_000
"""Cells exactextract may hold per window (≈ 1e6 × (2 B class + 8 B area + 8 B coverage …) ≈ 20–40 MB)."""


def _exactextract_version() -> str:
    try:
        return version("exactextract")
    except PackageNotFoundError:  # pragma: no cover
        return "?"


# ------------------------------------------------------------------------------------ main function
def land_coverage(
    raster: str | Path,
    boundary: str | Path | Polygons,
    *,
    classes: str | Path | ClassTable | None = None,
    scheme: str = DEFAULT_SCHEME,
    zone: str | Mapping[str, float] = "山区",
    targets: Mapping[str, float] | None = None,
    layer: str | int | None = None,
    max_missing_percent: float = 1.0,
    max_cells_in_memory: int = DEFAULT_MAX_CELLS_IN_MEMORY,
    scale_block: int = 16,
    gdal_cache_mb: int = 256,
) -> CoverageResult:
    """Compute 林草覆盖率 of the region inside ``boundary`` from a categorical land-cover raster.

    Parameters
    ----------
    raster : str or Path
        Single-band GeoTIFF of integer class codes, any CRS (must have one), not rotated. The band's
        NoData value marks cells without a class.
    boundary : str, Path or Polygons
        Region boundary (GeoJSON / GeoPackage / Shapefile); several features are merged (union).
    classes : str, Path or ClassTable, optional
        Class-mapping CSV (``code,group[,name]``) replacing the built-in table of ``scheme``.
    scheme : str
        Built-in class scheme (``gbt21010-2017`` default, ``clcd``, ``esa-worldcover``).
    zone : str or mapping
        Terrain zone (山区/丘陵区/平原区) or area shares by zone (dimensionless, sum 1), see
        :func:`coverage_target`.
    targets : mapping, optional
        Target thresholds (%) by zone (default > 60 / 40 / 18, UNVERIFIED official table).
    layer : str or int, optional
        Layer of the boundary file.
    max_missing_percent : float
        Largest share (%) of the boundary area allowed to lack a class (outside the raster extent or on
        NoData cells) before the computation is refused; default 1 % (choice: a raster clipped to the
        boundary by cell centres loses about half of the edge cells ≈ 0.1 % of a county).
    max_cells_in_memory : int
        Cells exactextract reads per window (bounded memory; default 1 000 000).
    scale_block : int
        Block size (cells) at whose centres a non-equal-area projection's areal scale is evaluated.
    gdal_cache_mb : int
        GDAL block cache (MiB) while reading; GDAL's default (5 % of RAM) would otherwise dominate the peak
        memory of a streamed billion-cell raster.

    Returns
    -------
    CoverageResult

    Raises
    ------
    MissingCRSError
        Raster or boundary without CRS.
    NoOverlapError
        Raster and boundary do not overlap.
    UnknownClassError
        A code present inside the boundary is not in the class table (the codes are named).
    CoverageGapError
        More than ``max_missing_percent`` of the boundary lacks a class.
    RasterError, BoundaryError, ClassTableError
        Other unusable inputs.

    References
    ----------
    .. [1] 环生态〔2019〕76号《国家生态文明建设示范市县建设指标》：林草覆盖率（附件2 指标7, §1.3）.
    .. [2] GB/T 21010-2017《土地利用现状分类》表 1：03 林地（0301–0307）、04 草地（0401–0404）.
    .. [3] D. Baston, exactextract — fast and accurate raster zonal statistics, ISciences (Apache-2.0).
    """
    table = classes if isinstance(classes, ClassTable) else load_class_table(classes, scheme=scheme)
    target = coverage_target(zone, targets=targets)
    poly = boundary if isinstance(boundary, Polygons) else read_polygons(boundary, layer=layer, role="边界")
    rpath = Path(raster)
    if not rpath.is_file():
        raise RasterError(f"{rpath}: 栅格文件不存在")
    with rasterio.Env(GDAL_CACHEMAX=int(gdal_cache_mb) * 1024 * 1024):
        return _land_coverage(
            rpath,
            poly,
            table,
            target,
            zone,
            targets,
            classes,
            scheme,
            max_missing_percent,
            max_cells_in_memory,
            scale_block,
        )


def _land_coverage(
    rpath: Path,
    poly: Polygons,
    table: ClassTable,
    target: float,
    zone: str | Mapping[str, float],
    targets: Mapping[str, float] | None,
    classes: str | Path | ClassTable | None,
    scheme: str,
    max_missing_percent: float,
    max_cells_in_memory: int,
    scale_block: int,
) -> CoverageResult:
    region = poly.union()
    try:
        ds_ctx = rasterio.open(rpath)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError(f"{rpath}: 无法读取栅格（{exc}）") from exc
    with ds_ctx as ds:
        if ds.crs is None:
            raise MissingCRSError(f"{rpath}: 栅格没有坐标参考系（CRS）")
        if ds.count != 1:
            raise RasterError(f"{rpath}: 栅格有 {ds.count} 个波段，地类栅格应为单波段")
        if not np.issubdtype(np.dtype(ds.dtypes[0]), np.integer):
            raise RasterError(f"{rpath}: 栅格数据类型为 {ds.dtypes[0]}，地类栅格应为整数编码")
        t = ds.transform
        if t.b != 0 or t.d != 0:
            raise RasterError(f"{rpath}: 不支持旋转的栅格（仿射变换含旋转项）")
        rcrs = pyproj.CRS.from_user_input(ds.crs.to_wkt())
        region_r = to_crs(region, poly.crs, rcrs)
        rb = ds.bounds
        rbox = shapely.box(rb.left, rb.bottom, rb.right, rb.top)
        if not shapely.intersects(region_r, rbox) or shapely.area(shapely.intersection(region_r, rbox)) == 0:
            bx = shapely.bounds(region_r)
            raise NoOverlapError(
                f"栅格 {rpath.name} 与边界 {poly.path.name} 不重叠：栅格范围 "
                f"({rb.left:.6g}, {rb.bottom:.6g}, {rb.right:.6g}, {rb.top:.6g})，"
                "边界范围（已转换到栅格坐标系）"
                f"({bx[0]:.6g}, {bx[1]:.6g}, {bx[2]:.6g}, {bx[3]:.6g})"
            )
        win = rasterio.windows.from_bounds(*shapely.bounds(shapely.intersection(region_r, rbox)), transform=t)
        cells_in_window = int(math.ceil(win.width) * math.ceil(win.height))
        model = cell_area_model(ds, scale_block)
        cls = ClassSource(ds)
        feature = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(region_r)}
        if model.kind == "constant":
            ops = [Operation("unique", "u", cls), Operation("frac", "f", cls), Operation("count", "a", cls)]
        else:
            w = CellAreaSource(ds, model)
            ops = [Operation("unique", "u", cls), Operation("weighted_frac", "f", cls, w)]
        out = exact_extract(
            cls,
            feature,
            ops,
            strategy="feature-sequential",
            max_cells_in_memory=int(max_cells_in_memory),
            output="geojson",
        )
        nodata = ds.nodata
    props = out[0]["properties"]
    codes = np.asarray(props["u"]).astype(np.int64)
    fracs = np.asarray(props["f"], dtype=np.float64)
    if model.kind == "constant":
        total_m2 = float(props["a"]) * model.cell_area_m2
    else:  # the weighted shares apply to the ellipsoidal area of (boundary ∩ raster extent)
        total_m2 = equal_area_km2(shapely.intersection(region_r, rbox), rcrs) * 1e6
    area_km2 = fracs * total_m2 / 1e6
    is_nodata = (
        codes == int(nodata)
        if nodata is not None and float(nodata).is_integer()
        else np.zeros(codes.shape, bool)
    )
    present = (area_km2 > 0) & ~is_nodata
    unknown = sorted(
        (int(c), float(a))
        for c, a in zip(codes[present], area_km2[present], strict=True)
        if int(c) not in table.groups
    )
    if unknown:
        detail = "、".join(f"{c}（{a:.4g} km²）" for c, a in unknown)
        raise UnknownClassError(
            f"栅格 {rpath.name} 在边界内含有地类对照表（{table.source}）中没有的代码：{detail}；"
            "请检查 --scheme 是否与栅格的分类体系一致，或用 --classes 提供包含这些代码的对照表（code,group）"
        )
    boundary_km2 = equal_area_km2(region, poly.crs)
    group_km2 = dict.fromkeys(GROUPS, 0.0)
    class_areas: list[dict[str, Any]] = []
    order = np.argsort(codes)
    for i in order:
        if not present[i]:
            continue
        c = int(codes[i])
        g = table.groups[c]
        group_km2[g] += float(area_km2[i])
        class_areas.append(
            {"code": c, "name": table.names.get(c, ""), "group": g, "area_km2": float(area_km2[i])}
        )
    land_km2 = sum(group_km2.values())
    missing_km2 = max(boundary_km2 - land_km2, 0.0)
    if land_km2 <= 0:
        raise CoverageGapError(
            f"栅格 {rpath.name} 在边界 {poly.path.name} 内没有任何有效地类像元（全为 NoData）"
        )
    missing_pct = missing_km2 / boundary_km2 * 100.0 if boundary_km2 > 0 else 0.0
    if missing_pct > max_missing_percent:
        nodata_km2 = float(area_km2[is_nodata].sum())
        raise CoverageGapError(
            f"边界 {poly.path.name} 有 {missing_pct:.2f}% 的面积（{missing_km2:.4g} km²，其中 NoData 像元 "
            f"{nodata_km2:.4g} km²，其余在栅格 {rpath.name} 范围之外）没有地类，超过允许的 "
            f"{max_missing_percent}%（max_missing_percent）"
        )
    scheme_note = CLASS_SCHEMES.get(scheme, {}).get("forest_rule", "") if classes is None else "用户对照表"
    method = {
        "zonal_statistics": (
            f"exactextract {_exactextract_version()}：精确计算边界对每个像元的覆盖比例（非像元中心判定），"
            f"按窗口流式读取（max_cells_in_memory={int(max_cells_in_memory)}）"
        ),
        "cell_area": model.description,
        "cell_area_kind": model.kind,
        "class_table": f"{table.source}（{scheme_note}）",
        "double_counting": (
            "每个地类代码只归入 forest/grass/other 中的一个组（灌木林地只计入森林一次）；"
            "多个边界要素先合并（union）"
        ),
        "denominator": "国土面积 = 边界内有地类的面积（含水域）；缺测面积（NoData 或栅格范围外）不计入分母",
        "target": (
            f"{DEFAULT_TARGET_EDITION if targets is None else '用户目标值'}：覆盖率保留 1 位小数后 > 目标值"
        ),
    }
    if poly.repaired:
        method["repaired_geometries"] = f"边界中 {poly.repaired} 个无效几何已用 make_valid 修复"
    zone_out: str | dict[str, float] = zone if isinstance(zone, str) else dict(zone)
    return coverage_result(group_km2, class_areas, boundary_km2, zone_out, target, method, cells_in_window)
