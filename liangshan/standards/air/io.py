"""Read and validate hourly station data under the column contract, in three layouts.

Contract (what every reader returns): one row per station-hour; columns ``station``, ``time`` (local time of
the hour's **start**), ``so2 no2 pm10 pm2_5 co o3`` in µg/m³, CO in mg/m³; missing = NaN. Every problem
raises :class:`AirInputError` naming the file, the row as seen in a spreadsheet (header = row 1) and the
column; nothing is returned on error. Files are read by :func:`liangshan.standards.tabular.read_table`
(UTF-8, UTF-8 with BOM or GB18030 detected strictly; .csv, .txt, .xlsx; .parquet for the long layout).

Layouts (``format=``; ``"auto"`` recognises them by their header):

``long``
    The program's own: one row per station-hour. Headers are matched through the ``air`` synonyms of
    ``tabular_headers.yaml`` (``监测点位``, ``监测时间``, ``二氧化硫(μg/m³)``, ``PM2.5(μg/m³)``,
    ``一氧化碳(mg/m³)``, ``臭氧`` …); ``columns`` maps our names to the file's (``{"pm2_5": "PM2.5"}``)
    and wins over them.
``china_sites``
    The national hourly archive, one file per day ``china_sites_YYYYMMDD.csv``: columns
    ``date,hour,type,<station code>…``, one row per hour and type, stations as columns. Only the hourly
    concentration rows ``PM2.5 PM10 SO2 NO2 O3 CO`` are used; ``AQI`` and the running ``*_24h``,
    ``O3_8h``, ``O3_8h_24h`` rows are ignored (the calculators compute those from the hourly values).
    A path may be one file, several, or a folder (its ``china_sites_*.csv`` files).
``cnemc_realtime``
    The national real-time publication (全国城市空气质量实时发布), long: ``timepoint, stationcode,
    positionname, …, aqi, primarypollutant, pm2_5, pm2_5_24h, pm10, …, o3, o3_24h, o3_8h, …, co, co_24h``.
    The 1-h columns ``pm2_5 pm10 so2 no2 co o3`` are used; the published ``aqi`` is not.

Both national layouts label an hour by its **end** (``hour = 10`` / ``timepoint 10:00`` is the mean of
09:00–10:00), as the national platform publishes; they are shifted one hour back to the contract's start
time (the hourly AQI test against published values, tests/standards/test_air_cnemc.py, relies on the same
reading). ``station`` is the station code (``1001A``): station names are not unique nationally. Missing
values are empty cells or ``—``. In ``cnemc_realtime`` files whose ``o3_24h`` (the day's maximum 1-h O3)
is below ``o3`` in some rows and never above it, the two columns are swapped (a known defect of public
archives, see tests/data/cnemc/README.md) and ``o3_24h`` is read as the 1-h value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.tables import POLLUTANTS

if TYPE_CHECKING:
    # The table reader (and its YAML synonym table) is imported where used: a Parquet file with the
    # contract's own column names needs neither.
    from liangshan.standards.tabular import Budget, Table, TableError

REQUIRED: tuple[str, ...] = ("station", "time", *POLLUTANTS)
FORMATS: tuple[str, ...] = ("auto", "long", "china_sites", "cnemc_realtime")
CHINA_SITES_TYPES: dict[str, str] = {
    "PM2.5": "pm2_5", "PM10": "pm10", "SO2": "so2", "NO2": "no2", "O3": "o3", "CO": "co",
}  # fmt: skip
"""``type`` rows of a ``china_sites`` file that are read (hourly concentrations) → our pollutant."""
CNEMC_COLUMNS: dict[str, str] = {p: p for p in POLLUTANTS}
"""Pollutant columns of the real-time publication (same names as ours; ``o3`` see the module notes)."""
MISSING_MARKS: tuple[str, ...] = ("—", "-", "--", "——", "NA", "N/A")
"""Cells meaning "no value" in the national layouts (besides empty cells)."""
HOUR_LABEL_SHIFT = timedelta(hours=1)
"""National layouts label an hour by its end; subtract this to get the hour's start."""
CO_MAX_PLAUSIBLE = 60.0
"""mg/m³: a median CO above this (the top 24-h breakpoint) means the file is in µg/m³."""
UG_MIN_PLAUSIBLE = 1.0
"""µg/m³: a median PM2.5/PM10/NO2 below this (with all values < 5) means the file is in mg/m³."""
_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet")


def parse_columns(spec: str | None) -> dict[str, str]:
    """Parse ``--columns``: ``"pm2_5=PM2.5,time=监测时间"`` → ``{"pm2_5": "PM2.5", "time": "监测时间"}``.

    Our column name on the left, the file's on the right.
    """
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        ours, sep, theirs = part.partition("=")
        if not sep or ours.strip() not in REQUIRED or not theirs.strip():
            raise AirInputError(
                f"{{columns_option}} 中的 {part!r} 无效：应为 本程序列名=文件列名，"
                f"本程序列名为 {' '.join(REQUIRED)}"
            )
        out[ours.strip()] = theirs.strip()
    return out


def _first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 2


def _air_error(exc: TableError) -> AirInputError:
    return AirInputError(exc.reason, file=exc.file, row=exc.row, column=exc.column)


def _expand(path: str | Path | Sequence[str | Path]) -> list[Path]:
    """The files of ``path``: one file, a list of files, or a folder (its china_sites_*.csv files, else
    every table file in it), sorted by name."""
    items = [path] if isinstance(path, str | Path) else list(path)
    if not items:
        raise AirInputError("没有给出任何文件")
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(p.glob("china_sites_*.csv")) or sorted(
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in _SUFFIXES
            )
            if not found:
                raise AirInputError("文件夹中没有 .csv、.xlsx 或 .parquet 数据文件", file=str(p))
            out.extend(found)
        else:
            out.append(p)
    return out


def read_hourly(
    path: str | Path | Sequence[str | Path],
    columns: Mapping[str, str] | None = None,
    format: str = "auto",
    *,
    budget: Budget | None = None,
) -> pl.DataFrame:
    """Read, rename and validate hourly files (layouts in the module docstring).

    Parameters
    ----------
    path : path-like, or a sequence of them
        A file (``.csv``/``.txt``/``.xlsx``; ``.parquet`` for the long layout), several files, or a folder.
        Several files are read one by one (errors name the file) and concatenated.
    columns : mapping, optional
        Our column name → the file's column name (long layout only).
    format : {"auto", "long", "china_sites", "cnemc_realtime"}
        ``auto`` recognises each file by its header (``date,hour,type`` → china_sites; ``timepoint`` and
        ``stationcode`` → cnemc_realtime; otherwise long).
    budget : Budget, optional
        Size limits of each file (:class:`liangshan.standards.tabular.Budget`; default ``DEFAULT_BUDGET``).

    Returns
    -------
    polars.DataFrame: ``station`` (String), ``time`` (Datetime[us], naive local time of the hour's start),
    the six pollutants (Float64, **NaN = missing**, so that numpy views need no copy). The long layout keeps
    file order; the national layouts are sorted by station and time.

    Raises
    ------
    AirInputError
        Unreadable file (encoding, budget, type), missing or ambiguous column, unparseable or non-whole-hour
        time, non-numeric, non-finite or negative value, implausible unit (CO in µg/m³, particulates in
        mg/m³); duplicate station-hours are reported by :func:`liangshan.standards.air.cube.to_cube`.
    """
    if format not in FORMATS:
        raise AirInputError(f"未知的数据格式 {format!r}，应为 {'、'.join(FORMATS)}")
    if budget is None:
        from liangshan.standards.tabular import DEFAULT_BUDGET

        budget = DEFAULT_BUDGET
    read = [_read_one(p, columns, format, budget) for p in _expand(path)]
    if len(read) == 1:
        return read[0][0]
    out = pl.concat([frame for frame, _ in read], how="vertical")
    national = all(fmt != "long" for _, fmt in read)
    return out.sort("station", "time", maintain_order=True) if national else out


def detect_format(columns: Sequence[str]) -> str:
    """``china_sites``, ``cnemc_realtime`` or ``long`` from a header."""
    from liangshan.standards.tabular import header_key

    keys = {header_key(c) for c in columns}
    if {"date", "hour", "type"} <= keys:
        return "china_sites"
    if {"timepoint", "stationcode"} <= keys:
        return "cnemc_realtime"
    return "long"


def _read_one(
    p: Path, columns: Mapping[str, str] | None, fmt: str, budget: Budget
) -> tuple[pl.DataFrame, str]:
    """One file → (validated frame, layout read)."""
    name = p.name
    if not p.exists():
        raise AirInputError("文件不存在", file=str(p))
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        if fmt not in ("auto", "long"):
            raise AirInputError(f"{fmt} 格式应为 .csv 文件，.parquet 只用于本程序的长表格式", file=name)
        try:
            # Only the columns the layout uses are read (the header is matched first).
            schema = pl.read_parquet_schema(p)
            wanted = long_columns(list(schema), columns, name)
            raw = _scan_long(p, schema, wanted)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise AirInputError("无法读取 Parquet 文件（文件已损坏或不是 Parquet 格式）", file=name) from exc
        return _long(raw, columns, name), "long"
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise AirInputError("不支持的文件类型，应为 .csv、.txt、.xlsx 或 .parquet", file=name)
    from liangshan.standards.tabular import TableError, read_table

    try:
        table = read_table(p, budget=budget)
    except TableError as exc:
        raise _air_error(exc) from None
    found = detect_format(table.columns) if fmt == "auto" else fmt
    if found != "long" and columns:
        raise AirInputError(f"{{columns_option}} 只用于本程序的长表格式，此文件为 {found} 格式", file=name)
    if found == "china_sites":
        return _china_sites(table), found
    if found == "cnemc_realtime":
        return _cnemc_realtime(table), found
    return _long(table.frame, columns, name), found


def _scan_long(p: Path, schema: Mapping[str, pl.DataType], wanted: Mapping[str, str]) -> pl.DataFrame:
    """Read the needed Parquet columns in one pass: numeric pollutant columns arrive as Float64 with NaN for
    missing, each column one contiguous buffer — so validation and the cube copy nothing more. Columns keep
    the file's names (``_long`` matches them again)."""
    pollutant_columns = {wanted[p] for p in POLLUTANTS}
    exprs = []
    for theirs in dict.fromkeys(wanted[c] for c in REQUIRED):
        e = pl.col(theirs)
        if theirs in pollutant_columns and schema[theirs].is_numeric():
            e = e.cast(pl.Float64).fill_null(np.nan)
        exprs.append(e)
    frame = pl.scan_parquet(p).select(exprs).collect()
    # Column by column, so that only one column's old chunks and new buffer coexist.
    return pl.DataFrame([frame.drop_in_place(name).rechunk() for name in list(frame.columns)])


def _long(raw: pl.DataFrame, columns: Mapping[str, str] | None, name: str) -> pl.DataFrame:
    found = long_columns(raw.columns, columns, name)
    df = raw.select([pl.col(found[c]).alias(c) for c in REQUIRED])
    return validate(df, file=name)


def long_columns(header: Sequence[str], columns: Mapping[str, str] | None, name: str) -> dict[str, str]:
    """Our column name → the file's, for the long layout (raises when a required column is missing)."""
    if not columns and sorted(header) == sorted(REQUIRED):
        # Exactly the contract's own names: each matches itself and nothing else (tested against
        # match_columns), so the synonym table need not be loaded.
        return {c: c for c in REQUIRED}
    from liangshan.standards.tabular import TableError, match_columns

    mapping = dict(columns or {})
    for ours, theirs in mapping.items():
        if theirs not in header:
            raise AirInputError(
                f"缺少列 {theirs}（{{columns_option}} 将 {ours} 映射到此列）；需要的列：{' '.join(REQUIRED)}",
                file=name,
                row=1,
                column=theirs,
            )
    try:
        found = match_columns(list(header), "air", file=name, explicit=mapping)
    except TableError as exc:
        raise _air_error(exc) from None
    for ours in REQUIRED:
        if ours not in found:
            raise AirInputError(
                f"缺少列 {ours}；需要的列：{' '.join(REQUIRED)}"
                "（表头可用中文，如 监测点位、监测时间、二氧化硫{see_formats}）",
                file=name,
                row=1,
                column=ours,
            )
    return found


def _column(table: Table, key: str) -> str:
    from liangshan.standards.tabular import header_key

    for c in table.columns:
        if header_key(c) == key:
            return c
    raise AirInputError(f"缺少列 {key}", file=table.source, row=1, column=key)


def _national_numbers(s: pl.Series, file: str, rows: pl.Series, columns: pl.Series | str) -> pl.Series:
    """Concentrations of a national layout: empty and ``—`` = missing; a non-numeric, non-finite or
    negative value is an error naming the file's row (``rows``) and column (``columns``, per value when the
    table was reshaped from wide to long)."""
    from liangshan.standards.tabular import TableError, parse_numbers

    text = s.str.strip_chars()
    text = pl.select(pl.when(text.is_in(MISSING_MARKS)).then(None).otherwise(text)).to_series()

    def where(i: int) -> tuple[int, str]:
        return int(rows[i]), columns if isinstance(columns, str) else str(columns[i])

    try:
        num = parse_numbers(text, file=file, column="")
    except TableError as exc:
        row, col = where((exc.row or 2) - 2)
        raise AirInputError(
            exc.reason + "，应为浓度（空单元格或 — 表示缺测）", file=file, row=row, column=col
        ) from None
    neg = (num < 0).fill_null(False)
    if neg.any():
        i = int(neg.arg_true()[0])
        row, col = where(i)
        raise AirInputError(f"浓度为负数（{num[i]}），应为非负数", file=file, row=row, column=col)
    return num


def _china_sites(table: Table) -> pl.DataFrame:
    """Wide day file → long station-hours (see the module docstring)."""
    name = table.source
    cols = {k: _column(table, k) for k in ("date", "hour", "type")}
    stations = [c for c in table.columns if c not in cols.values()]
    if not stations:
        raise AirInputError(
            "china_sites 文件中没有站点列（date,hour,type 之后应为各站点编码）", file=name, row=1
        )
    df = table.frame.with_row_index("_row", offset=2)
    kind = df[cols["type"]].str.strip_chars()
    df = df.with_columns(kind.alias("_type")).filter(pl.col("_type").is_in(list(CHINA_SITES_TYPES)))
    if df.height == 0:
        raise AirInputError(
            f"没有逐时浓度行（type 应含 {'、'.join(CHINA_SITES_TYPES)}）", file=name, column=cols["type"]
        )
    date_txt = df[cols["date"]].str.strip_chars()
    day = date_txt.str.to_date("%Y%m%d", strict=False)
    bad = day.is_null()
    if bad.any():
        i = int(bad.arg_true()[0])
        raise AirInputError(
            f"无法解析日期 {date_txt[i]!r}，应为 YYYYMMDD（如 20240101）",
            file=name, row=int(df["_row"][i]), column=cols["date"],
        )  # fmt: skip
    hour_txt = df[cols["hour"]].str.strip_chars()
    hour = hour_txt.cast(pl.Int64, strict=False)
    bad = (hour.is_null() | (hour < 0) | (hour > 24)).fill_null(True)
    if bad.any():
        i = int(bad.arg_true()[0])
        raise AirInputError(
            f"无法解析小时 {hour_txt[i]!r}，应为 0–24 的整数",
            file=name,
            row=int(df["_row"][i]),
            column=cols["hour"],
        )
    df = df.with_columns(
        _time=pl.lit(day).cast(pl.Datetime("us")) + pl.duration(hours=pl.lit(hour)) - HOUR_LABEL_SHIFT
    )
    dup = df.select(pl.struct("_time", "_type").is_duplicated()).to_series()
    if dup.any():
        first = df.filter(dup).head(2)
        rows = first["_row"].to_list()
        raise AirInputError(
            f"日期 {first[cols['date']][0]} 小时 {first[cols['hour']][0]} 的 {first['_type'][0]} 行重复"
            f"（第 {rows[0]} 行与第 {rows[1]} 行）",
            file=name, row=rows[1], column=cols["type"],
        )  # fmt: skip
    long = df.select("_row", "_time", "_type", *stations).unpivot(
        index=["_row", "_time", "_type"], on=stations, variable_name="station", value_name="_v"
    )
    values = _national_numbers(long["_v"], name, long["_row"], long["station"])
    long = long.with_columns(values.alias("_v"))
    wide = long.pivot(on="_type", index=["station", "_time"], values="_v", aggregate_function=None)
    out = wide.select(
        pl.col("station"),
        pl.col("_time").alias("time"),
        *[
            (pl.col(t) if t in wide.columns else pl.lit(None, pl.Float64)).cast(pl.Float64).alias(ours)
            for t, ours in CHINA_SITES_TYPES.items()
        ],
    ).select("station", "time", *POLLUTANTS)
    return validate(out.sort("station", "time"), file=name)


def _cnemc_realtime(table: Table) -> pl.DataFrame:
    """Real-time publication (long, one row per station and hour) → the contract (module docstring)."""
    from liangshan.standards.tabular import header_key

    name = table.source
    df = table.frame.with_row_index("_row", offset=2)
    tp, code = _column(table, "timepoint"), _column(table, "stationcode")
    cols = {p: _column(table, key) for p, key in CNEMC_COLUMNS.items()}
    o3_24 = next((c for c in table.columns if header_key(c) == "o3_24h"), None)
    station = df[code].str.strip_chars()
    empty = (station.is_null() | (station == "")).to_numpy()
    if empty.any():
        raise AirInputError("站点编码为空", file=name, row=_first_row(empty), column=code)
    txt = df[tp].str.strip_chars()
    t = txt.str.to_datetime(strict=False, time_unit="us")
    bad = (t.is_null()).to_numpy()
    if bad.any():
        raise AirInputError(
            f"无法解析时间 {txt[int(np.flatnonzero(bad)[0])]!r}，应为 2022-01-01T10:00:00",
            file=name, row=_first_row(bad), column=tp,
        )  # fmt: skip
    t = t.dt.replace_time_zone(None) if getattr(t.dtype, "time_zone", None) else t
    values = {p: _national_numbers(df[c], name, df["_row"], c) for p, c in cols.items()}
    if o3_24 is not None:
        o3_day = _national_numbers(df[o3_24], name, df["_row"], o3_24)
        below = int((o3_day < values["o3"]).fill_null(False).sum())
        above = int((o3_day > values["o3"]).fill_null(False).sum())
        if below and not above:  # the day's maximum below the hour's value: the columns are swapped
            values["o3"] = o3_day
    out = pl.DataFrame(
        [station.alias("station"), (t - HOUR_LABEL_SHIFT).alias("time")]
        + [values[p].alias(p) for p in POLLUTANTS]
    )
    return validate(out, file=name).sort("station", "time", maintain_order=True)  # rows in errors = file rows


def _parse_time(s: pl.Series, file: str) -> pl.Series:
    if s.dtype == pl.Datetime:
        t = s
    elif s.dtype == pl.Date:
        t = s.cast(pl.Datetime("us"))
    else:
        txt = s.cast(pl.String).str.strip_chars()
        t = txt.str.to_datetime(strict=False, time_unit="us")
        t = (
            t
            if t.dtype == pl.Datetime
            else txt.str.to_datetime(strict=False, time_unit="us", time_zone="UTC")
        )
        bad = (t.is_null() & txt.is_not_null() & (txt != "")).to_numpy()
        if bad.any():
            raise AirInputError(
                f"无法解析时间 {txt[int(np.flatnonzero(bad)[0])]!r}，"
                "应为 ISO 8601 本地时间，如 2020-01-01T08:00",
                file=file,
                row=_first_row(bad),
                column="time",
            )
    dtype = t.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        t = t.dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None)
    if t.null_count():
        missing = t.is_null().to_numpy()
        raise AirInputError("时间为空", file=file, row=_first_row(missing), column="time")
    t = t.cast(pl.Datetime("us")).rechunk()
    frac = t.to_physical() % 3_600_000_000 != 0  # microseconds past the whole hour (no numpy copy)
    if frac.any():
        bad = frac.to_numpy()
        raise AirInputError(
            f"时间 {t[int(np.flatnonzero(bad)[0])]} 不是整点，应为该小时的开始时刻",
            file=file,
            row=_first_row(bad),
            column="time",
        )
    return t.cast(pl.Datetime("us")).alias("time")


def _numeric(s: pl.Series, col: str, file: str) -> pl.Series:
    if s.dtype.is_numeric():
        num = s.cast(pl.Float64)
    else:
        from liangshan.standards.tabular import TableError, parse_numbers

        try:
            num = parse_numbers(s, file=file, column=col)
        except TableError as exc:
            raise AirInputError(
                exc.reason + "，应为浓度（空单元格表示缺测）", file=file, row=exc.row, column=col
            ) from None
    # NaN = missing, in one contiguous buffer: the cube and the checks below then use numpy views.
    num = (num.fill_null(np.nan) if num.null_count() else num).rechunk()
    arr = num.to_numpy()
    if arr.size and not (np.fmin.reduce(arr) >= 0 and np.fmax.reduce(arr) < np.inf):  # NaN-ignoring
        bad = np.isinf(arr) | (arr < 0)  # an all-missing column also lands here (NaN bounds)
        if bad.any():
            raise AirInputError(
                f"浓度为负数或无穷大（{arr[bad][0]}），应为非负数", file=file, row=_first_row(bad), column=col
            )
    return num.alias(col)


SAMPLE_SIZE = 200_000
"""About this many evenly spaced values of a column are looked at for its unit's plausibility."""


def sample_step(n_rows: int) -> int:
    """Every how many rows a value is sampled for the unit check (the same in one pass or in chunks)."""
    return max(1, n_rows // SAMPLE_SIZE)


def _sample(s: pl.Series) -> np.ndarray:
    """Non-missing values, thinned to about :data:`SAMPLE_SIZE` evenly spaced ones (for a unit median)."""
    v = s.to_numpy()[:: sample_step(s.len())]
    return v[~np.isnan(v)]


def validate(df: pl.DataFrame, *, file: str = "<数据>") -> pl.DataFrame:
    """Type and check a frame that already has the contract's columns (see :func:`read_hourly`)."""
    out = validate_columns(df, file=file)
    samples = {c: _sample(out[c]) for c in UNIT_CHECKED}
    implausible = implausible_unit(samples)
    if implausible == "co":
        co = samples["co"]
        bad = (out["co"] > CO_MAX_PLAUSIBLE).fill_null(False).to_numpy()
        raise AirInputError(
            f"CO 中位数为 {_median(co):g}，不可能是 mg/m³（最高分指数限值 60 mg/m³），"
            "看起来是 µg/m³：请除以 1000 后再输入",
            file=file,
            row=_first_row(bad),
            column="co",
        )
    if implausible is not None:
        median = _median(samples[implausible])
        raise AirInputError(
            f"{implausible} 中位数为 {median:g}，不像 µg/m³，看起来是 mg/m³：请乘以 1000 后再输入",
            file=file,
            row=2,
            column=implausible,
        )
    return out


UNIT_CHECKED: tuple[str, ...] = ("co", "pm2_5", "pm10", "no2")
"""Columns whose unit is checked for plausibility (:func:`implausible_unit`), in the order checked."""


def validate_columns(df: pl.DataFrame, *, file: str = "<数据>") -> pl.DataFrame:
    """The row-by-row part of :func:`validate`: station names (stripped, not empty), times (whole local
    hours), concentrations (numeric, NaN = missing, not negative, finite). Row numbers count from the
    frame's first row as spreadsheet row 2. The unit plausibility check, which needs the whole column,
    is :func:`implausible_unit`."""
    station = df["station"].cast(pl.String)
    names = station.rle().struct.field("value").unique()  # few values when rows come station by station
    if (names != names.str.strip_chars()).any():
        station = station.str.strip_chars()
    empty = station.is_null() | (station == "")
    if empty.any():
        raise AirInputError("站点名称为空", file=file, row=_first_row(empty.to_numpy()), column="station")
    return pl.DataFrame(
        [
            station.alias("station"),
            _parse_time(df["time"], file),
            *[_numeric(df[c], c, file) for c in POLLUTANTS],
        ]
    )


def implausible_unit(samples: Mapping[str, np.ndarray]) -> str | None:
    """The first column of :data:`UNIT_CHECKED` whose values cannot be in the contract's unit, else None.

    ``samples`` holds each column's non-missing values thinned as :func:`_sample` does. CO: a median above
    :data:`CO_MAX_PLAUSIBLE` mg/m³ means µg/m³; PM2.5, PM10, NO2: a median below :data:`UG_MIN_PLAUSIBLE`
    with every value below 5 (and at least 24 values) means mg/m³.
    """
    co = samples["co"]
    if co.size and _median_above(co, CO_MAX_PLAUSIBLE):
        return "co"
    for c in ("pm2_5", "pm10", "no2"):
        v = samples[c]
        if v.size >= 24 and float(v.max()) < 5 and _median(v) < UG_MIN_PLAUSIBLE:
            return c
    return None


def _median_above(v: np.ndarray, limit: float) -> bool:
    """``_median(v) > limit``, settled by a count when it can be: with fewer than ``n // 2`` values above
    ``limit``, both middle values of the sorted sample are at most ``limit`` (odd or even size), so the
    median is too — a comparison instead of a partial sort of ~200,000 values."""
    if int(np.count_nonzero(v > limit)) < v.size // 2:
        return False
    return _median(v) > limit


def _median(v: np.ndarray) -> float:
    """``numpy.median`` of NaN-free values, the same number (middle value, or the mean of the two middle
    values), without ``numpy.median``'s first-call import of ``numpy.ma``."""
    n = v.size
    half = n // 2
    if n % 2:
        return float(np.partition(v, half)[half])
    part = np.partition(v, (half - 1, half))
    return float((part[half - 1] + part[half]) / 2.0)
