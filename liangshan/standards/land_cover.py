"""林草覆盖率 (indicator 7): forest-and-grass coverage from a categorical land-cover raster.

Definition (SPEC §2 indicator 7, 生态文明建设示范市县建设指标 convention, 环生态〔2019〕76号)::

    林草覆盖率 = (森林面积 + 草地面积) ÷ 国土面积 × 100%

The areas are measured inside an administrative boundary from a categorical GeoTIFF (any CRS):

* **zonal statistics** with `exactextract <https://github.com/isciences/exactextract>`_: the exact
  fraction of every raster cell covered by the boundary polygon (no cell-centre rasterisation), read
  window by window with a bounded number of cells in memory (``max_cells_in_memory``);
* **areas on the ellipsoid** (equal-area): a geographic raster gets the exact ellipsoidal area of each
  latitude-longitude cell (authalic-latitude formula, one value per row); a projected raster in an
  equal-area projection (Albers, Lambert azimuthal/cylindrical equal-area …) has a constant cell area; a
  raster in any other projection (Gauss-Krüger/UTM, Lambert conformal …) gets its nominal cell area divided
  by the projection's areal scale factor (pyproj ``get_factors``) evaluated at the centre of every
  ``scale_block`` × ``scale_block`` block of cells. Non-constant cell areas reach exactextract as a coarser
  weighting raster nested in the class grid (``weighted_frac``), and the weighted class shares are applied
  to the ellipsoidal area of (boundary ∩ raster extent); exactextract keeps coverage fractions in single
  precision (relative error ≈ 1e-7 per cell);
* **class mapping**: every raster code maps to exactly one group ``forest``, ``grass`` or ``other`` (the
  table is data: ``land_classes.csv`` beside this module, or a user CSV with columns ``code,group[,name]``),
  so a cell is never counted twice (灌木林地 counts once, as forest);
* several boundary features are merged (union) before extraction, so overlaps are not counted twice.

The terrain zone of the region (山区 / 丘陵区 / 平原区, or area-weighted shares of them) selects the target
(SPEC §2 indicator 7; the thresholds > 60 / 40 / 18 % are those of the seed work plan; the official table of
环生态〔2019〕76号 is UNVERIFIED and the area-weighted target rule is UNVERIFIED practice — both parameters).

All errors are subclasses of :class:`LandCoverError` (a ``ValueError``) and name the file concerned.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyproj
import rasterio
import shapely
from exactextract import exact_extract
from exactextract.operation import Operation
from exactextract.raster import RasterSource
from numpy.typing import NDArray
from rasterio.windows import Window

__all__ = [
    "CLASS_SCHEMES",
    "CLASS_TABLE_PATH",
    "DEFAULT_MAX_CELLS_IN_MEMORY",
    "DEFAULT_SCHEME",
    "GROUPS",
    "TERRAIN_TARGETS",
    "BoundaryError",
    "ClassTable",
    "ClassTableError",
    "CoverageGapError",
    "CoverageResult",
    "LandCoverError",
    "MissingCRSError",
    "NoOverlapError",
    "Polygons",
    "RasterError",
    "UnknownClassError",
    "china_albers",
    "coverage_target",
    "equal_area_km2",
    "land_coverage",
    "load_class_table",
    "read_polygons",
    "to_crs",
]

CLASS_TABLE_PATH = Path(__file__).with_name("land_classes.csv")
"""The built-in class table (columns ``scheme,code,group,name``)."""

GROUPS = ("forest", "grass", "other")
"""Allowed groups of a class table: 森林 (forest), 草地 (grass), 其他 (other, incl. water)."""

CLASS_SCHEMES: dict[str, dict[str, str]] = {
    "gbt21010-2017": {
        "title": (
            "GB/T 21010-2017《土地利用现状分类》二级类（第三次全国国土调查同码），"
            "栅格值 = 四位代码的整数（0301 → 301）"
        ),
        "effective": "2017-11-01",
        "forest_rule": (
            "森林 = 0301 乔木林地、0302 竹林地、0303 红树林地、0304 森林沼泽、0305 灌木林地、0306 灌丛沼泽；"
            "0307 其他林地（疏林地、未成林造林地、迹地、苗圃）不计入（选择，可由 CSV 覆盖）；"
            "草地 = 0401、0402、0403、0404"
        ),
    },
    "clcd": {
        "title": "CLCD 中国年度土地覆盖数据集（Yang & Huang, 2021, ESSD 13:3907）9 类",
        "effective": "2021-08-11",
        "forest_rule": "森林 = 2 Forest、3 Shrub；草地 = 4 Grassland",
    },
    "esa-worldcover": {
        "title": "ESA WorldCover 10 m v100 (2020) / v200 (2021) 11 类",
        "effective": "2021-10-20",
        "forest_rule": "森林 = 10 Tree cover、20 Shrubland、95 Mangroves；草地 = 30 Grassland",
    },
}
"""Built-in class schemes (keyed by classification edition) with the date the edition took effect."""

DEFAULT_SCHEME = "gbt21010-2017"

TERRAIN_TARGETS: dict[str, dict[str, Any]] = {
    "环生态〔2019〕76号": {
        "effective": "2019-09-11",
        "op": ">",
        "targets": {"山区": 60.0, "丘陵区": 40.0, "平原区": 18.0},
        "note": "数值与卢氏县工作方案一致；官方表格数值 UNVERIFIED（SPEC §2 指标7）",
    },
}
"""林草覆盖率 targets (%) by terrain zone, keyed by the document that sets them (comparison ``op``)."""

DEFAULT_TARGET_EDITION = "环生态〔2019〕76号"

DEFAULT_MAX_CELLS_IN_MEMORY = 1_000_000
"""Cells exactextract may hold per window (≈ 1e6 × (2 B class + 8 B area + 8 B coverage …) ≈ 20–40 MB)."""

_EQUAL_AREA_TOL = 1e-7  # |areal scale − 1| below this everywhere → treat the projection as equal-area


# --------------------------------------------------------------------------------------------- errors
class LandCoverError(ValueError):
    """Base class of the land-cover and redline input errors (a ``ValueError``)."""


class MissingCRSError(LandCoverError):
    """A raster or vector file has no coordinate reference system."""


class BoundaryError(LandCoverError):
    """A boundary / polygon file is unreadable, empty or holds non-polygon geometries."""


class RasterError(LandCoverError):
    """The raster is unusable (not categorical integer, rotated, several bands …)."""


class NoOverlapError(LandCoverError):
    """Raster and boundary do not overlap."""


class CoverageGapError(LandCoverError):
    """Too much of the boundary lies outside the raster or on NoData cells."""


class UnknownClassError(LandCoverError):
    """A raster code inside the boundary has no entry in the class table."""


class ClassTableError(LandCoverError):
    """The class-mapping CSV is malformed (names file, row and column)."""


# ---------------------------------------------------------------------------------------- class table
@dataclass(frozen=True)
class ClassTable:
    """Mapping raster code → group (``forest``/``grass``/``other``) and name.

    Attributes
    ----------
    groups : dict[int, str]
        Group of every code (exactly one per code: no double counting).
    names : dict[int, str]
        Display name of every code (may be empty).
    source : str
        Where the table came from (``builtin:gbt21010-2017`` or the CSV path).
    """

    groups: dict[int, str]
    names: dict[int, str]
    source: str


def _read_csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise ClassTableError(f"{path}: 无法识别的文件编码（应为 UTF-8 或 GB18030）")
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise ClassTableError(f"{path}: 文件为空，应有表头 code,group[,name]")
    header = [h.strip().lower() for h in rows[0]]
    return header, rows[1:]


def load_class_table(path: str | Path | None = None, *, scheme: str = DEFAULT_SCHEME) -> ClassTable:
    """Load a class-mapping table.

    Parameters
    ----------
    path : str or Path, optional
        User CSV with header ``code,group`` and optional ``name`` (a ``scheme`` column, if present, is
        ignored). ``code`` is the integer raster value (``0301`` is read as 301); ``group`` is one of
        ``forest``, ``grass``, ``other``. The user table **replaces** the built-in one. ``None`` → built-in
        table of ``scheme``.
    scheme : str
        Built-in scheme when ``path`` is None: ``gbt21010-2017`` (default), ``clcd`` or
        ``esa-worldcover`` (see :data:`CLASS_SCHEMES`).

    Returns
    -------
    ClassTable

    Raises
    ------
    ClassTableError
        Missing column, non-integer code, unknown group or a code listed twice (double counting); the
        message names the file, the row (header = row 1) and the column.
    """
    if path is None:
        if scheme not in CLASS_SCHEMES:
            raise ClassTableError(f"未知的地类分类体系 {scheme!r}，可选：{', '.join(CLASS_SCHEMES)}")
        src = CLASS_TABLE_PATH
        label = f"builtin:{scheme}"
    else:
        src = Path(path)
        label = str(src)
        if not src.is_file():
            raise ClassTableError(f"{src}: 地类对照表文件不存在")
    header, rows = _read_csv_rows(src)
    for col in ("code", "group"):
        if col not in header:
            raise ClassTableError(f"{src}: 第 1 行（表头）缺少列 {col!r}，应为 code,group[,name]")
    i_code, i_group = header.index("code"), header.index("group")
    i_name = header.index("name") if "name" in header else None
    i_scheme = header.index("scheme") if (path is None and "scheme" in header) else None
    groups: dict[int, str] = {}
    names: dict[int, str] = {}
    first_row: dict[int, int] = {}
    for n, row in enumerate(rows, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if i_scheme is not None and row[i_scheme].strip() != scheme:
            continue
        if len(row) <= max(i_code, i_group):
            raise ClassTableError(f"{src}: 第 {n} 行列数不足，应有 code 与 group 两列")
        code_s, group = row[i_code].strip(), row[i_group].strip().lower()
        try:
            code = int(code_s)
        except ValueError:
            raise ClassTableError(
                f"{src}: 第 {n} 行 code 列的值 {code_s!r} 不是整数地类代码（如 0301 或 10）"
            ) from None
        if group not in GROUPS:
            raise ClassTableError(
                f"{src}: 第 {n} 行 group 列的值 {row[i_group].strip()!r} 无效，应为 forest、grass 或 other"
            )
        if code in groups:
            raise ClassTableError(
                f"{src}: 第 {n} 行 code 列的代码 {code_s} 与第 {first_row[code]} 行重复"
                "（一个代码只能归入一个组，避免重复计算）"
            )
        groups[code] = group
        first_row[code] = n
        names[code] = row[i_name].strip() if i_name is not None and len(row) > i_name else ""
    if not groups:
        raise ClassTableError(f"{src}: 没有任何地类代码行")
    return ClassTable(groups=groups, names=names, source=label)


# ------------------------------------------------------------------------------------ vectors & CRS
@dataclass(frozen=True)
class Polygons:
    """Polygon features read from a vector file.

    Attributes
    ----------
    geoms : ndarray of shapely geometries
        One (repaired if needed) polygonal geometry per feature.
    crs : pyproj.CRS
        The file's CRS.
    fields : dict[str, ndarray]
        Attribute columns.
    path : Path
        Source file.
    repaired : int
        Number of invalid geometries repaired with ``shapely.make_valid``.
    """

    geoms: NDArray[np.object_]
    crs: pyproj.CRS
    fields: dict[str, NDArray[Any]]
    path: Path
    repaired: int = 0

    def union(self) -> shapely.Geometry:
        """All features merged into one geometry (overlaps counted once)."""
        return shapely.union_all(self.geoms)


def read_polygons(path: str | Path, *, layer: str | int | None = None, role: str = "边界") -> Polygons:
    """Read polygon features from GeoJSON, GeoPackage, Shapefile … (pyogrio).

    Parameters
    ----------
    path : str or Path
        Vector file.
    layer : str or int, optional
        Layer name or index (default: first layer).
    role : str
        What the file is, used in error messages (``边界`` or ``生态保护红线``).

    Returns
    -------
    Polygons

    Raises
    ------
    MissingCRSError
        The file has no CRS (e.g. a Shapefile without ``.prj``).
    BoundaryError
        Unreadable file, no features, a feature without geometry or a non-polygon geometry (the message
        names the 1-based feature number).
    """
    p = Path(path)
    if not p.exists():
        raise BoundaryError(f"{p}: {role}文件不存在")
    try:
        meta, _fids, geometry, field_data = pyogrio.raw.read(p, layer=layer)
    except Exception as exc:  # pyogrio raises its own DataSourceError/DataLayerError
        raise BoundaryError(f"{p}: 无法读取{role}文件（{exc}）") from exc
    if meta.get("crs") is None:
        raise MissingCRSError(f"{p}: {role}文件没有坐标参考系（CRS），请补充 .prj 或在文件中声明 CRS")
    crs = pyproj.CRS.from_user_input(meta["crs"])
    if geometry is None or len(geometry) == 0:
        raise BoundaryError(f"{p}: {role}文件没有任何要素")
    geoms = shapely.from_wkb(geometry)
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if missing.size:
        raise BoundaryError(f"{p}: 第 {int(missing[0]) + 1} 个要素没有几何图形")
    types = shapely.get_type_id(geoms)
    bad = np.flatnonzero(~np.isin(types, (3, 6, 7)))  # Polygon, MultiPolygon, GeometryCollection
    if bad.size:
        raise BoundaryError(
            f"{p}: 第 {int(bad[0]) + 1} 个要素是 {shapely.get_type_id(geoms[bad[0]])} 类几何（"
            f"{geoms[bad[0]].geom_type}），{role}应为面（Polygon/MultiPolygon）"
        )
    if crs.is_geographic:
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        if x0 < -360 or x1 > 360 or y0 < -90 or y1 > 90:
            raise MissingCRSError(
                f"{p}: 坐标范围 ({x0:.6g}, {y0:.6g}, {x1:.6g}, {y1:.6g}) 超出经纬度范围，"
                f"但文件的坐标系是地理坐标（{crs.name}）："
                "多半是投影坐标的 GeoJSON 没有声明 CRS（GeoJSON 缺省为 WGS 84）。"
                "请在文件中声明正确的坐标系或改用 GeoPackage"
            )
    invalid = ~shapely.is_valid(geoms)
    repaired = int(invalid.sum())
    if repaired:
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    geoms = shapely.force_2d(geoms)
    fields = {str(name): np.asarray(col) for name, col in zip(meta["fields"], field_data, strict=True)}
    return Polygons(geoms=geoms, crs=crs, fields=fields, path=p, repaired=repaired)


@lru_cache(maxsize=64)
def _transformer(src: pyproj.CRS, dst: pyproj.CRS) -> pyproj.Transformer:
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
    tr = _transformer(src, dst)

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


# ------------------------------------------------------------------------------------------ targets
def coverage_target(
    zone: str | Mapping[str, float],
    *,
    targets: Mapping[str, float] | None = None,
) -> float:
    """林草覆盖率 target (%) for a terrain zone or an area-weighted mix of zones.

    Parameters
    ----------
    zone : str or mapping
        ``"山区"``, ``"丘陵区"`` or ``"平原区"``; or shares of the region's area by zone (dimensionless,
        summing to 1), e.g. ``{"山区": 0.7, "丘陵区": 0.3}`` → ``Σ share × threshold`` (UNVERIFIED
        provincial practice, SPEC §2 indicator 7).
    targets : mapping, optional
        Thresholds (%) by zone; default :data:`TERRAIN_TARGETS` ``["环生态〔2019〕76号"]`` (> 60 / 40 / 18).

    Returns
    -------
    float
        Target in percent; the comparison is strict (``>``) per the seed work plan.

    Raises
    ------
    LandCoverError
        Unknown zone, negative share or shares not summing to 1 (± 1e-6).
    """
    table = dict(targets) if targets is not None else TERRAIN_TARGETS[DEFAULT_TARGET_EDITION]["targets"]
    if isinstance(zone, str):
        if zone not in table:
            raise LandCoverError(f"未知的地形区 {zone!r}，应为 {'、'.join(table)} 之一")
        return float(table[zone])
    total = 0.0
    target = 0.0
    for name, share in zone.items():
        if name not in table:
            raise LandCoverError(f"未知的地形区 {name!r}，应为 {'、'.join(table)} 之一")
        if not 0.0 <= share <= 1.0:
            raise LandCoverError(f"地形区 {name} 的面积占比 {share} 应在 0–1 之间")
        total += share
        target += share * table[name]
    if abs(total - 1.0) > 1e-6:
        raise LandCoverError(f"地形区面积占比之和为 {total:.6f}，应为 1")
    return target


# -------------------------------------------------------------------------------------- cell areas
def _authalic_q(phi: NDArray[np.float64], e: float) -> NDArray[np.float64]:
    """``sinφ/(1−e²sin²φ) + ln((1+e·sinφ)/(1−e·sinφ))/(2e)``; zone area = b²/2 · Δλ · Δq."""
    s = np.sin(phi)
    if e == 0.0:
        return 2.0 * s
    return s / (1.0 - e * e * s * s) + np.log((1.0 + e * s) / (1.0 - e * s)) / (2.0 * e)


def _ellipsoid_ab_e(crs: pyproj.CRS) -> tuple[float, float, float]:
    ell = crs.ellipsoid
    if ell is None:
        raise RasterError("栅格坐标参考系没有椭球定义，无法计算面积")
    a = float(ell.semi_major_metre)
    b = float(ell.semi_minor_metre)
    e = math.sqrt(max(0.0, 1.0 - (b * b) / (a * a)))
    return a, b, e


@dataclass
class _AreaModel:
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


def _cell_area_model(ds: Any, scale_block: int) -> _AreaModel:
    crs = pyproj.CRS.from_user_input(ds.crs.to_wkt())
    t = ds.transform
    if crs.is_geographic:
        unit = crs.axis_info[0].unit_name if crs.axis_info else "degree"
        if "degree" not in unit:
            raise RasterError(f"{ds.name}: 地理坐标栅格的单位为 {unit}，仅支持度（degree）")
        a, b, e = _ellipsoid_ab_e(crs)
        edges = np.radians(t.f + t.e * np.arange(ds.height + 1, dtype=np.float64))
        if np.any(np.abs(edges) > math.pi / 2 + 1e-12):
            raise RasterError(f"{ds.name}: 纬度超出 ±90°")
        q = _authalic_q(edges, e)
        row_areas = np.abs(np.diff(q)) * (b * b / 2.0) * abs(math.radians(t.a))
        ell = crs.ellipsoid
        name = ell.name if ell is not None else "?"
        return _AreaModel(
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
    to_lonlat = _transformer(crs, geod)
    proj = pyproj.Proj(crs)
    model = _AreaModel(
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
    if np.all(np.abs(probe - 1.0) < _EQUAL_AREA_TOL):
        return _AreaModel(
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


class _ClassSource(RasterSource):
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


class _CellAreaSource(_ClassSource):
    """Cell areas (m²) of the class raster's cells, on a coarser grid nested in the class grid.

    exactextract accepts a weighting raster whose resolution is an integer multiple of the value raster's
    (it computes on the finer grid, each fine cell taking the weight of the coarse cell containing it):

    * ``latlon``: one column spanning the raster's width, one row per raster row (area per row);
    * ``scaled``: one weight per ``block`` × ``block`` cells (nominal area ÷ areal scale at the block's
      centre).

    The weights therefore cost 1/width (latlon) or 1/block² (scaled) of the class raster in memory and time.
    """

    def __init__(self, ds: Any, model: _AreaModel) -> None:
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


# ------------------------------------------------------------------------------------------ result
@dataclass(frozen=True)
class CoverageResult:
    """林草覆盖率 of one region from one raster.

    Attributes (areas in km², shares in %)
    ---------------------------------------
    coverage_percent, forest_percent, grass_percent : float
        (森林 + 草地) / 国土面积, 森林 / 国土面积, 草地 / 国土面积 × 100.
    forest_area_km2, grass_area_km2, other_area_km2, land_area_km2 : float
        Group areas; ``land_area_km2`` = area of the boundary covered by classified cells (incl. water).
    boundary_area_km2 : float
        Area of the boundary polygon on the ellipsoid (Albers equal-area).
    missing_area_km2 : float
        Boundary area without a class (outside the raster or NoData), excluded from the denominator.
    class_areas : list of dict
        ``{"code", "name", "group", "area_km2"}`` per class present.
    zone, target_percent, attained :
        Terrain zone (name or shares), target (%), and ``round(coverage, 1) > target``.
    method : dict
        How the figure was produced (zonal method, cell-area method, class table, double-counting rule).
    cells_in_window : int
        Raster cells in the boundary's bounding window (the cells exactextract visited).
    """

    coverage_percent: float
    forest_percent: float
    grass_percent: float
    forest_area_km2: float
    grass_area_km2: float
    other_area_km2: float
    land_area_km2: float
    boundary_area_km2: float
    missing_area_km2: float
    class_areas: list[dict[str, Any]]
    zone: str | dict[str, float]
    target_percent: float
    attained: bool
    method: dict[str, str]
    cells_in_window: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (keys of the CLI contract first)."""
        return {
            "coverage_percent": self.coverage_percent,
            "forest_percent": self.forest_percent,
            "grass_percent": self.grass_percent,
            "land_area_km2": self.land_area_km2,
            "method": self.method,
            "forest_area_km2": self.forest_area_km2,
            "grass_area_km2": self.grass_area_km2,
            "other_area_km2": self.other_area_km2,
            "boundary_area_km2": self.boundary_area_km2,
            "missing_area_km2": self.missing_area_km2,
            "zone": self.zone,
            "target_percent": self.target_percent,
            "attained": self.attained,
            "class_areas": self.class_areas,
            "cells_in_window": self.cells_in_window,
        }


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
    .. [1] 环生态〔2019〕76号《国家生态文明建设示范市县建设指标》：林草覆盖率（SPEC §2 指标 7, §1.3）.
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
        model = _cell_area_model(ds, scale_block)
        cls = _ClassSource(ds)
        feature = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(region_r)}
        if model.kind == "constant":
            ops = [Operation("unique", "u", cls), Operation("frac", "f", cls), Operation("count", "a", cls)]
        else:
            w = _CellAreaSource(ds, model)
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


def coverage_result(
    group_km2: dict[str, float],
    class_areas: list[dict[str, Any]],
    boundary_km2: float,
    zone: str | dict[str, float],
    target: float,
    method: dict[str, str],
    cells_in_window: int,
) -> CoverageResult:
    """The result from the areas of the forest/grass/other groups (km²), one implementation for the
    single-region calculator and the batch job (which sums its tiles' areas first).

    林草覆盖率 = (森林 + 草地) ÷ 国土面积 × 100, 国土面积 being the area with a land class (NoData and
    area outside the raster excluded); 达标 when the value rounded to 1 decimal is above the target."""
    land_km2 = sum(group_km2.values())
    forest_pct = group_km2["forest"] / land_km2 * 100.0
    grass_pct = group_km2["grass"] / land_km2 * 100.0
    coverage_pct = forest_pct + grass_pct
    return CoverageResult(
        coverage_percent=coverage_pct,
        forest_percent=forest_pct,
        grass_percent=grass_pct,
        forest_area_km2=group_km2["forest"],
        grass_area_km2=group_km2["grass"],
        other_area_km2=group_km2["other"],
        land_area_km2=land_km2,
        boundary_area_km2=boundary_km2,
        missing_area_km2=max(boundary_km2 - land_km2, 0.0),
        class_areas=class_areas,
        zone=zone,
        target_percent=target,
        attained=bool(round(coverage_pct, 1) > target),
        method=method,
        cells_in_window=cells_in_window,
    )
