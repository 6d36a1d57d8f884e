"""The 两山指数 self-assessment: every indicator's values, verdict and reason, and a summary.

:func:`assess` is a pure function of the catalog, the region, the window of years, the approved
observations and the region's target overrides — no database, no clock — so the same inputs
always give the same result (and the same JSON, byte for byte).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from liangshan.assess.rules import VERDICTS, Judgement, RegionProfile, judge
from liangshan.assess.values import Observation, YearValue, display_value, year_value
from liangshan.catalog.models import Catalog, Indicator, Target

SCORE_LABEL = "参考评分（非官方）"
SCORE_POINTS = {"达标": 1.0, "基本达标": 0.5, "未达标": 0.0, "数据缺失": 0.0}


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    target: Target
    years: tuple[YearValue, ...]
    judgement: Judgement

    @property
    def verdict(self) -> str:
        return self.judgement.verdict

    def values(self) -> dict[str, float | bool | None]:
        return {str(yv.year): display_value(self.indicator, yv) for yv in self.years}

    def to_dict(self, catalog: Catalog) -> dict[str, Any]:
        ind = self.indicator
        return {
            "id": ind.id,
            "name": ind.name,
            "unit": ind.unit,
            "target": self.target.text,
            "rule": self.target.rule,
            "values": self.values(),
            "verdict": self.verdict,
            "reason": self.judgement.reason,
            "goal": catalog.goal_of(ind).name,
            "category": catalog.category(ind.category).name,
            "responsible_units": list(ind.responsible_units),
            "threshold": self.judgement.threshold,
            "sources": {str(yv.year): yv.source for yv in self.years},
            "missing": {str(yv.year): list(yv.missing) for yv in self.years if yv.missing},
            "components": {str(yv.year): yv.components for yv in self.years if yv.components},
        }


@dataclass(frozen=True)
class Assessment:
    catalog: Catalog
    region: RegionProfile
    years: tuple[int, ...]
    results: tuple[IndicatorResult, ...]
    weights: Mapping[int, float] | None = field(default=None)

    def counts(self, results: Sequence[IndicatorResult] | None = None) -> dict[str, int]:
        c = Counter(r.verdict for r in (self.results if results is None else results))
        return {v: c.get(v, 0) for v in VERDICTS}

    def by_goal(self) -> list[dict[str, Any]]:
        out = []
        for g in self.catalog.goals:
            rs = [r for r in self.results if self.catalog.goal_of(r.indicator).code == g.code]
            out.append({"code": g.code, "name": g.name, "indicators": len(rs), "counts": self.counts(rs)})
        return out

    def by_category(self) -> list[dict[str, Any]]:
        out = []
        for c in self.catalog.categories:
            rs = [r for r in self.results if r.indicator.category == c.code]
            out.append(
                {
                    "code": c.code,
                    "goal": c.goal,
                    "name": c.name,
                    "indicators": len(rs),
                    "counts": self.counts(rs),
                }
            )
        return out

    def score(self) -> float | None:
        """Weighted share of attainment ×100 (达标 1, 基本达标 0.5, else 0; 不适用 excluded)."""
        if self.weights is None:
            return None
        num = den = 0.0
        for r in self.results:
            if r.verdict in SCORE_POINTS:
                w = float(self.weights.get(r.indicator.id, 0.0))
                num += w * SCORE_POINTS[r.verdict]
                den += w
        return None if den == 0 else round(100 * num / den, 1)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "region": {
                "code": self.region.code,
                "name": self.region.name,
                "terrain_zone": self.region.terrain_zone,
            },
            "years": list(self.years),
            "catalog_version": f"{self.catalog.framework} {self.catalog.version}",
            "summary": {"counts": self.counts(), "goals": self.by_goal(), "categories": self.by_category()},
            "indicators": [r.to_dict(self.catalog) for r in self.results],
        }
        if self.weights is not None:
            d["summary"]["score"] = {
                "label": SCORE_LABEL,
                "value": self.score(),
                "weights": {str(k): v for k, v in sorted(self.weights.items())},
            }
        return d


def effective_target(ind: Indicator, override: Mapping[str, Any] | None) -> Target:
    """The catalog target with a region's override applied (the shared catalog is untouched)."""
    if not override:
        return ind.target
    return Target.model_validate({**ind.target.model_dump(), **override})


def equal_weights(catalog: Catalog) -> dict[int, float]:
    """Equal weight per indicator — the default of the optional 参考评分（非官方）."""
    return {i.id: 1.0 for i in catalog.indicators}


def assess(
    catalog: Catalog,
    region: RegionProfile,
    years: Sequence[int],
    observations: Mapping[tuple[str, int], Observation],
    overrides: Mapping[int, Mapping[str, Any]] | None = None,
    weights: Mapping[int, float] | None = None,
) -> Assessment:
    """Assess every indicator of ``catalog`` for ``region`` over ``years`` (the last is evaluated)."""
    ys = tuple(sorted(set(years)))
    if not ys:
        raise ValueError("评估年份不能为空")
    labels = {e.code: f"{e.name}，{'、'.join(e.suppliers) or '未指定单位'}" for e in catalog.data_elements}
    results = []
    for ind in catalog.indicators:
        tgt = effective_target(ind, (overrides or {}).get(ind.id))
        series = tuple(year_value(ind, y, observations, labels) for y in ys)
        results.append(IndicatorResult(ind, tgt, series, judge(ind, tgt, series, region)))
    return Assessment(catalog, region, ys, tuple(results), weights)
