"""Reading boundary and redline polygons (GeoJSON, GeoPackage, Shapefile … through pyogrio).

Used by the 林草覆盖率 calculator (附件2 指标7) and the 生态保护红线 calculator (indicator 8): a file
without CRS, without features or holding non-polygon geometries is refused with an error naming the file
and the feature; invalid geometries are repaired with ``shapely.make_valid`` and counted.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from liangshan.standards.land_cover.errors import BoundaryError, MissingCRSError

__all__ = ["Polygons", "read_polygons"]

_OPTIONAL = frozenset({"pandas", "pyarrow", "geopandas"})
_IMPORT_LOCK = threading.Lock()


class _SkipPyogrioOptionals(importlib.abc.MetaPathFinder):
    """Makes pyogrio's optional-dependency probe (``pyogrio._compat``) find no pandas, pyarrow or geopandas.

    pyogrio imports them at start-up only to enable its GeoDataFrame and Arrow readers (≈ 0.5 s of CPU for
    pandas and pyarrow); :func:`read_polygons` uses ``pyogrio.raw.read`` (WKB and NumPy arrays) alone. Any
    other importer of those packages is not affected, nor is a process that has already imported them.
    """

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name in _OPTIONAL and path is None:
            frame = sys._getframe(1)
            while frame is not None:
                if frame.f_globals.get("__name__") == "pyogrio._compat":
                    raise ImportError(f"{name} is not needed by pyogrio.raw")
                frame = frame.f_back  # type: ignore[assignment]
        return None


def _pyogrio_raw() -> ModuleType:
    """``pyogrio.raw``, imported without pyogrio's optional pandas/pyarrow/geopandas (see above)."""
    if "pyogrio.raw" in sys.modules:
        return sys.modules["pyogrio.raw"]
    with _IMPORT_LOCK:
        finder = _SkipPyogrioOptionals()
        sys.meta_path.insert(0, finder)
        try:
            import pyogrio.raw
        finally:
            sys.meta_path.remove(finder)
    return pyogrio.raw


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
        meta, _fids, geometry, field_data = _pyogrio_raw().read(p, layer=layer)
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
