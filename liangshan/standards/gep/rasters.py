"""Raster inputs of the GEP engine, computed with numpy over rasterio windows (bounded memory).

Files live in one directory, named ``<name>_<year>.tif`` (preferred) or ``<name>.tif`` (all years):

- 水源涵养: ``precipitation``, ``et`` (mm) and either ``runoff`` (mm) or ``landcover`` (class codes,
  with the workbook's water-conservation zones giving ``land_cover_codes`` and ``runoff_coefficient``:
  R = P × α(class)). Quantity ``Σ max(P − R − ET, 0) × cell area × 10⁻³`` (m³).
- 土壤保持: ``r_factor``, ``k_factor``, ``ls_factor``, ``c_factor``, ``p_factor``. Quantity
  ``Σ R·K·LS·(1 − C·P) × cell area (hm²)`` (t).

All rasters of an item must share CRS, transform and size; the CRS must be projected in metres (cell
area = |det(transform)|; an equal-area projection is best, a conformal one such as UTM is within
about 0.1 % at county scale). Cells that are nodata (or NaN) in any input are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import rasterio
from rasterio.windows import Window

if TYPE_CHECKING:
    from liangshan.standards.gep.engine import ItemContext

__all__ = [
    "GepRasterError",
    "RasterAggregate",
    "find_raster",
    "raster_quantities",
    "soil_retention_raster",
    "water_conservation_raster",
]

#: Cells read per block and raster (≈ 32 MB of float64 per array).
BLOCK_CELLS = 4_000_000


class GepRasterError(ValueError):
    """A raster input is unusable: names the file and what is wrong."""

    def __init__(self, message: str, *, file: str | Path | None = None) -> None:
        super().__init__(f"栅格 {Path(file).name}：{message}" if file else message)
        self.file = None if file is None else str(file)


@dataclass
class RasterAggregate:
    """Sums over the valid cells, the files used and the cell counts."""

    values: dict[str, float]
    files: list[Path]
    cells: int = 0
    nodata_cells: int = 0
    cell_area_m2: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def find_raster(directory: Path, name: str, year: int) -> Path | None:
    """``<name>_<year>.tif`` if present, else ``<name>.tif``, else None."""
    for cand in (directory / f"{name}_{year}.tif", directory / f"{name}.tif"):
        if cand.is_file():
            return cand
    return None


def _cell_area(src: rasterio.io.DatasetReader, path: Path) -> float:
    if src.crs is None:
        raise GepRasterError("缺少坐标系（CRS）", file=path)
    if not src.crs.is_projected:
        raise GepRasterError("坐标系为地理坐标（度），请先投影到以米为单位的等积投影", file=path)
    units = (src.crs.linear_units or "").lower()
    if units not in ("metre", "meter", "m", "metres", "meters"):
        raise GepRasterError(f"投影单位应为米，得到 {src.crs.linear_units}", file=path)
    t = src.transform
    return abs(t.a * t.e - t.b * t.d)


def _blocks(paths: list[Path]) -> Iterator[tuple[list[np.ndarray], np.ndarray, float]]:
    """Yield (arrays as float64, valid mask, cell area m²) per row block of aligned rasters."""
    srcs = [rasterio.open(p) for p in paths]
    try:
        ref = srcs[0]
        area = _cell_area(ref, paths[0])
        for s, p in zip(srcs[1:], paths[1:], strict=True):
            if (
                s.crs != ref.crs
                or s.transform != ref.transform
                or (s.width, s.height) != (ref.width, ref.height)
            ):
                raise GepRasterError(f"与 {paths[0].name} 的坐标系、网格或尺寸不一致", file=p)
        rows = max(1, BLOCK_CELLS // max(1, ref.width))
        for r0 in range(0, ref.height, rows):
            win = Window(0, r0, ref.width, min(rows, ref.height - r0))
            arrays: list[np.ndarray] = []
            valid: np.ndarray | None = None
            for s in srcs:
                a = s.read(1, window=win).astype(np.float64, copy=False)
                ok = np.isfinite(a)
                if s.nodata is not None and np.isfinite(s.nodata):
                    ok &= a != s.nodata
                valid = ok if valid is None else valid & ok
                arrays.append(a)
            assert valid is not None
            yield arrays, valid, area
    finally:
        for s in srcs:
            s.close()


def _check_range(
    a: np.ndarray, valid: np.ndarray, path: Path, lo: float, hi: float | None, what: str
) -> None:
    v = a[valid]
    if v.size and (v.min() < lo or (hi is not None and v.max() > hi)):
        bound = f"[{lo:g}, {hi:g}]" if hi is not None else f"≥ {lo:g}"
        raise GepRasterError(f"{what} 应在 {bound} 之间，发现 {v.min():g} … {v.max():g}", file=path)


def water_conservation_raster(
    precipitation: Path,
    et: Path,
    *,
    runoff: Path | None = None,
    landcover: Path | None = None,
    runoff_coefficients: dict[int, float] | None = None,
) -> RasterAggregate:
    """Water conservation ``Σ max(P − R − ET, 0) × cell area × 10⁻³`` (m³).

    Parameters
    ----------
    precipitation, et : Path
        Annual precipitation and evapotranspiration, mm.
    runoff : Path, optional
        Storm runoff R, mm. If absent, ``landcover`` and ``runoff_coefficients`` give R = P × α.
    landcover : Path, optional
        Integer class codes.
    runoff_coefficients : dict of int to float, optional
        Class code → runoff coefficient α (0–1). A class in the raster without a coefficient is an error.

    Returns
    -------
    RasterAggregate
        ``values["water_conservation_m3"]``.
    """
    if runoff is None and (landcover is None or runoff_coefficients is None):
        raise GepRasterError("水源涵养需要 runoff 栅格，或 landcover 栅格加各地类径流系数")
    third_path = runoff if runoff is not None else landcover
    assert third_path is not None
    paths = [Path(precipitation), Path(et), Path(third_path)]
    lut: np.ndarray | None = None
    if runoff is None:
        assert runoff_coefficients is not None
        if not runoff_coefficients:
            raise GepRasterError("径流系数表为空")
        size = max(runoff_coefficients) + 1
        if min(runoff_coefficients) < 0 or size > 1 << 20:
            raise GepRasterError("地类代码应为 0…1048575 的整数")
        lut = np.full(size, np.nan)
        for code, alpha in runoff_coefficients.items():
            lut[code] = alpha
    total = 0.0
    cells = nodata = 0
    area = 0.0
    for (p, e, third), valid, blk_area in _blocks(paths):
        area = blk_area
        _check_range(p, valid, precipitation, 0.0, None, "降水量")
        _check_range(e, valid, et, 0.0, None, "蒸散发量")
        if lut is None:
            _check_range(third, valid, paths[2], 0.0, None, "径流量")
            r = third
        else:
            codes = third.astype(np.int64)
            inside = (codes >= 0) & (codes < lut.size) & (codes == third)
            coef = np.full(codes.shape, np.nan)
            coef[inside] = lut[codes[inside]]
            unknown = valid & np.isnan(coef)
            if unknown.any():
                bad = np.unique(third[unknown])[:10]
                raise GepRasterError(
                    f"地类代码 {', '.join(f'{c:g}' for c in bad)} 没有径流系数"
                    "（在水源涵养分区的 land_cover_codes 中列出）",
                    file=paths[2],
                )
            r = p * np.nan_to_num(coef)
        depth = np.clip(p - r - e, 0.0, None)
        total += float(depth[valid].sum())
        nv = int(valid.sum())
        cells += nv
        nodata += int(valid.size - nv)
    return RasterAggregate(
        values={"water_conservation_m3": total * area * 1e-3},
        files=paths,
        cells=cells,
        nodata_cells=nodata,
        cell_area_m2=area,
    )


def soil_retention_raster(
    r_factor: Path, k_factor: Path, ls_factor: Path, c_factor: Path, p_factor: Path
) -> RasterAggregate:
    """Soil retention ``Σ R·K·LS·(1 − C·P) × cell area (hm²)`` (t), RUSLE.

    Parameters
    ----------
    r_factor : Path
        Rainfall erosivity R, MJ·mm/(hm²·h·a).
    k_factor : Path
        Soil erodibility K, t·hm²·h/(hm²·MJ·mm).
    ls_factor : Path
        Slope length–steepness LS, dimensionless.
    c_factor, p_factor : Path
        Cover-management C and support-practice P, 0–1.

    Returns
    -------
    RasterAggregate
        ``values["soil_retention_t"]``.
    """
    paths = [Path(x) for x in (r_factor, k_factor, ls_factor, c_factor, p_factor)]
    total = 0.0
    cells = nodata = 0
    area = 0.0
    for (r, k, ls, c, p), valid, blk_area in _blocks(paths):
        area = blk_area
        for a, path, what in ((r, paths[0], "R"), (k, paths[1], "K"), (ls, paths[2], "LS")):
            _check_range(a, valid, path, 0.0, None, what)
        _check_range(c, valid, paths[3], 0.0, 1.0, "C")
        _check_range(p, valid, paths[4], 0.0, 1.0, "P")
        a_c = r * k * ls * (1.0 - c * p)
        total += float(a_c[valid].sum())
        nv = int(valid.sum())
        cells += nv
        nodata += int(valid.size - nv)
    return RasterAggregate(
        values={"soil_retention_t": total * area / 1e4},
        files=paths,
        cells=cells,
        nodata_cells=nodata,
        cell_area_m2=area,
    )


def raster_quantities(item: str, directory: Path, year: int, ctx: ItemContext) -> RasterAggregate | None:
    """Raster aggregate for ``item`` and ``year`` when its rasters are in ``directory``, else None.

    Raises
    ------
    GepRasterError
        Some but not all rasters of the item are present, or a raster is unusable.
    """
    if not directory.is_dir():
        raise GepRasterError(f"栅格目录 {directory} 不存在")
    if item == "water_conservation":
        found = {n: find_raster(directory, n, year) for n in ("precipitation", "et", "runoff", "landcover")}
        if not any(found.values()):
            return None
        for n in ("precipitation", "et"):
            if found[n] is None:
                raise GepRasterError(f"水源涵养栅格缺少 {n}_{year}.tif 或 {n}.tif（目录 {directory}）")
        precip, et = found["precipitation"], found["et"]
        assert precip is not None and et is not None
        if found["runoff"] is not None:
            return water_conservation_raster(precip, et, runoff=found["runoff"])
        if found["landcover"] is None:
            raise GepRasterError(f"水源涵养栅格缺少 runoff 或 landcover（目录 {directory}）")
        coeffs: dict[int, float] = {}
        for zone in ctx.zones():
            codes = ctx.attr(zone, "land_cover_codes")
            if not codes:
                continue
            alpha = ctx.z(zone, "runoff_coefficient")
            for c in str(codes).replace("，", ",").split(","):
                if c.strip():
                    try:
                        coeffs[int(c)] = alpha
                    except ValueError:
                        raise GepRasterError(f"分区 {zone} 的 land_cover_codes 含非整数 {c!r}") from None
        return water_conservation_raster(precip, et, landcover=found["landcover"], runoff_coefficients=coeffs)
    if item == "soil_retention":
        names = ("r_factor", "k_factor", "ls_factor", "c_factor", "p_factor")
        found = {n: find_raster(directory, n, year) for n in names}
        if not any(found.values()):
            return None
        missing = [n for n, f in found.items() if f is None]
        if missing:
            raise GepRasterError(f"土壤保持栅格缺少 {', '.join(missing)}（目录 {directory}）")
        files = [f for f in found.values() if f is not None]
        return soil_retention_raster(*files)
    return None
