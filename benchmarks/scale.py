"""Scale benchmark of the Dask batch jobs (not a test): ``.venv/bin/python benchmarks/scale.py``.

Generated data, written to a temporary directory and removed at the end:

1. Air: ``--stations`` (2,000) stations × 8,784 hours of 2024 (≈ 17.6 M station-hours, ~2 % missing values)
   in 12 Parquet files, regions drawn at random from ``--regions`` (2,800) county codes and numbered in
   station order, in each layout of ``--layout`` (default both): ``month`` — hive partitions
   ``month=YYYY-MM/part-0.parquet``, row groups of 100,000 rows holding ≈ 134 stations' month each (the job
   shuffles); ``station`` — rows sorted by station and time, row groups of 11 whole stations (96,624 rows;
   the compute tasks read them directly). Job: ``liangshan.batch.air.run_air`` with read tasks of at most
   250,000 rows (the CLI default: two row groups of a month file) and task groups of 32 stations (a Dask
   task runs several chunks or task groups, largest first: ``_batches`` in ``liangshan/batch/air.py``); the
   shuffle's scratch files go where ``run_air`` puts them by default (``/dev/shm`` when it has room) unless
   ``--scratch`` names a directory.
2. Land: a GB/T 21010 class mosaic of ``--width`` × ``--height`` cells (default 24,576 × 22,528 ≈ 554 M
   cells, uint16) at 250 m in the China Albers equal-area projection (34.6 M km²; the cell size does not
   change the work) as 132 tiles of 2,048 × 2,048 cells, and ``--regions`` Voronoi "county" polygons over it
   (written in EPSG:4490 like real boundaries). Job: ``liangshan.batch.land.run_land`` (``land_coverage``
   per tile × county piece).

Each job runs on a fresh local cluster with 1 and then 2 worker processes (one thread each) and a memory
limit per worker (``--memory-limit``, default 480 MiB) such that the dataset in memory exceeds the limits of
all workers together. Printed: wall time, throughput, scaling efficiency T₁ / (2 T₂), peak RSS of every
worker (``getrusage`` max RSS), load average, and a projection for a national year on 32 workers.

The machine this runs on is shared, so wall times depend on what else runs; the CPU seconds the worker
processes used (psutil) do not, and the projection is based on them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

# Heavier imports happen inside the functions: Dask's worker processes are spawned and re-import this
# script as their main module, and a top-level import of rasterio & co. would inflate every worker's memory.

TILE = 2048
ROW_GROUP = 100_000  # rows per Parquet row group of the generated files
CHUNK_ROWS = 250_000  # rows per read task: the CLI default (--chunk-rows), 2 row groups of a month file
STATIONS_PER_TASK = 32  # whole regions of ≈ 32 stations per compute task (≈ 280,000 station-hours)
CODES = np.array([301, 305, 401, 404, 103, 1101, 702, 307, 1003], dtype=np.uint16)
SHARES = np.array([0.30, 0.08, 0.12, 0.06, 0.25, 0.05, 0.06, 0.04, 0.04])


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


# ------------------------------------------------------------------------------------------------ data
def make_air(
    root: Path, n_stations: int, n_regions: int, seed: int = 1, year: int = 2024, layout: str = "month"
) -> tuple[Path, Path, int, int]:
    """Hourly station data of one year (2024: 8,784 h); returns the dataset, the station table, the rows and
    the size of the whole table in memory (polars).

    Regions are drawn at random and numbered in station order (station codes run region by region, as
    national codes do). ``layout="month"``: one file per month (``month=YYYY-MM/part-0.parquet``, rows by
    station then time, every row group holding ≈ 134 stations' hours of the month), which the batch job
    shuffles. ``layout="station"``: 12 files of consecutive stations (``part-NN.parquet``), rows sorted by
    station and time, each row group 11 whole stations (96,624 rows), which compute tasks read directly.
    """
    import polars as pl
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    names = pl.Series([f"S{i:05d}" for i in range(n_stations)])
    codes = [f"{100000 + 37 * i:06d}" for i in range(n_regions)]
    region = np.sort(rng.integers(0, n_regions, n_stations))
    stations = root / "STATIONS.csv"
    pl.DataFrame({"station": names, "region": [codes[r] for r in region]}).write_csv(stations)
    level = np.exp(rng.normal(0, 0.4, n_stations))  # station mean level
    data = root / "air"
    hours = np.arange(np.datetime64(f"{year}-01-01T00", "h"), np.datetime64(f"{year + 1}-01-01T00", "h"))

    def frame(st: np.ndarray, t: np.ndarray) -> pl.DataFrame:
        """Rows of stations ``st`` (indices) × hours ``t``, station by station."""
        n = t.size * st.size
        hour = np.tile((t - t.astype("datetime64[D]")).astype(int), st.size)
        month = np.tile(t.astype("datetime64[M]").astype(int) % 12, st.size)
        season = np.cos(2 * np.pi * month / 12)
        base = np.repeat(level[st], t.size) * np.exp(rng.normal(0, 0.5, n))

        def col(x: np.ndarray, decimals: int = 0) -> np.ndarray:
            x = np.round(x, decimals)
            x[rng.random(n) < 0.02] = np.nan  # missing values
            return x

        o3_shape = 0.4 + 0.6 * np.clip(np.sin(np.pi * (hour - 6) / 14), 0, 1)
        return pl.DataFrame(
            {
                "station": names.gather(np.repeat(st, t.size)),
                "time": np.tile(t.astype("datetime64[us]"), st.size),
                "so2": col(10 * base),
                "no2": col(30 * base),
                "pm10": col((70 + 30 * season) * base),
                "pm2_5": col((40 + 20 * season) * base),
                "co": col(0.9 * base, 1),
                "o3": col((90 - 40 * season) * o3_shape * np.exp(rng.normal(0, 0.2, n))),
            }
        )

    rows = size = 0
    if layout == "month":
        for month in range(1, 13):
            t = hours[hours.astype("datetime64[M]").astype(int) % 12 == month - 1]
            df = frame(np.arange(n_stations), t)
            d = data / f"month={year}-{month:02d}"
            d.mkdir(parents=True)
            df.write_parquet(d / "part-0.parquet", row_group_size=ROW_GROUP, compression="zstd")
            rows += df.height
            size += df.estimated_size()
    else:
        data.mkdir()
        per_group = max(1, ROW_GROUP // hours.size)  # whole stations per row group
        for i, st in enumerate(np.array_split(np.arange(n_stations), 12)):
            df = frame(st, hours)
            pq.write_table(
                df.to_arrow(),
                data / f"part-{i:02d}.parquet",
                row_group_size=per_group * hours.size,
                compression="zstd",
            )
            rows += df.height
            size += df.estimated_size()
    return data, stations, rows, size


def make_land(
    root: Path, width: int, height: int, n_regions: int, seed: int = 2, res: float = 250.0
) -> tuple[Path, Path]:
    """A tiled class mosaic in the China Albers projection and Voronoi counties over it in EPSG:4490."""
    import pyogrio.raw
    import pyproj
    import rasterio
    import shapely
    from rasterio.transform import from_origin

    from liangshan.standards.land_cover import china_albers

    rng = np.random.default_rng(seed)
    crs = china_albers(pyproj.CRS.from_epsg(4490))
    x0, y0 = -2_600_000.0, 5_900_000.0
    tiles = root / "tiles"
    tiles.mkdir()
    profile = dict(
        driver="GTiff",
        count=1,
        dtype="uint16",
        crs=crs.to_wkt(),
        nodata=0,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="zstd",
        zstd_level=1,
    )
    for r0 in range(0, height, TILE):
        for c0 in range(0, width, TILE):
            h, w = min(TILE, height - r0), min(TILE, width - c0)
            coarse = rng.choice(CODES, size=(-(-h // 16), -(-w // 16)), p=SHARES)
            arr = np.repeat(np.repeat(coarse, 16, axis=0), 16, axis=1)[:h, :w]
            transform = from_origin(x0 + c0 * res, y0 - r0 * res, res, res)
            with rasterio.open(
                tiles / f"r{r0 // TILE:02d}_c{c0 // TILE:02d}.tif",
                "w",
                width=w,
                height=h,
                transform=transform,
                **profile,
            ) as ds:
                ds.write(arr, 1)
    extent = shapely.box(x0, y0 - height * res, x0 + width * res, y0)
    inner = shapely.buffer(extent, -20 * res)  # counties inside the mosaic (no missing area)
    xmin, ymin, xmax, ymax = inner.bounds
    pts = shapely.points(rng.uniform(xmin, xmax, n_regions), rng.uniform(ymin, ymax, n_regions))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=inner))
    cells = shapely.intersection(cells, inner)
    cells = cells[shapely.area(cells) > 0]
    to_ll = pyproj.Transformer.from_crs(crs, pyproj.CRS.from_epsg(4490), always_xy=True)
    ll = shapely.transform(
        shapely.segmentize(cells, 20 * res), lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1]))
    )
    codes = np.array([f"{100000 + 37 * i:06d}" for i in range(ll.size)], dtype=object)
    boundaries = root / "counties.gpkg"
    pyogrio.raw.write(
        boundaries,
        np.array(shapely.to_wkb(ll), dtype=object),
        [codes],
        ["code"],
        geometry_type="MultiPolygon",
        crs="EPSG:4490",
        driver="GPKG",
        promote_to_multi=True,
    )
    return tiles, boundaries


# ----------------------------------------------------------------------------------------------- runs
def _cpu_seconds() -> float:
    import psutil

    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


def _driver_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _warm(job: str) -> None:
    """Imports and one-time set-up in a worker, so that CPU seconds measure the job itself."""
    import importlib

    import pyproj

    for name in (
        ("liangshan.batch.air", "liangshan.standards.air.annual", "liangshan.standards.air.io")
        if job.startswith("air")
        else ("liangshan.batch.land", "liangshan.standards.land_cover")
    ):
        importlib.import_module(name)
    if not job.startswith("air"):
        pyproj.Transformer.from_crs(4490, 4326)  # PROJ database


def run(job: str, n_workers: int, limit: str, fn: Any) -> dict[str, Any]:
    """``fn(client)`` on a fresh local cluster: wall time, CPU seconds of the workers and of this process
    (planning + scheduler), peak RSS per worker, restarted workers, load average."""
    from liangshan.batch.cluster import client, peak_rss_mib

    before = load()
    t0 = time.perf_counter()
    with client(None, n_workers, limit) as c:
        pids = set(c.run(os.getpid).values())
        c.run(_warm, job)
        t1 = time.perf_counter()
        cpu0, drv0 = c.run(_cpu_seconds), _driver_cpu()
        res = fn(c)
        t2 = time.perf_counter()
        cpu1, drv1 = c.run(_cpu_seconds), _driver_cpu()
        peaks = peak_rss_mib(c)
        restarted = len(set(c.run(os.getpid).values()) - pids)
    out = {
        "job": job,
        "workers": n_workers,
        "startup": t1 - t0,  # cluster start and warm-up
        "seconds": t2 - t1,
        "cpu": sum(cpu1[w] - cpu0.get(w, 0.0) for w in cpu1),
        "driver_cpu": drv1 - drv0,
        "peaks": sorted(peaks.values()),
        "result": res,
        "load": f"{before} → {load()}",
        "restarted": restarted,
    }
    share = out["cpu"] / (out["seconds"] * n_workers)
    say(
        f"  {job}, {n_workers} worker(s): {out['seconds']:.1f} s wall ",
        f"(+ cluster start and imports {out['startup']:.1f} s); worker CPU {out['cpu']:.1f} s ",
        f"(each worker got {share:.0%} of a core), this process {out['driver_cpu']:.1f} s; ",
        f"peak RSS per worker {', '.join(f'{p:,.0f}' for p in out['peaks'])} MiB; ",
        f"workers restarted: {restarted}; load {out['load']}",
    )
    return out


def say(*parts: str) -> None:
    print("".join(parts), flush=True)


def main() -> None:
    import pyarrow.parquet as pq

    from liangshan.batch.air import run_air
    from liangshan.batch.land import LandOptions, run_land

    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--regions", type=int, default=2800)
    ap.add_argument("--width", type=int, default=24_576)
    ap.add_argument("--height", type=int, default=22_528)
    ap.add_argument("--memory-limit", default="480MiB")
    ap.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    ap.add_argument("--tmp", default=None, help="directory for the generated data (default: system temp)")
    ap.add_argument(
        "--scratch",
        default=None,
        help="directory for the air shuffle's scratch files (default: run_air's choice, /dev/shm when it has "
        "room, else the system temp directory)",
    )
    ap.add_argument("--skip", default="", help="air or land: skip that job")
    ap.add_argument(
        "--layout",
        default="month,station",
        help="air data layouts to run: month (month files, shuffled) and/or station (sorted by station, read "
        "directly by the compute tasks)",
    )
    args = ap.parse_args()
    layouts = [x for x in args.layout.split(",") if x]
    if not set(layouts) <= {"month", "station"}:
        ap.error("--layout: month and/or station")
    workers = [int(w) for w in args.workers.split(",")]
    limit = _bytes(args.memory_limit)
    total_limit = limit * max(workers)
    root = Path(tempfile.mkdtemp(prefix="liangshan-scale-", dir=args.tmp))
    say(f"cpu cores: {os.cpu_count()}, load average (1/5/15 min) at start: {load()}")
    results: dict[str, list[dict[str, Any]]] = {}
    try:
        for layout in layouts if "air" not in args.skip else []:
            job = f"air ({layout} layout)"
            t0 = time.perf_counter()
            dataset, stations, rows, size = make_air(root, args.stations, args.regions, layout=layout)
            disk = sum(p.stat().st_size for p in dataset.rglob("*.parquet"))
            n_groups = sum(pq.ParquetFile(p).metadata.num_row_groups for p in dataset.rglob("*.parquet"))
            say(
                f"\n{job} data: {args.stations:,} stations × 8,784 h = {rows:,} station-hours in 12 files, ",
                f"{n_groups} row groups; {disk / 1e6:,.0f} MB on disk, {mib(size)} in memory (polars); ",
                f"generated in {time.perf_counter() - t0:.1f} s",
            )
            say(
                f"  memory limit {args.memory_limit} per worker: the table in memory is ",
                f"{size / limit:.1f} × one worker's limit and {size / total_limit:.2f} × ",
                f"the {max(workers)} workers' limits together",
            )
            results[job] = [
                run(
                    job,
                    n,
                    args.memory_limit,
                    lambda c, dataset=dataset, stations=stations: run_air(
                        c,
                        dataset,
                        stations,
                        scratch_dir=args.scratch,
                        chunk_rows=CHUNK_ROWS,
                        stations_per_task=STATIONS_PER_TASK,
                    ),
                )
                for n in workers
            ]
            for r in results[job]:
                res = r["result"]
                stages = (
                    f"shuffle {res.seconds['shuffle']:.1f} s ({res.chunks} tasks, scratch files in "
                    f"{res.scratch or tempfile.gettempdir()}), "
                    f"compute {res.seconds['compute']:.1f} s"
                    if res.layout == "shuffle"
                    else f"no shuffle: read + compute {res.seconds['compute']:.1f} s "
                    f"({res.chunks} row-group reads for {n_groups} row groups)"
                )
                say(
                    f"    {r['workers']} worker(s), {res.layout} path: ",
                    f"{res.station_hours / r['seconds'] / 1e6:.3f} M ",
                    f"station-hours/s; {stages} ({res.compute_tasks} task groups × years in ",
                    f"{res.dask_tasks} Dask tasks, {res.frame.height:,} region-years)",
                )
            shutil.rmtree(dataset)
        if "land" not in args.skip:
            t0 = time.perf_counter()
            tiles, boundaries = make_land(root, args.width, args.height, args.regions)
            cells = args.width * args.height
            disk = sum(p.stat().st_size for p in tiles.glob("*.tif"))
            n_tiles = len(list(tiles.glob("*.tif")))
            say(
                f"\nland data: {args.width:,} × {args.height:,} = {cells:,} cells (uint16, 250 m, ",
                f"{cells * 62_500 / 1e12:.2f} M km²) in {n_tiles} tiles; {mib(cells * 2)} uncompressed, ",
                f"{disk / 1e6:,.0f} MB on disk; {args.regions:,} counties; ",
                f"generated in {time.perf_counter() - t0:.1f} s",
            )
            say(
                f"  memory limit {args.memory_limit} per worker: the raster is {cells * 2 / limit:.1f} × ",
                f"one worker's limit and {cells * 2 / total_limit:.2f} × the {max(workers)} workers' limits",
            )
            opts = LandOptions(year=2024)
            results["land"] = [
                run("land", n, args.memory_limit, lambda c: run_land(c, tiles, boundaries, opts))
                for n in workers
            ]
            for r in results["land"]:
                res = r["result"]
                errors = int(res.frame["error"].is_not_null().sum())
                say(
                    f"    {r['workers']} worker(s): {res.raster_cells / r['seconds'] / 1e6:.2f} M raster ",
                    f"cells/s ({res.cells_visited / r['seconds'] / 1e6:.2f} M cells/s in pieces' windows, ",
                    f"{res.cells_visited:,} cells); {res.pieces:,} tile × county pieces; ",
                    f"plan {res.seconds['plan']:.1f} s, tiles {res.seconds['tiles']:.1f} s, ",
                    f"reduce {res.seconds['reduce']:.1f} s; {res.frame.height:,} counties, {errors} errors",
                )
        _summary(results, args)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    say(f"\nload average at the end: {load()}")


def _bytes(text: str) -> int:
    from dask.utils import parse_bytes

    return int(parse_bytes(text))


def _summary(results: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> None:
    say("\nsummary")
    for job, runs in results.items():
        by = {r["workers"]: r for r in runs}
        if 1 in by and 2 in by:
            w1, w2 = by[1]["seconds"], by[2]["seconds"]
            c1, c2 = by[1]["cpu"], by[2]["cpu"]
            say(
                f"  {job}: wall speed-up 1 → 2 workers {w1 / w2:.2f}× ",
                f"(efficiency T1/(2·T2) = {w1 / (2 * w2):.0%}); ",
                f"CPU efficiency (worker CPU with 1 / with 2 workers) {c1 / c2:.0%}",
            )
        peak = max(p for r in runs for p in r["peaks"])
        say(f"  {job}: highest worker peak RSS {peak:,.0f} MiB (limit {args.memory_limit} per worker)")
    say(
        "\nprojection: a national year on 32 workers, each with a whole core (worker CPU seconds per unit of "
        "work from the 1-worker run ÷ (32 × CPU efficiency) + this process's planning time)"
    )
    for job, runs in results.items():
        one = [r for r in runs if r["workers"] == 1]
        if not one:
            continue
        r1, eff = one[0], _eff(runs)
        res = r1["result"]
        serial = r1["driver_cpu"]
        if job.startswith("air"):
            per = r1["cpu"] / res.station_hours  # worker CPU seconds per station-hour
            for n_st in (2_000, 5_000):
                work = n_st * 8_784
                t = work * per / (32 * eff) + serial * n_st / args.stations
                say(
                    f"  {job}, {n_st:,} stations × 8,784 h = {work / 1e6:.1f} M station-hours: {t:,.0f} s ",
                    f"({1 / per / 1e6:.3f} M station-hours per worker CPU second, CPU efficiency {eff:.0%})",
                )
        else:
            per = r1["cpu"] / res.raster_cells
            for label, cells in (("250 m", 9.6e12 / 62_500), ("30 m", 9.6e12 / 900)):
                t = cells * per / (32 * eff) + serial
                say(
                    f"  land, 9.6 M km² at {label} = {cells / 1e9:.2f} G cells, 2,844 counties: {t:,.0f} s ",
                    f"= {t / 60:.1f} min ({1 / per / 1e6:.2f} M raster cells per worker CPU second, ",
                    f"CPU efficiency {eff:.0%})",
                )


def _eff(runs: list[dict[str, Any]]) -> float:
    by = {r["workers"]: r["cpu"] for r in runs}
    return min(1.0, by[1] / by[2]) if 1 in by and 2 in by else 1.0


if __name__ == "__main__":
    main()
