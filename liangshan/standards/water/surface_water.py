"""Surface-water section evaluation: GB 3838-2002 by the 2011 method (环办〔2011〕22号).

Per section and year (环办〔2011〕22号): the annual arithmetic mean of each of the 21 evaluation items
(表1 minus 水温, 总氮, 粪大肠菌群), rounded to its reporting digits, is classed against GB 3838-2002 表1
(总磷 by the river or the 湖、库 column); the section class is the worst item class (单因子评价法).
Sections without any valid result in the year are excluded from the ratio and reported. Indicator 3
(地表水水质达到或优于Ⅲ类水的比例) = sections at Ⅰ–Ⅲ ÷ sections assessed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from liangshan.standards.water.classify import annual_means, annual_means_query, classify_means, worst_factor
from liangshan.standards.water.limits import CLASS_NAMES, EVALUATION_ITEMS_2011, GB3838_2002

if TYPE_CHECKING:  # the pydantic models: imported when a result's provenance is built
    from liangshan.provenance import ComputedValues, InputFile

SURFACE_TYPES = ("river", "lake", "reservoir")
QUALITY = {1: "优", 2: "优", 3: "良好", 4: "轻度污染", 5: "中度污染", 6: "重度污染"}
#: TLI correlation of each parameter with chl-a (中国环境监测总站 2001; UNVERIFIED, 环办〔2011〕22号).
TLI_R = {"chla": 1.0, "tp": 0.84, "tn": 0.82, "sd": -0.83, "codmn": 0.83}


@dataclass
class SiteClass:
    """Class of one site (section, source or well) for one year."""

    site: str
    site_type: str
    cls: int
    class_name: str
    limiting_items: list[str]
    n_samples: int
    exceeding: list[dict[str, Any]] = field(default_factory=list)
    quality: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: site, class (1–6), class_name (Ⅰ…劣Ⅴ), limiting_items, n_samples, then details."""
        d: dict[str, Any] = {
            "site": self.site, "class": self.cls, "class_name": self.class_name,
            "limiting_items": self.limiting_items, "n_samples": self.n_samples, "site_type": self.site_type,
            "quality": self.quality, "exceeding": self.exceeding,
        }  # fmt: skip
        return d | self.extra


class SitesResult:
    """Evaluation of all sites (sections, or groundwater points) of one year: classes and the Ⅰ–Ⅲ count.

    ``sites`` is the list of :class:`SiteClass`; a result of :func:`evaluate_sections_years` holds the
    same rows as columns (``table``) and builds the objects only when ``sites`` is first read, so that
    :meth:`site_dicts` (the JSON form) and :func:`sites_values` (the provenance) of a large file take
    the columns as they are.
    """

    def __init__(
        self,
        year: int,
        sites: list[SiteClass] | None,
        excluded: list[dict[str, str]],
        good: int,
        total: int,
        rivers: list[dict[str, Any]] | None = None,
        parameters: dict[str, Any] | None = None,
        *,
        table: pl.DataFrame | None = None,
        extras: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.year, self.excluded, self.good, self.total = year, excluded, good, total
        self.rivers = [] if rivers is None else rivers
        self.parameters = {} if parameters is None else parameters
        self._sites, self._table, self._extras = sites, table, extras or {}

    @property
    def sites(self) -> list[SiteClass]:
        """Class of each site, in site order."""
        if self._sites is None:
            t = self._table if self._table is not None else pl.DataFrame()
            cols = [t[c].to_list() for c in ("site", "site_type", "class", "limiting_items", "n_samples")]
            exceeding = t["exceeding"].to_list()
            self._sites = [
                SiteClass(site, kind, cls, CLASS_NAMES[cls], limiting, n, exc, QUALITY[cls],
                          self._extras.get(site, {}))
                for site, kind, cls, limiting, n, exc in zip(*cols, exceeding, strict=True)
            ]  # fmt: skip
        return self._sites

    def site_dicts(self) -> list[dict[str, Any]]:
        """:meth:`SiteClass.to_dict` of every site (from the columns when the objects were not built)."""
        if self._sites is not None or self._table is None:
            return [s.to_dict() for s in self.sites]
        cols = self._table.columns  # rows() and zip: a third of the time of polars' to_dicts here
        out = [dict(zip(cols, row, strict=True)) for row in self._table.rows()]
        if self._extras:
            out = [d | self._extras[d["site"]] if d["site"] in self._extras else d for d in out]
        return out

    def sites_json(self) -> str:
        """:meth:`site_dicts` as compact JSON text (one line, Chinese as is): polars' JSON writer over the
        columns when the sites are columns without lake extras (about 15× faster than building the
        dicts and encoding them), else the standard library's encoder. Both parse to the same value."""
        if self._sites is None and self._table is not None and not self._extras:
            return self._table.write_json()
        return json.dumps(self.site_dicts(), ensure_ascii=False, separators=(",", ":"), default=str)

    def site_summaries(self) -> list[dict[str, Any]]:
        """Site, class name and limiting items of every site (the provenance's list of sites)."""
        if self._sites is not None or self._table is None:
            return [
                {"site": s.site, "class": s.class_name, "limiting_items": s.limiting_items}
                for s in self.sites
            ]
        t = self._table.select("site", "class_name", "limiting_items")
        return [{"site": s, "class": c, "limiting_items": li} for s, c, li in t.rows()]

    @property
    def ratio(self) -> float | None:
        """Percentage of assessed sections at Ⅰ–Ⅲ; None when no section was assessed."""
        return 100.0 * self.good / self.total if self.total else None

    def __repr__(self) -> str:
        return f"SitesResult(year={self.year}, good={self.good}, total={self.total})"


SectionsResult = SitesResult


def describe_class(cls: int) -> str:
    """水质状况 of one section: Ⅰ–Ⅱ 优, Ⅲ 良好, Ⅳ 轻度污染, Ⅴ 中度污染, 劣Ⅴ 重度污染 (环办〔2011〕22号)."""
    return QUALITY[int(cls)]


def describe_river(classes: Sequence[int]) -> str:
    """水质状况 of a river with ≥ 5 sections by the share of sections per class (环办〔2011〕22号).

    ≥ 90 % at Ⅰ–Ⅲ 优; ≥ 75 % 良好; otherwise 劣Ⅴ < 20 % 轻度污染, 劣Ⅴ < 40 % 中度污染, else 重度污染
    (a river with exactly 60 % Ⅰ–Ⅲ and 40 % 劣Ⅴ, a gap in the table, is 中度污染). UNVERIFIED thresholds.

    Parameters
    ----------
    classes : section classes (1–6).
    """
    n = len(classes)  # shares as numpy's mean of a Boolean array gave them (NaN for no sections)
    good = 100.0 * (sum(int(c) <= 3 for c in classes) / n) if n else math.nan
    bad = 100.0 * (sum(int(c) == 6 for c in classes) / n) if n else math.nan
    if good >= 90:
        return "优"
    if good >= 75:
        return "良好"
    if bad < 20:
        return "轻度污染"
    return "中度污染" if bad < 40 or good >= 60 else "重度污染"


def tli(chla: float, tp: float | None = None, tn: float | None = None, sd: float | None = None,
        codmn: float | None = None) -> float:  # fmt: skip
    """综合营养状态指数 TLI(Σ) = Σ W_j·TLI(j), W_j = r_j² / Σ r_i² over the parameters given.

    Parameters
    ----------
    chla : 叶绿素a, mg/m³.
    tp, tn : 总磷, 总氮, mg/L.
    sd : 透明度, m.
    codmn : 高锰酸盐指数, mg/L.
    """
    parts = {
        "chla": (chla, lambda x: 10 * (2.5 + 1.086 * math.log(x))),
        "tp": (tp, lambda x: 10 * (9.436 + 1.624 * math.log(x))),
        "tn": (tn, lambda x: 10 * (5.453 + 1.694 * math.log(x))),
        "sd": (sd, lambda x: 10 * (5.118 - 1.94 * math.log(x))),
        "codmn": (codmn, lambda x: 10 * (0.109 + 2.661 * math.log(x))),
    }
    given = {k: fn(v) for k, (v, fn) in parts.items() if v is not None and v > 0}
    r2 = {k: TLI_R[k] ** 2 for k in given}
    return sum(r2[k] * given[k] for k in given) / sum(r2.values())


def trophic_state(value: float) -> str:
    """营养状态: < 30 贫营养, 30–50 中营养, (50, 60] 轻度富营养, (60, 70] 中度富营养, > 70 重度富营养."""
    if value < 30:
        return "贫营养"
    if value <= 50:
        return "中营养"
    if value <= 60:
        return "轻度富营养"
    return "中度富营养" if value <= 70 else "重度富营养"


def _key() -> pl.Expr:
    lake = pl.col("site_type").is_in(["lake", "reservoir"]) & (pl.col("item") == "tp")
    return pl.when(lake).then(pl.lit("tp@lake")).otherwise(pl.col("item")).alias("key")


def classify_sites(
    results: pl.DataFrame | pl.LazyFrame,
    *,
    items: Sequence[str] = EVALUATION_ITEMS_2011,
    nd_factor: float = 0.5,
    rounding: bool = True,
    decimals: Mapping[str, int] | None = None,
    by: Sequence[str] = ("site",),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Item classes (site, item, value, class, exceedance…) and site classes of surface-water results.

    ``results`` holds one year of normalized rows (see :mod:`.io`; a frame or a lazy query of one: only
    the columns used are read); parameters as in
    :func:`evaluate_sections`; ``by`` groups the results (per site, or per site and date).
    Returns (item frame, site frame from :func:`.classify.worst_factor` with ``n`` sampling dates).
    """
    queries = _sites_queries(results, items=items, nd_factor=nd_factor, by=by)
    # one collect for both queries: the filtered rows are shared (common sub-plan), not scanned twice
    means, samples = pl.collect_all(queries, engine="in-memory")
    return _classified_sites(means, samples, rounding=rounding, decimals=decimals, by=by)


def _sites_queries(
    results: pl.DataFrame | pl.LazyFrame, *, items: Sequence[str], nd_factor: float, by: Sequence[str]
) -> list[pl.LazyFrame]:
    """The annual means and the sampling-date counts of :func:`classify_sites` as lazy queries."""
    ev = results.lazy().filter(pl.col("item").is_in(list(items)))
    means_key = _code_key(ev, [*by, "site_type", "item"])
    samples_key = _code_key(ev, list(by))
    if means_key is None or samples_key is None:  # text keys: polars groups the columns themselves
        return [
            annual_means_query(ev, nd_factor=nd_factor, by=(*by, "site_type")).with_columns(_key()),
            ev.filter(pl.col("value").is_not_null()).group_by(by).agg(pl.col("date").n_unique().alias("n")),
        ]
    # categorical keys (io.normalize): one integer per group, the same groups in the same order
    # (first appearance), each mean summed over the same rows in the same order as annual_means_query
    valid = ev.filter(pl.col("value").is_not_null())
    eff = pl.when(pl.col("below_dl")).then(pl.col("detection_limit") * nd_factor).otherwise(pl.col("value"))
    means = (
        valid.group_by(means_key, maintain_order=True)
        .agg(
            pl.col(*by, "site_type", "item").first(),
            eff.mean().alias("mean"),
            pl.len().alias("n"),
            pl.col("below_dl").all().alias("all_nd"),
        )
        .drop("_key")
        .with_columns(_key())
    )
    samples = (
        valid.group_by(samples_key)
        .agg(pl.col(*by).first(), pl.col("date").n_unique().alias("n"))
        .drop("_key")
    )
    return [means, samples]


def _code_key(frame: pl.LazyFrame, cols: Sequence[str]) -> pl.Expr | None:
    """One Int64 per row numbering the combinations of ``cols`` (``_key``): the first column an integer
    (the year), the others categorical, combined from their codes; None when the columns are not so."""
    schema = frame.collect_schema()
    first = schema[cols[0]]
    if not first.is_integer() or not all(isinstance(schema[c], pl.Categorical) for c in cols[1:]):
        return None
    key = pl.col(cols[0]).cast(pl.Int64)
    span = 1
    for c in cols[1:]:
        size = max(len(schema[c].categories.to_series()), 1)  # type: ignore[attr-defined]
        key, span = key * size + pl.col(c).to_physical().cast(pl.Int64), span * size
    return key.alias("_key") if span < 2**40 else None


def _classified_sites(
    means: pl.DataFrame,
    samples: pl.DataFrame,
    *,
    rounding: bool,
    decimals: Mapping[str, int] | None,
    by: Sequence[str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    classified = classify_means(means, GB3838_2002, key_col="key", rounding=rounding, decimals=decimals)
    worst = worst_factor(classified, by=by).join(samples, on=list(by), how="left")
    return classified, worst


def evaluate_sections(
    results: pl.DataFrame,
    year: int,
    *,
    items: Sequence[str] = EVALUATION_ITEMS_2011,
    nd_factor: float = 0.5,
    rounding: bool = True,
    decimals: Mapping[str, int] | None = None,
) -> SectionsResult:
    """Classify every surface-water section of ``year`` and count those at Ⅰ–Ⅲ (indicator 3).

    Parameters
    ----------
    results : normalized long-form results (:func:`liangshan.standards.water.io.normalize`); rows of
        groundwater sites and of drinking-water sources (``source_kind`` set) are ignored.
    year : calendar year evaluated.
    items : evaluation items, default the 21 of 环办〔2011〕22号.
    nd_factor : a result below the detection limit counts as ``nd_factor`` × DL in the mean (default
        0.5; UNVERIFIED as the 办法's rule).
    rounding : round annual means to reporting digits before comparing (default True).
    decimals : per-item reporting digits overriding ``GB3838_2002.decimals``.
    """
    (res,) = evaluate_sections_years(
        results, [year], items=items, nd_factor=nd_factor, rounding=rounding, decimals=decimals
    )
    return res


def evaluate_sections_years(
    results: pl.DataFrame,
    years: Sequence[int] | None = None,
    *,
    items: Sequence[str] = EVALUATION_ITEMS_2011,
    nd_factor: float = 0.5,
    rounding: bool = True,
    decimals: Mapping[str, int] | None = None,
) -> list[SectionsResult]:
    """:func:`evaluate_sections` of several ``years`` (default: every year of the surface-water rows) in
    one pass: annual means, classes and the single-factor class (环办〔2011〕22号) are computed for every
    (year, section) of the table at once, then split into one :class:`SitesResult` per year.
    """
    # lazy queries over the table: each reads only its columns, none copies the filtered table; all are
    # collected at once, so that polars runs them side by side
    scope = results.lazy().filter(pl.col("site_type").is_in(SURFACE_TYPES) & pl.col("source_kind").is_null())
    ev = scope if years is None else scope.filter(pl.col("year").is_in(list(years)))
    by = ("year", "site")
    queries = [
        scope.select(pl.col("year").unique().drop_nulls().sort()),
        # each site's type and first river (first in row order within the group); the order of the
        # sites is not used (looked up by name), so the groups are not kept in order (0.04 → 0.01 s)
        scope.group_by("site").agg(pl.col("site_type").first(), pl.col("river").drop_nulls().first()),
        ev.filter(pl.col("dry")).select("year", "site").unique(),
        *_sites_queries(ev, items=items, nd_factor=nd_factor, by=by),
    ]
    # in-memory engine, as the eager methods: the streaming engine sums the means in another order
    present_frame, meta, dry_rows, means, samples = pl.collect_all(queries, engine="in-memory")
    years = present_frame.to_series().to_list() if years is None else list(years)
    classified, worst = _classified_sites(means, samples, rounding=rounding, decimals=decimals, by=by)
    info = {r["site"]: r for r in meta.to_dicts()}
    # the JSON columns of every (year, section), in SiteClass.to_dict's order; objects only on demand
    table = (
        worst.join(meta.select("site", "site_type"), on="site", how="left")
        .sort(by)
        .select(  # text as String: Python objects are made from strings far faster than from categories
            "year",
            pl.col("site").cast(pl.String),
            pl.col("class").cast(pl.Int64),
            pl.col("class").replace_strict(CLASS_NAMES, return_dtype=pl.String).alias("class_name"),
            pl.col("limiting_items").cast(pl.List(pl.String)),
            pl.col("n").fill_null(0).cast(pl.Int64).alias("n_samples"),
            pl.col("site_type").cast(pl.String),
            pl.col("class").replace_strict(QUALITY, return_dtype=pl.String).alias("quality"),
            pl.col("exceeding").cast(pl.List(pl.Struct({"item": pl.String, "multiple": pl.Float64}))),
        )
    )
    table_years = {k[0]: v.drop("year") for k, v in table.partition_by("year", as_dict=True).items()}
    classified_years = {k[0]: v for k, v in classified.partition_by("year", as_dict=True).items()}
    lakes = ev.filter(pl.col("site_type").is_in(["lake", "reservoir"])).collect()
    opts: dict[str, Any] = {"rounding": rounding, "decimals": decimals}
    out = []
    for year in years:
        extra = _lake_extras(lakes.filter(pl.col("year") == year), nd_factor)
        t = table_years.get(year, table.drop("year").clear())
        names, classes = t["site"].to_list(), t["class"].to_list()
        done = set(names)
        dry = set(dry_rows.filter(pl.col("year") == year)["site"].to_list())
        excluded = [
            {"site": s, "reason": "断流/干涸，年内无有效监测数据" if s in dry else "年内无有效监测数据"}
            for s in sorted(info)
            if s not in done
        ]
        good = sum(c <= 3 for c in classes)
        cl = classified_years.get(year, classified.clear())
        rivers = _rivers(cl, list(zip(names, classes, strict=True)), info, opts)
        params = {"standard": GB3838_2002.edition, "items": list(items), "nd_factor": nd_factor, **opts}
        params["decimals"] = dict(decimals or {})
        out.append(
            SectionsResult(year, None, excluded, good, len(names), rivers, params, table=t, extras=extra)
        )
    return out


def site_class(r: dict[str, Any], site_type: str, extra: dict[str, Any]) -> SiteClass:
    """A :class:`SiteClass` from one row of :func:`.classify.worst_factor` joined with sample counts."""
    cls = int(r["class"])
    return SiteClass(
        site=r["site"],
        site_type=site_type,
        cls=cls,
        class_name=CLASS_NAMES[cls],
        limiting_items=list(r["limiting_items"]),
        n_samples=int(r.get("n") or 0),
        exceeding=list(r["exceeding"]),
        quality=describe_class(cls) if site_type != "groundwater" else None,
        extra=extra,
    )


def _lake_extras(yr: pl.DataFrame, nd_factor: float) -> dict[str, dict[str, Any]]:
    """总氮 class (reference, not in the section class) and TLI for lakes/reservoirs with chl-a and SD."""
    lakes = yr.filter(pl.col("site_type").is_in(["lake", "reservoir"]))
    if lakes.is_empty():
        return {}
    means = annual_means(lakes.filter(pl.col("item").is_in(["tn", *TLI_R])), nd_factor=nd_factor)
    out: dict[str, dict[str, Any]] = {}
    tn = classify_means(means.filter(pl.col("item") == "tn"), GB3838_2002)
    for r in tn.to_dicts():
        out.setdefault(r["site"], {})["tn_class"] = CLASS_NAMES.get(r["class"], "")
    for site, grp in means.group_by("site"):
        m = dict(zip(grp["item"], grp["mean"], strict=True))
        if m.get("chla") and m.get("sd"):
            t = tli(m["chla"], m.get("tp"), m.get("tn"), m["sd"], m.get("codmn"))
            out.setdefault(str(site[0]), {}).update(tli=round(t, 1), trophic_state=trophic_state(t))
    return out


def _rivers(
    classified: pl.DataFrame,
    sites: list[tuple[str, int]],
    info: dict[str, dict[str, Any]],
    opts: dict[str, Any],
) -> list[dict[str, Any]]:
    """River description: ≥ 5 sections by the class-share method; fewer by classing the mean of sections
    (``sites``: name and class of each section)."""
    by_river: dict[str, list[tuple[str, int]]] = {}
    for site, cls in sites:
        if info[site]["river"]:
            by_river.setdefault(info[site]["river"], []).append((site, cls))
    out = []
    for river, secs in sorted(by_river.items()):
        classes = [c for _, c in secs]
        n = len(classes)
        row: dict[str, Any] = {
            "river": river,
            "n_sections": n,
            "ratio_le_iii": round(100.0 * sum(c <= 3 for c in classes) / n, 1),
            "ratio_worse_v": round(100.0 * sum(c == 6 for c in classes) / n, 1),
        }
        if n >= 5:
            row.update(method="断面水质类别比例法", quality=describe_river(classes))
        else:
            m = (
                classified.filter(pl.col("site").is_in([site for site, _ in secs]))
                .group_by("key", "item", maintain_order=True)
                .agg(pl.col("mean").mean(), pl.lit(False).alias("all_nd"))
                .with_columns(pl.lit(river).alias("site"))
            )
            cls = int(worst_factor(classify_means(m, GB3838_2002, key_col="key", **opts))["class"][0])
            row.update(method="断面浓度均值法", cls=cls, class_name=CLASS_NAMES[cls])
            row["quality"] = describe_class(cls)
        out.append(row)
    return out


def sites_values(
    res: SitesResult,
    inputs: list[InputFile],
    region: str | None,
    *,
    codes: tuple[str, str],
    calculator: str,
    standard: str,
    label: str,
    **extra: Any,
) -> ComputedValues:
    """Good/total data elements of one year with provenance listing each site's class (shared by
    the surface-water and groundwater calculators)."""
    from liangshan.provenance import ComputedValues, Provenance

    sites = res.site_summaries()
    return ComputedValues(
        year=res.year,
        values={codes[0]: res.good, codes[1]: res.total},
        provenance=Provenance(
            calculator=calculator,
            standard=standard,
            parameters=res.parameters,
            inputs=inputs,
            components={label: sites, "excluded": res.excluded, **extra},
        ),
        region=region,
    )


def computed_values(res: SitesResult, inputs: list[InputFile], region: str | None = None) -> ComputedValues:
    """Indicator-3 data elements (sw_sections_good, sw_sections_total) of one year, with provenance."""
    return sites_values(
        res,
        inputs,
        region,
        codes=("sw_sections_good", "sw_sections_total"),
        calculator="liangshan.standards.water.surface_water.evaluate_sections",
        standard="GB3838-2002; 环办〔2011〕22号",
        label="sections",
        rivers=res.rivers,
    )
