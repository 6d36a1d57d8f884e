"""``liangshan batch``: how the work is cut into Dask tasks (guided sizes, largest first), the result parts
built on the workers, and the ``malloc`` settings that workers of a remote cluster get through a plugin."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import liangshan.batch.air as air

POLLUTANTS = ("so2", "no2", "pm10", "pm2_5", "co", "o3")


def test_batches_guided_in_order() -> None:
    """Runs cover every unit once, in order; the first is the largest, the last ones single units, and a
    run takes about 1 / (2 × threads) of the weight left."""
    weights = [1.0] * 80
    runs = air._batches(weights, threads=2)
    assert [i for run in runs for i in run] == list(range(80))
    sizes = [len(r) for r in runs]
    assert sizes[0] == 20 and sizes[1] == 15 and sizes[-1] == 1
    assert sizes == sorted(sizes, reverse=True)
    assert 12 <= len(runs) <= 24  # instead of 80 tasks
    # one thread: still several tasks (the client's progress, a failure stops early)
    assert len(air._batches(weights, threads=1)) > 4
    # many threads: one unit per task
    assert air._batches([1.0] * 10, threads=32) == [[i] for i in range(10)]
    # unequal weights: a heavy unit fills a run alone
    assert air._batches([100.0, 1, 1, 1, 1], threads=2)[0] == [0]
    assert air._batches([], threads=2) == []


def test_hash_lists_balanced(tmp_path: Path) -> None:
    sizes = [50, 10, 40, 30, 20, 5]
    files = []
    for i, n in enumerate(sizes):
        p = tmp_path / f"f{i}.parquet"
        p.write_bytes(b"x" * n)
        files.append((p, p.name, {}))
    lists = air._hash_lists(files, threads=2)
    assert sorted(i for x in lists for i, _, _ in x) == list(range(6))
    loads = [sum(sizes[i] for i, _, _ in x) for x in lists]
    assert len(lists) == 2 and max(loads) - min(loads) <= 10
    assert len(air._hash_lists(files, threads=32)) == 6
    hashed = air.hash_inputs(lists[0])
    assert set(hashed) == {i for i, _, _ in lists[0]}
    assert all(len(f.sha256) == 64 for f in hashed.values())


def test_region_years_from_counts() -> None:
    """The per-(group, year) regions from the read tasks' station × year counts: a region's years and its
    stations over all years, the period flags, the station-hours per group-year."""
    table = pl.DataFrame(
        {
            "station": ["A", "B", "C", "D"],
            "region": ["410102", "410101", "410101", "410103"],
            "_group": pl.Series([0, 0, 0, 1], dtype=pl.UInt32),
        }
    )
    smap = air._station_arrays(table)
    counts = [
        (2025, np.array([[5, 0], [0, 0], [3, 2], [0, 0]])),  # 2025–2026
        (2026, np.array([[0], [7], [0], [0]])),
    ]
    names = {"410101": "甲", "410102": None, "410103": "丙"}
    out = air._region_years(smap, counts, names)
    assert set(out) == {(0, 2025), (0, 2026)}  # D has no rows: no region-year for 410103
    regions, n = out[0, 2025]
    assert n == 8 and sorted(regions) == ["410101", "410102"]
    assert regions["410101"] == air._RegionYear("甲", False, True, ("B", "C"))
    assert regions["410102"] == air._RegionYear(None, False, False, ("A",))
    regions, n = out[0, 2026]
    assert n == 9 and regions == {"410101": air._RegionYear("甲", True, False, ("B", "C"))}
    assert air._region_years(smap, [], names) == {}
    empty_chunk = (0, np.zeros((4, 1), dtype=np.int64))  # a file without rows: year 0, no counts
    assert air._region_years(smap, [*counts, empty_chunk], names) == out


def _sorted_dataset(root: Path, n_stations: int = 12, files: int = 3) -> tuple[Path, Path]:
    """Station-sorted files of 10 days, row groups of 3 stations' hours, regions of 1–3 stations."""
    rng = np.random.default_rng(5)
    t = np.arange(np.datetime64("2026-01-01T00", "h"), np.datetime64("2026-01-11T00", "h"))
    names = [f"S{i:02d}" for i in range(n_stations)]
    sizes = np.resize([2, 1, 3], n_stations)  # stations per region, numbered in station order
    region = [f"4101{r:02d}" for r in np.repeat(np.arange(n_stations), sizes)[:n_stations]]
    n = t.size * n_stations
    df = pl.DataFrame(
        {
            "station": np.repeat(names, t.size),
            "time": np.tile(t.astype("datetime64[us]"), n_stations),
            **{p: np.round(rng.uniform(1, 90, n), 1) for p in POLLUTANTS},
        }
    ).with_columns(pl.col("co") / 50)
    data = root / "air"
    data.mkdir()
    for k, part in enumerate(np.array_split(np.arange(n_stations), files)):
        rows = df.filter(pl.col("station").is_in([names[i] for i in part]))
        rows.write_parquet(data / f"part-{k}.parquet", row_group_size=3 * t.size, statistics=True)
    csv = root / "stations.csv"
    pl.DataFrame({"station": names, "region": region}).write_csv(csv)
    return data, csv


def test_direct_groups_read_shared_row_groups_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several task groups in one Dask task: the frame equals the groups run one by one
    (:func:`direct_group`), and a row group holding stations of two of the groups is read once."""
    data, csv = _sorted_dataset(tmp_path)
    plan = air.plan_direct(air.discover_files(data), air.read_stations(csv), {}, 4)
    assert plan is not None
    table, tasks = plan
    smap = air._station_arrays(table.select("station", "region", "_group"))
    names = dict(table.select("region", "region_name").unique("region").iter_rows())
    found = air.discover_files(data)
    files = air.hash_inputs([(i, str(path), name) for i, (path, name, _) in enumerate(found)])
    args = (names, {}, air.AirOptions(), files, [], "air", "s.csv")
    one_by_one = [row for t in tasks for row in air.direct_group(t, smap, *args)]
    reads: list[tuple[int, tuple[int, ...]]] = []
    validated = air._validated

    def counting(chunk: air.Chunk, *args: Any, **kwargs: Any) -> pl.DataFrame:
        reads.append((chunk.file_id, chunk.row_groups))
        return validated(chunk, *args, **kwargs)

    monkeypatch.setattr(air, "_validated", counting)
    frame = air.direct_groups(tuple(tasks), smap, *args)
    assert frame.equals(air._frame(one_by_one))
    planned = [(ch.file_id, ch.row_groups) for t in tasks for ch in t.reads]
    assert len(planned) > len(set(planned))  # some row group is shared by two groups …
    assert sorted(reads) == sorted(set(planned))  # … and read once


def test_run_air_fewer_tasks_same_frame(tmp_path: Path) -> None:
    """One worker thread: the direct path and the shuffle give the same frame with fewer Dask tasks than
    task groups and chunks."""
    from liangshan.batch.cluster import client

    data, csv = _sorted_dataset(tmp_path, n_stations=24, files=4)
    with client(None, workers=1, memory_limit="1GiB") as c:
        direct = air.run_air(c, data, csv, stations_per_task=4, scratch_dir=tmp_path)
        shuffled = air.run_air(
            c, data, csv, stations_per_task=4, chunk_rows=240, layout="shuffle", scratch_dir=tmp_path
        )
    assert (direct.layout, shuffled.layout) == ("direct", "shuffle")
    assert direct.frame.equals(shuffled.frame)
    assert direct.frame["region"].is_sorted() and direct.frame.height == len(set(direct.frame["region"]))
    assert direct.dask_tasks < direct.compute_tasks + direct.files
    assert shuffled.dask_tasks < shuffled.chunks + shuffled.compute_tasks
    assert not list(tmp_path.glob("liangshan-batch-air-*"))


def test_remote_workers_get_malloc_settings() -> None:
    """Workers started with Dask's own ``malloc`` settings (as ``dask worker`` starts them: trim threshold
    64 KiB, mmap threshold 128 KiB) get :data:`WORKER_MALLOC` through the plugin when
    ``client(scheduler=…)`` connects: freed arrays are kept for reuse instead of page-faulted in again."""
    from distributed import Client, LocalCluster

    from liangshan.batch.cluster import MallocSettings, client, set_malloc

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")

    def _minor_faults() -> int:
        """Minor page faults of allocating and freeing a 1 MiB array 200 times: 256 per array when glibc
        hands it to the kernel at every free (mmap threshold 128 KiB), ≈ 256 in all when it keeps it (below
        numpy's 4 MiB, from which it asks for transparent huge pages). Defined here, so that it is sent to
        the worker by value."""
        import resource

        import numpy

        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(200):
            a = numpy.ones(2**17)
            del a
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    dask_default = {"MALLOC_TRIM_THRESHOLD_": "65536", "MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
    opts: dict[str, Any] = {"threads_per_worker": 1, "dashboard_address": ":0"}
    opts["silence_logs"] = logging.CRITICAL
    with LocalCluster(n_workers=1, processes=True, **opts) as cluster:  # a cluster started elsewhere
        with Client(cluster.scheduler_address) as c:
            assert all(c.run(set_malloc, dask_default).values())
            before = min(c.run(_minor_faults).values())  # every free goes back to the kernel
        with client(cluster.scheduler_address) as c:
            plugins = c.run(lambda dask_worker: sorted(dask_worker.plugins))
            assert all(MallocSettings.name in p for p in plugins.values())
            after = min(c.run(_minor_faults).values())
            assert all(c.run(set_malloc, dask_default).values())
        with client(cluster.scheduler_address) as c:  # connecting again applies it again: no error
            again = min(c.run(_minor_faults).values())
    assert before > 40_000 and after < 1_000 and again < 1_000, (before, after, again)
