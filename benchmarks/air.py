"""Benchmark of the air calculators (not a test): ``.venv/bin/python benchmarks/air.py [--stations N]``.

1. End to end on synthetic data, 1,000 stations × 1 year (8,784 h, 2024): validation of the in-memory table →
   dense cube → daily statistics with validity (per station and area) → daily AQI → annual good-day ratio,
   in station-hours per second. Also the hourly (real-time) AQI of every station-hour.
2. IAQI values per second, ours (numpy) against python-aqi's China algorithm (``aqi.ALGO_MEP``) on the same
   PM2.5 24-h values; python-aqi is timed on a subsample (it is scalar, Decimal-based) and scaled.
3. Peak memory (``resource.getrusage`` max RSS) of the process.
Median of ``--repeat`` runs. Targets: ≥ 2 M station-hours/s, ≥ 100× python-aqi, peak < 4 GB.

``--compare`` instead runs the command a user types (liangshan's byte-code cache written first, as an
installation does), ``liangshan air good-days FILE.parquet --json`` (a
subprocess, start-up included), against the plain pandas script a user would write
(``benchmarks/air_pandas.py``) on the same Parquet file of 12 and 120 stations × 4 years (2021–2024), and
1,200 stations with ``--big`` (42 M station-hours), alternately: medians and min–max over ``--repeat`` runs
of wall time and of CPU time (user + system: on the shared 2-core machine the wall time mostly measures the
queue), both ratios, peak RSS. Targets: ratio ≥ 1.5 at each size; peak ≤ 3 GB at 1,200 stations.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from liangshan.standards.air import iaqi
from liangshan.standards.air.annual import annual_stats
from liangshan.standards.air.cube import to_cube
from liangshan.standards.air.daily import daily_stats
from liangshan.standards.air.hourly import hourly_aqi
from liangshan.standards.air.io import validate


def synthetic(n_stations: int, seed: int = 1) -> pl.DataFrame:
    """Station-hours of 2024 with seasonal, diurnal and random variation and ~2 % missing hours."""
    rng = np.random.default_rng(seed)
    t = np.arange(np.datetime64("2024-01-01T00", "h"), np.datetime64("2025-01-01T00", "h"))
    n = t.size * n_stations
    hour = np.tile((t - t.astype("datetime64[D]")).astype(int), n_stations)
    season = np.tile(np.cos(2 * np.pi * np.arange(t.size) / t.size), n_stations)
    base = np.exp(rng.normal(0, 0.5, n))

    def col(x: np.ndarray, decimals: int = 0) -> np.ndarray:
        x = np.round(x, decimals)
        x[rng.random(n) < 0.02] = np.nan
        return x

    return pl.DataFrame(
        {
            "station": pl.Series([f"S{i:04d}" for i in range(n_stations)]).gather(
                np.repeat(np.arange(n_stations), t.size)
            ),
            "time": np.tile(t.astype("datetime64[us]"), n_stations),
            "so2": col(10 * base),
            "no2": col(30 * base),
            "pm10": col((70 + 30 * season) * base),
            "pm2_5": col((40 + 20 * season) * base),
            "co": col(0.9 * base, 1),
            "o3": col((90 - 40 * season) * (0.4 + 0.6 * np.clip(np.sin(np.pi * (hour - 6) / 14), 0, 1))),
        }
    ).with_columns(pl.col(c).fill_nan(None) for c in ("so2", "no2", "pm10", "pm2_5", "co", "o3"))


def write_years(path: str, n_stations: int, years: int = 4, seed: int = 1) -> int:
    """Write ``n_stations`` × ``years`` (from 2021) hourly rows to Parquet, 50 stations at a time.

    Returns the number of rows written."""
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    t = np.arange(np.datetime64("2021-01-01T00", "h"), np.datetime64(f"{2021 + years}-01-01T00", "h"))
    hour = (t - t.astype("datetime64[D]")).astype(int)
    season = np.cos(2 * np.pi * np.arange(t.size) / 8766)
    writer = None
    step = 50
    for first in range(0, n_stations, step):
        k = min(step, n_stations - first)
        n = k * t.size
        base = np.exp(rng.normal(0, 0.5, n))
        tiled_season, tiled_hour = np.tile(season, k), np.tile(hour, k)

        def col(x: np.ndarray, decimals: int = 0, n: int = n) -> np.ndarray:
            x = np.round(x, decimals)
            x[rng.random(n) < 0.02] = np.nan
            return x

        o3_shape = 0.4 + 0.6 * np.clip(np.sin(np.pi * (tiled_hour - 6) / 14), 0, 1)
        frame = pl.DataFrame(
            {
                "station": np.repeat(np.array([f"S{i:04d}" for i in range(first, first + k)]), t.size),
                "time": np.tile(t.astype("datetime64[us]"), k),
                "so2": col(10 * base),
                "no2": col(30 * base),
                "pm10": col((70 + 30 * tiled_season) * base),
                "pm2_5": col((40 + 20 * tiled_season) * base),
                "co": col(0.9 * base, 1),
                "o3": col((90 - 40 * tiled_season) * o3_shape),
            }
        ).with_columns(pl.col(c).fill_nan(None) for c in ("so2", "no2", "pm10", "pm2_5", "co", "o3"))
        table = frame.to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
    assert writer is not None
    writer.close()
    return n_stations * t.size


_MEASURE = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
if done.returncode:
    sys.stderr.write(done.stderr.decode(errors="replace"))
    sys.exit(done.returncode)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": r.ru_utime + r.ru_stime, "rss": r.ru_maxrss * 1024}))
"""


def measure(cmd: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS bytes of one run of ``cmd`` (in a child of a
    child, so that the rusage figures are that command's own)."""
    import json
    import subprocess

    done = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout))


def compare(label: str, ours: list[str], peer: list[str], repeat: int) -> None:
    """Alternate the two commands ``repeat`` times; medians and min–max of wall and CPU time, ratios
    (pandas ÷ liangshan, above 1: liangshan faster) and peak RSS."""
    runs: dict[str, list[dict[str, float]]] = {"liangshan": [], "pandas": []}
    for _ in range(repeat):
        runs["liangshan"].append(measure(ours))
        runs["pandas"].append(measure(peer))
    print(label)
    med: dict[str, dict[str, float]] = {}
    for side, rs in runs.items():
        med[side] = {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu")}
        walls, cpus = [r["wall"] for r in rs], [r["cpu"] for r in rs]
        print(
            f"  {side:9s} wall median {med[side]['wall']:6.2f} s ({min(walls):.2f}–{max(walls):.2f})"
            f"  CPU median {med[side]['cpu']:6.2f} s ({min(cpus):.2f}–{max(cpus):.2f})"
            f"  peak RSS {max(r['rss'] for r in rs) / 2**20:,.0f} MiB  ({repeat} runs)"
        )
    wall = med["pandas"]["wall"] / med["liangshan"]["wall"]
    cpu = med["pandas"]["cpu"] / med["liangshan"]["cpu"]
    print(f"  ratio pandas ÷ liangshan: wall {wall:.2f}, CPU {cpu:.2f} (above 1: liangshan faster)")


def compare_cli(sizes: list[int], repeat: int) -> None:
    import os
    import tempfile

    from clivs import liangshan_cmd, load  # benchmarks/clivs.py (the script's folder is on sys.path)

    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "air_pandas.py")
    # As installed (pip compiles every module): without the byte-code cache, each run of a process started
    # with PYTHONDONTWRITEBYTECODE=1 (as on the shared machine) would compile liangshan's modules again,
    # ≈ 0.04 s of CPU that a user never pays. The libraries' caches were written when they were installed.
    import compileall

    import liangshan

    compileall.compile_dir(os.path.dirname(liangshan.__file__), quiet=1)
    print(f"load average before: {load()} (2 cores, shared with other jobs)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"air_{n}.parquet")
            rows = write_years(path, n)
            compare(
                f"air good-days, {n:,} stations × 4 years = {rows / 1e6:.1f} M station-hours"
                f" ({rows * 64 / 2**30:.2f} GiB at 64 bytes per station-hour)",
                liangshan_cmd("air", "good-days", path, "--json"),
                [sys.executable, peer, path],
                repeat,
            )
            print(f"  load average now: {load()}")


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


STAGES: dict[str, list[float]] = {}


def end_to_end(df: pl.DataFrame) -> None:
    marks = [time.perf_counter()]

    def mark(name: str) -> None:
        marks.append(time.perf_counter())
        STAGES.setdefault(name, []).append(marks[-1] - marks[-2])

    cube = to_cube(validate(df))
    mark("validate + cube")
    res = daily_stats(cube, edition="auto")  # per station
    mark("daily statistics + daily AQI (stations)")
    annual_stats(res)
    mark("annual good-day ratio (stations)")
    annual_stats(daily_stats(cube, edition="auto", area=True))  # area (mean of station concentrations)
    mark("area: daily + annual")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stations", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--iaqi-values", type=int, default=10_000_000)
    ap.add_argument("--peer-values", type=int, default=50_000)
    ap.add_argument("--compare", action="store_true", help="CLI end to end against a pandas script")
    ap.add_argument("--big", action="store_true", help="with --compare: also 1,200 stations × 4 years")
    args = ap.parse_args()
    if args.compare:
        compare_cli([12, 120, 1200] if args.big else [12, 120], args.repeat)
        return

    df = synthetic(args.stations)
    n = df.height
    t_e2e = timed(lambda: end_to_end(df), args.repeat)
    t_hourly = timed(lambda: hourly_aqi(df, "auto"), args.repeat)
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[0]
    print(f"load average (1 min) after the timed runs: {load} (2 cores, shared with other jobs)")
    print(f"station-hours: {n:,} ({args.stations} stations × {n // args.stations} h)")
    print(
        f"end to end (validate → cube → daily → AQI → annual ratio, stations + area): median {t_e2e:.2f} s"
        f" = {n / t_e2e / 1e6:.2f} M station-hours/s"
    )
    for name, runs in STAGES.items():
        print(f"  {name}: median {statistics.median(runs):.2f} s")
    print(
        f"hourly real-time AQI of every station-hour: median {t_hourly:.2f} s = {n / t_hourly / 1e6:.2f} M/s"
    )

    rng = np.random.default_rng(2)
    values = np.round(rng.uniform(0, 500, args.iaqi_values), 1)
    t_ours = timed(lambda: iaqi("pm2_5", values, "24h", "HJ633-2012"), args.repeat)
    import aqi as python_aqi  # benchmark peer only

    sub = [str(v) for v in values[: args.peer_values]]
    t0 = time.perf_counter()
    for v in sub:
        python_aqi.to_iaqi(python_aqi.POLLUTANT_PM25, v, algo=python_aqi.ALGO_MEP)
    t_peer = time.perf_counter() - t0
    ours, peer = values.size / t_ours, len(sub) / t_peer
    print(f"IAQI PM2.5 24-h: ours {ours / 1e6:.1f} M values/s ({values.size:,} values, {t_ours:.3f} s)")
    print(f"  python-aqi {peer / 1e3:.1f} k values/s ({len(sub):,} values, {t_peer:.2f} s)")
    print(f"  ratio {ours / peer:.0f}×")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory (max RSS): {peak_kb / 1024**2:.2f} GB")


if __name__ == "__main__":
    main()
