"""The verdicts of many counties at once: one array of values × counties × years per indicator.

:func:`assess_counties_vectorised` gives, for every county and indicator, exactly the verdict and the
yearly values (as reported, GB/T 8170 rounding) that :func:`liangshan.assess.index.assess` gives for
that county — :func:`assess` stays the reference, and this module applies the same rules of
:mod:`liangshan.assess.rules` (docs/assessment.md) to numpy arrays instead of one county at a time:

- values (:func:`~liangshan.assess.values.year_value`): ratio Σnumerator ÷ Σdenominator × scale
  (不适用 when the denominator is 0), ``value``/``count`` one element, ``all_true`` every element true;
  a directly entered ``indicator:N`` value when an element is missing; else 数据缺失;
- rules: ``threshold`` (``>``/``>=`` on the rounded latest value), ``equals``, ``zoned_threshold`` by
  the county's terrain zone, ``steady_improvement`` in modes ``no_decline`` and ``latest_vs_base``
  (tolerance, ceiling, at most one dip for 基本达标), ``not_decrease`` (approved baseline or first
  year), ``obtained`` and ``established`` (with evidence), and ``na_counts_as_pass``;
- further ``conditions`` of a verdict (indicator 1: 完成上级下达的改善目标, as
  :func:`~liangshan.assess.index.with_conditions`): a 达标/基本达标 becomes 数据缺失 when a condition is
  missing in the evaluation year, 未达标 when it is false or lacks required evidence (first condition
  that does not hold decides).

**Fallback** — a county-indicator is assessed by :func:`assess` itself (the whole county, once) when the
vectorised path does not cover it, so a change to the reference can never make it wrong silently:

- the indicator's target, formula or definition uses a field this module does not know or a
  non-default value of a field it ignores (any new catalog parameter), a rule or mode not listed
  above (``ols_slope``), ``established`` on anything but ``all_true``, or a formula field that does
  not belong to its kind (e.g. a boolean condition added to a ratio);
- the county has a target override for the indicator, or area shares of terrain zones
  (area-weighted threshold);
- the county has an item ``prefix:N`` other than ``indicator:N`` (e.g. an official figure
  ``official:N``) — indicator N, or every indicator when N is not a number;
- a number rule meets a 是/否 value in the window (the reference then fails as well, and so it does).

Rounding is :func:`~liangshan.assess.values.round_half_even` (四舍六入五成双 on the shortest decimal
representation): ``rint(x·10ᵈ)/10ᵈ`` is exact except near a tie, and those values are rounded with
the reference function.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from liangshan.assess.index import Assessment, assess
from liangshan.assess.rules import FAIL, MAX_DIPS, MISSING, NA, PARTIAL, PASS, VERDICTS, RegionProfile
from liangshan.assess.values import Observation, display_value, indicator_key, round_half_even
from liangshan.catalog.models import Catalog, Formula, Indicator, Target

if TYPE_CHECKING:
    import polars as pl

# verdict codes: the index into VERDICTS
V_PASS, V_PARTIAL, V_FAIL, V_MISSING, V_NA = (VERDICTS.index(v) for v in (PASS, PARTIAL, FAIL, MISSING, NA))
# year status codes
S_OK, S_MISSING, S_NA = 0, 1, 2
STATUS_NAMES = ("ok", "missing", "not_applicable")

# The catalog fields whose every value this module handles; any other field with a non-default value
# sends the indicator to the reference.
TARGET_FIELDS = frozenset(
    {"text", "rule", "op", "value", "zones", "tolerance", "ceiling", "mode", "baseline", "require_evidence",
     "na_counts_as_pass"}
)  # fmt: skip
FORMULA_FIELDS = {
    "ratio": frozenset({"kind", "numerator", "denominator", "scale"}),
    "value": frozenset({"kind", "element"}),
    "count": frozenset({"kind", "element"}),
    "all_true": frozenset({"kind", "elements"}),
}
# ``value_source`` decides only between an approved ``official:N`` figure and the recomputation: a county
# holding such an item goes to the reference (see :func:`_odd_items`), every other county is recomputed
# here; ``rule_basis`` describes the rule and never changes a verdict.
INDICATOR_FIELDS = frozenset(
    {"id", "name", "category", "unit", "precision", "max_value", "target", "responsible_units", "formula",
     "definition", "standards", "value_source", "rule_basis", "conditions"}
)  # fmt: skip
RULES = frozenset(
    {"threshold", "equals", "zoned_threshold", "steady_improvement", "not_decrease", "obtained"}
)
STEADY_MODES = frozenset({"no_decline", "latest_vs_base"})


def _non_default(model: Any, known: frozenset[str]) -> bool:
    """Whether ``model`` sets a field outside ``known`` to a value other than its default."""
    for name, info in type(model).model_fields.items():
        if name not in known and getattr(model, name) != info.get_default(call_default_factory=True):
            return True
    return False


def covered(ind: Indicator, target: Target | None = None) -> bool:
    """Whether the vectorised path computes ``ind`` (with ``target``, default the catalog's) itself."""
    tgt = target or ind.target
    f: Formula = ind.formula
    if _non_default(ind, INDICATOR_FIELDS) or _non_default(tgt, TARGET_FIELDS):
        return False
    if f.kind not in FORMULA_FIELDS or _non_default(f, FORMULA_FIELDS[f.kind]):
        return False
    if not f.element_codes():
        return False
    if tgt.rule == "established":
        return f.kind == "all_true"
    if tgt.rule not in RULES:
        return False
    return tgt.rule != "steady_improvement" or tgt.mode in STEADY_MODES


def round_half_even_array(x: np.ndarray, digits: int) -> np.ndarray:
    """:func:`round_half_even` of every element (NaN stays NaN)."""
    p = 10.0**digits
    y = x * p
    out = np.rint(y) / p
    frac = np.abs(y - np.floor(y) - 0.5)
    near = np.isfinite(y) & (frac < 1e-6 * np.maximum(1.0, np.abs(y)) + 1e-9)
    for i in np.flatnonzero(near.ravel()):
        out.flat[i] = round_half_even(float(x.flat[i]), digits)
    return out


@dataclass(frozen=True)
class _Item:
    """One item over counties × years: value (NaN when absent or None), is-boolean, evidence count."""

    value: np.ndarray
    present: np.ndarray
    boolean: np.ndarray
    evidence: np.ndarray


@dataclass(frozen=True)
class CountyVerdicts:
    """Verdicts (codes into :data:`VERDICTS`) ``verdict[county, indicator]`` and the values as
    reported ``value[county, indicator, year]`` (NaN when missing, not applicable or 是/否) with their
    status codes (:data:`STATUS_NAMES`) and a 是/否 mask ``boolean`` (``value`` then holds 1/0)."""

    counties: tuple[str, ...]
    indicators: tuple[int, ...]
    years: tuple[int, ...]
    verdict: np.ndarray
    value: np.ndarray
    status: np.ndarray
    boolean: np.ndarray
    fallback: frozenset[tuple[str, int]]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.counties)})

    def row(self, county: str) -> int:
        return self._index[county]

    def __contains__(self, county: object) -> bool:
        return county in self._index

    def verdict_of(self, county: str, indicator: int) -> str:
        return VERDICTS[int(self.verdict[self.row(county), self.indicators.index(indicator)])]

    def year_value(self, county: str, indicator: int, year: int) -> tuple[float | bool | None, str]:
        """The value as reported (rounded; bool for 是/否) and its status, or ``(None, "missing")``
        for a year outside the window."""
        if year not in self.years or county not in self:
            return None, "missing"
        i, k, y = self.row(county), self.indicators.index(indicator), self.years.index(year)
        st = STATUS_NAMES[int(self.status[i, k, y])]
        if st != "ok":
            return None, st
        if self.boolean[i, k, y]:
            return bool(self.value[i, k, y]), st
        return float(self.value[i, k, y]), st

    def passes(self) -> np.ndarray:
        """Number of 达标 indicators per county."""
        return np.asarray((self.verdict == V_PASS).sum(axis=1))

    def has_data(self) -> np.ndarray:
        return np.asarray((self.verdict != V_MISSING).any(axis=1))


def _items(
    frame: pl.DataFrame, counties: Sequence[str], years: Sequence[int], wanted: set[str]
) -> dict[str, _Item]:
    """Per item, counties × years arrays from the long frame (region, item, year, num, flag, evidence):
    the rows' item, county and year become indices (polars ``replace_strict``), and one numpy
    assignment fills items × counties × years arrays for every item at once; an item gets arrays
    when it has a row of a county and year asked for."""
    import polars as pl

    codes = sorted(wanted)
    n, m, k = len(counties), len(years), len(codes)

    def index(col: str, keys: Sequence[Any]) -> pl.Expr:
        return pl.col(col).replace_strict(keys, list(range(len(keys))), default=-1, return_dtype=pl.Int64)

    flag, num = pl.col("flag"), pl.col("num")
    sub = frame.select(
        index("item", codes).alias("k"),
        index("region", list(counties)).alias("r"),
        index("year", list(years)).alias("y"),
        flag.is_not_null().alias("boolean"),
        (flag.is_not_null() | num.is_not_null()).alias("present"),
        pl.when(flag.is_not_null())
        .then(flag.cast(pl.Float64))
        .otherwise(num.fill_null(np.nan))
        .alias("value"),
        pl.col("evidence").fill_null(0).alias("evidence"),
    ).filter((pl.col("k") >= 0) & (pl.col("r") >= 0) & (pl.col("y") >= 0))
    at = (sub["k"].to_numpy(), sub["r"].to_numpy(), sub["y"].to_numpy())
    value = np.full((k, n, m), np.nan)
    present = np.zeros((k, n, m), dtype=bool)
    boolean = np.zeros((k, n, m), dtype=bool)
    evidence = np.zeros((k, n, m), dtype=np.int64)
    value[at] = sub["value"].to_numpy()
    present[at] = sub["present"].to_numpy()
    boolean[at] = sub["boolean"].to_numpy()
    evidence[at] = sub["evidence"].to_numpy()
    seen = np.bincount(at[0], minlength=k) > 0
    return {
        code: _Item(value[i], present[i], boolean[i], evidence[i]) for i, code in enumerate(codes) if seen[i]
    }


class ItemArrays:
    """Every item the catalog needs, as counties × years arrays, for the years of one or more windows."""

    def __init__(self, catalog: Catalog, frame: pl.DataFrame, counties: Sequence[str], years: Sequence[int]):
        inds = catalog.indicators
        wanted = {c for i in inds for c in i.formula.element_codes()} | {indicator_key(i.id) for i in inds}
        wanted |= {c.element for i in inds for c in i.conditions}
        self.counties = tuple(counties)
        self.years = tuple(sorted(set(years)))
        self.items = _items(frame, self.counties, self.years, wanted)

    def window(self, years: Sequence[int]) -> dict[str, _Item]:
        """The arrays of the window ``years`` (each year must be one of :attr:`years`)."""
        cols = [self.years.index(y) for y in years]
        return {
            code: _Item(it.value[:, cols], it.present[:, cols], it.boolean[:, cols], it.evidence[:, cols])
            for code, it in self.items.items()
        }


def _empty(n: int, m: int) -> _Item:
    z = np.zeros((n, m), dtype=bool)
    return _Item(np.full((n, m), np.nan), z, z, np.zeros((n, m), dtype=np.int64))


@dataclass
class _Series:
    """An indicator's yearly values for all counties (unrounded), status, 是/否 mask and evidence."""

    value: np.ndarray
    status: np.ndarray
    boolean: np.ndarray
    evidence: np.ndarray


def _series(ind: Indicator, items: Mapping[str, _Item], n: int, m: int) -> _Series:
    """As :func:`~liangshan.assess.values.year_value`, for every county and year at once."""
    f = ind.formula
    codes = f.element_codes()
    its = [items.get(c) or _empty(n, m) for c in codes]
    complete = np.logical_and.reduce([it.present for it in its])
    evidence = np.sum([np.where(it.present, it.evidence, 0) for it in its], axis=0)
    boolean = np.zeros((n, m), dtype=bool)
    status = np.full((n, m), S_OK, dtype=np.int8)
    if f.kind == "ratio":
        by = {c: it for c, it in zip(codes, its, strict=True)}
        num = _sum_in_order([by[c].value for c in f.numerator])
        den = _sum_in_order([by[c].value for c in f.denominator])
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den == 0, np.nan, num / np.where(den == 0, 1.0, den) * f.scale)
        status[complete & (den == 0)] = S_NA
    elif f.kind == "all_true":
        value = np.logical_and.reduce([it.value != 0 for it in its]).astype(float)
        boolean[:] = True
    else:
        value = its[0].value.copy()
        boolean = its[0].boolean.copy()
    direct = items.get(indicator_key(ind.id)) or _empty(n, m)
    use_direct = ~complete & direct.present
    value = np.where(use_direct, direct.value, value)
    boolean = np.where(complete, boolean, direct.boolean & use_direct)
    evidence = np.where(use_direct, direct.evidence, evidence)
    status[~complete & ~use_direct] = S_MISSING
    value[status != S_OK] = np.nan
    boolean &= status == S_OK
    return _Series(value, status, boolean, evidence)


def _sum_in_order(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Left-to-right sum (the reference's ``sum()`` order, so the floats are the same)."""
    out = arrays[0].copy()
    for a in arrays[1:]:
        out = out + a
    return out


def _missing_verdict(status: np.ndarray) -> np.ndarray:
    return np.where(status == S_NA, V_NA, V_MISSING)


def _judge(
    ind: Indicator,
    tgt: Target,
    s: _Series,
    rounded: np.ndarray,
    zones: Sequence[str | None],
    items: Mapping[str, _Item],
) -> tuple[np.ndarray, np.ndarray]:
    """Verdict codes per county, and a mask of counties the reference must judge (是/否 met by a
    number rule)."""
    n = s.value.shape[0]
    last_st, last_v = s.status[:, -1], rounded[:, -1]
    known = s.status == S_OK
    numeric_rules = ("threshold", "equals", "zoned_threshold", "steady_improvement", "not_decrease")
    bad = (s.boolean & known).any(axis=1) if tgt.rule in numeric_rules else np.zeros(n, dtype=bool)
    verdict = np.full(n, V_FAIL, dtype=np.int8)
    rule = tgt.rule
    if rule in ("threshold", "zoned_threshold", "equals"):
        if rule == "equals":
            ok = last_v == float(tgt.value or 0)
        else:
            if rule == "threshold":
                t = np.full(n, float(tgt.value or 0))
            else:
                table = tgt.zones or {}
                t = np.array([float(table[z]) if z in table else np.nan for z in zones])
            ok = last_v > t if (tgt.op or ">=") == ">" else last_v >= t
        verdict = np.where(ok, V_PASS, V_FAIL).astype(np.int8)
        verdict = np.where(last_st != S_OK, _missing_verdict(last_st), verdict)
        if rule == "zoned_threshold":
            verdict = np.where(np.isnan(t), V_MISSING, verdict)
    elif rule == "steady_improvement":
        verdict = _steady(tgt, s, rounded)
    elif rule == "not_decrease":
        if tgt.baseline is not None:
            base = np.full(n, float(tgt.baseline))
        else:
            first = np.argmax(known, axis=1)
            base = rounded[np.arange(n), first]
        ok = (last_v - base) >= -tgt.tolerance
        verdict = np.where(ok, V_PASS, V_FAIL).astype(np.int8)
        verdict = np.where(last_st != S_OK, _missing_verdict(last_st), verdict)
    elif rule == "obtained":
        got = known & (np.nan_to_num(s.value) > 0)
        evid = np.where(got, s.evidence, 0).sum(axis=1)
        verdict = np.where(~known.any(axis=1), V_MISSING, V_PASS)
        verdict = np.where(known.any(axis=1) & ~got.any(axis=1), V_FAIL, verdict)
        if tgt.require_evidence:
            verdict = np.where(got.any(axis=1) & (evid == 0), V_FAIL, verdict)
    else:  # established, all_true (see covered())
        verdict = _established(ind, tgt, s, items)
    verdict = verdict.astype(np.int8)
    if tgt.na_counts_as_pass:
        verdict[verdict == V_NA] = V_PASS
    return _with_conditions(ind, verdict, items, s.value.shape[1]), bad


def _with_conditions(ind: Indicator, verdict: np.ndarray, items: Mapping[str, _Item], m: int) -> np.ndarray:
    """:func:`~liangshan.assess.index.with_conditions` for every county: only a 达标/基本达标 changes —
    to 数据缺失 when a condition's element is missing in the evaluation year, to 未达标 when it is
    false or true without the required evidence; the first condition that does not hold decides."""
    if not ind.conditions:
        return verdict
    n = verdict.shape[0]
    open_ = (verdict == V_PASS) | (verdict == V_PARTIAL)
    out = verdict.copy()
    for c in ind.conditions:
        it = items.get(c.element) or _empty(n, m)
        present, value, evid = it.present[:, -1], np.nan_to_num(it.value[:, -1]) != 0, it.evidence[:, -1]
        met = present & value & (evid > 0 if c.require_evidence else True)
        out = np.where(open_ & ~present, V_MISSING, out)
        out = np.where(open_ & present & ~met, V_FAIL, out)
        open_ &= met
    return out.astype(np.int8)


def _steady(tgt: Target, s: _Series, rounded: np.ndarray) -> np.ndarray:
    """稳定提高 (:func:`~liangshan.assess.rules.judge_steady`) over the known years of each county."""
    n, m = rounded.shape
    known = s.status == S_OK
    eps = tgt.tolerance
    out = np.full(n, V_FAIL, dtype=np.int8)
    first_st, last_st = s.status[:, 0], s.status[:, -1]
    # the reference checks the last year first, then the first year
    out = np.where(first_st != S_OK, _missing_verdict(first_st), out)
    out = np.where(last_st != S_OK, _missing_verdict(last_st), out)
    ok = (first_st == S_OK) & (last_st == S_OK)
    change = rounded[:, -1] - rounded[:, 0]
    if tgt.mode == "latest_vs_base":
        body = np.where(change >= -eps, V_PASS, V_FAIL)
    else:
        dips = np.zeros(n, dtype=np.int64)
        prev = rounded[:, 0].copy()
        for y in range(1, m):
            k = known[:, y]
            step = rounded[:, y] - prev
            dips += (k & (step < -eps)).astype(np.int64)
            prev = np.where(k, rounded[:, y], prev)
        body = np.where(dips == 0, V_PASS, np.where((change >= -eps) & (dips <= MAX_DIPS), V_PARTIAL, V_FAIL))
    if tgt.ceiling is not None:
        at_ceiling = np.where(known, rounded >= tgt.ceiling, True).all(axis=1)
        body = np.where(at_ceiling, V_PASS, body)
    out = np.where(ok, body, out).astype(np.int8)
    return out


def _established(ind: Indicator, tgt: Target, s: _Series, items: Mapping[str, _Item]) -> np.ndarray:
    """建立实施 (:func:`~liangshan.assess.rules.judge_established`): in the last year the first
    element (issued) and the last element (implemented) are true, with evidence when required; a
    directly entered value stands for both."""
    n, m = s.value.shape
    last_st = s.status[:, -1]
    els = ind.formula.elements
    first, final = (items.get(c) or _empty(n, m) for c in (els[0], els[-1]))
    from_elements = first.present[:, -1] & final.present[:, -1]
    for c in els:
        from_elements &= (items.get(c) or _empty(n, m)).present[:, -1]
    direct = np.nan_to_num(s.value[:, -1]) != 0
    issued = np.where(from_elements, np.nan_to_num(first.value[:, -1]) != 0, direct)
    done = np.where(from_elements, np.nan_to_num(final.value[:, -1]) != 0, direct)
    out = np.where(issued & done, V_PASS, V_FAIL)
    if tgt.require_evidence:
        out = np.where(issued & done & (s.evidence[:, -1] == 0), V_FAIL, out)
    return np.where(last_st != S_OK, _missing_verdict(last_st), out).astype(np.int8)


def assess_counties_vectorised(
    catalog: Catalog,
    profiles: Sequence[RegionProfile],
    frame: pl.DataFrame,
    years: Sequence[int],
    overrides: Mapping[str, Mapping[int, Mapping[str, Any]]] | None = None,
    reference: Callable[[str], Assessment] | None = None,
    items_of: ItemArrays | None = None,
    force: Collection[str] = (),
) -> CountyVerdicts:
    """Verdicts and values of every county in ``profiles`` over the window ``years``.

    ``frame`` is the long frame of chosen observations (columns ``region``, ``item``, ``year``,
    ``num``, ``flag``, ``evidence``; :func:`observation_frame`). ``reference(code)`` assesses one
    county with :func:`assess` for the fallback (default: built from ``frame``). ``items_of``: the
    frame already spread into arrays (:class:`ItemArrays`, to assess several windows from one pass).
    ``force``: counties judged by ``reference`` whatever the catalog (e.g. assessed by another set).
    """
    ys = tuple(sorted(set(years)))
    if not ys:
        raise ValueError("评估年份不能为空")
    counties = tuple(p.code for p in profiles)
    n, m, inds = len(counties), len(ys), catalog.indicators
    ov = overrides or {}
    arrays = items_of or ItemArrays(catalog, frame, counties, ys)
    if arrays.counties != counties:
        raise ValueError("ItemArrays 的地区与 profiles 不一致")
    items = arrays.window(ys)
    verdict = np.zeros((n, len(inds)), dtype=np.int8)
    value = np.full((n, len(inds), m), np.nan)
    status = np.zeros((n, len(inds), m), dtype=np.int8)
    boolean = np.zeros((n, len(inds), m), dtype=bool)
    fall = np.zeros((n, len(inds)), dtype=bool)
    zones = [p.terrain_zone for p in profiles]
    overridden = {i for c in counties for i in ov.get(c, {})}
    shares = np.array([bool(p.zone_shares) for p in profiles], dtype=bool)
    for k, ind in enumerate(inds):
        if ind.id in overridden:
            fall[:, k] |= np.array([ind.id in ov.get(c, {}) for c in counties], dtype=bool)
        if not covered(ind):
            fall[:, k] = True
            continue
        if ind.target.rule == "zoned_threshold":
            fall[:, k] |= shares
        s = _series(ind, items, n, m)
        rounded = np.where(s.boolean, s.value, round_half_even_array(s.value, ind.precision))
        v, bad = _judge(ind, ind.target, s, rounded, zones, items)
        verdict[:, k] = v
        fall[:, k] |= bad
        value[:, k, :] = rounded
        status[:, k, :] = s.status
        boolean[:, k, :] = s.boolean
    for row, col in _foreign_items(frame, counties, catalog):
        if col is None:
            fall[row, :] = True
        else:
            fall[row, col] = True
    if force:
        forced = set(force)
        fall[[c in forced for c in counties], :] = True
    rows = np.flatnonzero(fall.any(axis=1))
    if rows.size:
        ref = reference or _reference_from(catalog, profiles, frame, ys, ov)
        for i in rows:
            a = ref(counties[i])
            for cell in np.flatnonzero(fall[i]):
                k = int(cell)
                r = a.results[k]
                verdict[i, k] = VERDICTS.index(r.verdict)
                for y, yv in enumerate(r.years):
                    status[i, k, y] = STATUS_NAMES.index(yv.status)
                    dv = display_value(r.indicator, yv)
                    boolean[i, k, y] = isinstance(dv, bool)
                    value[i, k, y] = np.nan if dv is None else float(dv)
    fallback = frozenset((counties[i], inds[k].id) for i, k in zip(*np.nonzero(fall), strict=True))
    return CountyVerdicts(counties, tuple(i.id for i in inds), ys, verdict, value, status, boolean, fallback)


def _foreign_items(
    frame: pl.DataFrame, counties: Sequence[str], catalog: Catalog
) -> list[tuple[int, int | None]]:
    """(county row, indicator column or None for all) of items ``prefix:N`` other than ``indicator:N``."""
    import polars as pl

    odd = frame.filter(pl.col("item").str.contains(":") & ~pl.col("item").str.starts_with("indicator:"))
    if not odd.height:
        return []
    rows = {c: i for i, c in enumerate(counties)}
    cols = {ind.id: k for k, ind in enumerate(catalog.indicators)}
    out: list[tuple[int, int | None]] = []
    for region, item in odd.select("region", "item").unique().iter_rows():
        if region not in rows:
            continue
        tail = str(item).rsplit(":", 1)[-1]
        k = cols.get(int(tail)) if tail.isdigit() else None
        out.append((rows[region], k))
    return out


class ObservationSource:
    """One region's observations (as :func:`assess` takes them) out of the long frame, on demand:
    the frame is split by region once, at the first request."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._parts: dict[str, pl.DataFrame] | None = None
        self._memo: dict[str, dict[tuple[str, int], Observation]] = {}

    def get(self, region: str) -> dict[tuple[str, int], Observation]:
        if region in self._memo:
            return self._memo[region]
        if self._parts is None:
            self._parts = {str(k[0]): v for k, v in self.frame.partition_by("region", as_dict=True).items()}
        part = self._parts.get(region)
        out: dict[tuple[str, int], Observation] = {}
        if part is not None:
            cols = [part[c].to_list() for c in ("item", "year", "num", "flag", "evidence", "id", "version")]
            for item, year, num, flag, ev, sid, ver in zip(*cols, strict=True):
                out[(item, int(year))] = Observation(
                    flag if flag is not None else num, int(ev or 0), sid, ver
                )
        self._memo[region] = out
        return out


def _reference_from(
    catalog: Catalog,
    profiles: Sequence[RegionProfile],
    frame: pl.DataFrame,
    years: Sequence[int],
    overrides: Mapping[str, Mapping[int, Mapping[str, Any]]],
) -> Callable[[str], Assessment]:
    by_code = {p.code: p for p in profiles}
    source = ObservationSource(frame)

    def run(code: str) -> Assessment:
        return assess(catalog, by_code[code], years, source.get(code), overrides.get(code))

    return run


def observation_frame(observations: Mapping[str, Mapping[tuple[str, int], Observation]]) -> pl.DataFrame:
    """The long frame of :func:`assess_counties_vectorised` from region → (item, year) → observation."""
    import polars as pl

    cols: dict[str, list[Any]] = {k: [] for k in ("region", "item", "year", "num", "flag", "evidence", "id",
                                                   "version")}  # fmt: skip
    for region, obs in observations.items():
        for (item, year), o in obs.items():
            cols["region"].append(region)
            cols["item"].append(item)
            cols["year"].append(year)
            cols["num"].append(None if isinstance(o.value, bool) or o.value is None else float(o.value))
            cols["flag"].append(o.value if isinstance(o.value, bool) else None)
            cols["evidence"].append(o.evidence_count)
            cols["id"].append(o.submission_id)
            cols["version"].append(o.version)
    return pl.DataFrame(cols, schema=frame_schema())


def frame_schema() -> dict[str, Any]:
    """The columns of the long observation frame (polars is imported where it is used)."""
    import polars as pl

    return {
        "region": pl.String,
        "item": pl.String,
        "year": pl.Int64,
        "num": pl.Float64,
        "flag": pl.Boolean,
        "evidence": pl.Int64,
        "id": pl.Int64,
        "version": pl.Int64,
    }
