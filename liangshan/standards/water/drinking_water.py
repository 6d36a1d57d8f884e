"""Centralised drinking-water sources: compliance per source and the rate of indicator 2 (docs/water.md).

A surface source complies in a year when its GB 3838-2002 class over the 21 evaluation items
(环办〔2011〕22号) is Ⅰ–Ⅲ **and** the annual mean of every monitored 表2 item (硫酸盐, 氯化物, 硝酸盐,
铁, 锰) and 表3 item meets its single limit; a groundwater source complies when its GB/T 14848-2017
class is Ⅰ–Ⅲ. The rate (集中式饮用水水源地水质达标率) is counted by number of sources (两山指数
definition, default), by water volume (Σ compliant supply ÷ Σ supply) or by monitoring events (each
sampling date judged on its own results) — the last two are UNVERIFIED alternatives (HJ 774-2015).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from liangshan.provenance import ComputedValues, InputFile, Provenance
from liangshan.standards.water.classify import annual_means, round_report
from liangshan.standards.water.groundwater import classify_points
from liangshan.standards.water.limits import EVALUATION_ITEMS_2011, GB3838_2002, TABLE2_ITEMS, TABLE3_ITEMS
from liangshan.standards.water.surface_water import SiteClass, classify_sites, site_class

Basis = Literal["count", "volume", "events"]


@dataclass
class SourcesResult:
    """Compliance of all centralised drinking-water sources of one year."""

    year: int
    basis: str
    sources: list[SiteClass]
    compliant: float
    total: float
    excluded: list[dict[str, str]] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        """Compliance rate in %, on ``basis``; None when nothing was assessed."""
        return 100.0 * self.compliant / self.total if self.total else None


def _single_limit_failures(
    rows: pl.DataFrame, items: Sequence[str], by: Sequence[str], opts: dict[str, Any]
) -> pl.DataFrame:
    """Per group: 表2/表3 items whose mean exceeds the single limit of GB 3838-2002."""
    means = annual_means(rows.filter(pl.col("item").is_in(list(items))), nd_factor=opts["nd_factor"], by=by)
    x = means["mean"].to_numpy()
    if opts["rounding"]:
        digits = {**GB3838_2002.decimals, **(opts["decimals"] or {})}
        x = round_report(x, means["item"].replace_strict(digits, return_dtype=pl.Int64).to_numpy())
    limit = means["item"].replace_strict(GB3838_2002.single, return_dtype=pl.Float64).to_numpy()
    fails = means.with_columns(
        pl.Series("fail", x > limit), pl.Series("multiple", np.round((x - limit) / limit, 2))
    )
    return fails.group_by(by, maintain_order=True).agg(
        pl.col("item").filter("fail").alias("failing_items"),
        pl.struct("item", "multiple").filter("fail").alias("single_exceeding"),
    )


def _judge(
    rows: pl.DataFrame, by: Sequence[str], table_items: Sequence[str], opts: dict[str, Any]
) -> pl.DataFrame:
    """Class, limiting items and compliance per group ``by`` (per source, or per source and date)."""
    kw = {k: opts[k] for k in ("nd_factor", "rounding", "decimals")}
    surf = rows.filter(pl.col("source_kind") == "surface")
    ground = rows.filter(pl.col("source_kind") == "groundwater")
    parts = []
    if not surf.is_empty():
        _, cls = classify_sites(surf, by=by, **kw)
        fails = _single_limit_failures(surf, table_items, by, opts)
        parts.append(cls.join(fails, on=list(by), how="left"))
    if not ground.is_empty():
        parts.append(classify_points(ground, by=by, **kw))
    if not parts:
        return pl.DataFrame()
    out = pl.concat(parts, how="diagonal_relaxed")
    if "failing_items" not in out.columns:
        out = out.with_columns(failing_items=pl.lit([], pl.List(pl.String)))
    return out.with_columns(
        pl.col("failing_items").fill_null([]),
        compliant=(pl.col("class") <= 3) & (pl.col("failing_items").list.len().fill_null(0) == 0),
    )


def evaluate_sources(
    results: pl.DataFrame,
    year: int,
    *,
    basis: Basis = "count",
    table3_items: Sequence[str] | None = None,
    nd_factor: float = 0.5,
    rounding: bool = True,
    decimals: Mapping[str, int] | None = None,
) -> SourcesResult:
    """Judge each centralised drinking-water source of ``year`` and compute the compliance rate.

    Parameters
    ----------
    results : normalized long-form results (:func:`liangshan.standards.water.io.normalize`). Rows with
        ``source_kind`` set are sources; when no row has it, every site is a source and its kind follows
        ``site_type`` (groundwater → groundwater, otherwise surface).
    year : calendar year evaluated.
    basis : ``"count"`` (sources, default), ``"volume"`` (annual supply in the ``volume`` column, 万 m³)
        or ``"events"`` (sampling dates).
    table3_items : GB 3838 表3 items selected by the local authority (default: every 表3 item monitored).
    nd_factor, rounding, decimals : as in :func:`.surface_water.evaluate_sections`.
    """
    if basis not in ("count", "volume", "events"):
        raise ValueError(f"basis 应为 count、volume 或 events，而不是 {basis!r}")
    if results["source_kind"].is_null().all():
        kind = (
            pl.when(pl.col("site_type") == "groundwater")
            .then(pl.lit("groundwater"))
            .otherwise(pl.lit("surface"))
        )
        scope = results.with_columns(kind.alias("source_kind"))
    else:
        scope = results.filter(pl.col("source_kind").is_not_null())
    yr = scope.filter(pl.col("year") == year)
    table_items = [*TABLE2_ITEMS, *(TABLE3_ITEMS if table3_items is None else table3_items)]
    opts = {"nd_factor": nd_factor, "rounding": rounding, "decimals": decimals}
    judged = _judge(yr, ("site",), table_items, opts)
    meta = scope.group_by("site").agg(pl.col("source_kind").first(), pl.col("site_type").first())
    kinds = {r["site"]: r["source_kind"] for r in meta.to_dicts()}
    types = {r["site"]: r["site_type"] for r in meta.to_dicts()}
    sources = []
    for r in judged.sort("site").to_dicts() if not judged.is_empty() else []:
        s = site_class(r, types[r["site"]], {})
        s.quality = None
        s.extra = {
            "source_kind": kinds[r["site"]],
            "compliant": bool(r["compliant"]),
            "failing_items": r["failing_items"] or [],
            "single_exceeding": r.get("single_exceeding") or [],
        }
        sources.append(s)
    done = {s.site for s in sources}
    excluded = [{"site": s, "reason": "年内无有效监测数据"} for s in sorted(kinds) if s not in done]
    compliant, total = _rate(basis, sources, yr, table_items, opts)
    params: dict[str, Any] = {
        "standards": [GB3838_2002.edition, "GB/T14848-2017"], "basis": basis,
        "surface_items": list(EVALUATION_ITEMS_2011), "table_items": "表2 + 表3（已监测）"
        if table3_items is None else [*TABLE2_ITEMS, *table3_items], **opts,
    }  # fmt: skip
    params["decimals"] = dict(decimals or {})
    return SourcesResult(year, basis, sources, compliant, total, excluded, params)


def _rate(basis: str, sources: list[SiteClass], yr: pl.DataFrame, table_items: Sequence[str],
          opts: dict[str, Any]) -> tuple[float, float]:  # fmt: skip
    """(compliant, total) on the chosen basis; events and volumes are also written into each source."""
    if basis == "count":
        return float(sum(s.extra["compliant"] for s in sources)), float(len(sources))
    if basis == "volume":
        vol = dict(yr.group_by("site").agg(pl.col("volume").drop_nulls().mean()).iter_rows())
        missing = [s.site for s in sources if vol.get(s.site) is None]
        if missing:
            raise ValueError(
                f"按水量计算达标率需要每个水源地的供水量（volume 列），缺少: {', '.join(missing)}"
            )
        for s in sources:
            s.extra["volume"] = vol[s.site]
        return (sum(vol[s.site] for s in sources if s.extra["compliant"]), sum(vol[s.site] for s in sources))
    events = _judge(yr, ("site", "date"), table_items, opts)
    per = dict(
        events.group_by("site")
        .agg(pl.len(), pl.col("compliant").sum())
        .select("site", pl.struct("len", "compliant"))
        .iter_rows()
    )
    for s in sources:
        s.extra["events"], s.extra["events_compliant"] = per[s.site]["len"], per[s.site]["compliant"]
    return float(events["compliant"].sum()), float(events.height)


def computed_values(res: SourcesResult, inputs: list[InputFile], region: str | None = None) -> ComputedValues:
    """Indicator-2 data elements (dws_compliant, dws_total) of one year on ``res.basis``, with provenance.

    With basis ``volume`` the two elements hold water volumes (万 m³), with ``events`` sampling events;
    the basis is recorded in the provenance parameters.
    """
    as_num = (lambda v: v) if res.basis == "volume" else int
    return ComputedValues(
        year=res.year,
        values={"dws_compliant": as_num(res.compliant), "dws_total": as_num(res.total)},
        provenance=Provenance(
            calculator="liangshan.standards.water.drinking_water.evaluate_sources",
            standard="GB3838-2002; GB/T14848-2017; 环办〔2011〕22号",
            parameters=res.parameters,
            inputs=inputs,
            components={
                "sources": [
                    {
                        "site": s.site,
                        "class": s.class_name,
                        "compliant": s.extra["compliant"],
                        "failing_items": s.extra["failing_items"],
                    }
                    for s in res.sources
                ],
                "excluded": res.excluded,
            },
        ),
        region=region,
    )
