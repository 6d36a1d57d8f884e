"""Read and validate hourly station data (CSV or Parquet) under the column contract.

Contract: one row per station-hour; columns ``station``, ``time`` (ISO 8601 local time of the hour's start),
``so2 no2 pm10 pm2_5 co o3`` in µg/m³, CO in mg/m³; empty cells are missing values. ``columns`` maps our
names to the file's (``{"pm2_5": "PM2.5"}``). Every problem raises :class:`AirInputError` naming the file,
the row as seen in a spreadsheet (header = row 1) and the column; nothing is returned on error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import polars as pl

from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.tables import POLLUTANTS

REQUIRED: tuple[str, ...] = ("station", "time", *POLLUTANTS)
CO_MAX_PLAUSIBLE = 60.0
"""mg/m³: a median CO above this (the top 24-h breakpoint) means the file is in µg/m³."""
UG_MIN_PLAUSIBLE = 1.0
"""µg/m³: a median PM2.5/PM10/NO2 below this (with all values < 5) means the file is in mg/m³."""


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
                f"--columns 中的 {part!r} 无效：应为 本程序列名=文件列名，本程序列名为 {' '.join(REQUIRED)}"
            )
        out[ours.strip()] = theirs.strip()
    return out


def _first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 2


def read_hourly(path: str | Path, columns: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Read, rename and validate an hourly file.

    Parameters
    ----------
    path : path-like
        ``.csv`` (UTF-8, header row) or ``.parquet``.
    columns : mapping, optional
        Our column name → the file's column name.

    Returns
    -------
    polars.DataFrame in file order: ``station`` (String), ``time`` (Datetime[us], naive local time), the six
    pollutants (Float64, **NaN = missing**, so that numpy views need no copy).

    Raises
    ------
    AirInputError
        Missing column, unparseable or non-whole-hour time, non-numeric or negative value, implausible unit
        (CO in µg/m³, particulates in mg/m³); duplicate station-hours are reported by
        :func:`liangshan.standards.air.cube.to_cube`.
    """
    p = Path(path)
    name = p.name
    if not p.exists():
        raise AirInputError("文件不存在", file=str(p))
    suffix = p.suffix.lower()
    try:
        if suffix == ".parquet":
            raw = pl.read_parquet(p)
        elif suffix in (".csv", ".txt"):
            raw = pl.read_csv(p, infer_schema=False, encoding="utf8-lossy")
        else:
            raise AirInputError("不支持的文件类型，应为 .csv 或 .parquet", file=name)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise AirInputError(f"无法读取：{exc}", file=name) from exc
    mapping = dict(columns or {})
    rename = {mapping.get(c, c): c for c in REQUIRED}
    for theirs, ours in rename.items():
        if theirs not in raw.columns:
            hint = f"（--columns 将 {ours} 映射到此列）" if ours != theirs else ""
            raise AirInputError(
                f"缺少列 {theirs}{hint}；需要的列：{' '.join(REQUIRED)}", file=name, row=1, column=theirs
            )
    df = raw.select([pl.col(k).alias(v) for k, v in rename.items()])
    return validate(df, file=name)


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
    missing = t.is_null().to_numpy()
    if missing.any():
        raise AirInputError("时间为空", file=file, row=_first_row(missing), column="time")
    t = t.cast(pl.Datetime("us"))
    frac = t.to_physical().to_numpy() % 3_600_000_000 != 0  # microseconds past the whole hour
    if frac.any():
        bad = frac
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
        txt = s.cast(pl.String).str.strip_chars()
        num = txt.cast(pl.Float64, strict=False)
        bad = (num.is_null() & txt.is_not_null() & (txt != "")).to_numpy()
        if bad.any():
            raise AirInputError(
                f"{txt[int(np.flatnonzero(bad)[0])]!r} 不是数值，应为浓度（空单元格表示缺测）",
                file=file,
                row=_first_row(bad),
                column=col,
            )
    num = num.fill_null(np.nan) if num.null_count() else num
    arr = num.to_numpy()
    if arr.size and not (np.fmin.reduce(arr) >= 0 and np.fmax.reduce(arr) < np.inf):  # NaN-ignoring
        bad = np.isinf(arr) | (arr < 0)
        raise AirInputError(
            f"浓度为负数或无穷大（{arr[bad][0]}），应为非负数", file=file, row=_first_row(bad), column=col
        )
    return num.alias(col)


def _sample(s: pl.Series, n: int = 200_000) -> np.ndarray:
    """Non-missing values, thinned to about ``n`` evenly spaced ones (for a unit-plausibility median)."""
    v = s.to_numpy()[:: max(1, s.len() // n)]
    return v[~np.isnan(v)]


def validate(df: pl.DataFrame, *, file: str = "<数据>") -> pl.DataFrame:
    """Type and check a frame that already has the contract's columns (see :func:`read_hourly`)."""
    station = df["station"].cast(pl.String)
    names = station.rle().struct.field("value").unique()  # few values when rows come station by station
    if (names != names.str.strip_chars()).any():
        station = station.str.strip_chars()
    empty = (station.is_null() | (station == "")).to_numpy()
    if empty.any():
        raise AirInputError("站点名称为空", file=file, row=_first_row(empty), column="station")
    out = pl.DataFrame(
        [
            station.alias("station"),
            _parse_time(df["time"], file),
            *[_numeric(df[c], c, file) for c in POLLUTANTS],
        ]
    )
    co = _sample(out["co"])
    if co.size and float(np.median(co)) > CO_MAX_PLAUSIBLE:
        bad = (out["co"] > CO_MAX_PLAUSIBLE).fill_null(False).to_numpy()
        raise AirInputError(
            f"CO 中位数为 {float(np.median(co)):g}，不可能是 mg/m³（最高分指数限值 60 mg/m³），"
            "看起来是 µg/m³：请除以 1000 后再输入",
            file=file,
            row=_first_row(bad),
            column="co",
        )
    for c in ("pm2_5", "pm10", "no2"):
        v = _sample(out[c])
        if v.size >= 24 and float(np.median(v)) < UG_MIN_PLAUSIBLE and float(v.max()) < 5:
            raise AirInputError(
                f"{c} 中位数为 {float(np.median(v)):g}，不像 µg/m³，看起来是 mg/m³：请乘以 1000 后再输入",
                file=file,
                row=2,
                column=c,
            )
    return out
