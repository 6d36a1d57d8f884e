"""Vectorized classification of water-quality results (single item, and single-factor per site).

Single-item class (GB 3838-2002 §4 / GB/T 14848-2017 §5): the best class whose limits the value meets.
With ``hi[k]`` the upper and ``lo[k]`` the lower limit of class k+1 (limits widen from class I on),

    class = 1 + max(number of upper limits the value exceeds, number of lower limits it falls short of)

which is ``np.searchsorted`` over each item's limits, written as a count so that rows of many items
are classified in one pass. A value equal to a limit meets it; where adjacent classes share a limit the
value takes the better class. A value outside every defined class gets ``standard.worst_class``
(6 = 劣Ⅴ for GB 3838; 5 = Ⅴ for GB/T 14848). NaN or an item without limits gives class 0.

Single-factor method (单因子评价法, 环办〔2011〕22号 §三; GB/T 14848-2017 §8.2): a site's class is the
worst of its item classes; the items at that class are its limiting items (定类项目).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import polars as pl

from liangshan.standards.water.limits import GB3838_2002, Standard

if TYPE_CHECKING:
    import numpy as np

_CHUNK = 1 << 20


def round_report(values: np.ndarray, decimals: np.ndarray | int) -> np.ndarray:
    """Round to ``decimals`` places, half to even on the decimal value (GB/T 8170-2008 §3.3).

    Parameters
    ----------
    values : array of float, in the item's canonical unit (mg/L unless the item says otherwise).
    decimals : int or array of int, decimal places kept (same shape as ``values`` or scalar).

    Returns
    -------
    array of float, each equal to the double nearest to its rounded decimal, so that comparing it with a
    limit parsed from the standard's text is exact (twelve 0.1 mg/L results average to 0.1, not
    0.10000000000000002).
    """
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    scale = np.power(10.0, np.asarray(decimals, dtype=np.float64))
    y = v * scale
    fl = np.floor(y)
    half = np.abs(y - fl - 0.5) <= 1e-11 * np.maximum(1.0, np.abs(y))
    r = np.where(half, fl + (np.mod(fl, 2.0) == 1.0), np.round(y))
    return r / scale


def key_indices(standard: Standard, keys: Sequence[str] | np.ndarray | pl.Series) -> np.ndarray:
    """Row of each limit key in ``standard`` (−1 where the standard has no class limits for it)."""

    s = pl.Series("k", keys, dtype=pl.String)
    return s.replace_strict(standard.index, default=-1, return_dtype=pl.Int32).to_numpy()


def classify_keys(standard: Standard, key_index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Class of each value (int8; 0 = not classified) for limit rows ``key_index`` of ``standard``.

    Parameters
    ----------
    standard : the edition's limit table (:data:`~liangshan.standards.water.limits.GB3838_2002`, …).
    key_index : array of int, the row of each value's item in ``standard`` (see :func:`key_indices`);
        −1 for items without class limits.
    values : array of float, in each item's canonical unit (mg/L; pH 无量纲; 粪大肠菌群 个/L; …).
    """
    import numpy as np

    ki = np.asarray(key_index, dtype=np.intp)
    x = np.asarray(values, dtype=np.float64)
    out = np.empty(x.shape, dtype=np.int8)
    n_cls = standard.hi.shape[1]
    his = [np.append(standard.hi[:, j], np.inf) for j in range(n_cls)]  # row −1 → no limit
    los = [np.append(standard.lo[:, j], -np.inf) for j in range(n_cls)]
    for start in range(0, x.size, _CHUNK):
        k, v = ki[start : start + _CHUNK], x[start : start + _CHUNK]
        above = np.zeros(v.shape, dtype=np.int8)
        below = np.zeros(v.shape, dtype=np.int8)
        for j in range(n_cls):
            above += v > his[j][k]
            below += v < los[j][k]
        c = np.maximum(above, below) + 1
        c[np.isnan(v) | (k < 0)] = 0
        out[start : start + _CHUNK] = c
    return out


def classify(item: str, values: np.ndarray | Sequence[float], standard: Standard = GB3838_2002) -> np.ndarray:
    """Class of each value of one item (key ``"tp@lake"`` for 总磷 of lakes/reservoirs), int8 array.

    Parameters
    ----------
    item : item code (or limit key) in ``standard``, e.g. ``"nh3n"``, ``"do"``, ``"tp@lake"``.
    values : array of float in the item's canonical unit (mg/L unless noted in ``limits.ITEMS``).
    standard : edition, default GB 3838-2002.
    """
    import numpy as np

    if item not in standard.index:
        raise KeyError(f"{standard.edition} 无 {item!r} 的分类限值")
    x = np.asarray(values, dtype=np.float64)
    return classify_keys(standard, np.full(x.shape, standard.index[item]), x)


def exceedance_over_iii(standard: Standard, key_index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """超标倍数 over the class-III limit, (C − C_III) / C_III; NaN where C ≤ C_III or not applicable.

    Not applicable to items with lower limits (溶解氧, pH) or without a finite positive class-III limit
    (环办〔2011〕22号 §三(四)).

    Parameters
    ----------
    standard : edition.
    key_index : array of int, rows in ``standard`` (−1 = none).
    values : array of float, canonical unit.
    """
    import numpy as np

    ki = np.asarray(key_index, dtype=np.intp)
    x = np.asarray(values, dtype=np.float64)
    c3 = np.append(standard.hi[:, 2], np.nan)[ki]
    lo3 = np.append(standard.lo[:, 2], 0.0)[ki]
    ok = np.isneginf(lo3) & np.isfinite(c3) & (c3 > 0) & (x > c3)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, (x - c3) / c3, np.nan)


def annual_means(
    results: pl.DataFrame | pl.LazyFrame, *, nd_factor: float = 0.5, by: Sequence[str] = ("site",)
) -> pl.DataFrame:
    """Mean of each item's valid results per group (by default per site), results below the detection
    limit counted as ``nd_factor`` × detection limit (UNVERIFIED common practice, see docs/water.md).

    Parameters
    ----------
    results : normalized long-form frame from :func:`liangshan.standards.water.io.normalize`
        (columns site, item, value, below_dl, detection_limit, …; value in the canonical unit), or a lazy
        query of one: evaluated as one query, so only the columns used are read and no filtered copy of
        the table is made.
    nd_factor : float, multiple of the detection limit used for a result below it (default 0.5).
    by : grouping columns besides ``item``.

    Returns
    -------
    frame with ``by`` columns, item, mean, n (results), all_nd (every result below the detection limit).
    """
    # in-memory engine, as the eager methods: the streaming engine sums the means in another order
    return annual_means_query(results, nd_factor=nd_factor, by=by).collect(engine="in-memory")


def annual_means_query(
    results: pl.DataFrame | pl.LazyFrame, *, nd_factor: float = 0.5, by: Sequence[str] = ("site",)
) -> pl.LazyFrame:
    """:func:`annual_means` as a lazy query, to be collected together with others over the same rows
    (``pl.collect_all``, in-memory engine) so that the rows are filtered once."""
    eff = (
        pl.when(pl.col("below_dl"))
        .then(pl.col("detection_limit") * nd_factor)
        .otherwise(pl.col("value"))
        .alias("_v")
    )
    return (
        results.lazy()
        .filter(pl.col("value").is_not_null())
        .with_columns(eff)
        .group_by([*by, "item"], maintain_order=True)
        .agg(pl.col("_v").mean().alias("mean"), pl.len().alias("n"), pl.col("below_dl").all().alias("all_nd"))
    )


def classify_means(
    means: pl.DataFrame,
    standard: Standard,
    *,
    key_col: str = "item",
    rounding: bool = True,
    decimals: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Round each mean to its reporting digits, then add ``class`` and ``exceedance`` columns.

    Parameters
    ----------
    means : frame with ``key_col`` (limit key), ``mean`` and ``all_nd`` columns (see :func:`annual_means`).
    standard : edition whose limits apply.
    rounding : round to reporting digits before comparing (default True; UNVERIFIED digits, see
        ``Standard.decimals``: one digit finer than the item's finest limit, pH 0.01).
    decimals : per-key overrides of the reporting digits.
    """
    digits = {**standard.decimals, **(decimals or {})}
    # polars, value for value the arithmetic of round_report, classify_keys and exceedance_over_iii
    # (numpy), so that the sections path needs no numpy. Every key's digits, limits and 不得检出 flag are
    # a small table (one row per key, a last row for keys it lacks) gathered once by the key's row.
    names = list(dict.fromkeys([*standard.keys, *digits]))
    n_keys, n_cls, n_names = len(standard.keys), standard.n_classes, len(names)
    none = [None] * (n_names - n_keys + 1)  # keys without class limits, and the unknown key
    nd_items = standard.not_detected_class1
    table = pl.DataFrame(
        {
            "_dec": [digits.get(k) if rounding else None for k in names] + [None],
            "_nd": [k in nd_items for k in names] + [False],
            **{f"_hi{j}": [r[j] for r in standard.hi_rows] + none for j in range(n_cls)},
            **{f"_lo{j}": [r[j] for r in standard.lo_rows] + none for j in range(n_cls)},
        },
        schema={"_dec": pl.Int64, "_nd": pl.Boolean}
        | {f"_{b}{j}": pl.Float64 for b in ("hi", "lo") for j in range(n_cls)},
    )
    row = (
        means[key_col]
        .cast(pl.String)
        .replace_strict(names, range(n_names), default=n_names, return_dtype=pl.UInt32)
    )
    mean = pl.col("mean").cast(pl.Float64).fill_null(math.nan)
    dec = pl.col("_dec")
    scale = pl.lit(10.0).pow(dec.fill_null(0).cast(pl.Float64))
    y = mean * scale
    fl = y.floor()
    half = (y - fl - 0.5).abs() <= 1e-11 * pl.max_horizontal(pl.lit(1.0), y.abs())
    odd = (fl - 2.0 * (fl / 2.0).floor()) == 1.0  # np.mod(fl, 2.0) == 1.0 (the sign of the divisor)
    rounded = pl.when(half).then(fl + odd.cast(pl.Float64)).otherwise(y.round(0)) / scale
    x = pl.when(dec.is_not_null()).then(rounded).otherwise(mean)
    v = pl.when(pl.col("_nd") & pl.col("all_nd").fill_null(False)).then(0.0).otherwise("value")
    # a key without limits: no upper (inf) or lower (-inf) limit is crossed, class 0 below
    hi = [pl.col(f"_hi{j}").fill_null(math.inf) for j in range(n_cls)]
    lo = [pl.col(f"_lo{j}").fill_null(-math.inf) for j in range(n_cls)]
    above = pl.sum_horizontal([(v > h).cast(pl.Int8) for h in hi])
    below = pl.sum_horizontal([(v < low).cast(pl.Int8) for low in lo])
    unclassified = v.is_nan() | pl.col("_hi0").is_null()
    cls = pl.when(unclassified).then(0).otherwise(pl.max_horizontal(above, below) + 1)
    xv, c3, lo3 = pl.col("value"), pl.col("_hi2"), pl.col("_lo2").fill_null(0.0)
    ok = (lo3 == -math.inf) & c3.is_finite() & (c3 > 0) & ~xv.is_nan() & (xv > c3)
    looked = table.gather(row)  # every edition defines class III (the exceedance reference)
    return (
        pl.concat([means, looked], how="horizontal")
        .lazy()
        .with_columns(x.alias("value"))
        .with_columns(
            cls.cast(pl.Int8).alias("class"),
            pl.when(ok).then((xv - c3) / c3).otherwise(math.nan).alias("exceedance"),
        )
        .drop(table.columns)
        .collect()
    )


def worst_factor(classified: pl.DataFrame, *, by: Sequence[str] = ("site",)) -> pl.DataFrame:
    """Single-factor site class: the worst item class, its limiting items and items above class III.

    Parameters
    ----------
    classified : frame from :func:`classify_means` (``by`` columns, item, class, exceedance, value);
        rows with class 0 (no limit) are ignored.

    Returns
    -------
    frame with ``by`` columns, class (int), limiting_items (items at the site class, highest
    exceedance first; empty for class I), exceeding (list of {item, multiple}), n_items.
    """
    c = classified.filter(pl.col("class") > 0).with_columns(pl.col("exceedance").fill_nan(None))
    c = c.sort([*by, "exceedance", "item"], descending=[False] * len(by) + [True, False], nulls_last=True)
    return (
        c.with_columns(pl.col("class").max().over(by).alias("_worst"))
        .group_by(by, maintain_order=True)
        .agg(
            pl.col("class").max().cast(pl.Int64).alias("class"),
            pl.col("item")
            .filter((pl.col("class") == pl.col("_worst")) & (pl.col("_worst") > 1))
            .alias("limiting_items"),
            pl.struct(item="item", multiple=pl.col("exceedance").round(2))
            .filter(pl.col("exceedance").is_not_null())
            .alias("exceeding"),
            pl.len().alias("n_items"),
        )
    )
