"""The area hourly series of a long Parquet file, read in chunks into running sums (bounded memory).

HJ 663-2013 multi-station value: each hour, the arithmetic mean of the valid station concentrations
(:func:`liangshan.standards.air.cube.area_cube`). For the area good-day ratio nothing else of the station
data is needed, so instead of holding every station-hour (:func:`~liangshan.standards.air.io.read_hourly` →
:func:`~liangshan.standards.air.cube.to_cube`: ≈ 150 bytes per station-hour) the file is read
``chunk_rows`` rows at a time (a file of at most two chunks in one piece); each piece gets the checks of
:func:`~liangshan.standards.air.io.validate_columns`, done on its numpy arrays, and is added into one sum
and one count per pollutant and hour. Peak memory is a chunk plus a few arrays as long as the period,
whatever the number of stations.

The result is bit-identical to the in-memory path: the sums are built value by value in the order of the
rows (``numpy.add.at``; or, rows ordered by station, one station run at a time, which adds at most one
value to an hour — the same additions in the same order), and the fast path is taken only when, for every
hour, the rows of that hour come in ascending station order (files sorted by station then time, or by
time then station — the usual exports), which is the order :func:`~liangshan.standards.air.cube.station_mean`
adds the stations in. Float64 throughout: float32 would hold the integer µg/m³ values exactly but not
CO's 0.1 mg/m³ steps (0.9 is not a binary fraction), and the chunked sums already bound the memory.

:func:`area_hourly_parquet` returns None when the fast path does not apply (rows in another order, a
station-hour twice, a column that is not numeric or not a date-time, any invalid value, an implausible
unit, an empty file): the caller then reads the file the ordinary way, which gives the same figures or the
same error message (naming file, row and column) as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from liangshan.standards.air.cube import AREA, HourlyCube
from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.io import (
    UNIT_CHECKED,
    implausible_unit,
    long_columns,
    sample_step,
)
from liangshan.standards.air.tables import POLLUTANTS

CHUNK_ROWS = 1 << 18
"""Rows per chunk (262,144; two are held while the next is read ahead): the whole process peaks at
≈ 210 MB whatever the number of stations. Larger
chunks cost more CPU, not less: every chunk's fresh buffers are page-faulted in again (1 M rows: 0.47 s of
system time for 4.2 M rows against 0.24 s with this size)."""
_HOUR_US = 3_600_000_000
_Span = tuple[int, int, "slice | np.ndarray"]
"""A run of one station's rows: first row, end row, and its hours (a slice when consecutive)."""


@dataclass(frozen=True)
class StreamedArea:
    """The area hourly series of a file and the stations it averages (sorted)."""

    cube: HourlyCube
    stations: tuple[str, ...]
    rows: int


class _Sums:
    """Running per-hour sums and counts over absolute hours (hours since 1970-01-01T00, local time)."""

    def __init__(self) -> None:
        self.base = 0
        self.s = {p: np.zeros(0) for p in POLLUTANTS}
        self.n = {p: np.zeros(0, dtype=np.int64) for p in POLLUTANTS}
        self.last = np.zeros(0, dtype=np.int32)  # highest station code seen so far at each hour (−1: none)

    def cover(self, lo: int, hi: int) -> None:
        """Make the arrays cover hours ``lo`` … ``hi`` (inclusive), whole days, padding with empty hours."""
        size = self.last.size
        if size and self.base <= lo and hi < self.base + size:
            return
        new_base = (min(lo, self.base if size else lo) // 24) * 24
        new_end = max(hi + 1, self.base + size if size else hi + 1)
        new_end = -(-new_end // 24) * 24
        new_end = max(new_end, new_base + 2 * size)  # grow geometrically when the period keeps extending
        front = (self.base - new_base) if size else 0
        length = new_end - new_base

        def grown(a: np.ndarray, fill: float) -> np.ndarray:
            out = np.full(length, fill, dtype=a.dtype)
            out[front : front + a.size] = a
            return out

        self.s = {p: grown(a, 0.0) for p, a in self.s.items()}
        self.n = {p: grown(a, 0) for p, a in self.n.items()}
        self.last = grown(self.last, -1)
        self.base = new_base


def area_hourly_parquet(
    path: Path, columns: dict[str, str] | None = None, *, chunk_rows: int = CHUNK_ROWS
) -> StreamedArea | None:
    """Area hourly series (mean of the stations' concentrations, HJ 663-2013) of a long-layout Parquet file.

    Parameters
    ----------
    path : Path
        Parquet file, one row per station-hour (columns as :func:`liangshan.standards.air.io.read_hourly`).
    columns : dict, optional
        Our column name → the file's (``--columns``).
    chunk_rows : int
        Rows read and validated at a time.

    Returns
    -------
    StreamedArea, or None when the fast path does not apply (see the module docstring); the caller then
    uses :func:`~liangshan.standards.air.io.read_hourly` and :func:`~liangshan.standards.air.cube.area_cube`.
    """
    name = path.name
    try:
        # A local file: no cloud credential lookup (it costs a few milliseconds per scan).
        scan = pl.scan_parquet(path, credential_provider=None)
        schema = scan.collect_schema()  # from the file's footer
        found = long_columns(list(schema), columns, name)
        if not all(schema[found[p]].is_numeric() for p in POLLUTANTS):
            return None
        time_type = schema[found["time"]]
        if not isinstance(time_type, pl.Datetime | pl.Date):
            return None
        frame = scan.select(
            pl.col(found["station"]).cast(pl.String).alias("station"),
            _local_microseconds(found["time"], time_type).alias("time"),
            *[pl.col(found[p]).cast(pl.Float64).alias(p) for p in POLLUTANTS],
        )
        total = scan.select(pl.len()).collect().item()  # from the file's metadata
        if total == 0:
            return None
        return _stream(frame, int(total), chunk_rows)
    except (AirInputError, pl.exceptions.PolarsError, OSError):
        return None


def _local_microseconds(column: str, dtype: pl.DataType) -> pl.Expr:
    """Local (Asia/Shanghai) wall-clock time as microseconds since 1970-01-01T00 — the time check of
    :func:`~liangshan.standards.air.io.validate_columns` (a zoned time converted to local, then
    microseconds), done in the scan."""
    t = pl.col(column)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        t = t.dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None)
    return t.cast(pl.Datetime("us")).to_physical()


class _Reader:
    """The running state of one streamed file: sums, stations seen, unit-check samples, period."""

    def __init__(self, total: int) -> None:
        self.sums = _Sums()
        self.stations = pl.Series("station", [], dtype=pl.String)
        self.step = sample_step(total)
        self.samples: dict[str, list[np.ndarray]] = {c: [] for c in UNIT_CHECKED}
        self.offset = 0
        self.lo: int | None = None
        self.hi: int | None = None

    def add(self, piece: pl.DataFrame) -> bool:
        """Check one piece of rows (in file order) and add it into the sums; False when the fast path does
        not apply to the file (an invalid value, rows out of order, a station-hour twice).

        The checks are those of :func:`~liangshan.standards.air.io.validate_columns` — station names
        stripped and not empty, times present and on the whole hour, concentrations not negative and
        finite (missing = NaN) — done on the whole piece at once; any failure sends the file to the
        in-memory path, which names the file, row and column. One pollutant at a time: its array is
        freed before the next is made, so the next reuses the memory (fresh pages cost a page fault
        each, a third of this step's time when all six were held)."""
        runs = self._station_runs(piece["station"])
        if runs is None:
            return False
        codes, lengths = runs
        idx = self._hour_index(piece["time"])
        if idx is None:
            return False
        spans = None
        if lengths is not None and lengths.size * _MIN_RUN <= idx.size and bool((np.diff(codes) >= 0).all()):
            spans = self._station_spans(codes, lengths, idx)
            if spans is None:
                return False
        else:
            if lengths is not None:
                codes = np.repeat(codes, lengths)
            if not _ascending_per_hour(codes, idx, self.sums.last):
                return False
            np.maximum.at(self.sums.last, idx, codes)
        for p in POLLUTANTS:
            v = _concentrations(piece[p])
            if v is None:
                return False
            valid = v == v  # False for NaN
            s, n = self.sums.s[p], self.sums.n[p]
            if spans is None:
                np.add.at(s, idx, np.where(valid, v, 0.0))  # value by value, in row order
                np.add.at(n, idx, valid.astype(np.int64))
            else:
                _add_spans(s, n, spans, v, valid)
            if p in self.samples:
                part = v[(-self.offset) % self.step :: self.step]
                self.samples[p].append(part[~np.isnan(part)])
            del v, valid
        self.offset += piece.height
        return True

    def _station_runs(self, station: pl.Series) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Station codes (ascending name order) per run of equal names and the runs' lengths, or per row
        (lengths None) when the runs are short; None for an empty name or names out of order."""
        if station.null_count():
            return None
        # Rows ordered by station: one code per run of equal names (no per-row string hashing).
        runs = station.rle()
        names = runs.struct.field("value")
        lengths = runs.struct.field("len").to_numpy() if 8 * names.len() <= station.len() else None
        if lengths is None:
            names = station
        firsts = names.unique(maintain_order=True)
        if (firsts != firsts.str.strip_chars()).any():  # validate_columns strips the names
            names = names.str.strip_chars()
            firsts = firsts.str.strip_chars().unique(maintain_order=True)
        if (firsts == "").any():
            return None
        # Station codes in ascending name order: a piece may only add names above every name seen so far.
        new = firsts.filter(~firsts.is_in(self.stations.implode()))
        if new.len():
            if not (new.is_sorted() and new.n_unique() == new.len()):
                return None
            if self.stations.len() and not new[0] > self.stations[-1]:
                return None
            self.stations = pl.concat([self.stations, new])
        codes = names.cast(pl.Enum(self.stations)).to_physical().cast(pl.Int32).to_numpy()
        return codes, lengths

    def _hour_index(self, time: pl.Series) -> np.ndarray | None:
        """Each row's hour as an index into the running sums (grown to cover the piece), or None when a
        time is missing or not on the whole hour."""
        if time.null_count():
            return None
        us = time.to_numpy()
        hours = us // _HOUR_US  # floor division by a constant: numpy divides by multiplying
        if not np.array_equal(hours * _HOUR_US, us):  # microseconds past the whole hour
            return None
        lo, hi = int(hours.min()), int(hours.max())
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)
        self.sums.cover(lo, hi)
        hours -= self.sums.base
        return hours.astype(np.intp, copy=False)

    def _station_spans(self, codes: np.ndarray, lengths: np.ndarray, idx: np.ndarray) -> list[_Span] | None:
        """Rows ordered by station, then strictly ascending hours: each run of a station's rows as (first
        row, end row, its hours: a slice when consecutive), marking those hours as holding that station;
        None when the order does not hold.

        The runs' codes do not decrease, and then this check agrees with row by row's
        (:func:`_ascending_per_hour`): the hours of one station strictly ascend (within a run, and across
        two runs of the same stripped name), and no hour already holds that station or a later one (from
        an earlier piece)."""
        ends = np.cumsum(lengths)
        starts = ends - lengths
        same = np.flatnonzero(np.diff(codes) == 0)  # two runs whose names strip to the same station
        if same.size and not bool((idx[ends[same] - 1] < idx[starts[same + 1]]).all()):
            return None
        last = self.sums.last
        spans: list[_Span] = []
        for code, a, b in zip(codes.tolist(), starts.tolist(), ends.tolist(), strict=True):
            hours = idx[a:b]
            step = np.diff(hours)
            at: slice | np.ndarray
            if bool((step == 1).all()):
                at = slice(int(hours[0]), int(hours[0]) + b - a)
            elif bool((step > 0).all()):
                at = hours
            else:
                return None
            if not bool((last[at] < code).all()):  # a station-hour already added
                return None
            last[at] = code
            spans.append((a, b, at))
        return spans

    def area(self) -> StreamedArea | None:
        """The area series of the hours seen, or None when the unit check fails."""
        if self.lo is None or self.hi is None:
            return None
        samples = {c: v[0] if len(v) == 1 else np.concatenate(v) for c, v in self.samples.items()}
        if implausible_unit(samples) is not None:
            return None
        sums = self.sums
        day0 = (self.lo // 24) * 24
        n_days = (self.hi - day0) // 24 + 1
        window = slice(day0 - sums.base, day0 - sums.base + n_days * 24)
        data = {}
        for p in POLLUTANTS:
            s, n = sums.s[p][window], sums.n[p][window]
            with np.errstate(invalid="ignore", divide="ignore"):
                data[p] = np.where(n > 0, s / np.maximum(n, 1), np.nan)[None, :]
        start = np.datetime64(day0 // 24, "D")
        names = tuple(self.stations.to_list())
        return StreamedArea(HourlyCube((AREA,), start, n_days, data), names, self.offset)


def _concentrations(s: pl.Series) -> np.ndarray | None:
    """A pollutant's values (NaN = missing), or None when one is negative or infinite."""
    v = (s.fill_null(np.nan) if s.null_count() else s).to_numpy()  # polars fills faster than to_numpy
    if (
        v.size
        and not (np.fmin.reduce(v) >= 0 and np.fmax.reduce(v) < np.inf)  # NaN-ignoring
        and (np.isinf(v) | (v < 0)).any()  # an all-missing column also lands here
    ):
        return None
    return v


def _add_spans(
    s: np.ndarray,
    n: np.ndarray,
    spans: list[tuple[int, int, slice | np.ndarray]],
    v: np.ndarray,
    valid: np.ndarray,
) -> None:
    """Add a pollutant station run by station run: a run adds at most one value to an hour, so it is
    added as a whole (``s[hours] += values`` where valid) — for every hour the same additions in the same
    order as row by row (adding a missing value's 0.0 leaves a sum unchanged: a sum is never −0.0), and
    the same as :func:`~liangshan.standards.air.cube.station_mean` (one station row at a time)."""
    for a, b, at in spans:
        ok = valid[a:b]
        if isinstance(at, slice):
            view = s[at]
            np.add(view, v[a:b], out=view, where=ok)
        else:
            s[at] += np.where(ok, v[a:b], 0.0)
        n[at] += ok


_MIN_RUN = 256
"""Station runs at least this long on average are added run by run (a Python step per run); shorter ones
row by row."""


def _stream(frame: pl.LazyFrame, total: int, chunk_rows: int) -> StreamedArea | None:
    reader = _Reader(total)
    if total <= 2 * chunk_rows:
        # A small file in one piece: two slices would decode a row group that both overlap twice, and
        # every chunk has a fixed cost. Memory stays within the bound of two chunks.
        chunk_rows = total
    firsts = range(0, total, chunk_rows)
    pieces = iter([frame.collect()]) if len(firsts) == 1 else _read_ahead(frame, firsts, chunk_rows)
    try:
        for piece in pieces:
            if piece.height == 0:
                break
            if not reader.add(piece):
                return None
            del piece
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()  # a generator left early: its thread is joined before returning
    if reader.offset != total:
        return None
    return reader.area()


def _read_ahead(frame: pl.LazyFrame, firsts: range, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The file's pieces in order, each read (a slice of the Parquet scan decodes only the row groups it
    overlaps) on a second thread while the caller checks and adds the one before: polars decodes without
    the interpreter lock and numpy's whole-array steps release it too, so on two cores much of the reading
    is hidden (120 stations × 4 years: ≈ 0.08 s less wall time). At most two pieces are held, so the bound
    on memory is two chunks."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="liangshan-air-read") as pool:
        ahead = pool.submit(frame.slice(firsts[0], chunk_rows).collect)
        for k in range(len(firsts)):
            piece = ahead.result()
            if k + 1 < len(firsts):
                ahead = pool.submit(frame.slice(firsts[k + 1], chunk_rows).collect)
            yield piece
            del piece


def _ascending_per_hour(codes: np.ndarray, idx: np.ndarray, last: np.ndarray) -> bool:
    """True when, for every hour, this chunk's rows come in strictly ascending station order and after
    every station already seen at that hour (so no station-hour is repeated and the sums add the stations
    in the sorted order). Recognised within a chunk: rows ordered by station (then any strictly ascending
    hours) or by hour (then strictly ascending stations)."""
    if not bool((codes > last[idx]).all()):
        return False
    dc, dh = np.diff(codes), np.diff(idx)
    if bool((dc >= 0).all()):
        return bool((dh[dc == 0] > 0).all())
    if bool((dh >= 0).all()):
        return bool((dc[dh == 0] > 0).all())
    return False
