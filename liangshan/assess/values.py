"""Indicator values from data-element values, with the components kept for audit.

A ratio indicator is Σnumerator ÷ Σdenominator × scale over the rows given (one row per
region-year; several rows when aggregating regions or years — the ratio of sums, never the
mean of ratios). Values are rounded for judging and display with :func:`round_half_even`
(GB/T 8170-2008 进舍规则: 四舍六入五成双).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from liangshan.catalog.models import Indicator

Scalar = float | bool | None


@dataclass(frozen=True)
class Observation:
    """One approved value of a data element (or an indicator entered directly) for a region-year."""

    value: Scalar
    evidence_count: int = 0
    submission_id: int | None = None
    version: int | None = None
    meta: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)
    """What the value's submission says about itself (for an official figure: publisher, document,
    publication date, explanation); ``None`` when not loaded."""


def indicator_key(indicator_id: int) -> str:
    """The item code under which an indicator's directly entered value is stored."""
    return f"indicator:{indicator_id}"


OFFICIAL_PREFIX = "official:"


def official_key(indicator_id: int) -> str:
    """The item code under which an indicator's officially published figure is stored (reviewed like
    any value; publisher, document and date in the submission's provenance)."""
    return f"{OFFICIAL_PREFIX}{indicator_id}"


TITLES_KEY = "register:titles"
"""The item code of the title register's derived observation (indicator 16, 获得 read as 持有).

Not a submission: :func:`liangshan.services.titles.register_observations` computes it per year from
the register — ``value`` the number of national or international titles valid in that year
(awarded in or before the year, not expired before it), ``evidence_count`` how many of them name
their awarding document, ``meta["titles"]`` each title (name, level, awarding body, year awarded,
valid until, document, whether it is an unverified 示例). The assessment stays a pure function of
its observations; the service adds this one beside the approved values."""


@dataclass(frozen=True)
class OfficialFigure:
    """An approved officially published figure of an indicator for one year (公报, 通报, 监测成果)."""

    year: int
    value: float | bool
    publisher: str = ""
    document: str = ""
    published_on: str = ""
    explanation: str = ""
    submission_id: int | None = None
    evidence_count: int = 0

    def to_dict(self, ind: Indicator) -> dict[str, Any]:
        v = self.value
        shown = v if isinstance(v, bool) else round_half_even(float(v), ind.precision)
        return {
            "value": shown,
            "publisher": self.publisher,
            "document": self.document,
            "published_on": self.published_on,
            "explanation": self.explanation,
            "evidence_count": self.evidence_count,
        }  # no submission id: the same approved values give the same JSON in any database


def official_figure(
    ind: Indicator, year: int, obs: Mapping[tuple[str, int], Observation]
) -> OfficialFigure | None:
    """The officially published figure of ``ind`` for ``year`` among ``obs``, if one is there."""
    o = obs.get((official_key(ind.id), year))
    if o is None or o.value is None:
        return None
    meta = dict(o.meta or {})
    nested = meta.get("official")
    official: Mapping[str, Any] = nested if isinstance(nested, dict) else meta
    value = o.value if isinstance(o.value, bool) else float(o.value)

    def text(key: str) -> str:
        v = official.get(key)
        return "" if v is None else str(v)

    return OfficialFigure(
        year,
        value,
        text("publisher"),
        text("document"),
        text("published_on"),
        text("explanation"),
        o.submission_id,
        o.evidence_count,
    )


@dataclass(frozen=True)
class YearValue:
    """An indicator's value for one year and how it was obtained.

    ``status`` is ``ok``, ``missing`` (some element absent: ``missing`` lists them) or
    ``not_applicable`` (ratio whose denominator is 0).
    """

    year: int
    value: float | bool | None
    status: str
    source: str | None = None  # "elements" | "direct"
    components: dict[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    evidence_count: int = 0
    missing_labels: tuple[str, ...] = ()


def round_half_even(value: float, digits: int) -> float:
    """Round per GB/T 8170 (half to even), using the shortest decimal repr of the float."""
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_EVEN))


def ratio_of_sums(
    numerator: Sequence[str], denominator: Sequence[str], rows: Sequence[Mapping[str, float]], scale: float
) -> tuple[float | None, float, float]:
    """Σ numerator ÷ Σ denominator × scale over ``rows``; ``None`` when the denominator is 0."""
    num = float(sum(row[c] for row in rows for c in numerator))
    den = float(sum(row[c] for row in rows for c in denominator))
    return (None if den == 0 else num / den * scale), num, den


def year_value(
    ind: Indicator,
    year: int,
    obs: Mapping[tuple[str, int], Observation],
    labels: Mapping[str, str] | None = None,
) -> YearValue:
    """Compute ``ind`` for ``year`` from element observations, else from a directly entered value.

    ``labels`` maps element codes to what a missing-data message should say (name and supplier).
    """
    f = ind.formula
    codes = f.element_codes()
    present = {c: obs[(c, year)] for c in codes if (c, year) in obs and obs[(c, year)].value is not None}
    missing = tuple(c for c in codes if c not in present)
    evidence = sum(o.evidence_count for o in present.values())
    if not missing:
        vals = {c: o.value for c, o in present.items()}
        if f.kind == "ratio":
            numeric = {c: float(v or 0) for c, v in vals.items()}  # present → not None
            value, num, den = ratio_of_sums(f.numerator, f.denominator, [numeric], f.scale)
            comps = {"numerator": num, "denominator": den, "elements": numeric}
            status = "not_applicable" if value is None else "ok"
            return YearValue(year, value, status, "elements", comps, (), evidence)
        if f.kind == "all_true":
            return YearValue(
                year, all(bool(v) for v in vals.values()), "ok", "elements", dict(vals), (), evidence
            )
        only = vals[codes[0]]
        value = only if isinstance(only, bool) else float(only)  # type: ignore[arg-type]
        return YearValue(year, value, "ok", "elements", {codes[0]: only}, (), evidence)
    direct = obs.get((indicator_key(ind.id), year))
    if direct is not None and direct.value is not None:
        v = direct.value if isinstance(direct.value, bool) else float(direct.value)
        return YearValue(year, v, "ok", "direct", {}, (), direct.evidence_count)
    shown = tuple((labels or {}).get(c, c) for c in missing)
    return YearValue(year, None, "missing", None, {}, missing, evidence, shown)


def display_value(ind: Indicator, yv: YearValue) -> float | bool | None:
    """The value as reported: rounded to the indicator's precision (GB/T 8170)."""
    if isinstance(yv.value, bool) or yv.value is None:
        return yv.value
    return round_half_even(yv.value, ind.precision)
