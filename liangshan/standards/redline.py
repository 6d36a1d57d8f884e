"""生态保护红线面积 (indicator 9): redline area inside the region, the 不减少 check, and change location.

Definition (附件2 指标9): area (km²) of the officially delineated ecological conservation redline
(生态保护红线, national 三区三线 delineation 2022; HJ 1142-2020 for the delineation method) inside the county.
Target 不减少: ``area[t] ≥ area[baseline]`` where the baseline is the approved delineation area, with a
tolerance for map re-projection (docs/assessment.md; 0.01 km² by default); reductions approved by the
State Council are flagged, not failed (docs/assessment.md).

Areas are computed on the ellipsoid: the redline polygons and the boundary are projected (edges
densified) to an Albers equal-area conic on the polygons' own datum
(:func:`liangshan.standards.land_cover.china_albers`); overlapping redline polygons are merged (union)
so that no area is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely

from liangshan.standards.land_cover import (
    LandCoverError,
    NoOverlapError,
    Polygons,
    china_albers,
    read_polygons,
    to_crs,
)

__all__ = [
    "DEFAULT_TOLERANCE_KM2",
    "VERDICTS",
    "RedlineArea",
    "RedlineChanges",
    "RedlineError",
    "judge_not_decrease",
    "redline_area",
    "redline_changes",
]

DEFAULT_TOLERANCE_KM2 = 0.01
"""不减少 tolerance for re-projection noise (km²), docs/assessment.md (UNVERIFIED practice; a parameter)."""

DEFAULT_MIN_PIECE_KM2 = 1e-4
"""Changed pieces smaller than this (km², = 100 m²) are treated as re-projection slivers and not listed."""

VERDICTS = {
    "pass": "达标",
    "fail": "未达标",
    "approved": "经批准调整（标记）",
    "no_baseline": "无基准",
}
"""Verdict labels of the 不减少 comparison."""


class RedlineError(LandCoverError):
    """Bad redline input (missing id field, duplicate ids …)."""


@dataclass(frozen=True)
class RedlineArea:
    """Redline area of one year.

    Attributes
    ----------
    area_km2 : float
        Area of the union of the redline polygons inside the region (km²).
    polygons : list of dict
        Per feature: ``{"id", "area_km2"}`` (area inside the region, before union).
    overlap_km2 : float
        Σ per-feature areas − union area: area that overlapping polygons would have counted twice.
    outside_km2 : float
        Redline area outside the region boundary (excluded).
    method : dict
        Projection and rules used.
    """

    area_km2: float
    polygons: list[dict[str, Any]]
    overlap_km2: float
    outside_km2: float
    method: dict[str, str]


@dataclass(frozen=True)
class RedlineChanges:
    """Where the redline changed between two years (areas in km², inside the region).

    Attributes
    ----------
    lost_km2, added_km2 : float
        Area present before and not after (lost), and the reverse (added).
    lost, added : list of dict
        Changed pieces ``{"area_km2", "lon", "lat", "ids"}``: a representative point (geographic
        coordinates of the polygons' datum, degrees) and the ids of the features of the earlier (lost) or
        later (added) year the piece lies in.
    lost_ids, added_ids : list
        Ids present in only one of the two years (when an id field is given).
    changed_ids : list of dict
        ``{"id", "before_km2", "after_km2"}`` for ids in both years whose area changed by more than the
        tolerance.
    """

    lost_km2: float
    added_km2: float
    lost: list[dict[str, Any]]
    added: list[dict[str, Any]]
    lost_ids: list[Any]
    added_ids: list[Any]
    changed_ids: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "lost_km2": self.lost_km2,
            "added_km2": self.added_km2,
            "lost": self.lost,
            "added": self.added,
            "lost_ids": self.lost_ids,
            "added_ids": self.added_ids,
            "changed_ids": self.changed_ids,
        }


def _load(src: str | Path | Polygons, role: str, layer: str | int | None) -> Polygons:
    return src if isinstance(src, Polygons) else read_polygons(src, layer=layer, role=role)


def _ids(poly: Polygons, id_field: str | None) -> list[Any]:
    if id_field is None:
        return list(range(1, len(poly.geoms) + 1))
    if id_field not in poly.fields:
        raise RedlineError(
            f"{poly.path}: 没有属性列 {id_field!r}（可用列：{', '.join(poly.fields) or '无'}）"
        )
    values = [v.item() if isinstance(v, np.generic) else v for v in poly.fields[id_field]]
    seen: dict[Any, int] = {}
    for i, v in enumerate(values, start=1):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            raise RedlineError(f"{poly.path}: 第 {i} 个要素的 {id_field} 为空")
        if v in seen:
            raise RedlineError(f"{poly.path}: 第 {i} 个要素的 {id_field}={v!r} 与第 {seen[v]} 个要素重复")
        seen[v] = i
    return values


def _albers_for(poly: Polygons) -> pyproj.CRS:
    return china_albers(poly.crs.geodetic_crs or pyproj.CRS.from_epsg(4490))


def _projected(poly: Polygons, albers: pyproj.CRS) -> Any:
    return np.asarray(to_crs(poly.geoms, poly.crs, albers), dtype=object)


def redline_area(
    polygons: str | Path | Polygons,
    boundary: str | Path | Polygons,
    *,
    id_field: str | None = None,
    layer: str | int | None = None,
    boundary_layer: str | int | None = None,
) -> RedlineArea:
    """Area of the redline polygons inside the region, on the ellipsoid (Albers equal-area).

    Parameters
    ----------
    polygons : str, Path or Polygons
        Redline polygons (GeoJSON / GeoPackage / Shapefile) of one year.
    boundary : str, Path or Polygons
        Region boundary (features merged).
    id_field : str, optional
        Attribute identifying a redline polygon (e.g. ``HXBH``); default: 1-based feature number.
    layer, boundary_layer : str or int, optional
        Layers of the two files.

    Returns
    -------
    RedlineArea

    Raises
    ------
    MissingCRSError, BoundaryError
        Unreadable file, no CRS, non-polygon features.
    NoOverlapError
        No redline polygon intersects the boundary.
    RedlineError
        ``id_field`` missing or with duplicate / empty values.
    """
    red = _load(polygons, "生态保护红线", layer)
    bnd = _load(boundary, "边界", boundary_layer)
    ids = _ids(red, id_field)
    albers = _albers_for(red)
    geoms = _projected(red, albers)
    region = to_crs(bnd.union(), bnd.crs, albers)
    inside = shapely.intersection(geoms, region)
    per = shapely.area(inside) / 1e6
    union_km2 = float(shapely.area(shapely.union_all(inside))) / 1e6
    total_km2 = float(shapely.area(shapely.union_all(geoms))) / 1e6
    if union_km2 == 0.0:
        raise NoOverlapError(
            f"生态保护红线 {red.path.name} 与边界 {bnd.path.name} 不重叠（边界内红线面积为 0）"
        )
    method = {
        "projection": (
            "Albers 等积圆锥投影（lon₀=105°E，标准纬线 25°N/47°N，采用红线数据自身的大地基准），边先加密"
        ),
        "double_counting": "红线图斑先合并（union），重叠部分只计一次；只计边界内部分",
    }
    if red.repaired or bnd.repaired:
        method["repaired_geometries"] = (
            f"已用 make_valid 修复无效几何：红线 {red.repaired} 个，边界 {bnd.repaired} 个"
        )
    return RedlineArea(
        area_km2=union_km2,
        polygons=[{"id": i, "area_km2": float(a)} for i, a in zip(ids, per, strict=True)],
        overlap_km2=max(float(per.sum()) - union_km2, 0.0),
        outside_km2=max(total_km2 - union_km2, 0.0),
        method=method,
    )


def judge_not_decrease(
    area_km2: float,
    baseline_km2: float | None,
    *,
    tolerance_km2: float = DEFAULT_TOLERANCE_KM2,
    approved_reduction_km2: float = 0.0,
) -> str:
    """不减少 verdict of a redline area against the approved baseline (docs/assessment.md).

    Parameters
    ----------
    area_km2 : float
        Redline area of the evaluation year (km²).
    baseline_km2 : float or None
        Approved baseline area (km², e.g. the 2022 delineation); ``None`` → ``无基准``.
    tolerance_km2 : float
        Allowed shortfall for re-projection noise (km², default 0.01; UNVERIFIED, a parameter).
    approved_reduction_km2 : float
        Reduction approved by the State Council (km²); a shortfall within it is flagged
        (``经批准调整（标记）``), not failed.

    Returns
    -------
    str
        ``达标`` if ``area ≥ baseline − tolerance``; ``经批准调整（标记）`` if
        ``area ≥ baseline − approved − tolerance``; otherwise ``未达标``.

    References
    ----------
    .. [1] docs/assessment.md “不减少” rule; §2 indicator 9 (生态保护红线面积, baseline = 2022 三区三线).
    """
    if tolerance_km2 < 0 or approved_reduction_km2 < 0:
        raise RedlineError("容差和经批准核减面积不能为负数")
    if baseline_km2 is None:
        return VERDICTS["no_baseline"]
    if area_km2 >= baseline_km2 - tolerance_km2:
        return VERDICTS["pass"]
    if approved_reduction_km2 > 0 and area_km2 >= baseline_km2 - approved_reduction_km2 - tolerance_km2:
        return VERDICTS["approved"]
    return VERDICTS["fail"]


def _pieces(
    diff: Any,
    albers: pyproj.CRS,
    geod_tr: pyproj.Transformer,
    owners: Any,
    owner_ids: list[Any],
    min_km2: float,
) -> list[dict[str, Any]]:
    parts = shapely.get_parts(shapely.get_parts(diff))
    parts = parts[shapely.get_type_id(parts) == 3]  # polygons only
    areas = shapely.area(parts) / 1e6
    keep = areas >= min_km2
    parts, areas = parts[keep], areas[keep]
    if parts.size == 0:
        return []
    pts = shapely.point_on_surface(parts)
    lon, lat = geod_tr.transform(shapely.get_x(pts), shapely.get_y(pts))
    tree = shapely.STRtree(owners)
    hit_part, hit_owner = tree.query(pts, predicate="intersects")
    out: list[dict[str, Any]] = []
    order = np.argsort(-areas)
    for k in order:
        ids = [owner_ids[int(j)] for j in hit_owner[hit_part == k]]
        out.append({"area_km2": float(areas[k]), "lon": float(lon[k]), "lat": float(lat[k]), "ids": ids})
    return out


def redline_changes(
    before: str | Path | Polygons,
    after: str | Path | Polygons,
    boundary: str | Path | Polygons,
    *,
    id_field: str | None = None,
    tolerance_km2: float = DEFAULT_TOLERANCE_KM2,
    min_piece_km2: float = DEFAULT_MIN_PIECE_KM2,
) -> RedlineChanges:
    """Locate redline changes between two years inside the region.

    Parameters
    ----------
    before, after : str, Path or Polygons
        Redline polygons of the earlier and later year.
    boundary : str, Path or Polygons
        Region boundary.
    id_field : str, optional
        Attribute identifying a polygon in both years; gives lost/added/changed ids. Without it only the
        geometric pieces are located.
    tolerance_km2 : float
        An id whose area changed by at most this (km²) is not listed as changed.
    min_piece_km2 : float
        Lost/added pieces smaller than this (km²) are re-projection slivers and not listed (default 1e-4).

    Returns
    -------
    RedlineChanges
    """
    a = _load(before, "生态保护红线", None)
    b = _load(after, "生态保护红线", None)
    bnd = _load(boundary, "边界", None)
    ids_a, ids_b = _ids(a, id_field), _ids(b, id_field)
    albers = _albers_for(a)
    region = to_crs(bnd.union(), bnd.crs, albers)
    ga = shapely.intersection(_projected(a, albers), region)
    gb = shapely.intersection(_projected(b, albers), region)
    ua, ub = shapely.union_all(ga), shapely.union_all(gb)
    lost_g, added_g = shapely.difference(ua, ub), shapely.difference(ub, ua)
    geod = a.crs.geodetic_crs or pyproj.CRS.from_epsg(4490)
    back = pyproj.Transformer.from_crs(albers, geod, always_xy=True)
    lost = _pieces(lost_g, albers, back, ga, ids_a, min_piece_km2)
    added = _pieces(added_g, albers, back, gb, ids_b, min_piece_km2)
    lost_ids: list[Any] = []
    added_ids: list[Any] = []
    changed: list[dict[str, Any]] = []
    if id_field is not None:
        area_a = dict(zip(ids_a, (shapely.area(ga) / 1e6).tolist(), strict=True))
        area_b = dict(zip(ids_b, (shapely.area(gb) / 1e6).tolist(), strict=True))
        lost_ids = [i for i in ids_a if i not in area_b]
        added_ids = [i for i in ids_b if i not in area_a]
        for i in ids_a:
            if i in area_b and abs(area_b[i] - area_a[i]) > tolerance_km2:
                changed.append({"id": i, "before_km2": area_a[i], "after_km2": area_b[i]})
    return RedlineChanges(
        lost_km2=float(shapely.area(lost_g)) / 1e6,
        added_km2=float(shapely.area(added_g)) / 1e6,
        lost=lost,
        added=added,
        lost_ids=lost_ids,
        added_ids=added_ids,
        changed_ids=changed,
    )
