"""The 林草覆盖率 result: (森林 + 草地) ÷ 国土面积 × 100 and its attainment.

附件2 指标7, 环生态〔2019〕76号《国家生态文明建设示范市县建设指标》.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CoverageResult", "coverage_result"]


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
