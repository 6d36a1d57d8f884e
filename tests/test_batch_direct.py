"""``liangshan batch air`` without the shuffle: compute tasks that read their own row groups (station-sorted
or station-partitioned inputs) give the same frame as the shuffle path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from liangshan.batch.air import AirOptions, discover_files, plan_direct, read_stations, run_air
from liangshan.batch.results import computed_from_json

POLLUTANTS = ("so2", "no2", "pm10", "pm2_5", "co", "o3")


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    from liangshan.batch.cluster import client

    with client(None, workers=2, memory_limit="1GiB") as c:
        yield c


def _random_case(seed: int) -> tuple[pl.DataFrame, dict[str, str]]:
    """Random hourly data over a year end: regions of 1–4 stations (several single-station regions), station
    names numbered region by region, ~10 % of the hours missing, whole days missing at some stations, 2 %
    missing values, a polluted week."""
    rng = np.random.default_rng(seed)
    stations: dict[str, str] = {}
    for r in range(9):
        for k in range(int(rng.integers(1, 5)) if r % 3 else 1):
            stations[f"{410100 + r}-{k}"] = f"{410100 + r}"
    t = np.arange(np.datetime64("2025-11-20T00", "h"), np.datetime64("2026-02-10T00", "h"))
    names = sorted(stations)
    n = t.size * len(names)
    level = np.repeat(np.exp(rng.normal(0, 0.4, len(names))), t.size) * np.exp(rng.normal(0, 0.5, n))

    def col(x: np.ndarray, decimals: int = 0) -> np.ndarray:
        x = np.round(x, decimals)
        x[rng.random(n) < 0.02] = np.nan
        return x

    df = pl.DataFrame(
        {
            "station": np.repeat(names, t.size),
            "time": np.tile(t.astype("datetime64[us]"), len(names)),
            "so2": col(10 * level),
            "no2": col(30 * level),
            "pm10": col(90 * level),
            "pm2_5": col(55 * level),
            "co": col(0.9 * level, 1),
            "o3": col(80 * np.exp(rng.normal(0, 0.4, n))),
        }
    )
    keep = rng.random(n) > 0.1  # missing hours
    day = df["time"].dt.date()
    gone = (df["station"] == names[1]) & day.is_between(date(2025, 12, 24), date(2026, 1, 2))
    df = df.filter(pl.Series(keep) & ~gone)
    return df, stations


def _stations_csv(path: Path, stations: dict[str, str]) -> Path:
    rows = ["station,region,region_name"] + [f"{s},{r},区域{r[-2:]}" for s, r in stations.items()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _write_sorted(df: pl.DataFrame, root: Path, files: int, row_group: int) -> Path:
    """Rows sorted by station and time, split into ``files`` files with row groups of ``row_group`` rows."""
    root.mkdir(parents=True)
    df = df.sort("station", "time")
    size = -(-df.height // files)
    for i in range(files):
        df.slice(i * size, size).write_parquet(root / f"part-{i}.parquet", row_group_size=row_group)
    return root


def _write_by_station(df: pl.DataFrame, root: Path) -> Path:
    """Hive partitions ``station=…/part-0.parquet`` without a station column, rows in random order."""
    for (station,), part in df.partition_by("station", as_dict=True).items():
        d = root / f"station={station}"
        d.mkdir(parents=True)
        part.drop("station").sample(fraction=1.0, shuffle=True, seed=1).write_parquet(d / "part-0.parquet")
    return root


def _both(c: Any, dataset: Path, csv: Path, tmp: Path, **kw: Any) -> tuple[Any, Any]:
    direct = run_air(c, dataset, csv, scratch_dir=tmp, **kw)
    shuffled = run_air(c, dataset, csv, scratch_dir=tmp, layout="shuffle", **kw)
    return direct, shuffled


@pytest.mark.parametrize(
    ("seed", "opts", "per_task"),
    [
        (11, AirOptions(), 3),
        (12, AirOptions(o3_first_window_start=-7, area_method="daily"), 4),
        (13, AirOptions(o3_first_window_start=-4), 1),
    ],
)
def test_direct_equals_shuffle_sorted(
    seed: int, opts: AirOptions, per_task: int, dask_client: Any, tmp_path: Path
) -> None:
    df, stations = _random_case(seed)
    dataset = _write_sorted(df, tmp_path / "air", files=3, row_group=1500)
    csv = _stations_csv(tmp_path / "stations.csv", {**stations, "410199-0": "410199"})  # listed, no data
    direct, shuffled = _both(dask_client, dataset, csv, tmp_path, options=opts, stations_per_task=per_task)
    assert (direct.layout, shuffled.layout) == ("direct", "shuffle")
    assert direct.frame.height == 2 * len(set(stations.values()))  # every region in 2025 and 2026
    assert direct.frame.equals(shuffled.frame)
    assert direct.station_hours == shuffled.station_hours == df.height
    assert not list(tmp_path.glob("liangshan-batch-air-*"))  # scratch removed


def test_direct_equals_shuffle_station_partitions(dask_client: Any, tmp_path: Path) -> None:
    df, stations = _random_case(14)
    dataset = _write_by_station(df, tmp_path / "air")
    csv = _stations_csv(tmp_path / "stations.csv", stations)
    direct, shuffled = _both(dask_client, dataset, csv, tmp_path, stations_per_task=5)
    assert direct.layout == "direct" and direct.chunks == len(stations)  # every file read once
    assert direct.frame.equals(shuffled.frame)


def test_unsorted_input_falls_back_to_shuffle(dask_client: Any, tmp_path: Path) -> None:
    df, stations = _random_case(15)
    root = tmp_path / "air"
    root.mkdir()
    df.sample(fraction=1.0, shuffle=True, seed=2).write_parquet(root / "part-0.parquet", row_group_size=2000)
    csv = _stations_csv(tmp_path / "stations.csv", stations)
    assert plan_direct(discover_files(root), read_stations(csv), {}, 4) is None
    res = run_air(dask_client, root, csv, scratch_dir=tmp_path, stations_per_task=4)
    assert res.layout == "shuffle"
    sorted_root = _write_sorted(df, tmp_path / "sorted", files=2, row_group=2000)
    direct = run_air(dask_client, sorted_root, csv, scratch_dir=tmp_path, stations_per_task=4)
    assert direct.layout == "direct"
    # other files, so other inputs in the provenance; every figure equal
    assert direct.frame.drop("inputs", "computed").equals(res.frame.drop("inputs", "computed"))
    for a, b in zip(direct.frame["computed"], res.frame["computed"], strict=True):
        ca, cb = computed_from_json(a), computed_from_json(b)
        assert (ca.values, ca.provenance.components) == (cb.values, cb.provenance.components)


def test_direct_errors_name_file_and_row(dask_client: Any, tmp_path: Path) -> None:
    """An unknown station and a bad value in station-sorted files: the same messages as the shuffle's."""
    from liangshan.standards.air.errors import AirInputError

    df, stations = _random_case(16)
    csv = _stations_csv(tmp_path / "stations.csv", stations)
    df = df.sort("station", "time")
    row = pl.int_range(pl.len())
    bad = df.with_columns(pl.when(row == 2000).then(-5.0).otherwise(pl.col("no2")).alias("no2"))
    _write_sorted(bad, tmp_path / "neg", files=1, row_group=1500)
    for layout in ("auto", "shuffle"):
        with pytest.raises(AirInputError) as err:
            run_air(dask_client, tmp_path / "neg", csv, scratch_dir=tmp_path, layout=layout, chunk_rows=1500)
        assert (err.value.file, err.value.row, err.value.column) == ("neg/part-0.parquet", 2002, "no2")
    extra = pl.concat([df, df.head(3).with_columns(pl.lit("Z9").alias("station"))])
    _write_sorted(extra, tmp_path / "unknown", files=1, row_group=1500)
    with pytest.raises(AirInputError) as err:
        run_air(dask_client, tmp_path / "unknown", csv, scratch_dir=tmp_path)
    assert "Z9" in str(err.value) and err.value.row == df.height + 2 and err.value.column == "station"
    assert not list(tmp_path.glob("liangshan-batch-air-*"))


def test_changed_file_is_detected(tmp_path: Path) -> None:
    """A row group with stations outside the range planned from its statistics (the file changed after
    planning) stops the direct task (``run_air`` then re-runs through the shuffle) instead of losing rows."""
    from liangshan.batch.air import _LayoutMismatch, direct_group

    df, stations = _random_case(17)
    last = sorted(stations)[-1]
    dataset = _write_sorted(df.filter(pl.col("station") != last), tmp_path / "air", files=1, row_group=10**6)
    csv = _stations_csv(tmp_path / "stations.csv", stations)
    plan = plan_direct(discover_files(dataset), read_stations(csv), {}, 100)
    assert plan is not None
    table, (task,) = plan
    assert task.bounds[0][1] < last
    df.write_parquet(dataset / "part-0.parquet", row_group_size=10**6)  # now with the last station
    smap = table.select("station", "region", "_group")
    names = dict(table.select("region", "region_name").unique("region").iter_rows())
    with pytest.raises(_LayoutMismatch):
        direct_group(task, smap, names, {}, AirOptions(), {}, [], "air", "stations.csv")


def test_several_years_smaller_groups(tmp_path: Path) -> None:
    """2.5 years per station: groups of 4 stations become groups of 1, so a task holds about as many rows as
    a one-year task of the shuffle path."""
    t = np.arange(np.datetime64("2023-01-01T00", "h"), np.datetime64("2025-07-01T00", "h"))
    stations = {f"S{i}": f"41010{i}" for i in range(4)}
    df = pl.DataFrame(
        {
            "station": np.repeat(sorted(stations), t.size),
            "time": np.tile(t.astype("datetime64[us]"), 4),
            **{p: np.full(4 * t.size, 10.0) for p in POLLUTANTS},
        }
    )
    csv = _stations_csv(tmp_path / "stations.csv", stations)
    one_year = _write_sorted(df.filter(pl.col("time").dt.year() == 2024), tmp_path / "a", 1, 8784)
    several = _write_sorted(df, tmp_path / "b", files=1, row_group=t.size)
    plans = [plan_direct(discover_files(d), read_stations(csv), {}, 4) for d in (one_year, several)]
    assert [len(p[1]) for p in plans if p is not None] == [1, 4]
