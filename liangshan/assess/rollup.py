"""Roll-ups over the region hierarchy: values, verdict counts and rankings (pure functions, no DB).

A province or the ministry looks at many counties at once. The county is the unit that is assessed
(``assess()`` runs per county); cities, provinces and the nation (a virtual root, :data:`NATION`)
are rolled up from the counties below them, at any depth (a county directly under a province counts
for the province, not for any city).

What is rolled up and how — where the issue is silent the choice is written here and in
``docs/rollup.md``:

- **Values** only for ratio indicators (``formula.kind == "ratio"`` in the catalog): Σ numerator ÷
  Σ denominator × scale over the counties (:func:`~liangshan.assess.values.ratio_of_sums`), never
  the mean of the counties' percentages. A rolled-up value has no verdict: targets such as 稳定提高
  or the terrain-zoned 林草覆盖率 are judged per county only.
- Indicators that are not ratios (是/否 制度, counts of brands, species richness, the red-line area
  with its approved baseline) are **not rolled up as a value**; only their verdicts are counted.
- A county is **excluded** from an indicator's sums for a year, and listed as missing coverage with
  the reason, when any of the indicator's data elements is missing (``elements``), when it only has
  a directly entered indicator value and no numerator/denominator (``direct``), or — for elements
  given per capita (code ending ``_per_capita``, indicator 11) — when the region has no population
  (``population``). Per-capita elements are weighted by ``Region.population`` (Σ per-capita ×
  population = the total), so the roll-up is still a ratio of totals. The population is one figure
  per region, not per year (approximation, UNVERIFIED).
- A county with a zero denominator (e.g. no contaminated plot re-developed) is **included** (it adds
  0 to both sums); a roll-up whose Σ denominator is 0 is 不适用, one with no covered county 数据缺失.
- Sub-county regions (townships) and values stored on a city or province itself are ignored: a
  higher-level value is always the roll-up of its counties.
- **Verdict counts**: for a region, the 达标/基本达标/未达标/数据缺失/不适用 verdicts of each
  indicator over its counties, the totals over all indicators, and the number of 达标 indicators per
  county; a county without any approved value still counts (20 × 数据缺失).
- **Passes** (达标指标数): a county's number of 达标 indicators; for a higher region the mean over its
  counties (县均达标指标数 = Σ 达标数 ÷ 县数, rounded to 1 decimal, GB/T 8170) — a ratio of sums
  again, comparable between cities of different size. A region none of whose counties has any value
  is flagged 数据缺失.
- **Rankings** use standard competition ranking ("1224"): equal values share the best rank and the
  next rank skips. Values are compared as reported (rounded to the indicator's precision, GB/T 8170),
  so two counties both showing 91.7% tie. Direction comes from the target (a ``<``/``<=`` comparator
  means lower is better; every other rule — ``>``, ``>=``, ``equals 100%``, 稳定提高, 不减少, 获得 —
  means higher is better). Missing values (数据缺失 or 不适用) are ranked after every valued region,
  all sharing the rank ``valued + 1``, and flagged with their status.
- A region's **children** are ranked by passes, or by the chosen indicator's value when every child
  has one that compares, else by the share of their counties that pass it (达标县占比: 是/否
  indicators, or non-ratio indicators when some children are cities).
- **Vectorised**: the verdicts and values of all counties come from
  :func:`~liangshan.assess.vectorised.assess_counties_vectorised` (one array per indicator, counties ×
  years; identical to ``assess()`` per county, which it falls back to for what it does not cover). A
  county's full :class:`~liangshan.assess.index.Assessment` (with the reasons) is computed by
  ``assess()`` only when it is looked at (:class:`LazyAssessments`). The Σ/Σ values of a roll-up come from
  the same arrays (:func:`rollup_values_arrays`: per county its numerator and denominator, summed with
  ``math.fsum`` for each region looked at); :func:`rollup_values` (a polars group-by) gives the same from
  a frame or a mapping of observations.
- **Comparable indicators only** (issue 18): counties may be assessed by different indicator sets
  (``region_catalog``; a provincial variant adds 特色指标). A roll-up compares only the indicators
  common to every county's set (:func:`liangshan.catalog.common_indicator_ids`, via
  ``services.catalogs.comparable_indicators``): each county is judged by its own set, restricted to
  those indicators, and :class:`Comparison` names the sets, the compared indicators and, for each
  indicator left out, the sets that have it and why (shown by ``rollup show``, its JSON and the page).
- **Year comparisons**: the change against the previous year (in 个百分点 for percentages, else in
  the indicator's unit), computed from the rounded values; for passes, the previous year means the
  same-length window ending one year earlier. The previous rank is the rank in that year.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from liangshan.assess.index import Assessment, assess
from liangshan.assess.rules import MISSING, PASS, VERDICTS, RegionProfile
from liangshan.assess.values import Observation, indicator_key, round_half_even
from liangshan.assess.vectorised import (
    V_MISSING,
    V_PASS,
    CountyVerdicts,
    ItemArrays,
    ObservationSource,
    assess_counties_vectorised,
    observation_frame,
)
from liangshan.catalog.models import Catalog, Indicator, Target

if TYPE_CHECKING:  # polars is imported where it is used: the web app starts without it
    import polars as pl

NATION = "100000"  # the virtual root above the provinces (the code boundary files use for 中华人民共和国)
NATION_NAME = "全国"
ASSESSED_LEVEL = "county"
LEVELS = ("nation", "province", "city", "county")
LEVEL_LABELS = {"nation": "全国", "province": "省级", "city": "市级", "county": "县级", "township": "乡镇级"}
PER_CAPITA_SUFFIX = "_per_capita"
PASSES = "passes"
PASSES_PRECISION = 1
EXCLUDE_REASONS = {
    "elements": "缺少数据元素",
    "direct": "只有直接填报的指标值（无分子、分母）",
    "population": "缺少常住人口（人均值按人口加权汇总）",
}
STATUS_LABELS = {"ok": "", "missing": "数据缺失", "not_applicable": "不适用"}

Direction = Literal["higher", "lower"]
RegionObservations = Mapping[str, Mapping[tuple[str, int], Observation]]


# -- the region tree -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegionNode:
    """A region as the roll-up needs it (GB/T 2260 code, level, parent; what the rules need)."""

    code: str
    name: str
    level: str
    parent: str | None = None
    terrain_zone: str | None = None
    zone_shares: dict[str, float] | None = field(default=None, compare=False)
    population: int | None = None

    def profile(self) -> RegionProfile:
        return RegionProfile(self.code, self.name, self.terrain_zone, self.zone_shares)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)


class RegionTree:
    """Regions by code with their children. Regions whose parent is unknown hang under :data:`NATION`."""

    def __init__(self, nodes: Iterable[RegionNode]) -> None:
        self.nodes: dict[str, RegionNode] = {n.code: n for n in nodes}
        self.nodes.setdefault(NATION, RegionNode(NATION, NATION_NAME, "nation"))
        kids: dict[str, list[str]] = {}
        for n in self.nodes.values():
            if n.code == NATION:
                continue
            parent = n.parent if n.parent in self.nodes and n.parent != n.code else NATION
            kids.setdefault(parent, []).append(n.code)
        self._children = {p: sorted(cs) for p, cs in kids.items()}
        self._parent = {c: p for p, cs in self._children.items() for c in cs}
        self._counties: dict[str, list[str]] = {}

    def __contains__(self, code: object) -> bool:
        return code in self.nodes

    def node(self, code: str) -> RegionNode:
        try:
            return self.nodes[code]
        except KeyError:
            raise KeyError(f"未知地区代码：{code}") from None

    def parent(self, code: str) -> str | None:
        return self._parent.get(code)

    def children(self, code: str) -> list[RegionNode]:
        return [self.nodes[c] for c in self._children.get(code, [])]

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent … up to :data:`NATION` (a parent cycle is cut where it repeats)."""
        out: list[str] = []
        cur = self._parent.get(code)
        while cur is not None and cur not in out and cur != code:
            out.append(cur)
            cur = self._parent.get(cur)
        return out

    def subtree(self, code: str) -> list[str]:
        """``code`` and every region below it (breadth first)."""
        self.node(code)
        out, todo, seen = [code], [code], {code}
        while todo:
            for c in self._children.get(todo.pop(0), []):
                if c not in seen:
                    seen.add(c)
                    out.append(c)
                    todo.append(c)
        return out

    def contains(self, root: str, code: str) -> bool:
        return code == root or root in self.ancestors(code)

    def counties(self, code: str) -> list[str]:
        """The assessed regions (level ``county``) at or below ``code``, sorted by code (kept)."""
        if code not in self._counties:
            found = sorted(c for c in self.subtree(code) if self.nodes[c].level == ASSESSED_LEVEL)
            self._counties[code] = found
        return list(self._counties[code])

    def at_level(self, level: str, under: str = NATION) -> list[RegionNode]:
        return [self.nodes[c] for c in sorted(self.subtree(under)) if self.nodes[c].level == level]

    def ancestry(self, counties: Sequence[str], root: str, with_self: bool = True) -> pl.DataFrame:
        """Pairs (county, ancestor) for each county and each region from itself (``with_self``) up to
        ``root``."""
        regions: list[str] = []
        ancestors: list[str] = []
        for c in counties:
            for a in [c, *self.ancestors(c)] if with_self or c == root else self.ancestors(c):
                regions.append(c)
                ancestors.append(a)
                if a == root:
                    break
        import polars as pl

        return pl.DataFrame(
            {"region": regions, "ancestor": ancestors}, schema={"region": pl.String, "ancestor": pl.String}
        )


# -- small helpers ---------------------------------------------------------------------------------
def is_rolled_up(ind: Indicator) -> bool:
    """Whether the indicator's value is rolled up (Σ numerator ÷ Σ denominator): ratio indicators only."""
    return ind.formula.kind == "ratio"


def method_label(ind: Indicator) -> str:
    if not is_rolled_up(ind):
        return "不汇总（只计结论）"
    if any(c.endswith(PER_CAPITA_SUFFIX) for c in ind.formula.element_codes()):
        return "Σ÷Σ（人均值按人口加权）"
    return "Σ分子÷Σ分母"


def direction_of(target: Target) -> Direction:
    """``lower`` when the target's comparator is ``<``/``<=``; every other rule means higher is better."""
    return "lower" if (target.op or "").startswith("<") else "higher"


def change_unit(ind: Indicator) -> str:
    return "个百分点" if ind.unit == "%" else ind.unit


def competition_rank(values: Sequence[float | None], direction: Direction = "higher") -> list[int]:
    """Standard competition ranks ("1224") of ``values``; ``None`` ranks after all values (shared).

    >>> competition_rank([90.0, 95.0, 90.0, None, 80.0])
    [2, 1, 2, 5, 4]
    >>> competition_rank([3.0, 1.0, 1.0], "lower")
    [3, 1, 1]
    """
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    valued = ~np.isnan(arr)
    srt = np.sort(arr[valued])
    n = len(srt)
    ranks = np.full(len(arr), n + 1, dtype=np.int64)
    if direction == "higher":
        ranks[valued] = n - np.searchsorted(srt, arr[valued], side="right") + 1
    else:
        ranks[valued] = np.searchsorted(srt, arr[valued], side="left") + 1
    return [int(r) for r in ranks]


def _rounded(v: float | None, digits: int) -> float | None:
    return None if v is None else round_half_even(v, digits)


def _sum(v: float) -> float:
    """A sum as shown (6 decimals: no binary noise such as 227193.41999999998)."""
    return round_half_even(v, 6)


def _diff(cur: float | None, prev: float | None, digits: int) -> float | None:
    if cur is None or prev is None:
        return None
    return round_half_even(cur - prev, digits)


# -- values ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RolledValue:
    """One indicator of one region in one year, rolled up from its counties.

    ``value`` is Σ numerator ÷ Σ denominator × scale (unrounded; :meth:`shown` rounds it), ``excluded``
    the counties left out of the sums with the reason code (:data:`EXCLUDE_REASONS`).
    """

    region: str
    indicator: int
    year: int
    value: float | None
    numerator: float
    denominator: float
    counties: int
    covered: int
    excluded: tuple[tuple[str, str], ...] = ()

    @property
    def status(self) -> str:
        if self.covered == 0:
            return "missing"
        return "not_applicable" if self.value is None else "ok"


def _element_frame(
    observations: RegionObservations | pl.DataFrame,
    counties: Sequence[str],
    wanted: set[str],
    years: set[int],
) -> pl.DataFrame:
    """Long frame (region, item, year, value) of the numeric observations that matter."""
    import polars as pl

    if isinstance(observations, pl.DataFrame):
        return observations.filter(
            pl.col("item").is_in(sorted(wanted))
            & pl.col("year").is_in(sorted(years))
            & pl.col("region").is_in(list(counties))
            & pl.col("num").is_not_null()
        ).select("region", "item", "year", pl.col("num").alias("value"))

    region: list[str] = []
    item: list[str] = []
    year: list[int] = []
    value: list[float] = []
    for code in counties:
        for (it, y), o in observations.get(code, {}).items():
            v = o.value
            if it in wanted and y in years and v is not None and not isinstance(v, bool):
                region.append(code)
                item.append(it)
                year.append(y)
                value.append(float(v))
    return pl.DataFrame(
        {"region": region, "item": item, "year": year, "value": value},
        schema={"region": pl.String, "item": pl.String, "year": pl.Int64, "value": pl.Float64},
    )


def rollup_values(
    catalog: Catalog,
    tree: RegionTree,
    observations: RegionObservations | pl.DataFrame,
    years: Iterable[int],
    root: str = NATION,
    counties_too: bool = True,
) -> Mapping[tuple[str, int, int], RolledValue]:
    """Σ numerator ÷ Σ denominator of every ratio indicator, for ``root`` and every region below it
    (with ``counties_too`` the counties as well: a county's roll-up is its own ratio), for each of
    ``years``.

    Vectorized: one frame of county-years × elements, one group-by over (ancestor, indicator, year).
    Keys are ``(region code, indicator id, year)``. ``observations`` is region → (item, year) →
    observation or the long frame of :func:`~liangshan.assess.vectorised.observation_frame`.
    """
    import polars as pl

    inds = [i for i in catalog.indicators if is_rolled_up(i)]
    counties = tree.counties(root)
    ys = sorted(set(years))
    if not inds or not counties or not ys:
        return {}
    elements = sorted({c for i in inds for c in i.formula.element_codes()})
    direct = [indicator_key(i.id) for i in inds]
    long = _element_frame(observations, counties, set(elements) | set(direct), set(ys))
    pops = [tree.node(c).population for c in counties]
    base = pl.DataFrame(
        {"region": counties, "population": [float(p) if p else None for p in pops]},
        schema={"region": pl.String, "population": pl.Float64},
    ).join(pl.DataFrame({"year": ys}, schema={"year": pl.Int64}), how="cross")
    frame = base
    if long.height:
        wide = long.pivot(on="item", index=["region", "year"], values="value", aggregate_function="first")
        frame = base.join(wide, on=["region", "year"], how="left")
    absent = [c for c in (*elements, *direct) if c not in frame.columns]
    frame = frame.with_columns([pl.lit(None, dtype=pl.Float64).alias(c) for c in absent])

    def total(code: str) -> pl.Expr:
        return pl.col(code) * pl.col("population") if code.endswith(PER_CAPITA_SUFFIX) else pl.col(code)

    parts = []
    for ind in inds:
        f = ind.formula
        codes = f.element_codes()
        complete = pl.all_horizontal([pl.col(c).is_not_null() for c in codes])
        has_pop = pl.col("population").is_not_null() & (pl.col("population") > 0)
        per_capita = any(c.endswith(PER_CAPITA_SUFFIX) for c in codes)
        reason = (
            pl.when(~complete & pl.col(indicator_key(ind.id)).is_not_null())
            .then(pl.lit("direct"))
            .when(~complete)
            .then(pl.lit("elements"))
            .when(~has_pop if per_capita else pl.lit(False))
            .then(pl.lit("population"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
        parts.append(
            frame.select(
                pl.col("region"),
                pl.col("year"),
                pl.lit(ind.id, dtype=pl.Int64).alias("indicator"),
                pl.sum_horizontal([total(c) for c in f.numerator]).alias("num"),
                pl.sum_horizontal([total(c) for c in f.denominator]).alias("den"),
                reason.alias("reason"),
            )
        )
    per = pl.concat(parts).with_columns(pl.col("reason").is_null().alias("ok"))
    joined = per.join(tree.ancestry(counties, root, counties_too), on="region")
    keys = ["ancestor", "indicator", "year"]
    agg = joined.group_by(keys).agg(
        pl.col("num").filter(pl.col("ok")).sum().alias("num"),
        pl.col("den").filter(pl.col("ok")).sum().alias("den"),
        pl.len().alias("counties"),
        pl.col("ok").sum().alias("covered"),
    )
    excl = (
        joined.filter(~pl.col("ok"))
        .group_by(keys)
        .agg(
            pl.col("region").sort().alias("ex_region"),
            pl.col("reason").sort_by("region").alias("ex_reason"),
        )
    )
    agg = agg.join(excl, on=keys, how="left")
    scale = {i.id: i.formula.scale for i in inds}
    return RolledValues(agg, scale)


REASON_CODES = (None, "direct", "elements", "population")


def rollup_values_arrays(
    catalog: Catalog,
    tree: RegionTree,
    arrays: ItemArrays,
    years: Sequence[int],
    root: str = NATION,
    counties_too: bool = True,
) -> Mapping[tuple[str, int, int], RolledValue]:
    """:func:`rollup_values` from the counties × years arrays the verdicts use (:class:`ItemArrays`,
    counties of ``root`` in code order): the same sums, counts and exclusions, with no group-by —
    per ratio indicator one numerator and one denominator array, summed into every ancestor with
    ``np.add.at`` in county order. ``years`` must be among the arrays' years."""
    inds = [i for i in catalog.indicators if is_rolled_up(i)]
    counties = list(arrays.counties)
    ys = sorted(set(years))
    if not inds or not counties or not ys:
        return {}
    items = arrays.window(ys)
    n, m, k = len(counties), len(ys), len(inds)
    pops = np.array([float(tree.node(c).population or 0) for c in counties])
    has_pop = pops > 0
    num = np.zeros((n, k, m))
    den = np.zeros((n, k, m))
    reason = np.zeros((n, k, m), dtype=np.int8)
    for j, ind in enumerate(inds):
        f = ind.formula

        def numeric(code: str) -> tuple[np.ndarray, np.ndarray]:
            it = items.get(code)
            if it is None:
                return np.zeros((n, m), dtype=bool), np.full((n, m), np.nan)
            ok = it.present & ~it.boolean
            v = np.where(ok, it.value, np.nan)
            if code.endswith(PER_CAPITA_SUFFIX):
                v = v * np.where(has_pop, pops, np.nan)[:, None]
            return ok, v

        codes = f.element_codes()
        got = {c: numeric(c) for c in codes}
        complete = np.logical_and.reduce([got[c][0] for c in codes])
        direct, _ = numeric(indicator_key(ind.id))
        per_capita = any(c.endswith(PER_CAPITA_SUFFIX) for c in codes)
        r = np.zeros((n, m), dtype=np.int8)
        if per_capita:
            r[complete & ~has_pop[:, None]] = 3
        r[~complete] = 2
        r[~complete & direct] = 1
        ok = r == 0
        nsum = got[f.numerator[0]][1].copy()
        for c in f.numerator[1:]:
            nsum = nsum + got[c][1]
        dsum = got[f.denominator[0]][1].copy()
        for c in f.denominator[1:]:
            dsum = dsum + got[c][1]
        num[:, j, :] = np.where(ok, nsum, 0.0)
        den[:, j, :] = np.where(ok, dsum, 0.0)
        reason[:, j, :] = r
    pair_c: list[int] = []
    pair_a: list[int] = []
    anc_index: dict[str, int] = {}
    for i, c in enumerate(counties):
        for a in [c, *tree.ancestors(c)] if counties_too or c == root else tree.ancestors(c):
            pair_c.append(i)
            pair_a.append(anc_index.setdefault(a, len(anc_index)))
            if a == root:
                break
    members: list[list[int]] = [[] for _ in anc_index]
    for c_i, a_i in zip(pair_c, pair_a, strict=True):
        members[a_i].append(c_i)
    return ArrayRolledValues(
        list(anc_index), [i.id for i in inds], ys, counties, num, den, members, reason,
        {i.id: i.formula.scale for i in inds},
    )  # fmt: skip


class ArrayRolledValues(Mapping[tuple[str, int, int], RolledValue]):
    """``(region, indicator id, year)`` → :class:`RolledValue` from the counties' numerators and
    denominators of :func:`rollup_values_arrays`, summed when looked at (``math.fsum``: the correctly
    rounded sum, whatever the order of the counties)."""

    def __init__(
        self,
        ancestors: list[str],
        indicators: list[int],
        years: list[int],
        counties: list[str],
        num: np.ndarray,
        den: np.ndarray,
        members: list[list[int]],
        reason: np.ndarray,
        scale: Mapping[int, float],
    ) -> None:
        self._anc = {a: i for i, a in enumerate(ancestors)}
        self._ind = {x: i for i, x in enumerate(indicators)}
        self._year = {y: i for i, y in enumerate(years)}
        self._keys = [(a, x, y) for a in ancestors for x in indicators for y in years]
        self._counties, self._reason = counties, reason
        self._members = [np.array(m, dtype=np.int64) for m in members]
        self._num, self._den, self._scale = num, den, scale

    def __getitem__(self, key: tuple[str, int, int]) -> RolledValue:
        a, x, y = key
        try:
            i, j, t = self._anc[a], self._ind[x], self._year[y]
        except KeyError:
            raise KeyError(key) from None
        members = self._members[i]
        why = self._reason[members, j, t]
        num, den = math.fsum(self._num[members, j, t]), math.fsum(self._den[members, j, t])
        value = None if den == 0 else num / den * self._scale[x]
        covered = int((why == 0).sum())
        excluded = tuple(
            (self._counties[int(c)], str(REASON_CODES[int(r)]))
            for c, r in zip(members, why, strict=True)
            if r
        )
        return RolledValue(a, x, y, value if covered else None, num, den, len(members), covered, excluded)

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class RolledValues(Mapping[tuple[str, int, int], RolledValue]):
    """``(region, indicator id, year)`` → :class:`RolledValue`, from the grouped sums; a value is made
    when it is looked at (a national roll-up has ≈ 20,000 and a page shows a few hundred)."""

    def __init__(self, agg: pl.DataFrame, scale: Mapping[int, float]) -> None:
        names = (
            "ancestor",
            "indicator",
            "year",
            "num",
            "den",
            "counties",
            "covered",
            "ex_region",
            "ex_reason",
        )
        self._cols = [agg[c].to_list() for c in names]
        anc, ind, year = self._cols[:3]
        self._index = {k: i for i, k in enumerate(zip(anc, ind, year, strict=True))}
        self._scale = scale

    def __getitem__(self, key: tuple[str, int, int]) -> RolledValue:
        i = self._index[key]
        anc, ind_id, year, num_, den_, n_counties, covered, ex_region, ex_reason = (c[i] for c in self._cols)
        # the same arithmetic as ratio_of_sums over the two sums
        num, den = float(num_ or 0.0), float(den_ or 0.0)
        value = None if den == 0 else num / den * self._scale[ind_id]
        excluded = tuple(zip(ex_region or [], ex_reason or [], strict=True))
        shown = value if covered else None
        return RolledValue(
            anc, int(ind_id), int(year), shown, num, den, int(n_counties), int(covered), excluded
        )

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


# -- assessments and verdict counts ----------------------------------------------------------------
def assess_counties(
    catalog: Catalog,
    tree: RegionTree,
    observations: RegionObservations,
    years: Sequence[int],
    overrides: Mapping[str, Mapping[int, Mapping[str, Any]]] | None = None,
    counties: Sequence[str] | None = None,
) -> dict[str, Assessment]:
    """The existing :func:`~liangshan.assess.index.assess` run for each county (default: all)."""
    codes = counties if counties is not None else tree.counties(NATION)
    ov = overrides or {}
    return {
        c: assess(catalog, tree.node(c).profile(), years, observations.get(c, {}), ov.get(c)) for c in codes
    }


def passes(a: Assessment) -> int:
    """Number of 达标 indicators of one county's assessment."""
    return sum(r.verdict == PASS for r in a.results)


def has_data(a: Assessment) -> bool:
    return any(r.verdict != MISSING for r in a.results)


def _verdict_frame(assessments: Mapping[str, Assessment]) -> pl.DataFrame:
    import polars as pl

    region, ind, verdict = [], [], []
    for code, a in assessments.items():
        for r in a.results:
            region.append(code)
            ind.append(r.indicator.id)
            verdict.append(r.verdict)
    return pl.DataFrame(
        {"region": region, "indicator": ind, "verdict": verdict},
        schema={"region": pl.String, "indicator": pl.Int64, "verdict": pl.String},
    )


def verdict_counts(
    tree: RegionTree, assessments: Mapping[str, Assessment], root: str = NATION
) -> dict[str, dict[int, dict[str, int]]]:
    """region → indicator id → verdict → number of counties, for ``root`` and every region below it."""
    import polars as pl

    counties = [c for c in tree.counties(root) if c in assessments]
    frame = _verdict_frame({c: assessments[c] for c in counties})
    if not frame.height:
        return {}
    grouped = (
        frame.join(tree.ancestry(counties, root), on="region")
        .group_by(["ancestor", "indicator", "verdict"])
        .agg(pl.len().alias("n"))
    )
    out: dict[str, dict[int, dict[str, int]]] = {}
    for anc, ind, verdict, n in grouped.iter_rows():
        per = out.setdefault(anc, {}).setdefault(int(ind), dict.fromkeys(VERDICTS, 0))
        per[verdict] = int(n)
    return out


class VerdictCounts(Mapping[str, Mapping[int, Mapping[str, int]]]):
    """region → indicator id → verdict → number of counties, over the counties at or below the region,
    from the vectorised verdicts (one ``np.add.at`` over county × ancestor pairs; the dictionaries
    are made when a region is looked at)."""

    def __init__(self, tree: RegionTree, table: CountyVerdicts, root: str = NATION) -> None:
        counties = [c for c in tree.counties(root) if c in table]
        regions: dict[str, int] = {}
        pair_county: list[int] = []
        pair_region: list[int] = []
        for c in counties:
            for a in [c, *tree.ancestors(c)]:
                pair_county.append(table.row(c))
                pair_region.append(regions.setdefault(a, len(regions)))
                if a == root:
                    break
        self._regions = regions
        self._indicators = table.indicators
        k = len(table.indicators)
        counts = np.zeros((len(regions), k, len(VERDICTS)), dtype=np.int64)
        if pair_county:
            rows = table.verdict[np.array(pair_county)]  # pairs × indicators
            reg = np.repeat(np.array(pair_region), k)
            ind = np.tile(np.arange(k), len(pair_county))
            np.add.at(counts, (reg, ind, rows.ravel().astype(np.int64)), 1)
        self._counts = counts

    def __getitem__(self, region: str) -> dict[int, dict[str, int]]:
        i = self._regions[region]
        return {
            ind: {v: int(n) for v, n in zip(VERDICTS, self._counts[i, k], strict=True)}
            for k, ind in enumerate(self._indicators)
        }

    def __iter__(self) -> Iterator[str]:
        return iter(self._regions)

    def __len__(self) -> int:
        return len(self._regions)


@dataclass(frozen=True)
class PassStats:
    """Passes (达标指标数) of a region: Σ over its counties, number of counties, counties with data."""

    total: int
    counties: int
    with_data: int
    distribution: dict[int, int]

    @property
    def mean(self) -> float | None:
        """县均达标指标数 (a county's own count when it is one county); None without counties."""
        if not self.counties:
            return None
        return round_half_even(self.total / self.counties, PASSES_PRECISION)

    @property
    def status(self) -> str:
        return "ok" if self.with_data else "missing"


def pass_stats_table(tree: RegionTree, table: CountyVerdicts, region: str) -> PassStats:
    """As :func:`pass_stats`, from the vectorised verdicts of the counties."""
    counties = [c for c in tree.counties(region) if c in table]
    rows = np.array([table.row(c) for c in counties], dtype=np.int64)
    counts = [int(x) for x in (table.verdict[rows] == V_PASS).sum(axis=1)] if counties else []
    with_data = int((table.verdict[rows] != V_MISSING).any(axis=1).sum()) if counties else 0
    return PassStats(
        total=sum(counts),
        counties=len(counties),
        with_data=with_data,
        distribution=dict(sorted(Counter(counts).items())),
    )


class LazyAssessments(Mapping[str, Assessment]):
    """county code → its :func:`~liangshan.assess.index.assess`, computed on first access and kept."""

    def __init__(self, codes: Sequence[str], run: Callable[[str], Assessment]) -> None:
        self._codes = list(codes)
        self._known = set(codes)
        self._run = run
        self._memo: dict[str, Assessment] = {}

    def __getitem__(self, code: str) -> Assessment:
        if code not in self._known:
            raise KeyError(code)
        if code not in self._memo:
            self._memo[code] = self._run(code)
        return self._memo[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)


def pass_stats(tree: RegionTree, assessments: Mapping[str, Assessment], region: str) -> PassStats:
    counties = [c for c in tree.counties(region) if c in assessments]
    counts = [passes(assessments[c]) for c in counties]
    return PassStats(
        total=sum(counts),
        counties=len(counties),
        with_data=sum(has_data(assessments[c]) for c in counties),
        distribution=dict(sorted(Counter(counts).items())),
    )


# -- comparable indicators -------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """The indicator sets of a roll-up's counties and what it compares (issue 18: only comparable
    indicators, and say so). ``sets``: (set id, set name, number of counties), most counties first;
    ``compared``: the indicator ids common to every set; ``left_out``: per indicator not compared,
    its id, name, the sets (id, name) that have it, and the reason in Chinese."""

    sets: tuple[tuple[str, str, int], ...]
    compared: tuple[int, ...]
    left_out: tuple[tuple[int, str, tuple[tuple[str, str], ...], str], ...] = ()

    @property
    def mixed(self) -> bool:
        return len(self.sets) > 1

    def note(self) -> str | None:
        """One Chinese sentence for the page and the command (None when every county uses one set)."""
        if not self.mixed:
            return None
        used = "；".join(f"“{name}”{n} 个县" for _, name, n in self.sets)
        out = (
            f"本汇总范围内的县分别按 {len(self.sets)} 套指标体系评估（{used}），"
            f"只比较共有的 {len(self.compared)} 项指标"
        )
        if self.left_out:
            items = "；".join(f"指标 {i} {name}（{why}）" for i, name, _, why in self.left_out)
            out += f"；未参与比较：{items}"
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "mixed": self.mixed,
            "sets": [{"id": k, "name": name, "counties": n} for k, name, n in self.sets],
            "compared": list(self.compared),
            "left_out": [
                {"id": i, "name": name, "sets": [{"id": k, "name": sn} for k, sn in sets], "reason": why}
                for i, name, sets, why in self.left_out
            ],
            "note": self.note(),
        }


def single_set(catalog: Catalog, counties: int) -> Comparison:
    """Every county uses ``catalog``: every indicator is compared."""
    return Comparison(
        ((catalog.framework, catalog.title, counties),), tuple(i.id for i in catalog.indicators)
    )


def comparison_of(
    catalogs: Mapping[str, Catalog],
    county_sets: Mapping[str, str],
    common: Sequence[int],
    left_out: Mapping[str, Sequence[int]],
) -> Comparison:
    """The :class:`Comparison` of counties assessed by several sets: ``catalogs`` set id → set,
    ``county_sets`` county → set id, ``common``/``left_out`` as ``comparable_indicators`` gives them
    (the common ids, and per set the ids it has that are not compared)."""
    n = Counter(county_sets.values())
    order = sorted(n, key=lambda k: (-n[k], k))
    sets = tuple((k, catalogs[k].title, n[k]) for k in order)
    having: dict[int, list[str]] = {}
    for k in order:
        for i in left_out.get(k, ()):
            having.setdefault(int(i), []).append(k)
    rows = []
    for i, ks in sorted(having.items()):
        name = catalogs[ks[0]].indicator(i).name
        named = tuple((k, catalogs[k].title) for k in ks)
        if len(ks) == len(order):
            why = "各指标体系中该指标的名称或评价规则不同，不可比较"
        else:
            have = "、".join(f"“{catalogs[k].title}”" for k in ks)
            counties = sum(n[k] for k in ks)
            why = f"只有按{have}评估的 {counties} 个县有此指标，其他县所用的指标体系没有"
        rows.append((i, name, named, why))
    return Comparison(sets, tuple(int(i) for i in common), tuple(rows))


def restrict(catalog: Catalog, ids: Sequence[int]) -> Catalog:
    """``catalog`` with only the indicators ``ids``, in that order (the catalog itself when it has
    exactly those)."""
    if tuple(i.id for i in catalog.indicators) == tuple(ids):
        return catalog
    by_id = {i.id: i for i in catalog.indicators}
    return catalog.model_copy(update={"indicators": tuple(by_id[i] for i in ids)})


# -- the roll-up of one window ---------------------------------------------------------------------
@dataclass(frozen=True)
class Rollup:
    """Everything a roll-up page or command shows for ``root`` over the window ``years``.

    ``values`` covers the window and the year before it (for the change against the previous year);
    ``current`` holds each county's assessment of the window, ``previous`` of the same-length window
    ending one year earlier (for the change of passes and the previous rank) — computed when looked
    at; ``current_verdicts``/``previous_verdicts`` hold every county's verdicts and values as arrays.
    """

    catalog: Catalog
    tree: RegionTree
    root: str
    years: tuple[int, ...]
    values: Mapping[tuple[str, int, int], RolledValue]
    current: Mapping[str, Assessment]
    previous: Mapping[str, Assessment]
    counts: Mapping[str, Mapping[int, Mapping[str, int]]]
    current_verdicts: CountyVerdicts
    previous_verdicts: CountyVerdicts
    comparison: Comparison | None = None

    @property
    def year(self) -> int:
        return self.years[-1]

    @property
    def previous_year(self) -> int:
        return self.years[-1] - 1

    # ---- one region
    def indicator_rows(self, region: str) -> list[dict[str, Any]]:
        """Per indicator: the rolled-up values by year, the change, coverage and verdict counts."""
        rows = []
        shown_years = sorted({self.previous_year, *self.years})
        counts = self.counts.get(region, {})
        names = self.tree.nodes
        for ind in self.catalog.indicators:
            row: dict[str, Any] = {
                "id": ind.id,
                "name": ind.name,
                "unit": ind.unit,
                "target": ind.target.text,
                "rolled_up": is_rolled_up(ind),
                "method": method_label(ind),
                "verdicts": dict(counts.get(ind.id, dict.fromkeys(VERDICTS, 0))),
            }
            if is_rolled_up(ind):
                vals = {y: self.values.get((region, ind.id, y)) for y in shown_years}
                shown = {y: _rounded(v.value if v else None, ind.precision) for y, v in vals.items()}
                last = vals[self.year]
                row.update(
                    values={str(y): shown[y] for y in shown_years},
                    status={str(y): (v.status if v else "missing") for y, v in vals.items()},
                    numerator={
                        str(y): _sum(v.numerator) if v and v.covered else None for y, v in vals.items()
                    },
                    denominator={
                        str(y): _sum(v.denominator) if v and v.covered else None for y, v in vals.items()
                    },
                    change=_diff(shown[self.year], shown[self.previous_year], ind.precision),
                    change_unit=change_unit(ind),
                    coverage={
                        "counties": last.counties if last else 0,
                        "covered": last.covered if last else 0,
                        "excluded": [
                            {"code": c, "name": names[c].name, "reason": EXCLUDE_REASONS[r]}
                            for c, r in (last.excluded if last else ())
                        ],
                    },
                )
            rows.append(row)
        return rows

    def totals(self, region: str) -> dict[str, int]:
        tot = dict.fromkeys(VERDICTS, 0)
        for per in self.counts.get(region, {}).values():
            for k, n in per.items():
                tot[k] += n
        return tot

    def region_dict(self, code: str) -> dict[str, Any]:
        n = self.tree.node(code)
        parent = n.parent if n.parent in self.tree else None
        return {
            "code": n.code,
            "name": n.name,
            "level": n.level,
            "level_label": n.level_label,
            "parent": parent,
        }

    def passes_dict(self, code: str) -> dict[str, Any]:
        cur = pass_stats_table(self.tree, self.current_verdicts, code)
        prev = pass_stats_table(self.tree, self.previous_verdicts, code)
        return {
            "mean": cur.mean,
            "total": cur.total,
            "counties": cur.counties,
            "with_data": cur.with_data,
            "status": cur.status,
            "distribution": {str(k): v for k, v in cur.distribution.items()},
            "previous": prev.mean if prev.status == "ok" else None,
            "change": _diff(cur.mean, prev.mean, PASSES_PRECISION) if prev.status == "ok" else None,
        }

    def rank_basis(self, region: str, indicator: int | None) -> str:
        """What ``region``'s children are ranked by: ``passes`` (no indicator), the indicator's
        ``value`` when every child has one that compares, else ``pass_share`` (达标县占比; 是/否
        indicators, or indicators that are not rolled up when some children are above county level)."""
        if indicator is None:
            return PASSES
        ind = self.catalog.indicator(indicator)
        kids = self.tree.children(region)
        comparable = is_rolled_up(ind) or all(k.level == ASSESSED_LEVEL for k in kids)
        return "value" if ind.formula.kind != "all_true" and comparable else "pass_share"

    def children_rows(self, region: str, indicator: int | None = None) -> list[dict[str, Any]]:
        """The regions directly below ``region`` that have counties, ranked (:meth:`rank_basis`)."""
        kids = [k.code for k in self.tree.children(region) if self.tree.counties(k.code)]
        rows = []
        for k in kids:
            row = {**self.region_dict(k), "counties": len(self.tree.counties(k))}
            row["totals"] = self.totals(k)
            row["passes"] = self.passes_dict(k)
            if indicator is not None:
                row["indicator"] = self.indicator_cell(k, indicator)
            rows.append(row)
        basis = self.rank_basis(region, indicator)
        direction: Direction = "higher"
        if basis == PASSES:
            metric = [r["passes"]["mean"] if r["passes"]["status"] == "ok" else None for r in rows]
        elif basis == "value":
            metric = [r["indicator"]["value"] if r["indicator"]["status"] == "ok" else None for r in rows]
            direction = direction_of(self.catalog.indicator(indicator or 0).target)
        else:
            metric = [r["indicator"]["pass_share"] for r in rows]
        for r, rank in zip(rows, competition_rank(metric, direction), strict=True):
            r["rank"] = rank
        return sorted(rows, key=lambda r: (r["rank"], r["code"]))

    def indicator_cell(self, code: str, indicator: int) -> dict[str, Any]:
        """One indicator for one region: value (as reported), status, verdict (county) or 达标 share."""
        ind = self.catalog.indicator(indicator)
        counts = dict(self.counts.get(code, {}).get(indicator, dict.fromkeys(VERDICTS, 0)))
        n = sum(counts.values())
        cell: dict[str, Any] = {
            "verdicts": counts,
            "pass_share": round_half_even(100 * counts[PASS] / n, 1) if n else None,
        }
        if self.tree.node(code).level == ASSESSED_LEVEL and code in self.current:
            res = next(r for r in self.current[code].results if r.indicator.id == indicator)
            cell.update(
                verdict=self.current_verdicts.verdict_of(code, indicator), reason=res.judgement.reason
            )
        value, status = self._value(code, ind, self.year)
        prev, _ = self._value(code, ind, self.previous_year)
        cell.update(value=value, status=status, previous=prev, change=_diff(value, prev, ind.precision))
        return cell

    # ---- values and rankings across regions of one level
    def _county_year(self, code: str, ind: Indicator, year: int) -> tuple[float | bool | None, str]:
        for table in (self.current_verdicts, self.previous_verdicts):
            if code in table and year in table.years:
                return table.year_value(code, ind.id, year)
        return None, "missing"

    def _value(self, code: str, ind: Indicator, year: int) -> tuple[float | None, str]:
        """The value as reported (rounded) and its status (ok | missing | not_applicable)."""
        if self.tree.node(code).level == ASSESSED_LEVEL:
            value, status = self._county_year(code, ind, year)
            if value is None:
                return None, status
            if isinstance(value, bool):
                return None, "missing"
            return value, "ok"  # already rounded as reported
        if not is_rolled_up(ind):
            return None, "missing"
        rv = self.values.get((code, ind.id, year))
        if rv is None:
            return None, "missing"
        return _rounded(rv.value, ind.precision), rv.status

    def ranking(self, level: str, indicator: int | None = None, under: str | None = None) -> dict[str, Any]:
        """Rank the regions of ``level`` below ``under`` (default: the roll-up's root).

        ``indicator=None`` ranks by passes (达标指标数; 县均 for higher levels). Raises ``ValueError``
        for an indicator that has no comparable value at that level (是/否 indicators anywhere;
        indicators that are not rolled up above the county level).
        """
        root = under or self.root
        if level not in LEVELS[1:]:
            raise ValueError(f"级别应为 province、city 或 county，收到：{level}")
        if not self.tree.contains(self.root, root):
            raise ValueError(f"地区 {root} 不在汇总范围 {self.root} 内")
        regions = [n for n in self.tree.at_level(level, root) if self.tree.counties(n.code)]
        ind = self.catalog.indicator(indicator) if indicator is not None else None
        if ind is not None:
            if ind.formula.kind == "all_true":
                raise ValueError(f"指标 {ind.id}“{ind.name}”为是/否型，不能按数值排名；请按达标指标数排名")
            if level != ASSESSED_LEVEL and not is_rolled_up(ind):
                raise ValueError(
                    f"指标 {ind.id}“{ind.name}”不是比值指标，不汇总到{LEVEL_LABELS[level]}，"
                    "只能在县级按数值排名；请按达标指标数排名"
                )
        rows: list[dict[str, Any]] = []
        cur_vals: list[float | None] = []
        prev_vals: list[float | None] = []
        for n in regions:
            row: dict[str, Any] = {"code": n.code, "name": n.name}
            parent = self.tree.parent(n.code)
            row["parent"] = self.tree.nodes[parent].name if parent and parent != NATION else None
            if ind is None:
                cur = pass_stats_table(self.tree, self.current_verdicts, n.code)
                prv = pass_stats_table(self.tree, self.previous_verdicts, n.code)
                value, status = cur.mean, cur.status
                prev = prv.mean if prv.status == "ok" else None
                digits = PASSES_PRECISION
            else:
                value, status = self._value(n.code, ind, self.year)
                prev, _ = self._value(n.code, ind, self.previous_year)
                digits = ind.precision
            ok = status == "ok" and value is not None
            cur_vals.append(value if ok else None)
            prev_vals.append(prev)
            row.update(
                value=value if ok else None,
                status=status if not ok else "ok",
                status_label=STATUS_LABELS.get(status if not ok else "ok", status),
                previous=prev,
                change=_diff(value if ok else None, prev, digits),
            )
            rows.append(row)
        direction: Direction = "higher" if ind is None else direction_of(ind.target)
        for row, rank, prank, pv in zip(
            rows,
            competition_rank(cur_vals, direction),
            competition_rank(prev_vals, direction),
            prev_vals,
            strict=True,
        ):
            row["rank"] = rank
            row["previous_rank"] = prank if pv is not None else None
        rows.sort(key=lambda r: (r["rank"], r["code"]))
        return {
            "level": level,
            "level_label": LEVEL_LABELS[level],
            "under": self.region_dict(root),
            "by": PASSES if ind is None else "indicator",
            "indicator": None
            if ind is None
            else {"id": ind.id, "name": ind.name, "unit": ind.unit, "target": ind.target.text},
            "metric": "达标指标数"
            if ind is None and level == ASSESSED_LEVEL
            else ("县均达标指标数" if ind is None else ind.name),
            "unit": "项" if ind is None else ind.unit,
            "change_unit": "项" if ind is None else change_unit(ind),
            "direction": direction,
            "year": self.year,
            "previous_year": self.previous_year,
            "years": list(self.years),
            "rows": rows,
        }

    def comparison_dict(self) -> dict[str, Any]:
        """Which indicator sets the counties use and what is compared (:class:`Comparison`)."""
        comp = self.comparison or single_set(self.catalog, len(self.tree.counties(self.root)))
        return comp.to_dict()

    def summary(self, region: str | None = None, indicator: int | None = None) -> dict[str, Any]:
        """The roll-up of one region: indicators, verdict totals, passes, and its children ranked."""
        code = region or self.root
        if not self.tree.contains(self.root, code):
            raise ValueError(f"地区 {code} 不在汇总范围 {self.root} 内")
        return {
            "region": self.region_dict(code),
            "years": list(self.years),
            "year": self.year,
            "previous_year": self.previous_year,
            "catalog_version": f"{self.catalog.framework} {self.catalog.version}",
            "counties": len(self.tree.counties(code)),
            "totals": self.totals(code),
            "passes": self.passes_dict(code),
            "indicators": self.indicator_rows(code),
            "children": self.children_rows(code, indicator),
            "rank_by": self.rank_basis(code, indicator),
            "comparison": (
                self.comparison or single_set(self.catalog, len(self.tree.counties(self.root)))
            ).to_dict(),
        }


def build_rollup(
    catalog: Catalog,
    tree: RegionTree,
    observations: RegionObservations,
    years: Sequence[int],
    overrides: Mapping[str, Mapping[int, Mapping[str, Any]]] | None = None,
    root: str = NATION,
) -> Rollup:
    """Assess every county below ``root`` for the window ``years`` (and one year earlier), count the
    verdicts and roll the ratio values up. ``observations`` should cover ``min(years) - 1`` too."""
    counties = tree.counties(root)
    frame = observation_frame({c: observations[c] for c in counties if c in observations})
    return build_rollup_frame(catalog, tree, frame, years, overrides, root, lambda c: observations.get(c, {}))


def build_rollup_frame(
    catalog: Catalog,
    tree: RegionTree,
    frame: pl.DataFrame,
    years: Sequence[int],
    overrides: Mapping[str, Mapping[int, Mapping[str, Any]]] | None = None,
    root: str = NATION,
    observations_of: Callable[[str], Mapping[tuple[str, int], Observation]] | None = None,
    comparison: Comparison | None = None,
    catalogs: Mapping[str, Catalog] | None = None,
) -> Rollup:
    """:func:`build_rollup` from the long observation frame
    (:func:`~liangshan.assess.vectorised.observation_frame`): the verdicts of all counties at once.

    ``catalogs``: county → the set it is assessed by, restricted to the compared indicators (same
    ids, same order as ``catalog``'s), for counties not assessed by ``catalog`` itself; a county whose
    restricted set differs from ``catalog`` in any compared indicator is judged by ``assess()``."""
    ys = tuple(sorted(set(years)))
    if not ys:
        raise ValueError("评估年份不能为空")
    counties = tree.counties(root)
    profiles = [tree.node(c).profile() for c in counties]
    ov = overrides or {}
    obs_of = observations_of or ObservationSource(frame).get
    prev_ys = tuple(y - 1 for y in ys)

    own = catalogs or {}
    force = {c for c, cat in own.items() if cat.indicators != catalog.indicators}

    def reference(window: Sequence[int]) -> Callable[[str], Assessment]:
        return lambda c: assess(own.get(c, catalog), tree.node(c).profile(), window, obs_of(c), ov.get(c))

    arrays = ItemArrays(catalog, frame, counties, sorted({*ys, *prev_ys}))  # one pass over the frame
    cur_table = assess_counties_vectorised(catalog, profiles, frame, ys, ov, reference(ys), arrays, force)
    prev_table = assess_counties_vectorised(
        catalog, profiles, frame, prev_ys, ov, reference(prev_ys), arrays, force
    )
    current = LazyAssessments(counties, reference(ys))
    previous = LazyAssessments(counties, reference(prev_ys))
    is_county = tree.node(root).level == ASSESSED_LEVEL  # above a county, its own ratio is not needed
    values = rollup_values_arrays(catalog, tree, arrays, [ys[0] - 1, *ys], root, counties_too=is_county)
    counts = VerdictCounts(tree, cur_table, root)
    return Rollup(
        catalog, tree, root, ys, values, current, previous, counts, cur_table, prev_table, comparison
    )


__all__ = [
    "NATION",
    "PASSES",
    "Comparison",
    "PassStats",
    "RegionNode",
    "RegionTree",
    "RolledValue",
    "RolledValues",
    "Rollup",
    "VerdictCounts",
    "assess_counties",
    "build_rollup",
    "build_rollup_frame",
    "comparison_of",
    "competition_rank",
    "direction_of",
    "is_rolled_up",
    "pass_stats",
    "restrict",
    "rollup_values",
    "rollup_values_arrays",
    "single_set",
    "verdict_counts",
]
