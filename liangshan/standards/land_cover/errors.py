"""Errors of the 林草覆盖率 and 生态保护红线 calculators (``ValueError``): each names the file concerned."""

from __future__ import annotations

__all__ = [
    "BoundaryError",
    "ClassTableError",
    "CoverageGapError",
    "LandCoverError",
    "MissingCRSError",
    "NoOverlapError",
    "RasterError",
    "UnknownClassError",
]


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
