"""Groundwater points: GB/T 14848-2017 single-factor class and the share of points at Ⅰ–Ⅲ (indicator 4).

Per point and year (GB/T 14848): the mean of the year's results of each monitored indicator (usually
1–2 samples), rounded to its reporting digits, is classed against GB/T 14848-2017 表1/表2 (§5); the
point's class is the worst indicator class (§8.2, 从劣不从优). Indicators GB/T 14848 does not list
are reported as ignored. 阴离子表面活性剂 is class Ⅰ only when every result was below the detection
limit (不得检出). Class Ⅲ is the drinking-water threshold; indicator 4 counts points at Ⅰ–Ⅲ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from liangshan.provenance import ComputedValues, InputFile
from liangshan.standards.water.classify import annual_means, classify_means, worst_factor
from liangshan.standards.water.limits import GBT14848_2017
from liangshan.standards.water.surface_water import SitesResult, site_class, sites_values


def classify_points(
    results: pl.DataFrame,
    *,
    items: Sequence[str] | None = None,
    nd_factor: float = 0.5,
    rounding: bool = True,
    decimals: Mapping[str, int] | None = None,
    by: Sequence[str] = ("site",),
) -> pl.DataFrame:
    """Single-factor GB/T 14848-2017 class per group ``by`` (default per site), see :func:`evaluate_points`.

    Returns the frame of :func:`.classify.worst_factor` with ``n`` (sampling dates) joined.
    """
    rows = results if items is None else results.filter(pl.col("item").is_in(list(items)))
    rows = rows.filter(pl.col("item").is_in(list(GBT14848_2017.keys)))
    means = annual_means(rows, nd_factor=nd_factor, by=by)
    classified = classify_means(means, GBT14848_2017, rounding=rounding, decimals=decimals)
    samples = (
        rows.filter(pl.col("value").is_not_null()).group_by(by).agg(pl.col("date").n_unique().alias("n"))
    )
    return worst_factor(classified, by=by).join(samples, on=list(by), how="left")


def evaluate_points(
    results: pl.DataFrame,
    year: int,
    *,
    items: Sequence[str] | None = None,
    nd_factor: float = 0.5,
    rounding: bool = True,
    decimals: Mapping[str, int] | None = None,
) -> SitesResult:
    """Classify every groundwater point of ``year`` (GB/T 14848-2017) and count those at Ⅰ–Ⅲ.

    Parameters
    ----------
    results : normalized long-form results (:func:`liangshan.standards.water.io.normalize`); only rows
        with ``site_type`` groundwater and no ``source_kind`` (not a drinking-water source) are used.
    year : calendar year evaluated.
    items : indicators of the monitoring programme (default: every GB/T 14848 indicator present).
    nd_factor : multiple of the detection limit used for results below it (default 0.5; UNVERIFIED).
    rounding : round means to reporting digits before comparing (default True).
    decimals : per-item reporting digits overriding ``GBT14848_2017.decimals``.
    """
    scope = results.filter((pl.col("site_type") == "groundwater") & pl.col("source_kind").is_null())
    yr = scope.filter(pl.col("year") == year)
    worst = classify_points(yr, items=items, nd_factor=nd_factor, rounding=rounding, decimals=decimals)
    sites = [site_class(r, "groundwater", {}) for r in worst.sort("site").to_dicts()]
    done = {s.site for s in sites}
    excluded = [
        {"site": s, "reason": "年内无有效监测数据"} for s in sorted(set(scope["site"])) if s not in done
    ]
    ignored = sorted(set(yr["item"]) - set(GBT14848_2017.keys))
    params: dict[str, Any] = {
        "standard": GBT14848_2017.edition,
        "items": list(items) if items is not None else "GB/T 14848 全部已监测指标",
        "nd_factor": nd_factor,
        "rounding": rounding,
        "decimals": dict(decimals or {}),
        "ignored_items": ignored,
    }
    return SitesResult(year, sites, excluded, sum(s.cls <= 3 for s in sites), len(sites), [], params)


def computed_values(res: SitesResult, inputs: list[InputFile], region: str | None = None) -> ComputedValues:
    """Indicator-4 data elements (gw_points_good, gw_points_total) of one year, with provenance."""
    return sites_values(
        res,
        inputs,
        region,
        codes=("gw_points_good", "gw_points_total"),
        calculator="liangshan.standards.water.groundwater.evaluate_points",
        standard="GB/T14848-2017",
        label="points",
    )
