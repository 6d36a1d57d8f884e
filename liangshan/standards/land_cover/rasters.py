"""Raster adapters for exactextract: class codes and ellipsoidal cell areas (林草覆盖率, 附件2 指标7).

* a geographic raster gets the exact ellipsoidal area of each latitude-longitude cell (authalic-latitude
  formula, one value per row);
* a raster in an equal-area projection (Albers, Lambert azimuthal/cylindrical equal-area …) has a constant
  cell area;
* a raster in any other projection (Gauss-Krüger/UTM, Lambert conformal …) gets its nominal cell area divided
  by the projection's areal scale factor (pyproj ``get_factors``) at the centre of every
  ``scale_block`` × ``scale_block`` block of cells, served to exactextract as a coarser weighting raster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
from exactextract.raster import RasterSource
from numpy.typing import NDArray
from rasterio.windows import Window

from liangshan.standards.land_cover.errors import RasterError
from liangshan.standards.land_cover.geodesy import authalic_q, ellipsoid_axes, transformer

__all__ = ["EQUAL_AREA_TOL", "AreaModel", "CellAreaSource", "ClassSource", "cell_area_model"]

EQUAL_AREA_TOL = 1e-7  # |areal scale − 1| below this everywhere → treat the projection as equal-area


@dataclass
class AreaModel:
    """How a raster cell's area is obtained: ``latlon`` (per row), ``constant`` or ``scaled`` (per block)."""

    kind: str  # "latlon" | "constant" | "scaled"
    description: str
    cell_area_m2: float = 0.0  # constant / nominal
    row_areas: NDArray[np.float64] | None = None  # latlon: per row (m²)
    ds: Any = None
    block: int = 16
    to_lonlat: pyproj.Transformer | None = None
    proj: pyproj.Proj | None = None

    def block_scales(self, by0: int, by1: int, bx0: int, bx1: int) -> NDArray[np.float64]:
        """Areal scale factors at the centres of blocks [by0, by1) × [bx0, bx1)."""
        assert self.ds is not None and self.to_lonlat is not None and self.proj is not None
        b = self.block
        t = self.ds.transform
        r0 = np.arange(by0, by1) * b
        c0 = np.arange(bx0, bx1) * b
        rows = (r0 + np.minimum(r0 + b, self.ds.height)) / 2.0  # centre of the (possibly partial) block
        cols = (c0 + np.minimum(c0 + b, self.ds.width)) / 2.0
        cc, rr = np.meshgrid(cols, rows)
        x = t.c + t.a * cc
        y = t.f + t.e * rr
        lon, lat = self.to_lonlat.transform(x, y)
        s = np.asarray(self.proj.get_factors(lon, lat, errcheck=False).areal_scale, dtype=np.float64)
        if not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise RasterError(f"{self.ds.name}: 部分像元超出投影有效范围，无法计算面积比例因子")
        return s.reshape(cc.shape)


def cell_area_model(ds: Any, scale_block: int) -> AreaModel:
    """The cell-area model of an open raster (probing the areal scale on a 7 × 7 grid of blocks)."""
    crs = pyproj.CRS.from_user_input(ds.crs.to_wkt())
    t = ds.transform
    if crs.is_geographic:
        unit = crs.axis_info[0].unit_name if crs.axis_info else "degree"
        if "degree" not in unit:
            raise RasterError(f"{ds.name}: 地理坐标栅格的单位为 {unit}，仅支持度（degree）")
        a, b, e = ellipsoid_axes(crs)
        edges = np.radians(t.f + t.e * np.arange(ds.height + 1, dtype=np.float64))
        if np.any(np.abs(edges) > math.pi / 2 + 1e-12):
            raise RasterError(f"{ds.name}: 纬度超出 ±90°")
        q = authalic_q(edges, e)
        row_areas = np.abs(np.diff(q)) * (b * b / 2.0) * abs(math.radians(t.a))
        ell = crs.ellipsoid
        name = ell.name if ell is not None else "?"
        return AreaModel(
            kind="latlon",
            description=(
                f"地理坐标栅格：逐行按椭球经纬网格面积公式计算像元面积（{name}，a={a:.3f} m，"
                f"b={b:.4f} m；A = b²/2·Δλ·Δq，q 为等积纬度函数），边缘像元按覆盖比例折算"
            ),
            row_areas=row_areas,
        )
    unit_factor = float(crs.axis_info[0].unit_conversion_factor) if crs.axis_info else 1.0
    nominal = abs(t.a * t.e) * unit_factor * unit_factor
    geod = crs.geodetic_crs
    assert geod is not None
    to_lonlat = transformer(crs, geod)
    proj = pyproj.Proj(crs)
    model = AreaModel(
        kind="scaled",
        description="",
        cell_area_m2=nominal,
        ds=ds,
        block=scale_block,
        to_lonlat=to_lonlat,
        proj=proj,
    )
    # probe the areal scale on a 7×7 grid of the raster extent: equal-area → constant cell area
    nby = -(-ds.height // scale_block)
    nbx = -(-ds.width // scale_block)
    py = np.unique(np.linspace(0, nby - 1, 7).round().astype(int))
    px = np.unique(np.linspace(0, nbx - 1, 7).round().astype(int))
    probe = np.concatenate([model.block_scales(int(i), int(i) + 1, 0, nbx)[:, px].ravel() for i in py])
    method = crs.coordinate_operation.method_name if crs.coordinate_operation else "?"
    if np.all(np.abs(probe - 1.0) < EQUAL_AREA_TOL):
        return AreaModel(
            kind="constant",
            description=(
                f"等积投影栅格（{method}）：像元面积恒为 {nominal:.6g} m²（|a·e|），边缘像元按覆盖比例折算"
            ),
            cell_area_m2=nominal,
        )
    model.description = (
        f"非等积投影栅格（{method}）：像元面积 = 名义面积 {nominal:.6g} m² ÷ 面积比例因子"
        f"（pyproj get_factors，于每 {scale_block}×{scale_block} 像元块中心计算；"
        f"本栅格比例因子约 {probe.min():.6f}–{probe.max():.6f}），边缘像元按覆盖比例折算"
    )
    return model


class ClassSource(RasterSource):
    """Raw class codes of band 1 (NoData kept as its own code so its covered area is measured)."""

    def __init__(self, ds: Any) -> None:
        super().__init__()
        self.ds = ds
        self.set_name("cls")

    def res(self) -> tuple[float, float]:
        return (abs(self.ds.transform.a), abs(self.ds.transform.e))

    def extent(self) -> tuple[float, float, float, float]:
        b = self.ds.bounds
        return (b.left, b.bottom, b.right, b.top)

    def srs_wkt(self) -> None:
        return None  # the boundary is reprojected to the raster CRS beforehand

    def nodata_value(self) -> None:
        return None

    def read_window(self, x0: int, y0: int, nx: int, ny: int) -> NDArray[Any]:
        return self.ds.read(1, window=Window(x0, y0, nx, ny))


class CellAreaSource(ClassSource):
    """Cell areas (m²) of the class raster's cells, on a coarser grid nested in the class grid.

    exactextract accepts a weighting raster whose resolution is an integer multiple of the value raster's
    (it computes on the finer grid, each fine cell taking the weight of the coarse cell containing it):

    * ``latlon``: one column spanning the raster's width, one row per raster row (area per row);
    * ``scaled``: one weight per ``block`` × ``block`` cells (nominal area ÷ areal scale at the block's
      centre).

    The weights therefore cost 1/width (latlon) or 1/block² (scaled) of the class raster in memory and time.
    """

    def __init__(self, ds: Any, model: AreaModel) -> None:
        super().__init__(ds)
        self.model = model
        self.set_name("area")
        t = ds.transform
        if model.kind == "latlon":
            self.nx, self.ny = 1, ds.height
            self.dx, self.dy = abs(t.a) * ds.width, abs(t.e)
        else:
            b = model.block
            self.nx, self.ny = -(-ds.width // b), -(-ds.height // b)
            self.dx, self.dy = abs(t.a) * b, abs(t.e) * b

    def res(self) -> tuple[float, float]:
        return (self.dx, self.dy)

    def extent(self) -> tuple[float, float, float, float]:
        b = self.ds.bounds
        return (b.left, b.top - self.ny * self.dy, b.left + self.nx * self.dx, b.top)

    def read_window(self, x0: int, y0: int, nx: int, ny: int) -> NDArray[np.float64]:
        m = self.model
        if nx == 0 or ny == 0:
            return np.zeros((ny, nx))
        if m.kind == "latlon":
            assert m.row_areas is not None
            return np.ascontiguousarray(np.repeat(m.row_areas[y0 : y0 + ny, None], nx, axis=1))
        return m.cell_area_m2 / m.block_scales(y0, y0 + ny, x0, x0 + nx)
