"""``liangshan batch air``: the shuffle's scratch files (56 bytes per station-hour, restored exactly), where
they go (``/dev/shm`` for a local cluster with room), and the driver's cheaper bookkeeping."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import liangshan.batch.air as air
from liangshan.batch.results import INPUT_STRUCT, inputs_column
from liangshan.provenance import InputFile

POLLUTANTS = ("so2", "no2", "pm10", "pm2_5", "co", "o3")


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    from liangshan.batch.cluster import client

    with client(None, workers=1, memory_limit="1GiB") as c:
        yield c


def _data(order: str, seed: int = 3) -> tuple[pl.DataFrame, dict[str, str]]:
    """Six stations in three regions over the 2025/2026 year end, rows in ``order`` (``station``: sorted by
    station then time; ``station-2026``: the same, 2026 only; ``shuffled``: random order), 2 % missing
    values."""
    rng = np.random.default_rng(seed)
    stations = {f"S{i}": f"41010{i // 2}" for i in range(6)}
    t = np.arange(np.datetime64("2025-12-20T00", "h"), np.datetime64("2026-01-12T00", "h"))
    names = sorted(stations)
    n = t.size * len(names)
    values = {p: np.round(rng.uniform(1, 120, n), 1) for p in POLLUTANTS}
    values["co"] = np.round(rng.uniform(0.2, 2.0, n), 1)
    for v in values.values():
        v[rng.random(n) < 0.02] = np.nan
    times = np.tile(t.astype("datetime64[us]"), len(names))
    df = pl.DataFrame({"station": np.repeat(names, t.size), "time": times, **values})
    if order == "shuffled":
        df = df[rng.permutation(df.height)]
    if order == "station-2026":
        df = df.filter(pl.col("time").dt.year() == 2026)
    return df, stations


def _write(tmp: Path, df: pl.DataFrame, stations: dict[str, str]) -> tuple[Path, Path]:
    data = tmp / "air"
    data.mkdir()
    df.write_parquet(data / "x.parquet", row_group_size=700)
    csv = tmp / "STATIONS.csv"
    csv.write_text("station,region\n" + "".join(f"{s},{r}\n" for s, r in stations.items()), encoding="utf-8")
    return data, csv


@pytest.mark.parametrize("order", ["station", "station-2026", "shuffled"])
@pytest.mark.parametrize("o3_start", [0, -5])
def test_scratch_rows_restored_exactly(tmp_path: Path, order: str, o3_start: int) -> None:
    """Every piece read back equals the validated rows of its task group and year (time, values, station,
    spreadsheet row, file), with and without the ``_row`` column, with the copied 31 December hours."""
    df, stations = _data(order)
    data, csv = _write(tmp_path, df, stations)
    files = air.discover_files(data)
    table = air.task_groups(air.read_stations(csv), 2)
    smap = air._station_arrays(table.select("station", "region", "_group"))
    chunks = air.plan_chunks(files, 1500)
    assert len(chunks) >= 2
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    written: dict[tuple[int, int], list[tuple[str, int, int, int, int]]] = {}
    marked = 0
    for i, ch in enumerate(chunks):
        r = air.shuffle_chunk(ch, i, smap, {}, str(scratch), o3_start, csv.name)
        for group, year, path, batch, start in r["pieces"]:
            written.setdefault((group, year), []).append((path, batch, ch.file_id, ch.first_row + 2, start))
            marked += start < 0
    # rows already in (group, year) order are written without row numbers, re-ordered rows with them
    if order == "station-2026":
        assert marked == 0
    if order == "shuffled":
        assert marked > 0
    full = pl.concat([air._validated(ch, {}, smap, csv.name) for ch in chunks]).drop("station")
    t = full["time"].cast(pl.Int64).to_numpy()
    year = t.astype("datetime64[us]").astype("datetime64[Y]").astype(np.int64) + 1970
    full = full.with_columns(
        pl.Series("year", year, dtype=pl.Int32), pl.Series("_group", smap.group[full["_st"].to_numpy()])
    )
    if o3_start < 0:
        tail = full.filter(pl.col("time").dt.ordinal_day() >= 365, pl.col("time").dt.hour() >= 24 + o3_start)
        full = pl.concat([full, tail.with_columns(pl.col("year") + 1)])
    for (group, yr), pieces in written.items():
        got = air.read_pieces(pieces).sort("_row", "time")
        want = full.filter(pl.col("_group") == group, pl.col("year") == yr).drop("_group", "year")
        assert got.equals(want.select(got.columns).sort("_row", "time")), (group, yr)


def test_hours_int32_or_int64(tmp_path: Path) -> None:
    """Whole hours fit Int32 for any real date; times beyond it are kept as Int64, and a task whose pieces
    mix the two reads them back as the same instants."""
    t = np.array(["2024-03-01T05", "1960-01-01T00"], dtype="datetime64[h]").astype("datetime64[us]")
    assert air._hours(t.astype(np.int64)).dtype == np.int32
    far = np.array([2**31 + 5, 2**31 + 6], dtype=np.int64) * 3_600_000_000
    assert air._hours(far).dtype == np.int64
    pieces = []
    for k, micros in enumerate((t.astype(np.int64), far)):
        frame = pl.DataFrame(
            {
                "time": air._hours(micros),
                **{p: [1.0, np.nan] for p in POLLUTANTS},
                "_st": pl.Series([0, 1], dtype=pl.UInt32),
                "year": pl.Series([2024, 2024], dtype=pl.Int32),
                "_group": pl.Series([0, 0], dtype=pl.UInt32),
            }
        )
        (piece,) = air._write_pieces(frame, tmp_path / f"c{k}.arrow")
        pieces.append((piece[2], piece[3], k, 2, piece[4]))
    back = air.read_pieces(pieces)
    assert back["time"].cast(pl.Int64).to_list() == [*t.astype(np.int64).tolist(), *far.tolist()]
    assert back["_src"].to_list() == [0, 0, 1, 1] and back["_row"].to_list() == [2, 3, 2, 3]


class _Remote:
    """A client connected to a scheduler elsewhere (no local cluster)."""

    cluster = None


def test_scratch_parent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dask_client: Any) -> None:
    assert air.scratch_parent(dask_client, tmp_path / "x", 10**12) == str(tmp_path / "x")  # as asked
    assert air.scratch_parent(_Remote(), None, 10) is None  # other machines cannot see /dev/shm
    monkeypatch.setattr(air, "TMPFS", tmp_path)
    monkeypatch.setattr(air, "_memory_available", lambda: 4 * 64 * 1000)
    assert air.scratch_parent(dask_client, None, 1000) == str(tmp_path)
    assert air.scratch_parent(dask_client, None, 1001) is None  # more than a quarter of the memory
    monkeypatch.setattr(air, "TMPFS", tmp_path / "missing")
    assert air.scratch_parent(dask_client, None, 10) is None


def test_run_air_default_scratch_on_tmpfs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dask_client: Any
) -> None:
    """Without ``scratch_dir`` a local cluster's shuffle writes under :data:`TMPFS` and removes its files;
    the frame equals the one with scratch files on an ordinary directory."""
    df, stations = _data("shuffled")
    data, csv = _write(tmp_path, df, stations)
    shm = tmp_path / "shm"
    shm.mkdir()
    monkeypatch.setattr(air, "TMPFS", shm)
    res = air.run_air(dask_client, data, csv, chunk_rows=1500, stations_per_task=2, layout="shuffle")
    assert res.scratch == str(shm) and not list(shm.iterdir())
    disk = tmp_path / "disk"
    disk.mkdir()
    other = air.run_air(
        dask_client, data, csv, chunk_rows=1500, stations_per_task=2, layout="shuffle", scratch_dir=disk
    )
    assert other.scratch == str(disk)
    assert res.frame.equals(other.frame) and res.frame.height == 6  # 3 regions × 2 years


def test_station_table_pickles_as_names() -> None:
    stations = [f"S{i:03d}" for i in range(50)]
    regions = [f"{410100 + i // 4}" for i in range(50)]
    table = air.task_groups(pl.DataFrame({"station": stations, "region": regions}), 8)
    smap = air._station_arrays(table.select("station", "region", "_group"))
    back = pickle.loads(pickle.dumps(smap))
    assert back.names.equals(smap.names) and back.names.name == smap.names.name
    assert back.regions == smap.regions
    for a, b in ((back.region, smap.region), (back.group, smap.group), (back.rank, smap.rank)):
        assert np.array_equal(a, b)


def test_inputs_column_as_before() -> None:
    """Same column as converting every row's files (repeated lists, a row without files, all distinct)."""
    files = [InputFile(name=f"air/p{i}.parquet", sha256=f"{i:064x}", size=1000 + i) for i in range(5)]
    rng = np.random.default_rng(0)
    rows = [[files[j] for j in rng.choice(5, int(rng.integers(0, 4)), replace=False)] for _ in range(300)]
    rows += [[], [InputFile(name="x", sha256="0" * 64, size=1)]]
    want = pl.Series("inputs", [[f.to_json() for f in r] for r in rows], dtype=INPUT_STRUCT)
    got = inputs_column(rows)
    assert got.equals(want) and got.name == "inputs" and got.dtype == INPUT_STRUCT
    assert inputs_column([]).equals(pl.Series("inputs", [], dtype=INPUT_STRUCT))


def test_memory_available_within_cgroup_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A container's memory limit (tmpfs pages count against it) caps the memory available; "max" (no
    limit) and a missing group leave ``MemAvailable``."""
    assert air._memory_available() > 0
    (tmp_path / "limit").write_text("300000000\n", encoding="ascii")
    (tmp_path / "usage").write_text("100000000\n", encoding="ascii")
    (tmp_path / "max").write_text("max\n", encoding="ascii")
    monkeypatch.setattr(air, "CGROUP_MEMORY", ((str(tmp_path / "max"), str(tmp_path / "usage")),))
    assert air._memory_available() > 200_000_000
    usage = str(tmp_path / "usage")
    groups = ((str(tmp_path / "missing"), usage), (str(tmp_path / "limit"), usage))
    monkeypatch.setattr(air, "CGROUP_MEMORY", groups)
    assert air._memory_available() == 200_000_000  # this machine has more than 200 MB available
