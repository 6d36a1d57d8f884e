"""The chunked Parquet path of the area good-day ratio (liangshan.standards.air.stream) against the in-memory
path (read_hourly → to_cube → area_cube): the area hourly series must be bit-identical, the report and the
parameters equal, and every file the fast path does not take must give the in-memory path's figures or its
error message."""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import liangshan.services.calculators.air as air_calc
from liangshan.standards.air.cube import area_cube, to_cube
from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.io import read_hourly, validate
from liangshan.standards.air.stream import area_hourly_parquet

POLLUTANTS = ("so2", "no2", "pm10", "pm2_5", "co", "o3")


def _hourly(n_stations: int = 7, days: int = 40, seed: int = 3) -> pl.DataFrame:
    """Station-hours sorted by station and time, with missing values, missing rows and CO in 0.1 mg/m³."""
    rng = np.random.default_rng(seed)
    t = np.arange(np.datetime64("2023-12-20T00", "h"), np.datetime64("2023-12-20T00", "h") + days * 24)
    n = n_stations * t.size
    base = np.exp(rng.normal(0, 0.6, n))
    cols = {
        "so2": np.round(8 * base),
        "no2": np.round(35 * base),
        "pm10": np.round(90 * base),
        "pm2_5": np.round(60 * base),
        "co": np.round(1.1 * base, 1),
        "o3": np.round(80 * rng.random(n) + 20),
    }
    for v in cols.values():
        v[rng.random(n) < 0.05] = np.nan
        v[rng.random(n) < 0.002] = np.nan  # whole days thinned below 20 hours now and then
    df = pl.DataFrame(
        {
            "station": np.repeat(np.array([f"站{i:02d}" for i in range(n_stations)]), t.size),
            "time": np.tile(t.astype("datetime64[us]"), n_stations),
            **cols,
        }
    ).with_columns(pl.col(c).fill_nan(None) for c in POLLUTANTS)
    return df.filter(pl.lit(rng.random(n) > 0.01))  # 1 % of the station-hours have no row at all


def _assert_same_area(path: Path, **kw: int) -> None:
    streamed = area_hourly_parquet(path, **kw)
    assert streamed is not None, "the fast path should apply"
    legacy = to_cube(read_hourly(path), file=path.name)
    area = area_cube(legacy)
    assert streamed.stations == legacy.stations
    assert streamed.cube.start == area.start and streamed.cube.n_days == area.n_days
    for p in POLLUTANTS:
        a, b = streamed.cube.data[p], area.data[p]
        assert a.shape == b.shape and a.dtype == b.dtype == np.float64
        assert np.array_equal(a, b, equal_nan=True), p  # bit-identical, not approximately equal


def _reports(path: Path, **kw: str) -> tuple[object, object]:
    """good_days through the fast path (when it applies) and forced through the in-memory path."""
    fast = air_calc.good_days(path, **kw)  # type: ignore[arg-type]
    saved = air_calc._streamed_area
    air_calc._streamed_area = lambda *a, **k: None  # type: ignore[assignment]
    try:
        slow = air_calc.good_days(path, **kw)  # type: ignore[arg-type]
    finally:
        air_calc._streamed_area = saved  # type: ignore[assignment]
    return fast, slow


def test_station_sorted_file_is_bit_identical_and_report_equal(tmp_path: Path) -> None:
    path = tmp_path / "hourly.parquet"
    _hourly().write_parquet(path, row_group_size=2_000)
    _assert_same_area(path)
    _assert_same_area(path, chunk_rows=997)  # station blocks split across chunks, odd chunk size
    fast, slow = _reports(path, edition="auto")
    assert fast == slow
    fast, slow = _reports(path, edition="HJ633-2026", o3_start=-3)
    assert fast == slow


def test_time_sorted_file_and_other_column_names(tmp_path: Path) -> None:
    path = tmp_path / "by_time.parquet"
    df = _hourly(seed=5).sort("time", "station").rename({"station": "监测点位", "pm2_5": "PM2.5"})
    df.write_parquet(path)
    _assert_same_area(path, chunk_rows=1_000)
    fast, slow = _reports(path)
    assert fast == slow


def test_other_orders_fall_back_to_the_in_memory_path(tmp_path: Path) -> None:
    df = _hourly(seed=7)
    shuffled = tmp_path / "shuffled.parquet"
    df.sample(fraction=1.0, shuffle=True, seed=1).write_parquet(shuffled)
    assert area_hourly_parquet(shuffled) is None
    fast, slow = _reports(shuffled)
    assert fast == slow
    # Stations as blocks but not in name order: the sums would add them in another order.
    reversed_blocks = tmp_path / "reversed.parquet"
    df.sort("station", "time", descending=[True, False]).write_parquet(reversed_blocks)
    assert area_hourly_parquet(reversed_blocks) is None
    assert air_calc.good_days(reversed_blocks) == air_calc.good_days(shuffled)


def test_bad_files_give_the_in_memory_error(tmp_path: Path) -> None:
    df = _hourly(n_stations=3, days=3)
    dup = tmp_path / "dup.parquet"
    pl.concat([df.head(30), df.slice(29, 1), df.slice(30)]).write_parquet(dup)
    assert area_hourly_parquet(dup, chunk_rows=16) is None
    with pytest.raises(AirInputError, match="重复（第 31 行与第 32 行）"):
        air_calc.good_days(dup)
    negative = tmp_path / "negative.parquet"
    df.with_columns(
        pl.when(pl.int_range(pl.len()) == 100).then(-1.0).otherwise(pl.col("no2")).alias("no2")
    ).write_parquet(negative)
    assert area_hourly_parquet(negative) is None
    with pytest.raises(AirInputError, match="第 102 行，列 no2"):
        air_calc.good_days(negative)
    micrograms = tmp_path / "co_ug.parquet"
    df.with_columns(pl.col("co") * 1000).write_parquet(micrograms)
    assert area_hourly_parquet(micrograms) is None
    with pytest.raises(AirInputError, match="CO 中位数为"):
        air_calc.good_days(micrograms)
    empty = tmp_path / "empty.parquet"
    df.clear().write_parquet(empty)
    assert area_hourly_parquet(empty) is None
    with pytest.raises(AirInputError, match="没有任何小时数据行"):
        air_calc.good_days(empty)


def test_text_columns_take_the_in_memory_path(tmp_path: Path) -> None:
    path = tmp_path / "text.parquet"
    df = _hourly(n_stations=2, days=30)
    df.with_columns(pl.col("time").dt.strftime("%Y-%m-%dT%H:%M")).write_parquet(path)
    assert area_hourly_parquet(path) is None
    fast, slow = _reports(path)
    assert fast == slow


def _beijing_archive() -> Path | None:
    here = Path(__file__).resolve()
    name = Path("shared") / "data" / "air_beijing_prsa" / "PRSA_Data_12sites_20130301-20170228.tar.xz"
    for root in (here.parents[3], here.parents[4]):  # /work/main/tests/… and /work/wt/<name>/tests/…
        if (root / name).exists():
            return root / name
    return None


@pytest.mark.slow  # ≈ 5 s: decompressing and parsing 420,768 station-hours
def test_beijing_stations_bit_identical(tmp_path: Path) -> None:
    archive = _beijing_archive()
    if archive is None:
        pytest.skip("shared Beijing PRSA archive not found")
    names = {"SO2": "so2", "NO2": "no2", "PM10": "pm10", "PM2.5": "pm2_5", "CO": "co", "O3": "o3"}
    frames = []
    with tarfile.open(archive) as tf:
        for member in tf.getmembers():
            fh = tf.extractfile(member)
            assert fh is not None
            frames.append(
                pl.read_csv(
                    fh.read(), null_values=["NA"],
                    columns=["year", "month", "day", "hour", "station", *names],
                    schema_overrides=dict.fromkeys(names, pl.Float64),
                )
            )  # fmt: skip
    raw = pl.concat(frames)
    df = validate(
        raw.select(
            "station",
            pl.datetime("year", "month", "day", "hour").alias("time"),
            *[(pl.col(k) / 1000 if v == "co" else pl.col(k)).alias(v) for k, v in names.items()],
        )
    ).sort("station", "time")
    path = tmp_path / "beijing.parquet"
    df.write_parquet(path)
    _assert_same_area(path)
    _assert_same_area(path, chunk_rows=50_000)
    fast, slow = _reports(path, edition="HJ633-2012")
    assert fast == slow


def test_contract_header_shortcut_equals_synonym_matching() -> None:
    """The contract's own header skips the synonym table; matching it through the table gives the same."""
    from liangshan.standards.air.io import REQUIRED, long_columns
    from liangshan.standards.tabular import match_columns

    header = list(reversed(REQUIRED))
    assert long_columns(header, None, "x.parquet") == match_columns(header, "air", file="x.parquet")
    assert long_columns(header, None, "x.parquet") == {c: c for c in REQUIRED}


def test_unit_check_median_is_numpy_median() -> None:
    from liangshan.standards.air.io import _median

    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 24, 25, 1_000, 1_001, 199_999, 200_000):
        v = np.round(rng.exponential(30, n), 1)
        assert _median(v) == float(np.median(v)), n


def test_stations_covering_different_periods(tmp_path: Path) -> None:
    """Later chunks reach before and after the hours seen so far (the running sums grow both ways)."""
    df = _hourly(n_stations=4, days=60, seed=11)
    day = (pl.col("time") - pl.col("time").min()).dt.total_days()
    keep = (
        ((pl.col("station") == "站00") & (day >= 30))
        | ((pl.col("station") == "站01") & (day < 12))
        | ((pl.col("station") == "站02") & (day >= 5) & (day < 59))
        | (pl.col("station") == "站03")
    )
    path = tmp_path / "periods.parquet"
    df.filter(keep).write_parquet(path)
    _assert_same_area(path, chunk_rows=500)
    _assert_same_area(path, chunk_rows=50_000)
    fast, slow = _reports(path)
    assert fast == slow


def test_unit_check_median_shortcut_agrees_with_the_median() -> None:
    """``_median_above`` (a count first) decides as ``_median(v) > limit`` does, at and around the limit."""
    from liangshan.standards.air.io import _median, _median_above

    rng = np.random.default_rng(1)
    for n in (1, 2, 3, 4, 5, 24, 25, 1_000, 1_001):
        for centre in (0.5, 59.0, 60.0, 61.0, 400.0):
            v = np.round(rng.normal(centre, 2.0, n).clip(0), 1)
            for limit in (60.0, float(np.round(centre, 1))):
                assert _median_above(v, limit) == (_median(v) > limit), (n, centre, limit)
    exact = np.array([50.0, 60.0, 60.0, 70.0])  # median 60: not above 60
    assert not _median_above(exact, 60.0)
    assert _median_above(np.array([59.0, 61.0, 62.0]), 60.0)


def test_station_names_are_stripped_as_validate_does(tmp_path: Path) -> None:
    """Padded names (some rows padded, some not) are the same station after stripping, as in
    validate_columns; integer station codes are read as text."""
    df = _hourly(n_stations=4, days=20, seed=13)
    padded = df.with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0)
        .then(pl.lit(" ") + pl.col("station") + pl.lit("  "))
        .otherwise(pl.col("station"))
        .alias("station")
    )
    path = tmp_path / "padded.parquet"
    padded.write_parquet(path)
    _assert_same_area(path)
    _assert_same_area(path, chunk_rows=777)
    fast, slow = _reports(path)
    assert fast == slow
    halves = tmp_path / "halves.parquet"  # each station: a padded run, then an unpadded one
    df.with_columns(
        pl.when(pl.col("time").dt.day() % 2 == 0)
        .then(pl.col("station") + pl.lit(" "))
        .otherwise(pl.col("station"))
        .alias("station")
    ).write_parquet(halves)
    _assert_same_area(halves)
    _assert_same_area(halves, chunk_rows=777)
    back = tmp_path / "back.parquet"  # 站00's last 10 days padded first, then its first days: hours go back
    late = pl.col("time") >= pl.datetime(2023, 12, 30)
    first = df.filter(pl.col("station") == "站00")
    pl.concat(
        [
            first.filter(late).with_columns(pl.col("station") + pl.lit(" ")),
            first.filter(~late),
            df.filter(pl.col("station") != "站00"),
        ]
    ).write_parquet(back)
    assert area_hourly_parquet(back) is None  # as row by row: one station's hours must ascend
    fast, slow = _reports(back)
    assert fast == slow
    codes = tmp_path / "codes.parquet"
    df.with_columns(pl.col("station").str.slice(1).cast(pl.Int64) + 1001).write_parquet(codes)
    streamed = area_hourly_parquet(codes)
    assert streamed is not None and streamed.stations == ("1001", "1002", "1003", "1004")
    _assert_same_area(codes)


def test_zoned_and_date_times_and_gaps_in_a_station(tmp_path: Path) -> None:
    """A UTC time column is converted to local (Asia/Shanghai) hours as validate_columns does; a station
    whose hours have gaps is added hour by hour (not as one slice)."""
    df = _hourly(n_stations=3, days=30, seed=17)
    zoned = tmp_path / "utc.parquet"
    df.with_columns(
        pl.col("time").dt.replace_time_zone("Asia/Shanghai").dt.convert_time_zone("UTC")
    ).write_parquet(zoned)
    _assert_same_area(zoned)
    fast, slow = _reports(zoned)
    assert fast == slow
    gaps = tmp_path / "gaps.parquet"
    df.filter(pl.col("time").dt.hour() % 5 != 0).write_parquet(gaps)
    _assert_same_area(gaps)
    _assert_same_area(gaps, chunk_rows=613)
    days = tmp_path / "days.parquet"  # a Date column: one row per station and day, at 00:00
    df.filter(pl.col("time").dt.hour() == 0).with_columns(pl.col("time").dt.date()).write_parquet(days)
    _assert_same_area(days)


def _row_40(value: pl.Expr, column: str) -> pl.Expr:
    return pl.when(pl.int_range(pl.len()) == 40).then(value).otherwise(pl.col(column)).alias(column)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_row_40(pl.lit(None), "time"), "时间为空"),
        (_row_40(pl.col("time") + pl.duration(minutes=30), "time"), "不是整点"),
        (_row_40(pl.lit("  "), "station"), "站点名称为空"),
        (_row_40(pl.lit(float("inf")), "o3"), "列 o3"),
    ],
)
def test_invalid_values_leave_the_fast_path(tmp_path: Path, change: pl.Expr, message: str) -> None:
    """Any value validate_columns rejects sends the file to the in-memory path and its error (file, row,
    column) — whether the bad row is in the first or a later piece."""
    path = tmp_path / "bad.parquet"
    _hourly(n_stations=3, days=4).with_columns(change).write_parquet(path)
    assert area_hourly_parquet(path) is None
    assert area_hourly_parquet(path, chunk_rows=32) is None
    with pytest.raises(AirInputError, match=message):
        air_calc.good_days(path)


def test_a_station_repeated_in_a_later_piece_leaves_the_fast_path(tmp_path: Path) -> None:
    """Runs ordered by station, then the first station again (new hours): the sums would add it after
    the others, so the file takes the in-memory path and gives its figures."""
    df = _hourly(n_stations=3, days=30, seed=19)
    first = df.filter(pl.col("station") == "站00")
    path = tmp_path / "again.parquet"
    pl.concat([first.filter(pl.col("time").dt.day() < 10), df.filter(pl.col("station") != "站00"),
               first.filter(pl.col("time").dt.day() >= 10)]).write_parquet(path)  # fmt: skip
    assert area_hourly_parquet(path, chunk_rows=1_000) is None
    fast, slow = _reports(path)
    assert fast == slow


def test_reading_ahead_stops_with_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next piece is read on a second thread while the current one is added; when a piece leaves the
    fast path (an invalid value in the third of many pieces) the reading stops: no piece after the next
    is read and no thread is left running."""
    import threading

    import liangshan.standards.air.stream as stream

    path = tmp_path / "bad.parquet"
    df = _hourly(n_stations=3, days=4)
    df.with_columns(
        pl.when(pl.int_range(pl.len()) == 70).then(-1.0).otherwise(pl.col("o3")).alias("o3")
    ).write_parquet(path)
    read: list[int] = []
    real = stream._read_ahead

    def counted(frame: pl.LazyFrame, firsts: range, chunk_rows: int):  # type: ignore[no-untyped-def]
        for piece in real(frame, firsts, chunk_rows):
            read.append(piece.height)
            yield piece

    monkeypatch.setattr(stream, "_read_ahead", counted)
    before = threading.active_count()
    assert area_hourly_parquet(path, chunk_rows=32) is None  # row 70 is in the third piece of 9
    assert read == [32, 32, 32]
    assert threading.active_count() == before
    assert not [t for t in threading.enumerate() if t.name.startswith("liangshan-air-read")]
    good = tmp_path / "good.parquet"
    df.write_parquet(good)
    _assert_same_area(good, chunk_rows=32)
