"""Benchmark of the water classifiers (not a test): ``.venv/bin/python benchmarks/water.py [--n 10000000]``.

1. Single-item classification of ``--n`` synthetic item results (random GB 3838-2002 表1 items, log-normal
   values, mixed directions: upper limits, 溶解氧 lower limits, pH range) with
   :func:`liangshan.standards.water.classify.classify_keys`, in results classified per second.
2. The same with GB/T 14848-2017 (93 indicators, 4 defined classes).
3. A scalar Python baseline (first class whose limit the value meets, one row at a time) on a 200,000-row
   subsample, scaled — the way an office spreadsheet macro or a naive script does it; ratio ours / scalar.
4. The whole per-site evaluation (annual means → rounding → class → worst factor) on ``--n`` rows
   (sites × 21 items × 12 months), in results per second.
Median of ``--repeat`` runs. Target: ≥ 5 M results/s for (1) on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable
from datetime import date
from functools import partial

import numpy as np
import polars as pl

from liangshan.standards.water.classify import classify_keys
from liangshan.standards.water.limits import EVALUATION_ITEMS_2011, GB3838_2002, GBT14848_2017, Standard
from liangshan.standards.water.surface_water import classify_sites


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def synthetic(std: Standard, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ki = rng.integers(0, len(std.keys), n)
    scale = np.where(np.isfinite(std.hi[:, 2]), std.hi[:, 2], std.lo[:, 2])[ki]  # around the class-Ⅲ limit
    return ki, scale * rng.lognormal(0.0, 0.8, n)


def scalar_class(std: Standard, k: int, x: float) -> int:
    for j in range(std.hi.shape[1]):
        if std.lo[k, j] <= x <= std.hi[k, j]:
            return j + 1
    return std.worst_class


def pipeline_frame(n: int, seed: int = 2) -> pl.DataFrame:
    """Normalized rows: n / (21 × 12) river sections, 21 items, 12 months of 2024."""
    rng = np.random.default_rng(seed)
    n_sites = max(1, n // (21 * 12))
    m = n_sites * 21 * 12
    items = np.array(EVALUATION_ITEMS_2011)
    site = np.repeat(np.arange(n_sites), 21 * 12)
    item = np.tile(np.repeat(np.arange(21), 12), n_sites)
    month = np.tile(np.arange(12), n_sites * 21)
    limit3 = np.array([GB3838_2002.hi[GB3838_2002.index[i], 2] for i in items])
    limit3 = np.where(np.isfinite(limit3), limit3, 7.0)
    return pl.DataFrame({
        "site": pl.Series(site).cast(pl.String), "site_type": "river",
        "date": pl.Series([date(2024, mm + 1, 10) for mm in range(12)])[month],
        "item": items[item], "value": limit3[item] * rng.lognormal(-0.3, 0.5, m),
        "below_dl": False, "detection_limit": None, "dry": False, "source_kind": None, "year": 2024,
    })  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.n
    print(f"water benchmark: {n:,} item results, median of {args.repeat} runs")
    for std in (GB3838_2002, GBT14848_2017):
        ki, x = synthetic(std, n)
        t = timed(partial(classify_keys, std, ki, x), args.repeat)
        print(f"  classify_keys {std.edition:15s}: {t:6.3f} s  → {n / t / 1e6:6.1f} M results/s")
    ki, x = synthetic(GB3838_2002, n)
    sub = min(200_000, n)
    t_scalar = timed(
        lambda: [scalar_class(GB3838_2002, int(k), float(v)) for k, v in zip(ki[:sub], x[:sub], strict=True)],
        1,
    )
    ours = np.asarray(classify_keys(GB3838_2002, ki[:sub], x[:sub])).tolist()
    assert ours == [
        scalar_class(GB3838_2002, int(k), float(v)) for k, v in zip(ki[:sub], x[:sub], strict=True)
    ]
    t_ours = timed(lambda: classify_keys(GB3838_2002, ki, x), args.repeat)
    scalar_rate = sub / t_scalar
    print(f"  scalar Python loop (200k sample): {scalar_rate / 1e6:6.2f} M results/s  "
          f"→ ours is {n / t_ours / scalar_rate:,.0f}× faster (results identical on the sample)")  # fmt: skip
    df = pipeline_frame(n)
    t = timed(lambda: classify_sites(df), args.repeat)
    n_sites = df["site"].n_unique()
    print(f"  evaluate {n_sites:,} sections × 21 items × 12 months ({df.height:,} rows): {t:6.3f} s  "
          f"→ {df.height / t / 1e6:6.1f} M results/s")  # fmt: skip
    print(f"  peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
