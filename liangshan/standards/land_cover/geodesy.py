"""CRS and ellipsoid maths: reprojection, the China Albers equal-area projection, ellipsoidal areas.

Areas are measured on the ellipsoid (林草覆盖率 = (森林面积 + 草地面积) ÷ 国土面积 × 100%,
附件2 指标7, 环生态〔2019〕76号): a polygon through an Albers equal-area projection on its own
datum; a latitude-longitude zone through the authalic-latitude function ``q`` (zone area = b²/2 · Δλ · Δq).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from liangshan.standards.land_cover.errors import RasterError

__all__ = ["authalic_q", "china_albers", "ellipsoid_axes", "equal_area_km2", "to_crs", "transformer"]


@lru_cache(maxsize=64)
def transformer(src: pyproj.CRS, dst: pyproj.CRS) -> pyproj.Transformer:
    """The (cached) ``src`` → ``dst`` transformer, x = easting/longitude first."""
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def to_crs(geom: Any, src: pyproj.CRS, dst: pyproj.CRS, *, densify: bool = True) -> Any:
    """Reproject shapely geometries (edges densified first so they follow the curve in ``dst``).

    Parameters
    ----------
    geom : shapely geometry or array of them
        Geometries in ``src`` coordinates.
    src, dst : pyproj.CRS
        Source and target CRS.
    densify : bool
        Insert vertices so that no edge is longer than 1 km (0.01° for a geographic ``src``) before
        transforming: the bend of a 1 km edge between two map projections is a few centimetres.

    Returns
    -------
    shapely geometry (or array) in ``dst`` coordinates (the input itself if the CRSs are equivalent).
    """
    if src.equals(dst, ignore_axis_order=True):
        return geom
    if densify:
        if src.is_geographic:
            step = 0.01
        else:
            factor = float(src.axis_info[0].unit_conversion_factor) if src.axis_info else 1.0
            step = 1000.0 / factor
        geom = shapely.segmentize(geom, step)
    tr = transformer(src, dst)

    def _xy(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _xy)


def china_albers(geodetic: pyproj.CRS) -> pyproj.CRS:
    """Albers equal-area conic for China (lon₀ 105°E, standard parallels 25°N / 47°N) on ``geodetic``'s datum.

    Parameters
    ----------
    geodetic : pyproj.CRS
        Geographic CRS whose datum/ellipsoid the projection uses (no datum shift is then involved).

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres; any Albers projection is exactly equal-area on its ellipsoid, the
        parameters only spread the (irrelevant) shape distortion.
    """
    from pyproj.crs import ProjectedCRS
    from pyproj.crs.coordinate_operation import AlbersEqualAreaConversion

    conv = AlbersEqualAreaConversion(
        latitude_first_parallel=25.0,
        latitude_second_parallel=47.0,
        latitude_false_origin=0.0,
        longitude_false_origin=105.0,
    )
    return ProjectedCRS(conversion=conv, geodetic_crs=geodetic, name="China Albers Equal Area (liangshan)")


def equal_area_km2(geom: shapely.Geometry, crs: pyproj.CRS) -> float:
    """Area of a polygonal geometry on the ellipsoid, via the Albers equal-area projection.

    Parameters
    ----------
    geom : shapely geometry
        Polygon(s) in ``crs`` coordinates.
    crs : pyproj.CRS
        CRS of ``geom``.

    Returns
    -------
    float
        Area in km².
    """
    albers = china_albers(crs.geodetic_crs or pyproj.CRS.from_epsg(4490))
    return float(shapely.area(to_crs(geom, crs, albers))) / 1e6


def authalic_q(phi: NDArray[np.float64], e: float) -> NDArray[np.float64]:
    """``sinφ/(1−e²sin²φ) + ln((1+e·sinφ)/(1−e·sinφ))/(2e)``; zone area = b²/2 · Δλ · Δq."""
    s = np.sin(phi)
    if e == 0.0:
        return 2.0 * s
    return s / (1.0 - e * e * s * s) + np.log((1.0 + e * s) / (1.0 - e * s)) / (2.0 * e)


def ellipsoid_axes(crs: pyproj.CRS) -> tuple[float, float, float]:
    """Semi-major axis ``a`` (m), semi-minor axis ``b`` (m) and eccentricity ``e`` of ``crs``'s ellipsoid."""
    ell = crs.ellipsoid
    if ell is None:
        raise RasterError("栅格坐标参考系没有椭球定义，无法计算面积")
    a = float(ell.semi_major_metre)
    b = float(ell.semi_minor_metre)
    e = math.sqrt(max(0.0, 1.0 - (b * b) / (a * a)))
    return a, b, e
