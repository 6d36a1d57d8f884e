"""林草覆盖率 targets by terrain zone (附件2 指标7; 环生态〔2019〕76号).

The thresholds > 60 / 40 / 18 % (山区 / 丘陵区 / 平原区) are those of the seed work plan; the official table
of 环生态〔2019〕76号 is UNVERIFIED and the area-weighted target rule is UNVERIFIED practice — both
parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from liangshan.standards.land_cover.errors import LandCoverError

__all__ = ["DEFAULT_TARGET_EDITION", "TERRAIN_TARGETS", "coverage_target"]

TERRAIN_TARGETS: dict[str, dict[str, Any]] = {
    "环生态〔2019〕76号": {
        "effective": "2019-09-11",
        "op": ">",
        "targets": {"山区": 60.0, "丘陵区": 40.0, "平原区": 18.0},
        "note": "数值与卢氏县工作方案一致；官方表格数值 待核实（附件2 指标7）",
    },
}
"""林草覆盖率 targets (%) by terrain zone, keyed by the document that sets them (comparison ``op``)."""

DEFAULT_TARGET_EDITION = "环生态〔2019〕76号"


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
        provincial practice, 附件2 指标7).
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
