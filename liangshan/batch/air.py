"""优良天数比例 (indicator 1) for many regions from a partitioned Parquet dataset larger than memory.

Input: a Parquet dataset (one file, a directory of files, or hive partitions such as ``month=01/…`` or
``station=…/…``) with the columns of :func:`liangshan.standards.air.io.read_hourly` (``station``, ``time``,
``so2 no2 pm10 pm2_5 co o3``), and a station table ``STATIONS.csv`` (``station,region[,region_name]``).

Two stages of Dask tasks:

1. **Shuffle** — one task per chunk of row groups (≤ ``chunk_rows`` rows) of one file: read, rename and
   validate (:func:`liangshan.standards.air.io.validate`, error rows counted from the file's first row as
   ``liangshan air`` does), number the stations by the station table, and write the rows to one scratch
   Arrow file with one record batch per *task group* (whole regions, about ``stations_per_task`` stations)
   and year. Memory: one chunk.
2. **Compute** — one task per task group and year: read its record batches and compute every region of the
   task at once (:mod:`liangshan.standards.air.regions`: the regions' area hourly series stacked as the rows
   of one array, then :func:`~liangshan.standards.air.daily.daily_statistics`, the daily AQI and
   :func:`~liangshan.standards.air.annual.good_days_report` with each region's own period), then
   :func:`~liangshan.standards.air.indicator.indicator_values` per region-year. The figures are bit-identical
   to the chain of ``liangshan air good-days`` run region by region (``to_cube`` → ``daily_stats(area=True)``
   → ``good_days_report``). Daily statistics need whole days per station and area means all stations of the
   region; both are inside one task. Memory: one partition.

**Direct path (no shuffle).** When the row-group statistics of the station column (or ``station=…``
directories) show narrow station ranges — files sorted by station, or by region with station codes numbered
region by region — :func:`plan_direct` forms task groups as runs of whole regions in station-name order and
each compute task (:func:`direct_group`) reads only the row groups that may hold its stations
(polars' Parquet reader, needed columns), validates them as stage 1 does, keeps its stations' rows
and computes every year of its regions with the same code as stage 2. No scratch files. Used when the tasks
together read at most :data:`MAX_READ` × the rows; otherwise, or when a row group turns out to hold
stations outside its statistics, the shuffle runs. Both paths give the same frame.

Equality with the single-region calculator run on one region's rows (all years): the cube of a region-year
spans the same days the single run sees for that year (NaN rows are added at 1 January / 31 December when the
region has data in an earlier / a later year), and with ``o3_first_window_start < 0`` the last hours of
31 December are copied into the next year's partition, because the first O3 8-hour windows of 1 January start
the evening before. Annual results depend only on that year's days, so they are identical.

Output: one row per region and year (see :func:`run_air`), with the ``ComputedValues`` of indicator 1 and
their provenance (input files by sha256 — the dataset files that held the region's rows and the station
table).
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from liangshan.batch.cluster import gather
from liangshan.batch.results import computed_to_json, inputs_column
from liangshan.provenance import InputFile, sha256_file
from liangshan.services.calculators import air as air_calc
from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.io import REQUIRED, parse_columns
from liangshan.standards.air.regions import regions_good_days_report
from liangshan.standards.air.tables import CATEGORIES, POLLUTANTS

__all__ = [
    "AirBatchResult",
    "AirOptions",
    "Chunk",
    "DirectTask",
    "discover_files",
    "plan_chunks",
    "plan_direct",
    "read_pieces",
    "read_stations",
    "run_air",
    "scratch_parent",
    "task_groups",
]

DEFAULT_CHUNK_ROWS = 250_000
"""Rows per shuffle task (row groups are never split; ≈ 20 MB of station-hours in memory)."""
DEFAULT_STATIONS_PER_TASK = 32
"""Stations per compute task (whole regions; a larger region gets a task of its own)."""
Progress = Callable[[str, int, int], None]
_HOUR_US = 3_600_000_000


@dataclass(frozen=True)
class AirOptions:
    """Calculator options, as for ``liangshan air good-days``."""

    edition: str = "auto"
    area_method: str = "hourly"
    o3_first_window_start: int = 0
    columns: str | None = None

    def check(self) -> None:
        """Reject bad options before any task runs."""
        from liangshan.standards.air.aqi import EDITIONS

        if self.edition not in ("auto", *EDITIONS):
            raise AirInputError(f"未知的标准版本 {self.edition!r}，应为 auto、{'、'.join(EDITIONS)}")
        if self.area_method not in ("hourly", "daily"):
            raise AirInputError(f"area_method 应为 hourly 或 daily，而不是 {self.area_method!r}")
        if not -7 <= self.o3_first_window_start <= 0:
            raise AirInputError("o3_first_window_start 应在 -7 … 0 之间")
        parse_columns(self.columns)


@dataclass(frozen=True)
class Chunk:
    """Consecutive row groups of one Parquet file: the unit of the shuffle stage."""

    file_id: int
    path: str
    name: str
    row_groups: tuple[int, ...]
    first_row: int
    rows: int
    hive: tuple[tuple[str, str], ...] = ()
    hash_file: bool = False


@dataclass
class AirBatchResult:
    """Output of :func:`run_air`: the result table and figures about the run."""

    frame: pl.DataFrame
    station_hours: int
    files: int
    chunks: int
    compute_tasks: int
    seconds: dict[str, float] = field(default_factory=dict)
    layout: str = "shuffle"
    """``direct`` (compute tasks read their row groups) or ``shuffle``."""
    scratch: str | None = None
    """The directory that held the shuffle's scratch directory (None: the system temporary directory, or the
    direct path)."""
    dask_tasks: int = 0
    """Dask tasks submitted (a task runs several chunks or task groups one after the other)."""


# ------------------------------------------------------------------------------------ planning
def discover_files(dataset: str | Path) -> list[tuple[Path, str, dict[str, str]]]:
    """Parquet files of ``dataset``: ``(path, name shown in messages, hive keys of its directories)``.

    ``dataset`` is a ``.parquet`` file or a directory searched recursively (hidden files and names starting
    with ``_`` such as ``_SUCCESS`` are skipped). Hive directory names ``key=value`` become string columns
    when the files lack that column (e.g. ``station=…``); values keep leading zeros.
    """
    root = Path(dataset)
    if root.is_file():
        return [(root, root.name, {})]
    if not root.is_dir():
        raise AirInputError("数据集不存在（应为 .parquet 文件或包含 .parquet 文件的目录）", file=str(root))
    out = []
    for p in sorted(root.rglob("*.parquet")):
        rel = p.relative_to(root)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        hive: dict[str, str] = {}
        for part in rel.parts[:-1]:
            key, sep, value = part.partition("=")
            if sep and key:
                hive[urllib.parse.unquote(key)] = urllib.parse.unquote(value)
        out.append((p, f"{root.name}/{rel.as_posix()}", hive))
    if not out:
        raise AirInputError("目录中没有 .parquet 文件", file=str(root))
    return out


def plan_chunks(files: list[tuple[Path, str, dict[str, str]]], chunk_rows: int) -> list[Chunk]:
    """Split every file into chunks of consecutive row groups of at most ``chunk_rows`` rows (a larger row
    group is a chunk of its own). The first chunk of a file also hashes the file."""
    import pyarrow.parquet as pq

    chunks: list[Chunk] = []
    for file_id, (path, name, hive) in enumerate(files):
        try:
            meta = pq.ParquetFile(path).metadata
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError …
            raise AirInputError(f"无法读取 Parquet 文件：{exc}", file=name) from exc
        groups: list[int] = []
        start = offset = 0
        n = 0
        for i in range(meta.num_row_groups):
            rows = meta.row_group(i).num_rows
            if groups and n + rows > chunk_rows:
                chunks.append(
                    Chunk(file_id, str(path), name, tuple(groups), start, n, tuple(hive.items()), start == 0)
                )
                groups, start, n = [], offset, 0
            groups.append(i)
            n += rows
            offset += rows
        if groups or start == 0:
            chunks.append(
                Chunk(file_id, str(path), name, tuple(groups), start, n, tuple(hive.items()), start == 0)
            )
    return chunks


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise AirInputError("无法识别的文件编码（应为 UTF-8 或 GB18030）")  # pragma: no cover


def read_stations(path: str | Path) -> pl.DataFrame:
    """Read ``STATIONS.csv``: columns ``station`` and ``region`` (region code, e.g. ``411224``), optional
    ``region_name`` (or ``name``). UTF-8 (BOM allowed) or GB18030; codes are kept as text.

    Returns ``station, region, region_name`` (one row per station). Empty cells, a station listed twice
    (even with the same region) and a file without rows raise :class:`AirInputError` naming file, row
    (header = row 1) and column.
    """
    p = Path(path)
    if not p.is_file():
        raise AirInputError("站点表不存在", file=str(p))
    try:
        raw = pl.read_csv(io.StringIO(_decode(p.read_bytes())), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise AirInputError(f"无法读取站点表：{exc}", file=p.name) from exc
    raw = raw.rename({c: c.strip().lower() for c in raw.columns})
    for col in ("station", "region"):
        if col not in raw.columns:
            raise AirInputError(
                f"站点表缺少列 {col}；应有列 station,region[,region_name]", file=p.name, row=1, column=col
            )
    name_col = next((c for c in ("region_name", "name") if c in raw.columns), None)
    df = raw.select(
        pl.col("station").str.strip_chars(),
        pl.col("region").str.strip_chars(),
        (pl.col(name_col).str.strip_chars() if name_col else pl.lit(None, dtype=pl.String)).alias(
            "region_name"
        ),
    ).with_row_index("_row", offset=2)
    if df.height == 0:
        raise AirInputError("站点表没有任何站点行", file=p.name)
    for col in ("station", "region"):
        empty = df.filter(pl.col(col).is_null() | (pl.col(col) == ""))
        if empty.height:
            raise AirInputError(f"{col} 为空", file=p.name, row=int(empty["_row"][0]), column=col)
    dup = df.filter(pl.col("station").is_duplicated())
    if dup.height:
        first = dup.filter(pl.col("station") == dup["station"][0])["_row"].to_list()
        raise AirInputError(
            f"站点 {dup['station'][0]} 重复（第 {first[0]} 行与第 {first[1]} 行），每个站点只能属于一个区域",
            file=p.name,
            row=int(first[1]),
            column="station",
        )
    names = (
        df.filter(pl.col("region_name").is_not_null() & (pl.col("region_name") != ""))
        .group_by("region", maintain_order=True)
        .agg(pl.col("region_name").first())
    )
    return df.drop("region_name", "_row").join(names, on="region", how="left", maintain_order="left")


def task_groups(stations: pl.DataFrame, stations_per_task: int) -> pl.DataFrame:
    """Assign whole regions to task groups of about ``stations_per_task`` stations (regions in code order;
    a region with more stations forms a group alone). Adds ``_group`` (UInt32) to the station table."""
    sizes = stations.group_by("region").len().sort("region")
    group, filled, out = 0, 0, []
    for n in sizes["len"].to_list():  # one iteration per region
        if filled and filled + n > stations_per_task:
            group, filled = group + 1, 0
        out.append(group)
        filled += n
    groups = sizes.select("region").with_columns(pl.Series("_group", out, dtype=pl.UInt32))
    return stations.join(groups, on="region", how="left", maintain_order="left")


# --------------------------------------------------------------------------------- stage 1: shuffle
def _shifted(exc: AirInputError, first_row: int) -> AirInputError:
    """``exc`` with its row counted from the start of the file instead of the chunk."""
    if exc.row is None or first_row == 0:
        return exc
    where = [f"文件 {exc.file}"] if exc.file is not None else []
    where.append(f"第 {exc.row} 行")
    if exc.column is not None:
        where.append(f"列 {exc.column}")
    message = str(exc)[len("，".join(where) + "：") :]
    return AirInputError(message, file=exc.file, row=exc.row + first_row, column=exc.column)


def _read_chunk(chunk: Chunk, mapping: dict[str, str]) -> pl.DataFrame:
    """The rows of the chunk's row groups, only the needed columns, renamed to ours (hive keys as text
    columns). Read by polars' own Parquet reader (about half the CPU of ``pyarrow`` followed by the
    conversion to polars): the row groups are consecutive, so a slice of the scan, placed by the file's
    current footer, decodes only them."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(chunk.path)
    present = set(meta.schema.to_arrow_schema().names)
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    first = sum(sizes[: chunk.row_groups[0]]) if chunk.row_groups else 0
    rows = sum(sizes[i] for i in chunk.row_groups)
    hive = dict(chunk.hive)
    theirs = {ours: mapping.get(ours, ours) for ours in REQUIRED}
    for ours, col in theirs.items():
        if col not in present and col not in hive:
            hint = f"（--columns 将 {ours} 映射到此列）" if ours != col else ""
            raise AirInputError(
                f"缺少列 {col}{hint}；需要的列：{' '.join(REQUIRED)}", file=chunk.name, row=1, column=col
            )
    read = sorted({c for c in theirs.values() if c in present})
    scan = pl.scan_parquet(chunk.path, hive_partitioning=False, glob=False)
    raw = scan.select(read).slice(first, rows).collect()
    return raw.select(
        [
            (pl.col(col) if col in present else pl.lit(hive[col], dtype=pl.String)).alias(ours)
            for ours, col in theirs.items()
        ]
    )


@dataclass(frozen=True)
class _Stations:
    """The station table as arrays, sent with every task: station ``i`` (row ``i`` of the table) is
    ``names[i]``, in region ``regions[region[i]]`` (``regions`` sorted) and task group ``group[i]``;
    ``rank[i]`` is its position when the stations are sorted by region, then name — the order the
    single-region chain adds them in."""

    names: pl.Series
    regions: tuple[str, ...]
    region: np.ndarray
    group: np.ndarray
    rank: np.ndarray

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled with the names as a tuple of strings: sent with every task, and a polars Series pickles
        through an IPC stream (≈ 1 ms per task for 2,000 stations, in the process that submits)."""
        names = tuple(self.names.to_list())
        return _restore_stations, (names, self.regions, self.region, self.group, self.rank)


def _restore_stations(
    names: tuple[str, ...], regions: tuple[str, ...], region: np.ndarray, group: np.ndarray, rank: np.ndarray
) -> _Stations:
    return _Stations(pl.Series("station", names, dtype=pl.String), regions, region, group, rank)


def _station_arrays(station_map: pl.DataFrame) -> _Stations:
    """:class:`_Stations` of ``station, region, _group`` (one row per station)."""
    regions = tuple(station_map["region"].unique().sort().to_list())
    region = station_map["region"].cast(pl.Enum(regions)).to_physical().cast(pl.Int64).to_numpy()
    order = station_map.with_row_index("_i").sort("region", "station")["_i"].to_numpy()
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    group = station_map["_group"].cast(pl.Int64).to_numpy()
    return _Stations(station_map["station"], regions, region, group, rank)


def _station_codes(station: pl.Series, names: pl.Series) -> pl.Series:
    """Index of each row's station in ``names`` (UInt32, null when not listed). Rows usually come station by
    station: then each run of equal names is looked up once."""
    index = pl.Series(range(names.len()), dtype=pl.UInt32)
    runs = station.rle().struct.unnest()
    if 8 * runs.height > station.len():
        return station.replace_strict(names, index, default=None, return_dtype=pl.UInt32)
    code = runs["value"].replace_strict(names, index, default=None, return_dtype=pl.UInt32)
    return code.gather(np.repeat(np.arange(runs.height), runs["len"].to_numpy()))


def _validated(
    chunk: Chunk,
    mapping: dict[str, str],
    stations: _Stations,
    stations_name: str,
    *,
    provenance: bool = True,
) -> pl.DataFrame:
    """Read and validate ``chunk`` (:func:`liangshan.standards.air.io.validate`, rows counted from the file's
    first row): the rows with ``_st`` (the station's index in ``stations``) and, with ``provenance``,
    ``_row`` (spreadsheet row in the file) and ``_src`` (file). A station not in the station table raises
    :class:`AirInputError`."""
    from liangshan.standards.air.io import validate

    df = _read_chunk(chunk, mapping)
    try:
        df = validate(df, file=chunk.name)
    except AirInputError as exc:
        raise _shifted(exc, chunk.first_row) from None
    start = chunk.first_row + 2  # spreadsheet row of the chunk's first row (header = row 1)
    code = _station_codes(df["station"], stations.names).alias("_st")
    if code.null_count():
        missing = code.is_null()
        names = df["station"].filter(missing).unique(maintain_order=True)
        listed = "、".join(names.head(5).to_list()) + (f" 等共 {names.len()} 个" if names.len() > 5 else "")
        raise AirInputError(
            f"站点 {listed}不在站点表 {stations_name} 中（每个站点须有区域代码）",
            file=chunk.name,
            row=start + int(missing.arg_true()[0]),
            column="station",
        )
    if not provenance:
        return df.with_columns(code)
    return df.with_columns(  # new columns only (a join would copy the whole chunk)
        pl.int_range(start, start + df.height, dtype=pl.Int64).alias("_row"),
        pl.lit(chunk.file_id, dtype=pl.UInt32).alias("_src"),
        code,
    )


def _micros(df: pl.DataFrame) -> np.ndarray:
    """The ``time`` column as microseconds since 1970 (int64, no copy when already so)."""
    return df["time"].cast(pl.Datetime("us")).to_physical().to_numpy()


def _year_of(t: np.ndarray) -> np.ndarray:
    """Calendar year of each time (µs since 1970); one conversion when all rows are in one year."""
    if t.size:
        ends = np.array([t.min(), t.max()]).astype("datetime64[us]").astype("datetime64[Y]").astype(np.int64)
        if ends[0] == ends[1]:
            return np.full(t.size, int(ends[0]) + 1970, dtype=np.int64)
    return t.astype("datetime64[us]").astype("datetime64[Y]").astype(np.int64) + 1970


def _jan1_us(year: int) -> int:
    return int(np.datetime64(f"{year}-01-01", "us").astype(np.int64))


def shuffle_chunk(
    chunk: Chunk,
    chunk_id: int,
    stations: _Stations,
    mapping: dict[str, str],
    scratch: str,
    o3_first_window_start: int,
    stations_name: str,
) -> dict[str, Any]:
    """Stage 1 task: validate one chunk and write its rows to ``scratch/c<chunk>.arrow``, one record batch per
    task group and year (:func:`_write_pieces`: ``time`` as whole hours since 1970, the pollutants, ``_st``:
    stations by index, and ``_row`` only when the rows were re-ordered).

    Returns the file's :class:`InputFile` (first chunk of a file only), the station-hours per region, year
    and station, the pieces written (group, year, file, batch, first row) and the row count.
    """
    df = _validated(chunk, mapping, stations, stations_name, provenance=False).drop("station")
    code = df["_st"].to_numpy().astype(np.int64)
    t = _micros(df)
    year = _year_of(t)
    df = df.with_columns(
        pl.Series("time", _hours(t)),
        pl.Series("year", year, dtype=pl.Int32),
        pl.Series("_group", stations.group[code], dtype=pl.UInt32),
    )
    if o3_first_window_start < 0:  # 1 January's first O3 windows start on 31 December
        next_jan1 = (year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[us]").astype(np.int64)
        tail = t >= next_jan1 + o3_first_window_start * _HOUR_US
        if tail.any():
            df = df.with_columns(pl.int_range(0, df.height, dtype=pl.UInt32).alias("_row"))
            df = pl.concat([df, df.filter(pl.Series(tail)).with_columns(pl.col("year") + 1)])
    y0 = int(year.min()) if year.size else 0
    n_y = int(year.max()) - y0 + 1 if year.size else 1
    per = np.bincount(code * n_y + (year - y0), minlength=stations.names.len() * n_y)
    pieces = _write_pieces(df, Path(scratch) / f"c{chunk_id:06d}.arrow")
    entry = None
    if chunk.hash_file:
        h = sha256_file(chunk.path)
        entry = InputFile(name=chunk.name, sha256=h.sha256, size=h.size)
    return {
        "file_id": chunk.file_id,
        "input": entry,
        "counts": (y0, per.reshape(-1, n_y)),
        "pieces": pieces,
        "rows": df.height,
    }


def shuffle_chunks(
    chunks: list[tuple[Chunk, int]],
    stations: _Stations,
    mapping: dict[str, str],
    scratch: str,
    o3_first_window_start: int,
    stations_name: str,
) -> list[dict[str, Any]]:
    """Stage 1 task: :func:`shuffle_chunk` for each ``(chunk, chunk id)``, one after the other (memory: one
    chunk). Several chunks per Dask task (:func:`_batches`) keep the scheduler's and the client's work per
    row small."""
    return [
        shuffle_chunk(ch, i, stations, mapping, scratch, o3_first_window_start, stations_name)
        for ch, i in chunks
    ]


def _hours(t: np.ndarray) -> np.ndarray:
    """Whole hours since 1970 of the validated times ``t`` (µs): Int32 (245,000 years either side of 1970),
    else Int64 (:func:`compute_group` widens a task's pieces then)."""
    h = t // _HOUR_US
    small = not h.size or (int(h.min()) >= np.iinfo(np.int32).min and int(h.max()) <= np.iinfo(np.int32).max)
    return h.astype(np.int32) if small else h


def _write_pieces(df: pl.DataFrame, path: Path) -> list[tuple[int, int, str, int, int]]:
    """Write the chunk as one Arrow IPC file (uncompressed) with one record batch per (task group, year): one
    file per chunk rather than one per piece, so a national run does not leave millions of small files, and a
    piece is read back through the file's small footer (cheaper than a Parquet footer with many row groups).

    Columns ``time`` (Int32 hours), the pollutants and ``_st``: 56 bytes per station-hour. The file and the
    spreadsheet rows are not written when they follow from the piece: every row of a chunk comes from one
    file, and when the chunk's rows are already in (group, year) order — rows sorted by station, regions
    numbered in station order — a piece is a run of consecutive rows, so its first row gives the others.
    Otherwise (and for the copied 31 December hours) the rows are sorted and ``_row`` (UInt32, the row's
    position in the chunk) is written too: 60 bytes.

    Returns ``(group, year, path, batch index, first row)`` per piece; first row is the position in the chunk
    of the piece's first row when the piece is a run of consecutive rows, else -1."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    key = df["_group"].cast(pl.UInt64) * 65536 + df["year"].cast(pl.UInt64)  # one integer sort key
    if not key.is_sorted():
        if "_row" not in df.columns:
            df = df.with_columns(pl.int_range(0, df.height, dtype=pl.UInt32).alias("_row"))
        order = key.arg_sort()
        df, key = df[order], key.gather(order)
    runs = key.rle().struct.unnest()
    table = df.drop("_group", "year").to_arrow().combine_chunks()
    consecutive = "_row" not in df.columns
    pieces = []
    start = 0
    options = ipc.IpcWriteOptions(compression=None)  # CPU, not disk, limits the job
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema, options=options) as writer:
        for i, (n, value) in enumerate(runs.select("len", "value").iter_rows()):
            group, year = divmod(value, 65536)
            (batch,) = table.slice(start, n).to_batches()
            writer.write_batch(batch)
            pieces.append((int(group), int(year), str(path), i, start if consecutive else -1))
            start += n
    return pieces


# --------------------------------------------------------------------------------- stage 2: compute
@dataclass(frozen=True)
class _RegionYear:
    name: str | None
    before: bool  # the region has rows in an earlier year
    after: bool  # … in a later year
    stations: tuple[str, ...]  # the region's stations in the dataset, as a single-region run lists them


def _duplicate_error(part: pl.DataFrame, files: dict[int, InputFile], dataset: str) -> AirInputError:
    dup = part.filter(pl.struct("station", "time").is_duplicated()).sort("station", "time", "_src", "_row")
    a, b = dup.row(0, named=True), dup.row(1, named=True)
    where = [f"文件 {files[r['_src']].name} 第 {r['_row']} 行" for r in (a, b)]
    return AirInputError(
        f"站点 {a['station']} 时间 {a['time']} 重复（{where[0]}与{where[1]}），每个站点每小时只能有一行",
        file=dataset,
        column="station,time",
    )


def compute_group(
    pieces: list[tuple[str, int, int, int, int]],
    year: int,
    regions: dict[str, _RegionYear],
    opts: AirOptions,
    files: dict[int, InputFile],
    extra_inputs: list[InputFile],
    dataset: str,
    stations: _Stations,
) -> list[dict[str, Any]]:
    """Stage 2 task: every region of one task group in one year (one result row per region), from the
    record batches ``pieces`` that the shuffle tasks wrote for it: ``(scratch file, batch, input file id,
    spreadsheet row of the chunk's first row, position of the piece's first row in the chunk or -1)``
    (:func:`_write_pieces`), from which ``time`` (µs), ``_src`` and ``_row`` are restored.

    All regions at once (:mod:`liangshan.standards.air.regions`): one pass over the rows for the area hourly
    means, the daily statistics and AQI and the annual summary with the regions as rows; the figures equal
    the single-region chain's on each region's rows (its period: 1 January when the region has data in an
    earlier year, else its first day; 31 December when it has data in a later year, else its last day)."""
    df = read_pieces(pieces)
    return _compute_year(df, year, regions, opts, files, extra_inputs, dataset, stations)


def compute_groups(
    items: list[tuple[list[tuple[str, int, int, int, int]], int, dict[str, _RegionYear]]],
    opts: AirOptions,
    files: dict[int, InputFile],
    extra_inputs: list[InputFile],
    dataset: str,
    stations: _Stations,
) -> pl.DataFrame:
    """Stage 2 task: :func:`compute_group` for each ``(pieces, year, regions)``, one after the other
    (memory: one task group and year), returned as a part of the result table (:func:`_frame`), so that the
    client only concatenates the parts."""
    rows: list[dict[str, Any]] = []
    for pieces, year, regions in items:
        rows += compute_group(pieces, year, regions, opts, files, extra_inputs, dataset, stations)
    return _frame(rows)


def read_pieces(pieces: list[tuple[str, int, int, int, int]]) -> pl.DataFrame:
    """The rows of the record batches ``pieces`` (see :func:`compute_group`) as the shuffle task validated
    them: ``time`` (Datetime µs), the pollutants, ``_st``, ``_row`` (spreadsheet row in the file) and
    ``_src`` (file id)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    columns = ["time", *POLLUTANTS, "_st"]
    batches, src, row = [], [], []
    for f, i, file_id, row0, start in pieces:  # one per shuffle task
        with pa.memory_map(f) as source:
            batch = ipc.open_file(source).get_batch(i)
        n = batch.num_rows
        src.append(np.full(n, file_id, dtype=np.uint32))
        if start >= 0:
            row.append(np.arange(row0 + start, row0 + start + n, dtype=np.int64))
        else:
            row.append(batch.column("_row").to_numpy().astype(np.int64) + row0)
        batches.append(batch.select(columns))
    if any(b.schema != batches[0].schema for b in batches):  # a piece with Int64 hours (:func:`_hours`)
        batches = [b.set_column(0, "time", b.column(0).cast(pa.int64())) for b in batches]
    df = pl.from_arrow(pa.Table.from_batches(batches, schema=batches[0].schema))
    assert isinstance(df, pl.DataFrame)
    del batches
    # hours → µs in one numpy pass (polars' cast then multiply took two fresh, page-faulted buffers)
    micros = np.multiply(df["time"].to_numpy(), _HOUR_US, dtype=np.int64)
    df = df.with_columns(
        pl.Series("time", micros).cast(pl.Datetime("us")),
        pl.Series("_row", np.concatenate(row)),
        pl.Series("_src", np.concatenate(src)),
    )
    return df


def _compute_year(
    df: pl.DataFrame,
    year: int,
    regions: dict[str, _RegionYear],
    opts: AirOptions,
    files: dict[int, InputFile],
    extra_inputs: list[InputFile],
    dataset: str,
    stations: _Stations,
) -> list[dict[str, Any]]:
    """The regions ``regions`` of one year from their validated rows ``df`` (columns ``time``, the
    pollutants, ``_row``, ``_src``, ``_st``; rows before 1 January are the last hours of 31 December of the
    year before, for the first O3 windows), one result row per region. Integer arrays throughout: the
    stations by index, the regions by their position in ``sorted(regions)``."""
    from liangshan.standards.air.regions import DuplicateHourError, stacked_daily

    names = sorted(regions)  # a region with only 31 December hours of the year before has no result
    pos = np.full(len(stations.regions), -1, dtype=np.int64)
    pos[np.searchsorted(np.array(stations.regions), names)] = np.arange(len(names))
    pos_of = pos[stations.region]  # region position of every station of the table, -1 when not computed
    code = df["_st"].to_numpy().astype(np.int64)
    keep = pos_of[code] >= 0
    if not keep.all():
        df, code = df.filter(pl.Series(keep)), code[keep]
    present = np.flatnonzero(np.bincount(code, minlength=stations.names.len()))
    sel = present[np.argsort(stations.rank[present], kind="stable")]  # by region, then name
    local = np.zeros(stations.names.len(), dtype=np.int64)
    local[sel] = np.arange(sel.size)
    station = local[code]
    of_station = pos_of[sel]
    t = _micros(df)
    jan1 = np.datetime64(f"{year}-01-01", "D")
    start = min(jan1, np.datetime64(int(t.min()), "us").astype("datetime64[D]"))
    n_days = int((np.datetime64(f"{year}-12-31", "D") - start).astype(np.int64)) + 1
    hours = (t - int(start.astype("datetime64[us]").astype(np.int64))) // _HOUR_US
    try:
        res = stacked_daily(
            station,
            hours,
            {p: _values(df, p) for p in POLLUTANTS},
            of_station,
            tuple(names),
            start,
            n_days,
            station_names=tuple(stations.names.gather(sel).to_list()),
            edition=opts.edition,
            area_method=opts.area_method,
            o3_first_window_start=opts.o3_first_window_start,
        )
    except DuplicateHourError:  # name the rows: the first region in code order with a repeated station-hour
        named = df.with_columns(
            stations.names.gather(code).alias("station"),
            pl.Series("region", [names[i] for i in pos_of[code].tolist()], dtype=pl.String),
        )
        dup = named.select(pl.struct("station", "time").is_duplicated()).to_series()
        first_region = named.filter(dup)["region"].min()
        raise _duplicate_error(named.filter(pl.col("region") == first_region), files, dataset) from None
    # Per region: first hour of the year with a row, last hour with a row, station-hours of the year and
    # the input files that held its rows.
    n_r = len(names)
    region = of_station[station]
    own = hours >= int((jan1 - start).astype(np.int64)) * 24  # not one of the hours of the year before
    t0 = np.full(n_r, np.iinfo(np.int64).max)
    np.minimum.at(t0, region[own], hours[own])
    t1 = np.full(n_r, -1)
    np.maximum.at(t1, region, hours)
    counts = np.bincount(region[own], minlength=n_r)
    src = df["_src"].to_numpy().astype(np.int64)
    n_src = int(src.max()) + 1 if src.size else 1
    held = (np.bincount(region * n_src + src, minlength=n_r * n_src).reshape(n_r, n_src) > 0).tolist()
    jan1_day = int((jan1 - start).astype(np.int64))
    first = np.array([jan1_day if regions[r].before else int(t0[i]) // 24 for i, r in enumerate(names)])
    last = np.array([n_days - 1 if regions[r].after else int(t1[i]) // 24 for i, r in enumerate(names)])
    reports = regions_good_days_report(res, first, last)
    out = []
    for i, region_code in enumerate(names):  # one row per region-year
        info = regions[region_code]
        region_stations = list(info.stations)
        params = air_calc.good_days_parameters(
            edition=opts.edition,
            area_method=opts.area_method,
            o3_start=opts.o3_first_window_start,
            required=res.required,
            columns=opts.columns,
            stations=region_stations,
        )
        used = [files[k] for k, h in enumerate(held[i]) if h] + list(extra_inputs)
        report = reports[region_code]
        (cv,) = air_calc.good_days_values(report, used, params, region_code)
        (y,) = report
        out.append(
            {
                "region": region_code,
                "region_name": info.name,
                "year": year,
                "good_days": y["good_days"],
                "valid_days": y["valid_days"],
                "ratio": y["ratio"],
                "days": y["days"],
                **{c: y["categories"][c] for c in CATEGORIES},
                "heavy_days": y["heavy_days"],
                "invalid_day_count": y["invalid_day_count"],
                "editions": list(y["editions"]),
                "limits": y["limits"],
                "attained": y["attained"],
                "n_stations": len(region_stations),
                "station_hours": int(counts[i]),
                "stations": region_stations,
                "inputs": used,
                "computed": computed_to_json(cv),
                "error": None,
            }
        )
    return out


def _values(df: pl.DataFrame, p: str) -> np.ndarray:
    """Concentrations of ``p`` as float64 with NaN for missing (validated columns: no copy)."""
    col = df[p].cast(pl.Float64)
    return (col.fill_null(np.nan) if col.null_count() else col).to_numpy()


# ----------------------------------------------------------------------- direct path (no shuffle)
MAX_READ = 1.5
HOURS_PER_YEAR = 8_784
"""The direct path is used when its compute tasks together read at most this many times the dataset's rows
(a row group whose stations belong to two task groups is read by both)."""


class _LayoutMismatch(Exception):
    """A row group holds stations outside the range its statistics gave when the job was planned (the file
    changed, or names differ once stripped): the job falls back to the shuffle."""


@dataclass(frozen=True)
class DirectTask:
    """A compute task of the direct path: task group ``group`` (whole regions) and the row groups that may
    hold its stations, each with the station range ``(min, max)`` of its statistics."""

    group: int
    reads: tuple[Chunk, ...]
    bounds: tuple[tuple[str, str], ...]


def _station_ranges(
    files: list[tuple[Path, str, dict[str, str]]], column: str
) -> list[tuple[Chunk, str, str]] | None:
    """``(row group, min station, max station)`` of every row group of every file, from the Parquet
    row-group statistics of the station column (or the file's hive key ``station=…``); None when a file
    has neither (no statistics, a non-text station column, names with surrounding blanks)."""
    import pyarrow.parquet as pq

    out = []
    for file_id, (path, name, hive) in enumerate(files):
        try:
            meta = pq.ParquetFile(path).metadata
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError …
            raise AirInputError(f"无法读取 Parquet 文件：{exc}", file=name) from exc
        index = next((i for i in range(meta.num_columns) if meta.schema.column(i).path == column), None)
        if index is None and column not in hive:
            return None
        offset = 0
        for i in range(meta.num_row_groups):
            rows = meta.row_group(i).num_rows
            chunk = Chunk(file_id, str(path), name, (i,), offset, rows, tuple(hive.items()))
            offset += rows
            if index is None:
                lo = hi = hive[column]
            else:
                stats = meta.row_group(i).column(index).statistics
                if rows == 0:
                    continue
                if stats is None or not stats.has_min_max:
                    return None
                lo, hi = stats.min, stats.max
                if isinstance(lo, bytes) and isinstance(hi, bytes):
                    try:
                        lo, hi = lo.decode(), hi.decode()
                    except UnicodeDecodeError:
                        return None
                if not isinstance(lo, str) or not isinstance(hi, str):
                    return None
            if lo != lo.strip() or hi != hi.strip():
                return None
            out.append((chunk, lo, hi))
    return out


def plan_direct(
    files: list[tuple[Path, str, dict[str, str]]],
    stations: pl.DataFrame,
    mapping: dict[str, str],
    stations_per_task: int,
    max_read: float = MAX_READ,
) -> tuple[pl.DataFrame, list[DirectTask]] | None:
    """Compute tasks that read their stations' row groups directly, or None when the input does not allow it.

    The input allows it when every row group's station range is known (row-group statistics of the station
    column, or ``station=…`` directories) and the ranges are narrow: files sorted by station (or by region
    with station codes numbered region by region, as national station codes are) or partitioned by
    station. Task groups are whole regions, taken in the order of their first station name, at most
    ``stations_per_task`` stations each (a larger region alone), so that a group's stations are one range of
    names; a group ends at the last region boundary that no row group straddles when that keeps it at least
    half full, else where it is full. A row group is read by every group with a station in its range. None
    when that reads more than ``max_read`` times the rows (e.g. month files with all stations in every row
    group): the shuffle is cheaper then.

    With more than a (leap) year of rows per station on average, ``stations_per_task`` is divided by the
    number of years, so that a task holds about as many rows as a shuffle-path task (one year).

    Returns the station table with ``_group`` and the tasks (groups whose stations have no rows get none).
    """
    import bisect

    import numpy as np

    ranges = _station_ranges(files, mapping.get("station", "station"))
    if ranges is None or not ranges:
        return None
    known = sorted(stations["station"].to_list())  # code-point order = the byte order of the statistics
    region_of = dict(stations.select("station", "region").iter_rows())
    first: dict[str, int] = {}
    size: dict[str, int] = {}
    for i, st in enumerate(known):  # one iteration per station
        first.setdefault(region_of[st], i)
        size[region_of[st]] = size.get(region_of[st], 0) + 1
    spans = [(bisect.bisect_left(known, lo), bisect.bisect_right(known, hi)) for _, lo, hi in ranges]
    # crossed[i] > 0: a row group holds stations on both sides of the cut between stations i-1 and i
    crossed = np.zeros(len(known) + 2, dtype=np.int64)
    for a, b in spans:
        if b > a + 1:
            crossed[a + 1] += 1
            crossed[b] -= 1
    crossed = np.cumsum(crossed)
    # Memory as on the shuffle path, whose tasks hold one year: with several years of rows per station the
    # groups hold proportionally fewer stations (HOURS_PER_YEAR rows per station-year).
    covered = np.zeros(len(known) + 1, dtype=np.int64)
    for a, b in spans:
        covered[a] += 1
        covered[b] -= 1
    n_covered = int((np.cumsum(covered)[: len(known)] > 0).sum())
    per_station = sum(c.rows for c, _, _ in ranges) / max(n_covered, 1)
    if per_station > HOURS_PER_YEAR:
        stations_per_task = max(1, int(stations_per_task * HOURS_PER_YEAR / per_station))
    groups: list[list[str]] = [[]]
    filled, clean = 0, -1  # clean: regions of the current group before its last clean cut
    for region in sorted(first, key=first.__getitem__):  # regions in the order of their first station
        if filled and filled + size[region] > stations_per_task:
            current = groups[-1]
            before = sum(size[r] for r in current[:clean]) if clean > 0 else 0
            rest: list[str] = []
            if 2 * before >= stations_per_task:  # end at the last clean cut: no row group read twice
                groups[-1], rest = current[:clean], current[clean:]
            groups.append(rest)
            filled = sum(size[r] for r in rest)
            clean = max((j for j in range(1, len(rest)) if crossed[first[rest[j]]] == 0), default=-1)
        if groups[-1] and crossed[first[region]] == 0:
            clean = len(groups[-1])
        groups[-1].append(region)
        filled += size[region]
    group_of = {region: g for g, regions in enumerate(groups) for region in regions}
    g_of = np.array([group_of[region_of[st]] for st in known], dtype=np.int64)
    total = sum(c.rows for c, _, _ in ranges)
    budget = max_read * total
    read = 0
    reads: dict[int, list[tuple[Chunk, str, str]]] = {}
    for (chunk, lo, hi), (a, b) in zip(ranges, spans, strict=True):
        # no known station in the range: still read once, so that the unknown stations are reported
        gs = np.unique(g_of[a:b]) if b > a else g_of[min(a, len(known) - 1) : min(a, len(known) - 1) + 1]
        read += chunk.rows * len(gs)
        if read > budget:
            return None
        for g in gs.tolist():
            reads.setdefault(g, []).append((chunk, lo, hi))
    table = stations.with_columns(
        pl.col("region").replace_strict(group_of, return_dtype=pl.UInt32).alias("_group")
    )
    tasks = [
        DirectTask(g, tuple(c for c, _, _ in rs), tuple((lo, hi) for _, lo, hi in rs))
        for g, rs in sorted(reads.items())
    ]
    return table, tasks


def hash_input(path: str, name: str) -> InputFile:
    """The :class:`InputFile` (sha256, size) of one dataset file."""
    h = sha256_file(path)
    return InputFile(name=name, sha256=h.sha256, size=h.size)


def hash_inputs(files: list[tuple[int, str, str]]) -> dict[int, InputFile]:
    """:func:`hash_input` of each ``(file id, path, name)``, by file id."""
    return {i: hash_input(path, name) for i, path, name in files}


def _hash_lists(
    files: list[tuple[Path, str, dict[str, str]]], threads: int
) -> list[list[tuple[int, str, str]]]:
    """The dataset files split into at most ``threads`` lists of about equal bytes (largest file first to the
    lightest list): one hash task per worker thread."""
    n = max(1, min(threads, len(files)))
    sizes = [p.stat().st_size for p, _, _ in files]
    lists: list[list[tuple[int, str, str]]] = [[] for _ in range(n)]
    load = [0] * n
    for i in sorted(range(len(files)), key=lambda i: -sizes[i]):
        k = load.index(min(load))
        lists[k].append((i, str(files[i][0]), files[i][1]))
        load[k] += sizes[i]
    return [sorted(x) for x in lists if x]


def direct_group(
    task: DirectTask,
    station_map: _Stations | pl.DataFrame,
    region_names: dict[str, str | None],
    mapping: dict[str, str],
    opts: AirOptions,
    files: dict[int, InputFile],
    extra_inputs: list[InputFile],
    dataset: str,
    stations_name: str,
) -> list[dict[str, Any]]:
    """Compute task of the direct path: read the task's row groups (only the needed columns), validate them
    as the shuffle does, keep the rows of the task group's stations, and compute every region of the group
    in every year it has rows (:func:`_compute_year`, the same computation as the shuffle path's
    :func:`compute_group`). Memory: the group's rows plus one row group. ``station_map``: the station table
    (``station, region, _group``) or its :class:`_Stations`."""
    stations = _station_arrays(station_map) if isinstance(station_map, pl.DataFrame) else station_map
    return _direct_rows(
        task, stations, region_names, mapping, opts, files, extra_inputs, dataset, stations_name, {}, set()
    )


def direct_groups(
    tasks: tuple[DirectTask, ...],
    stations: _Stations,
    region_names: dict[str, str | None],
    mapping: dict[str, str],
    opts: AirOptions,
    files: dict[int, InputFile],
    extra_inputs: list[InputFile],
    dataset: str,
    stations_name: str,
) -> pl.DataFrame:
    """Dask task of the direct path: :func:`direct_group` for each of ``tasks`` (consecutive task groups),
    one after the other, returned as a part of the result table (:func:`_frame`). A row group that holds
    stations of two of these groups is read and validated once (kept until the last group that needs it).
    Memory: one group's rows plus the row groups it shares with the next group."""
    last = {(ch.file_id, ch.row_groups): k for k, task in enumerate(tasks) for ch in task.reads}
    cache: dict[tuple[int, tuple[int, ...]], pl.DataFrame] = {}
    rows: list[dict[str, Any]] = []
    for k, task in enumerate(tasks):
        later = {key for key, j in last.items() if j > k}
        args = (region_names, mapping, opts, files, extra_inputs, dataset, stations_name)
        rows += _direct_rows(task, stations, *args, cache, later)
        for key in [key for key in cache if key not in later]:
            del cache[key]
    return _frame(rows)


def _direct_rows(
    task: DirectTask,
    stations: _Stations,
    region_names: dict[str, str | None],
    mapping: dict[str, str],
    opts: AirOptions,
    files: dict[int, InputFile],
    extra_inputs: list[InputFile],
    dataset: str,
    stations_name: str,
    cache: dict[tuple[int, tuple[int, ...]], pl.DataFrame],
    keep: set[tuple[int, tuple[int, ...]]],
) -> list[dict[str, Any]]:
    """:func:`direct_group` with the validated row groups of ``cache`` (by file and row groups) instead of
    reading them again; the row groups read here that are in ``keep`` are added to ``cache``."""
    parts = []
    for chunk, (lo, hi) in zip(task.reads, task.bounds, strict=True):
        key = (chunk.file_id, chunk.row_groups)
        df = cache.get(key)
        if df is None:
            df = _validated(chunk, mapping, stations, stations_name)
            if df.height and (str(df["station"].min()) < lo or str(df["station"].max()) > hi):
                raise _LayoutMismatch(chunk.name)
            df = df.drop("station")
            if key in keep:
                cache[key] = df
        mine = stations.group[df["_st"].to_numpy()] == task.group
        parts.append(df if mine.all() else df.filter(pl.Series(mine)))
    df = pl.concat(parts)
    del parts
    code = df["_st"].to_numpy().astype(np.int64)
    t = _micros(df)
    year = _year_of(t)
    y0 = int(year.min()) if year.size else 0
    n_y = int(year.max()) - y0 + 1 if year.size else 1
    per = np.bincount(code * n_y + (year - y0), minlength=stations.names.len() * n_y)
    seen = per.reshape(-1, n_y) > 0  # station × year: has rows
    years: dict[str, list[int]] = {}
    members: dict[str, list[str]] = {}
    for st in np.flatnonzero(seen.any(axis=1)).tolist():  # one iteration per station of the task
        region = stations.regions[stations.region[st]]
        ys = set(years.get(region, ())) | {y0 + k for k in np.flatnonzero(seen[st]).tolist()}
        years[region] = sorted(ys)
        members.setdefault(region, []).append(str(stations.names[st]))
    pad = -opts.o3_first_window_start * _HOUR_US  # 1 January's first O3 windows start on 31 December
    out = []
    all_years = sorted({y for ys in years.values() for y in ys})
    for y in all_years:
        regions = {
            region: _RegionYear(
                region_names.get(region), ys[0] < y, ys[-1] > y, tuple(sorted(members[region]))
            )
            for region, ys in sorted(years.items())
            if y in ys
        }
        inside = (t >= _jan1_us(y) - pad) & (t < _jan1_us(y + 1))
        part = df if inside.all() else df.filter(pl.Series(inside))
        out += _compute_year(part, y, regions, opts, files, extra_inputs, dataset, stations)
    return out


# --------------------------------------------------------------------------------------- driver
TMPFS = Path("/dev/shm")
"""Memory-backed file system for the scratch files of a local cluster (Linux), when it has room."""
SCRATCH_BYTES_PER_ROW = 64
"""Upper estimate of the scratch bytes per station-hour (:func:`_write_pieces`: 56 or 60, plus the copied
31 December hours)."""


CGROUP_MEMORY = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),  # v1
)
"""Memory limit and usage of this process's control group (a container's limit, which tmpfs pages count
against)."""


def _memory_available() -> int:
    """Bytes of memory this process may still use: ``MemAvailable`` of ``/proc/meminfo``, or less when the
    control group's limit leaves less (0 when unknown)."""
    avail = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0
    for limit_path, usage_path in CGROUP_MEMORY:
        try:
            limit = int(Path(limit_path).read_text(encoding="ascii"))
            usage = int(Path(usage_path).read_text(encoding="ascii"))
        except (OSError, ValueError):  # no such group, or no limit ("max")
            continue
        avail = min(avail, max(limit - usage, 0))
    return avail


def scratch_parent(c: Any, scratch_dir: str | Path | None, rows: int) -> str | None:
    """The directory that holds the shuffle's scratch directory: ``scratch_dir`` when given; else, for a
    local cluster, :data:`TMPFS` when the scratch files (``rows`` × :data:`SCRATCH_BYTES_PER_ROW`) take at
    most half of its free space and a quarter of the memory available; else None (the system temporary
    directory).

    Why: on a disk file system the scratch files are written to the page cache and then to disk, with
    block allocation and journal work on the way; measured on the scale benchmark's month files (2,000
    stations, one worker), the shuffle stage took 5.9–7.4 s on ``/tmp`` (ext4) against 3.8–4.2 s on
    ``/dev/shm``, most of the difference in the kernel. The workers of a remote cluster may be on other
    machines, whose ``/dev/shm`` the others cannot see, so they keep the system temporary directory."""
    if scratch_dir is not None:
        return str(scratch_dir)
    from distributed import LocalCluster

    if not isinstance(getattr(c, "cluster", None), LocalCluster):
        return None
    try:
        st = os.statvfs(TMPFS)
    except OSError:
        return None
    need = rows * SCRATCH_BYTES_PER_ROW
    if not os.access(TMPFS, os.W_OK | os.X_OK):
        return None
    if 2 * need > st.f_bavail * st.f_frsize or 4 * need > _memory_available():
        return None
    return str(TMPFS)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema: dict[str, Any] = {
        "region": pl.String,
        "region_name": pl.String,
        "year": pl.Int32,
        "good_days": pl.Int64,
        "valid_days": pl.Int64,
        "ratio": pl.Float64,
        "days": pl.Int64,
        **dict.fromkeys(CATEGORIES, pl.Int64),
        "heavy_days": pl.Int64,
        "invalid_day_count": pl.Int64,
        "editions": pl.List(pl.String),
        "limits": pl.String,
        "attained": pl.Boolean,
        "n_stations": pl.Int64,
        "station_hours": pl.Int64,
        "stations": pl.List(pl.String),
    }
    rows = sorted(rows, key=lambda r: (r["region"], r["year"]))
    frame = pl.DataFrame([{k: r[k] for k in schema} for r in rows], schema=schema)
    return frame.with_columns(
        inputs_column([r["inputs"] for r in rows]),
        pl.Series("computed", [r["computed"] for r in rows], dtype=pl.String),
        pl.Series("error", [r["error"] for r in rows], dtype=pl.String),
    )


def _submit(c: Any, fn: Callable[..., Any], calls: list[tuple[Any, ...]]) -> list[Any]:
    """One task ``fn(*args)`` per element of ``calls``, submitted in one message to the scheduler
    (``Client.map``; one ``Client.submit`` per task costs a round of the client's event loop and a graph
    update each: 0.5 s to submit 80 tasks in a measured run, during which the workers wait)."""
    if not calls:
        return []
    return list(c.map(fn, *map(list, zip(*calls, strict=True)), pure=False))


def _region_years(
    stations: _Stations, counts: list[tuple[int, np.ndarray]], names: dict[str, str | None]
) -> dict[tuple[int, int], tuple[dict[str, _RegionYear], int]]:
    """Per (task group, year): its regions with rows in that year and the group's station-hours of that
    year, from the read tasks' station × year row counts ``(first year, counts)``. A region's stations are
    those with rows in any year; its period runs from 1 January / to 31 December when it has rows in an
    earlier / a later year."""
    counts = [(y0, per) for y0, per in counts if per.any()]  # an empty chunk counts from year 0
    if not counts:
        return {}
    y_lo = min(y0 for y0, _ in counts)
    y_hi = max(y0 + per.shape[1] for y0, per in counts)
    total = np.zeros((stations.names.len(), y_hi - y_lo), dtype=np.int64)
    for y0, per in counts:
        total[:, y0 - y_lo : y0 - y_lo + per.shape[1]] += per
    n_regions = len(stations.regions)
    region_rows = np.zeros((n_regions, y_hi - y_lo), dtype=np.int64)
    np.add.at(region_rows, stations.region, total)
    seen = total.sum(axis=1) > 0
    members: dict[int, list[str]] = {}
    for st in np.flatnonzero(seen).tolist():  # one iteration per station with rows
        members.setdefault(int(stations.region[st]), []).append(str(stations.names[st]))
    group_of = np.zeros(n_regions, dtype=np.int64)
    group_of[stations.region] = stations.group
    out: dict[tuple[int, int], tuple[dict[str, _RegionYear], int]] = {}
    for r in np.flatnonzero(region_rows.sum(axis=1) > 0).tolist():  # one iteration per region with rows
        region = stations.regions[r]
        ys = (np.flatnonzero(region_rows[r]) + y_lo).tolist()
        info = tuple(sorted(members[r]))
        for y in ys:
            key = (int(group_of[r]), int(y))
            regions, n = out.get(key, ({}, 0))
            regions[region] = _RegionYear(names.get(region), ys[0] < y, ys[-1] > y, info)
            out[key] = (regions, n + int(region_rows[r, y - y_lo]))
    return out


TASKS_PER_THREAD = 2
"""Guided task sizes (:func:`_batches`): each Dask task takes 1 / (this × worker threads) of the work that is
left."""


def _threads(c: Any) -> int:
    """Worker threads of the cluster (at least 1)."""
    try:
        return max(1, sum(c.nthreads().values()))
    except Exception:  # no scheduler information: size as for one thread
        return 1


def _batches(weights: list[float], threads: int, per_thread: int = TASKS_PER_THREAD) -> list[list[int]]:
    """Split the units ``0 … len(weights)-1`` (in order) into runs, one Dask task each, largest first:
    each run takes about 1 / (``per_thread`` × ``threads``) of the weight still left (at least one unit), so
    the first tasks are large and the last ones single units (guided scheduling). The scheduler's and the
    client's work grows with the tasks (≈ 8 ms of the client's CPU each), the idle time at the end with the
    size of the last tasks; with 2 threads 80 equal units become 13 tasks (20, 15, 12, …, 1)."""
    left = float(sum(weights))
    out: list[list[int]] = []
    run: list[int] = []
    acc = 0.0
    for i, w in enumerate(weights):
        run.append(i)
        acc += w
        if acc >= left / (per_thread * threads):
            out.append(run)
            left -= acc
            run, acc = [], 0.0
    if run:
        out.append(run)
    return out


def _concat(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """The result table from the tasks' parts (each sorted by region and year; a region-year is in one part
    only)."""
    if not parts:
        return _frame([])
    return pl.concat(parts, how="vertical").sort("region", "year")


def run_air(
    c: Any,
    dataset: str | Path,
    stations_csv: str | Path,
    *,
    options: AirOptions | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    stations_per_task: int = DEFAULT_STATIONS_PER_TASK,
    scratch_dir: str | Path | None = None,
    progress: Progress | None = None,
    layout: str = "auto",
) -> AirBatchResult:
    """Indicator 1 per region and year on the Dask client ``c``.

    Parameters
    ----------
    c : distributed.Client
        See :func:`liangshan.batch.cluster.client`.
    dataset : path
        Parquet file or directory (hive partitions allowed), columns as for ``liangshan air``.
    stations_csv : path
        ``station,region[,region_name]``; every station of the dataset must be listed.
    options : AirOptions
        Edition, area method, O3 window start, column mapping (as ``liangshan air good-days``).
    chunk_rows, stations_per_task : int
        Size of the shuffle tasks (rows) and of the compute tasks (stations).
    scratch_dir : path, optional
        Where the shuffled rows go (a temporary directory inside it, removed at the end); must be visible
        to every worker. Default (:func:`scratch_parent`): ``/dev/shm`` for a local cluster when it has room,
        else the system temporary directory.
    progress : callable, optional
        ``progress(stage, done, total)``.
    layout : {"auto", "shuffle"}
        ``auto``: read each task group's row groups directly when the input's row-group statistics allow it
        (:func:`plan_direct`), else shuffle; ``shuffle``: always shuffle. Both give the same frame.

    Returns
    -------
    AirBatchResult
        ``frame`` has one row per region-year: ``region, region_name, year, good_days, valid_days, ratio,
        days``, days per category, ``heavy_days, invalid_day_count, editions, limits, attained, n_stations,
        station_hours, stations, inputs`` and ``computed`` (the indicator-1 ``ComputedValues`` as JSON).

    Raises
    ------
    AirInputError
        Any input problem (the first one found), naming the file, row and column; nothing is written.
    """
    opts = options or AirOptions()
    opts.check()
    mapping = parse_columns(opts.columns)
    if chunk_rows < 1 or stations_per_task < 1:
        raise AirInputError("chunk_rows 与 stations_per_task 应为正整数")
    if layout not in ("auto", "shuffle"):
        raise AirInputError(f"layout 应为 auto 或 shuffle，而不是 {layout!r}")
    marks = {"start": time.perf_counter()}
    files = discover_files(dataset)
    threads = _threads(c)
    # The dataset files' hashes first, on the workers while this process plans, and passed to the compute
    # tasks as values: a task that depends on other tasks is sent to a worker as soon as they finish, in an
    # order of Dask's choosing, while tasks without dependencies wait on the scheduler and go to the
    # workers in submission order (largest first, :func:`_batches`).
    hashed = _submit(c, hash_inputs, [(x,) for x in _hash_lists(files, threads)])
    gathered: dict[int, InputFile] = {}

    def file_hashes() -> dict[int, InputFile]:
        if not gathered:
            gathered.update({i: f for part in gather(c, hashed) for i, f in part.items()})
        return gathered

    try:
        table = read_stations(stations_csv)
        st = sha256_file(stations_csv)
        dataset_name = Path(dataset).name
        extra = [InputFile(name=Path(stations_csv).name, sha256=st.sha256, size=st.size)]
        plan = plan_direct(files, table, mapping, stations_per_task) if layout == "auto" else None
        if plan is not None:
            stations, tasks = plan
            # each task gets its own regions' names only: Dask walks every dict, list and tuple argument
            # of every task when it is submitted (all regions' names in every task: ≈ 0.45 s of this
            # process's CPU at 80 tasks and 1,434 regions)
            group_names: dict[int, dict[str, str | None]] = {}
            per_region = stations.select("region", "region_name", "_group").unique("region")
            for region, name, g in per_region.iter_rows():  # one iteration per region
                group_names.setdefault(g, {})[region] = name
            smap = _station_arrays(stations.select("station", "region", "_group"))
            runs = [
                tuple(tasks[i] for i in run)
                for run in _batches([sum(ch.rows for ch in t.reads) for t in tasks], threads)
            ]
            hashes = file_hashes()
            futures = _submit(
                c,
                direct_groups,
                [
                    (
                        run,
                        smap,
                        {region: name for t in run for region, name in group_names[t.group].items()},
                        mapping,
                        opts,
                        {i: hashes[i] for i in sorted({ch.file_id for t in run for ch in t.reads})},
                        extra,
                        dataset_name,
                        Path(stations_csv).name,
                    )
                    for run in runs
                ],
            )
            try:
                parts = gather(c, futures, (lambda d, n: progress("读取与计算", d, n)) if progress else None)
            except _LayoutMismatch:
                parts = None
            if parts is not None:
                marks["compute"] = time.perf_counter()
                frame = _concat(parts)
                return AirBatchResult(
                    frame=frame,
                    station_hours=int(frame["station_hours"].sum()),
                    files=len(files),
                    chunks=sum(len({(ch.file_id, ch.row_groups) for t in r for ch in t.reads}) for r in runs),
                    compute_tasks=len(tasks),
                    seconds={
                        "shuffle": 0.0,
                        "compute": marks["compute"] - marks["start"],
                        "total": marks["compute"] - marks["start"],
                    },
                    layout="direct",
                    dask_tasks=len(runs) + len(hashed),
                )
        stations = task_groups(table, stations_per_task)
        chunks = [dataclasses.replace(ch, hash_file=False) for ch in plan_chunks(files, chunk_rows)]
        parent = scratch_parent(c, scratch_dir, sum(ch.rows for ch in chunks))
        scratch = Path(tempfile.mkdtemp(prefix="liangshan-batch-air-", dir=parent))
        try:
            # small: sent with each task (no scatter, so that a restarted worker loses nothing)
            smap = _station_arrays(stations.select("station", "region", "_group"))
            reads = _batches([ch.rows for ch in chunks], threads)
            futures = _submit(
                c,
                shuffle_chunks,
                [
                    (
                        [(chunks[i], i) for i in run],
                        smap,
                        mapping,
                        str(scratch),
                        opts.o3_first_window_start,
                        Path(stations_csv).name,
                    )
                    for run in reads
                ],
            )
            step = (lambda d, n: progress("读取与校验", d, n)) if progress else None
            shuffled = [r for part in gather(c, futures, step) for r in part]
            marks["shuffle"] = time.perf_counter()
            inputs = file_hashes()
            names = dict(stations.select("region", "region_name").unique("region").iter_rows())
            groups = _region_years(smap, [r["counts"] for r in shuffled], names)
            where: dict[tuple[int, int], list[tuple[str, int, int, int, int]]] = {}
            for ch, r in zip(chunks, shuffled, strict=True):
                for group, year, path, rg, start in r["pieces"]:  # one per piece written
                    piece = (path, rg, ch.file_id, ch.first_row + 2, start)
                    where.setdefault((group, year), []).append(piece)
            items = sorted(groups.items())
            computes = _batches([float(n) for _, (_, n) in items], threads)
            futures = _submit(
                c,
                compute_groups,
                [
                    (
                        [(where[key], key[1], regions) for key, (regions, _) in (items[i] for i in run)],
                        opts,
                        inputs,
                        extra,
                        dataset_name,
                        smap,
                    )
                    for run in computes
                ],
            )
            parts = gather(c, futures, (lambda d, n: progress("逐区域计算", d, n)) if progress else None)
            marks["compute"] = time.perf_counter()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        frame = _concat(parts)
        return AirBatchResult(
            frame=frame,
            station_hours=int(frame["station_hours"].sum()),
            files=len(files),
            chunks=len(chunks),
            compute_tasks=len(groups),
            seconds={
                "shuffle": marks["shuffle"] - marks["start"],
                "compute": marks["compute"] - marks["shuffle"],
                "total": marks["compute"] - marks["start"],
            },
            dask_tasks=len(reads) + len(computes),
            layout="shuffle",
            scratch=parent,
        )
    finally:
        c.cancel(hashed)
