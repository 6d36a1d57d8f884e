"""Inputs of the AQI calculators: GB/T 8170 rounding, edition selection by date, numeric conversion."""

from __future__ import annotations

import sys
from datetime import date as _date
from typing import Any

import numpy as np
import polars as pl

from liangshan.standards.air.errors import AirInputError
from liangshan.standards.air.tables import EDITION_SWITCH

EDITIONS: tuple[str, ...] = ("HJ633-2012", "HJ633-2026")
_TIE = 1e-7  # distance from .5 treated as a decimal tie (binary noise is far smaller)


def round_half_even(x: Any, decimals: int = 0) -> np.ndarray:
    """Round to ``decimals`` digits, half to even (GB/T 8170 四舍六入五成双), reading numbers as typed.

    Parameters
    ----------
    x : array_like of float
        Values in any unit.
    decimals : int
        Digits after the decimal point.

    Returns
    -------
    numpy.ndarray of float64. ``2.05 → 2.0`` (decimal 2.05 is a tie even if its binary value is 2.0499…).
    """
    r = rounded_scaled(x, decimals)
    return r / 10.0**decimals if decimals else r


def rounded_scaled(x: Any, decimals: int = 0) -> np.ndarray:
    """``x × 10^decimals`` rounded half to even, as integer-valued float64 (see :func:`round_half_even`)."""
    y = np.asarray(x, dtype=float)
    y = y * 10.0**decimals if decimals else y
    r = np.rint(y)  # exact half-to-even for binary-exact ties (35.5 → 36, 34.5 → 34)
    # Decimal ties that binary floating point misses (2.05 × 10 = 20.4999…): fix the few values within
    # _TIE of .5 by hand. Concentrations stay far below 1e6, where binary noise is < 1e-9.
    a = y - r
    np.abs(a, out=a)
    near = a >= 0.5 - _TIE
    if near.any():
        near &= a < 0.5  # exact binary ties are already right
    if near.any():
        low = np.floor(y[near] + 0.5 - _TIE)  # k for y ≈ k + 0.5
        r[near] = low + np.mod(low, 2.0)  # the even neighbour
    return r


def edition_codes(edition: str, date: Any = None, n: int = 1) -> np.ndarray:
    """Edition index (0 = HJ633-2012, 1 = HJ633-2026) per value.

    ``edition="auto"`` picks by ``date`` (scalar or one per value): on/after 2026-03-01 → HJ633-2026.
    Without a date, ``auto`` means the edition in force today.
    """
    if edition != "auto":
        if edition not in EDITIONS:
            raise AirInputError(f"未知的标准版本 {edition!r}，应为 auto、HJ633-2012 或 HJ633-2026")
        return np.full(n, EDITIONS.index(edition), dtype=np.int8)
    if date is None:
        date = _date.today()
    if isinstance(date, pl.Series) or is_pandas(date):
        date = date.to_numpy()
    d = np.asarray(date).astype("datetime64[D]")
    codes = (d >= np.datetime64(EDITION_SWITCH)).astype(np.int8)
    return np.broadcast_to(codes, (n,)) if codes.ndim == 0 else codes.reshape(-1)


def is_pandas(obj: Any) -> bool:
    """True for a pandas Series/Index (pandas is not imported unless the caller already did)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.Series | pd.Index)


def to_float(values: Any, what: str) -> np.ndarray:
    """Numeric float64 array (NaN = missing; None, NaN and empty strings are missing).

    Non-numeric, infinite or negative input raises :class:`AirInputError` naming the 1-based row.
    """
    if isinstance(values, pl.Series) and values.dtype.is_numeric():
        arr = values.cast(pl.Float64).fill_null(np.nan).to_numpy()
    else:
        arr = np.asarray(values.to_numpy() if isinstance(values, pl.Series) or is_pandas(values) else values)
    if arr.dtype.kind in "biuf":
        out = arr.astype(float, copy=False).reshape(-1)
    else:
        items = arr.reshape(-1).astype(object)
        missing = np.equal(items, np.array(None, dtype=object)) | np.not_equal(items, items)  # None or NaN
        text = pl.Series(np.where(missing, "", items).astype(str)).str.strip_chars()
        num = text.cast(pl.Float64, strict=False)
        bad = np.flatnonzero((num.is_null() & (text != "")).to_numpy())
        if bad.size:
            raise AirInputError(f"{what} 不是数值：{items[bad[0]]!r}，应为非负浓度", row=int(bad[0]) + 1)
        out = num.fill_null(np.nan).to_numpy().astype(float)
    if out.size and not (np.fmin.reduce(out) >= 0 and np.fmax.reduce(out) < np.inf):  # NaN-ignoring
        bad = np.flatnonzero(np.isinf(out) | (out < 0))
        if bad.size:
            raise AirInputError(
                f"{what} 为负值或无穷大（{out[bad[0]]}），浓度应为非负数", row=int(bad[0]) + 1
            )
    return out
