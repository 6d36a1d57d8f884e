"""林草覆盖率 (indicator 7): forest-and-grass coverage from a categorical land-cover raster.

Definition (附件2 指标7, 生态文明建设示范市县建设指标 convention, 环生态〔2019〕76号)::

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
  table is data: ``liangshan/standards/land_classes.csv``, or a user CSV with columns ``code,group[,name]``),
  so a cell is never counted twice (灌木林地 counts once, as forest);
* several boundary features are merged (union) before extraction, so overlaps are not counted twice.

The terrain zone of the region (山区 / 丘陵区 / 平原区, or area-weighted shares of them) selects the target
(附件2 指标7; the thresholds > 60 / 40 / 18 % are those of the seed work plan; the official table of
环生态〔2019〕76号 is UNVERIFIED and the area-weighted target rule is UNVERIFIED practice — both parameters).

All errors are subclasses of :class:`LandCoverError` (a ``ValueError``) and name the file concerned.

The package is cut by what each part does: :mod:`~.classes` (class tables as data), :mod:`~.targets`
(targets by terrain zone), :mod:`~.vectors` (reading polygons), :mod:`~.geodesy` (CRS, ellipsoid and
equal-area maths), :mod:`~.rasters` (exactextract raster adapters), :mod:`~.result` and :mod:`~.coverage`
(the computation); this module re-exports their public names.
"""

from liangshan.standards.land_cover.classes import (
    CLASS_SCHEMES,
    CLASS_TABLE_PATH,
    DEFAULT_SCHEME,
    DEFAULT_SHRUB,
    GROUPS,
    SHRUB_RULES,
    ClassTable,
    load_class_table,
)
from liangshan.standards.land_cover.coverage import DEFAULT_MAX_CELLS_IN_MEMORY, land_coverage
from liangshan.standards.land_cover.errors import (
    BoundaryError,
    ClassTableError,
    CoverageGapError,
    LandCoverError,
    MissingCRSError,
    NoOverlapError,
    RasterError,
    UnknownClassError,
)
from liangshan.standards.land_cover.geodesy import china_albers, equal_area_km2, to_crs
from liangshan.standards.land_cover.result import CoverageResult, coverage_result
from liangshan.standards.land_cover.targets import DEFAULT_TARGET_EDITION, TERRAIN_TARGETS, coverage_target
from liangshan.standards.land_cover.vectors import Polygons, read_polygons

__all__ = [
    "CLASS_SCHEMES",
    "CLASS_TABLE_PATH",
    "DEFAULT_MAX_CELLS_IN_MEMORY",
    "DEFAULT_SCHEME",
    "DEFAULT_SHRUB",
    "DEFAULT_TARGET_EDITION",
    "GROUPS",
    "SHRUB_RULES",
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
    "coverage_result",
    "coverage_target",
    "equal_area_km2",
    "land_coverage",
    "load_class_table",
    "read_polygons",
    "to_crs",
]
