"""Early warnings (预警) from the assessment of several years: a pure function, and its region helper.

The seed calls the 两山指数 the basis of 后评估 and 动态管理 (“两山指数”评估 … 作为后评估和动态管理的依据);
the system warns the office and each indicator's lead unit (牵头单位, the catalog's first responsible
unit) when, in the evaluation year (the last year of the assessment):

- **低于目标** (``below_target``): the indicator's verdict is 未达标 (its target rule, docs/assessment.md);
- **由升转降** (``trend_turn``): an indicator whose target is 稳定提高 falls against the previous year
  (after rounding to its reporting precision, GB/T 8170);
- **连续下降** (``consecutive_fall``): any numeric indicator falls two years running (every target of
  附件2 is “higher is better”); this replaces the single-fall warning of the same indicator.

These rules are 本系统约定 (docs/after-naming.md): the 管理规程 (2024-02-01) asks for 动态管理 but does
not define warning thresholds in the texts the system has (UNVERIFIED).

:func:`early_warnings` takes an :class:`~liangshan.assess.Assessment` and returns the warnings (no
database, no clock). :func:`region_warnings` assesses a region's three years up to ``year`` from its
approved values and returns the warnings as dicts — the 待办 page, the progress report and the CLI read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from liangshan.assess import Assessment
from liangshan.assess.index import IndicatorResult
from liangshan.assess.rules import FAIL
from liangshan.assess.values import display_value, round_half_even
from liangshan.catalog import Catalog

KIND_LABELS = {"below_target": "低于目标", "trend_turn": "由升转降", "consecutive_fall": "连续下降"}
WINDOW = 3  # years assessed for the warnings of one year: the year and the two before


@dataclass(frozen=True)
class EarlyWarning:
    """One warning: which indicator, which years and values, whom it goes to, and the sentence."""

    kind: str
    indicator_id: int
    indicator_name: str
    years: tuple[int, ...]
    values: tuple[str, ...]
    target: str
    lead_unit: str
    units: tuple[str, ...]
    text: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["years"], d["values"], d["units"] = list(self.years), list(self.values), list(self.units)
        d["kind_label"] = self.kind_label
        return d


def _fmt(r: IndicatorResult, v: float) -> str:
    """As the report writes a value: GB/T 8170 rounding to the indicator's precision, with its unit."""
    ind = r.indicator
    s = f"{round_half_even(v, ind.precision):,.{ind.precision}f}"
    return f"{s}{ind.unit}" if ind.unit in ("%", "") else f"{s} {ind.unit}"


def _numeric(r: IndicatorResult) -> list[tuple[int, float]]:
    out = []
    for yv in r.years:
        v = display_value(r.indicator, yv)
        if yv.status == "ok" and isinstance(v, int | float) and not isinstance(v, bool):
            out.append((yv.year, float(v)))
    return out


def _warn(r: IndicatorResult, kind: str, pts: Sequence[tuple[int, float]], text: str) -> EarlyWarning:
    ind = r.indicator
    return EarlyWarning(
        kind=kind,
        indicator_id=ind.id,
        indicator_name=ind.name,
        years=tuple(y for y, _ in pts),
        values=tuple(_fmt(r, v) for _, v in pts),
        target=r.target.text,
        lead_unit=ind.lead_unit,
        units=tuple(ind.responsible_units),
        text=text,
    )


def indicator_warnings(r: IndicatorResult, year: int) -> list[EarlyWarning]:
    """The warnings of one indicator in ``year`` (see the module docstring)."""
    out: list[EarlyWarning] = []
    name = r.indicator.name
    last = next((yv for yv in r.years if yv.year == year), None)
    if last is None:
        return out
    pts = [p for p in _numeric(r) if p[0] <= year]
    if r.verdict == FAIL and r.years[-1].year == year:
        shown = [p for p in pts if p[0] == year]
        out.append(_warn(r, "below_target", shown, f"{name}：{r.judgement.reason}（目标：{r.target.text}）"))
    tail = pts[-3:]
    if len(tail) == 3 and tail[-1][0] == year and [y for y, _ in tail] == list(range(year - 2, year + 1)):
        (y0, v0), (y1, v1), (y2, v2) = tail
        if v2 < v1 < v0:
            out.append(_warn(r, "consecutive_fall", tail,
                             f"{name}连续两年下降：{y0}年 {_fmt(r, v0)}、{y1}年 {_fmt(r, v1)}、"
                             f"{y2}年 {_fmt(r, v2)}"))  # fmt: skip
            return out
    if (
        r.target.rule == "steady_improvement"
        and len(pts) >= 2
        and pts[-1][0] == year
        and pts[-2][0] == year - 1
    ):
        (y1, v1), (y2, v2) = pts[-2:]
        if v2 < v1:
            out.append(_warn(r, "trend_turn", pts[-2:],
                             f"{name}由升转降：{y2}年 {_fmt(r, v2)}，低于{y1}年的 {_fmt(r, v1)}"
                             f"（目标“{r.target.text}”）"))  # fmt: skip
    return out


def early_warnings(assessment: Assessment, year: int | None = None) -> list[EarlyWarning]:
    """Every warning of ``assessment`` in ``year`` (default its last year), in catalog order."""
    y = year if year is not None else assessment.years[-1]
    out: list[EarlyWarning] = []
    for r in assessment.results:
        out.extend(indicator_warnings(r, y))
    return out


def region_warnings(session: Session, catalog: Catalog, region: str, year: int) -> list[dict[str, Any]]:
    """The warnings of ``region`` in ``year`` from its approved values (years ``year-2 … year``)."""
    from liangshan.services.assessment import assess_region

    a = assess_region(session, catalog, region, list(range(year - WINDOW + 1, year + 1)))
    return [w.to_dict() for w in early_warnings(a, year)]


def for_unit(warnings: Sequence[dict[str, Any]], names: Sequence[str]) -> list[dict[str, Any]]:
    """The warnings whose lead unit is one of ``names`` (a unit's name and aliases)."""
    wanted = set(names)
    return [w for w in warnings if w["lead_unit"] in wanted]
