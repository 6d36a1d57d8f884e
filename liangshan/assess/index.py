"""The 两山指数 self-assessment: every indicator's values, verdict and reason, and a summary.

An indicator whose catalog ``value_source`` is ``official_first`` is judged on its approved
officially published figure (item ``official:N``) where one exists for a year, and on the value
recomputed from its data elements otherwise; both are kept in the result (``official``,
``recomputed``, ``used``). An indicator's ``conditions`` (indicator 1: 完成上级下达的改善目标)
must also hold in the evaluation year: a false one makes the verdict 未达标, a missing one 数据缺失.
An indicator judged by the 获得 rule in its ``held`` reading (indicator 16) is judged on the title
register's derived observation (:data:`~liangshan.assess.values.TITLES_KEY`, computed per year by
:func:`liangshan.services.titles.register_observations`) when one is among the observations, and on
its yearly counts otherwise. Every result names the basis of its rule (官方规定 or 本系统约定, from
the catalog) and the assessment names the indicator set (``catalog``: id, version, name).

:func:`assess` is a pure function of the catalog, the region, the window of years, the approved
observations and the region's target overrides — no database, no clock — so the same inputs
always give the same result (and the same JSON, byte for byte).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from liangshan.assess.rules import FAIL, MISSING, PARTIAL, PASS, VERDICTS, Judgement, RegionProfile, judge
from liangshan.assess.values import (
    TITLES_KEY,
    Observation,
    OfficialFigure,
    YearValue,
    display_value,
    official_figure,
    year_value,
)
from liangshan.catalog.models import Catalog, Condition, Indicator, Target

SCORE_LABEL = "参考评分（非官方）"
SCORE_POINTS = {"达标": 1.0, "基本达标": 0.5, "未达标": 0.0, "数据缺失": 0.0}


@dataclass(frozen=True)
class ConditionCheck:
    """A further condition of the verdict (catalog ``conditions``) as found in the evaluation year."""

    condition: Condition
    label: str
    year: int
    value: bool | None
    evidence_count: int = 0

    @property
    def met(self) -> bool:
        return bool(self.value) and (not self.condition.require_evidence or self.evidence_count > 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "element": self.condition.element,
            "text": self.condition.text,
            "label": self.label,
            "year": self.year,
            "value": self.value,
            "evidence_count": self.evidence_count,
            "met": self.met,
        }


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator: the judged values per year, the verdict, and — where the catalog prefers
    official figures — the published figures (``official``) beside the recomputation (``recomputed``).
    """

    indicator: Indicator
    target: Target
    years: tuple[YearValue, ...]
    judgement: Judgement
    official: tuple[OfficialFigure | None, ...] = ()
    recomputed: tuple[YearValue, ...] = ()
    conditions: tuple[ConditionCheck, ...] = ()

    def titles(self) -> list[dict[str, Any]]:
        """The register's titles held in the evaluation year (the 获得 rule's ``held`` reading):
        name, level, awarding body, year awarded, valid until, document, 示例 flag; else empty."""
        last = self.years[-1] if self.years else None
        if last is None or last.source != "register":
            return []
        return [dict(t) for t in last.components.get("titles", ())]

    def used(self) -> dict[str, str]:
        """Per year, which value was judged: ``official`` or ``recomputed``."""
        return {str(yv.year): "official" if yv.source == "official" else "recomputed" for yv in self.years}

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
            "value_source": ind.value_source,
            "used": self.used(),
            "official": {str(o.year): o.to_dict(ind) for o in self.official if o is not None},
            "recomputed": {str(yv.year): display_value(ind, yv) for yv in self.recomputed},
            "conditions": [c.to_dict() for c in self.conditions],
            **rule_basis_fields(catalog, ind, self.target),
            "titles": self.titles(),
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
            "catalog": self.catalog.identity(),
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


def rule_basis_fields(catalog: Catalog, ind: Indicator, target: Target) -> dict[str, Any]:
    """The basis of the rule judging ``ind``: ``rule_basis`` (official | convention) and its Chinese
    label, text, document with clause, and the alternative readings of a convention."""
    b = catalog.basis_of(ind, target)
    return {
        "rule_basis": b.kind,
        "rule_basis_label": b.label,
        "rule_basis_text": b.text,
        "rule_basis_source": b.source(),
        "rule_basis_alternatives": list(b.alternatives),
    }


def register_series(
    ys: Sequence[int], observations: Mapping[tuple[str, int], Observation]
) -> tuple[YearValue, ...]:
    """The title register's count of valid national/international titles per year (0 for a year the
    register observation leaves out), with the titles in ``components["titles"]``."""
    out = []
    for y in ys:
        o = observations.get((TITLES_KEY, y))
        titles = list((o.meta or {}).get("titles", ())) if o is not None else []
        value = float(o.value or 0) if o is not None else 0.0
        out.append(
            YearValue(y, value, "ok", "register", {"titles": titles}, (), o.evidence_count if o else 0)
        )
    return tuple(out)


def uses_register(
    tgt: Target, ys: Sequence[int], observations: Mapping[tuple[str, int], Observation]
) -> bool:
    """Whether the 获得 rule reads the title register (``held`` reading and a register observation given)."""
    if tgt.rule != "obtained" or tgt.obtained != "held":
        return False
    return any((TITLES_KEY, y) in observations for y in ys)


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
        recomputed = tuple(year_value(ind, y, observations, labels) for y in ys)
        official = tuple(official_figure(ind, y, observations) for y in ys)
        series = tuple(choose_value(ind, rc, of) for rc, of in zip(recomputed, official, strict=True))
        if uses_register(tgt, ys, observations):
            series = register_series(ys, observations)
        checks = tuple(condition_check(c, ys[-1], observations, labels) for c in ind.conditions)
        judgement = with_conditions(judge(ind, tgt, series, region), checks)
        results.append(IndicatorResult(ind, tgt, series, judgement, official, recomputed, checks))
    return Assessment(catalog, region, ys, tuple(results), weights)


def choose_value(ind: Indicator, recomputed: YearValue, official: OfficialFigure | None) -> YearValue:
    """The value judged for one year: the official figure when the catalog says ``official_first``
    and one was approved, else the recomputed one."""
    if official is None or ind.value_source != "official_first":
        return recomputed
    return YearValue(official.year, official.value, "ok", "official", {}, (), official.evidence_count)


def condition_check(
    cond: Condition, year: int, observations: Mapping[tuple[str, int], Observation], labels: Mapping[str, str]
) -> ConditionCheck:
    o = observations.get((cond.element, year))
    value = None if o is None or o.value is None else bool(o.value)
    label = labels.get(cond.element, cond.element)
    return ConditionCheck(cond, label, year, value, o.evidence_count if o else 0)


def with_conditions(j: Judgement, checks: Sequence[ConditionCheck]) -> Judgement:
    """Apply the further conditions to a verdict (indicator 1: threshold AND 完成上级下达的改善目标).

    Only a passing verdict (达标/基本达标) can change: a missing condition → 数据缺失 naming the data
    element and its unit; a false one (or a true one without the required evidence) → 未达标. A
    failing or missing target stays as it is; when every condition is met the verdict and reason
    are the target's (``IndicatorResult.conditions`` lists them).
    """
    if not checks or j.verdict not in (PASS, PARTIAL):
        return j
    for c in checks:
        if c.value is None:
            return Judgement(MISSING, f"{c.year}年数据缺失（{c.label}）；指标值：{j.reason}", j.threshold)
        if not c.value:
            return Judgement(FAIL, f"{j.reason}，但{c.year}年未{c.condition.text}", j.threshold)
        if not c.met:
            why = f"{c.year}年填报已{c.condition.text}，但无佐证材料（下达目标的文件）"
            return Judgement(FAIL, f"{j.reason}，{why}", j.threshold)
    return j  # met: the reason stays the target's own (the conditions are listed beside it)
