"""IAQI and AQI after HJ 633-2012 and HJ 633-2026, vectorized and edition-aware.

References
----------
HJ 633-2012 表1 (breakpoints), formula (1), 表2 (levels), 4.3 (首要污染物/超标污染物).
HJ 633-2026 表3, notes b/c (SO2 1-h > 800 → 200, O3 8-h > 800 → 300), 4.2.2 (GB/T 8170 rounding of
inputs), 4.2.6 (IAQI and AQI rounded up).  See docs/air.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

from liangshan.standards.air.errors import AirInputError, AQIWarning
from liangshan.standards.air.inputs import (
    EDITIONS,
    edition_codes,
    is_pandas,
    rounded_scaled,
    to_float,
)
from liangshan.standards.air.tables import (
    BREAKPOINTS,
    DISPLAY_NAMES,
    IAQI_POINTS,
    INPUT_DECIMALS,
    LEVELS,
    SPECIAL_RULES,
)

_PERIODS = {"1h", "24h", "8h"}
_EPS = 1e-9  # guards ceil() against binary noise: 55.000000000001 must stay 55


@dataclass(frozen=True)
class IAQIResult:
    """IAQI values (float64, integer-valued, NaN = none) with flags per value."""

    values: np.ndarray
    above_top: np.ndarray  # concentration above the IAQI-500 breakpoint: reported as 500 (爆表)
    special: np.ndarray  # SO2 1-h / O3 8-h > 800 special rule applied


def _table(pollutant: str, period: str, ed: str) -> tuple[tuple[float, ...], str]:
    if period not in _PERIODS:
        raise AirInputError(f"未知的时段 {period!r}，应为 1h、24h 或 8h")
    key_period = "24h" if pollutant in ("pm10", "pm2_5") and period == "1h" else period  # HJ 633-2026 4.2.4
    table = BREAKPOINTS[ed]
    if (pollutant, key_period) not in table:
        known = sorted({p for p, _ in table})
        if pollutant not in known:
            raise AirInputError(f"未知的污染物 {pollutant!r}，应为 {' '.join(known)} 之一")
        raise AirInputError(f"{pollutant} 没有 {period} 的分指数浓度限值")
    return table[(pollutant, key_period)], key_period


def iaqi_values(
    pollutant: str, conc: np.ndarray, period: str, codes: np.ndarray, *, round_inputs: bool = True
) -> IAQIResult:
    """IAQI of float64 concentrations ``conc`` (already checked) under edition index ``codes`` per value.

    Formula (1) of HJ 633 by linear interpolation between breakpoints, then rounded up (进位取整).
    """
    lo, hi = (int(codes.min()), int(codes.max())) if codes.size else (0, 0)
    if lo == hi:  # one edition for all values: no masking
        return _iaqi_one(pollutant, conc, period, EDITIONS[lo], round_inputs)
    vals = np.empty(conc.shape[0])
    top = np.zeros(conc.shape[0], dtype=bool)
    special = np.zeros(conc.shape[0], dtype=bool)
    for code in (lo, hi):
        sel = codes == code
        part = _iaqi_one(pollutant, conc[sel], period, EDITIONS[code], round_inputs)
        vals[sel], top[sel], special[sel] = part.values, part.above_top, part.special
    return IAQIResult(vals, top, special)


@lru_cache(maxsize=64)
def _lookup(ed: str, pollutant: str, period: str, decimals: int) -> tuple[np.ndarray, float, str | None]:
    """IAQI of every rounded concentration 0, 10^-d, …, top: formula (1) in exact integer arithmetic with
    the ceiling (进位取整), plus two slots — above the top breakpoint, and missing (NaN)."""
    bps, key_period = _table(pollutant, period, ed)
    scale = 10**decimals
    points = [round(b * scale) for b in bps]  # the scaled breakpoints are integers in both editions
    if any(abs(p - b * scale) > 1e-9 for p, b in zip(points, bps, strict=True)):
        raise AssertionError("breakpoints must be integers at the rounding precision")
    table = np.empty(points[-1] + 3)
    for seg in range(1, len(points)):  # one step per breakpoint segment, not per value
        lo, hi = points[seg - 1], points[seg]
        xs = np.arange(lo, hi + 1, dtype=np.int64)
        num = (IAQI_POINTS[seg] - IAQI_POINTS[seg - 1]) * (xs - lo)
        table[lo : hi + 1] = IAQI_POINTS[seg - 1] - (-num // (hi - lo))  # ceil of an exact fraction
    rule = SPECIAL_RULES[ed].get((pollutant, key_period))
    table[-2] = 500.0 if rule is None else (np.nan if rule.iaqi is None else rule.iaqi)
    table[-1] = np.nan
    return table, float(points[-1]), None if rule is None else rule.action


def _iaqi_one(pollutant: str, conc: np.ndarray, period: str, ed: str, round_inputs: bool) -> IAQIResult:
    _table(pollutant, period, ed)  # validates pollutant and period
    if round_inputs:  # exact table look-up on the rounded grid
        d = INPUT_DECIMALS[ed][pollutant]
        table, k, rule_action = _lookup(ed, pollutant, period, d)
        scaled = rounded_scaled(conc, d)
        over = scaled > k
        idx = np.minimum(scaled, k + 1.0)
        idx[idx != idx] = k + 2.0  # NaN → the "missing" slot
        v = table[idx.astype(np.intp)]
        if rule_action is None:
            return IAQIResult(v, over, np.zeros_like(over))
        return IAQIResult(v, np.zeros_like(over), over)
    bps, key_period = _table(pollutant, period, ed)
    bp = np.asarray(bps, dtype=float)
    v = np.interp(conc, bp, np.asarray(IAQI_POINTS[: bp.size], dtype=float))  # NaN stays NaN; > top → last
    over = conc > bp[-1]
    rule = SPECIAL_RULES[ed].get((pollutant, key_period))
    if rule is not None and over.any():
        v[over] = np.nan if rule.iaqi is None else rule.iaqi
    np.subtract(v, _EPS, out=v)
    np.ceil(v, out=v)
    np.maximum(v, 0.0, out=v)  # ceil(0 − ε) = −0.0 → 0.0
    if rule is None:
        return IAQIResult(v, over, np.zeros_like(over))
    return IAQIResult(v, np.zeros_like(over), over)


def _warn(res: IAQIResult, pollutant: str, period: str) -> None:
    if res.above_top.any():
        warnings.warn(
            AQIWarning(
                f"{int(res.above_top.sum())} 个 {pollutant} {period} 浓度超过 IAQI=500 的浓度限值，"
                "按 500 报告（爆表）"
            ),
            stacklevel=3,
        )
    if res.special.any():
        warnings.warn(
            AQIWarning(
                f"{int(res.special.sum())} 个 {pollutant} {period} 浓度 > 800 µg/m³，按特殊规定处理"
                "（HJ 633-2012：不计算该分指数，改用另一时段；HJ 633-2026：SO2 取 200，O3 取 300）"
            ),
            stacklevel=3,
        )


def iaqi(
    pollutant: str,
    concentration: Any,
    period: str,
    edition: str = "auto",
    date: Any = None,
    *,
    round_inputs: bool = True,
) -> Any:
    """Individual air quality index (空气质量分指数 IAQI) after HJ 633.

    Parameters
    ----------
    pollutant : {"so2", "no2", "pm10", "pm2_5", "co", "o3"}
        Pollutant code.
    concentration : float, array_like, pandas.Series or polars.Series
        Concentration in µg/m³ (CO in mg/m³); NaN/None/empty = missing (no IAQI).
    period : {"1h", "24h", "8h"}
        Averaging period. PM10/PM2.5 ``"1h"`` values use the 24-h breakpoints (real-time AQI, HJ 633-2026
        4.2.4); ``"8h"`` is O3 only.
    edition : {"auto", "HJ633-2012", "HJ633-2026"}
        Standard edition; ``auto`` picks by ``date`` (HJ633-2026 from 2026-03-01, the edition in force today
        when ``date`` is None).
    date : date-like or array_like of dates, optional
        Date of each value, for ``edition="auto"``.
    round_inputs : bool
        Round concentrations half-to-even first (SO2 NO2 O3 PM10 PM2.5 to 1 µg/m³, CO to 0.1 mg/m³):
        HJ 633-2026 4.2.2; for HJ 633-2012 per HJ 663-2013 (HJ 663-2013, UNVERIFIED digits). Default True.

    Returns
    -------
    Same kind as ``concentration``: int (NaN when missing) for a scalar, float64 ndarray / pandas Series /
    polars Series (null when missing) otherwise. Values above the IAQI-500 breakpoint give 500; the special
    rules give 200/300 (2026) or no value (2012: use the other period's IAQI). Both emit :class:`AQIWarning`.

    Raises
    ------
    AirInputError
        Negative, infinite or non-numeric concentration (naming the 1-based row), unknown pollutant/period.
    """
    scalar = np.ndim(concentration) == 0 and not (
        isinstance(concentration, pl.Series) or is_pandas(concentration)
    )
    conc = to_float([concentration] if scalar else concentration, f"{pollutant} 浓度")
    res = iaqi_values(
        pollutant, conc, period, edition_codes(edition, date, conc.size), round_inputs=round_inputs
    )
    _warn(res, pollutant, period)
    if scalar:
        v = res.values[0]
        return int(v) if np.isfinite(v) else float("nan")
    if is_pandas(concentration):
        if hasattr(concentration, "index"):  # Series
            return type(concentration)(res.values, index=concentration.index, name=concentration.name)
        return type(concentration)(res.values, name=concentration.name)
    if isinstance(concentration, pl.Series):
        return pl.Series(concentration.name, res.values).fill_nan(None)
    return res.values


@dataclass(frozen=True)
class AQIResult:
    """AQI over several IAQIs: AQI (float64, NaN = none), level index (-1 = none), pollutant bit masks."""

    aqi: np.ndarray
    level_index: np.ndarray
    primary_mask: np.ndarray
    nonattainment_mask: np.ndarray
    keys: tuple[str, ...]
    labels: tuple[str, ...]

    def _mask_labels(self, masks: np.ndarray) -> list[str | None]:
        top = int(masks.max()) if masks.size else 0
        return [
            ",".join(lb for i, lb in enumerate(self.labels) if u >> i & 1) or None for u in range(top + 1)
        ]

    def _level_labels(self, attr: str) -> list[str | None]:
        return [getattr(lv, attr) for lv in LEVELS] + [None]  # index -1 → None

    @property
    def primary(self) -> np.ndarray:
        """首要污染物 (only when AQI > 50; ties joined by ','), None otherwise."""
        return np.array(self._mask_labels(self.primary_mask), dtype=object)[self.primary_mask]

    @property
    def nonattainment(self) -> np.ndarray:
        """超标污染物 (IAQI > 100), joined by ','; None when none."""
        return np.array(self._mask_labels(self.nonattainment_mask), dtype=object)[self.nonattainment_mask]

    @property
    def level(self) -> np.ndarray:
        """级别 一级 … 六级."""
        return np.array(self._level_labels("level"), dtype=object)[self.level_index]

    @property
    def category(self) -> np.ndarray:
        """类别 优 … 严重污染."""
        return np.array(self._level_labels("category"), dtype=object)[self.level_index]

    @property
    def colour(self) -> np.ndarray:
        """颜色 hex (HJ 633 表2)."""
        return np.array(self._level_labels("hex"), dtype=object)[self.level_index]

    def to_polars(
        self, columns: tuple[str, ...] = ("aqi", "level", "category", "primary_pollutant")
    ) -> pl.DataFrame:
        """Columns ``aqi`` (Int64), ``level``, ``category``, ``colour``, ``primary_pollutant``,
        ``nonattainment`` (strings, null when none), built without a Python loop per row."""

        def gather(name: str, labels: list[str | None], idx: np.ndarray) -> pl.Series:
            return label_series(name, labels, idx.astype(np.int64) % len(labels))

        make = {
            "aqi": lambda: pl.Series("aqi", self.aqi).fill_nan(None).cast(pl.Int64),
            "level": lambda: gather("level", self._level_labels("level"), self.level_index),
            "category": lambda: gather("category", self._level_labels("category"), self.level_index),
            "colour": lambda: gather("colour", self._level_labels("hex"), self.level_index),
            "primary_pollutant": lambda: gather(
                "primary_pollutant", self._mask_labels(self.primary_mask), self.primary_mask
            ),
            "nonattainment": lambda: gather(
                "nonattainment", self._mask_labels(self.nonattainment_mask), self.nonattainment_mask
            ),
        }
        return pl.DataFrame([make[c]() for c in columns])


def label_series(name: str, labels: list[str | None], idx: np.ndarray) -> pl.Series:
    """``labels[idx]`` as a polars Enum column (integer gather, no string copies); None labels → null."""
    categories = list(dict.fromkeys(lb for lb in labels if lb is not None))
    return pl.Series(name, labels, dtype=pl.Enum(categories)).gather(pl.Series(idx))


def level_index(aqi_values: np.ndarray) -> np.ndarray:
    """Index into :data:`LEVELS` of each AQI (HJ 633 表2), -1 when the AQI is NaN."""
    idx = np.zeros(np.shape(aqi_values), dtype=np.int8)
    with np.errstate(invalid="ignore"):
        for lv in LEVELS[:-1]:  # five comparisons over the whole array
            idx += aqi_values > lv.upper
    idx[np.isnan(aqi_values)] = -1
    return idx


def default_label(key: str) -> str:
    """Display name of an IAQI key: ``pm2_5_24h`` → ``PM2.5``; ``o3_8h`` → ``O3_8h``; ``o3_1h`` → ``O3_1h``.

    Parameters
    ----------
    key : str
        ``<pollutant>_<period>``.
    """
    pollutant, _, _period = key.rpartition("_")
    return DISPLAY_NAMES[key] if pollutant == "o3" else DISPLAY_NAMES.get(pollutant, key)


def aqi_from_iaqi(iaqis: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> AQIResult:
    """AQI = max of the IAQIs (HJ 633 formula 2) with level, primary and non-attainment pollutants.

    Parameters
    ----------
    iaqis : mapping of key → array_like of IAQI
        Keys such as ``"pm2_5_24h"``, ``"o3_8h"``, ``"so2_1h"``; NaN = not available (never invented).
    labels : mapping of key → display name, optional
        Names used for primary/non-attainment pollutants (default :func:`default_label`).
    """
    keys = tuple(iaqis)
    if len(keys) > 30:
        raise AirInputError("分指数过多")
    cols = [np.asarray(iaqis[k], dtype=float).reshape(-1) for k in keys]
    a = np.full(cols[0].shape, np.nan)
    for c in cols:  # loop over pollutants (≤ 7), each step vectorized over all values
        np.fmax(a, c, out=a)  # NaN-ignoring maximum
    dtype = np.int8 if len(keys) < 8 else np.int32
    prim = np.zeros(a.shape, dtype=dtype)
    over = np.zeros(a.shape, dtype=dtype)
    is_primary_level = a > 50
    with np.errstate(invalid="ignore"):
        for i, c in enumerate(cols):
            prim |= np.left_shift(((c == a) & is_primary_level).astype(dtype), i)
            over |= np.left_shift((c > 100).astype(dtype), i)
    names = tuple((labels or {}).get(k) or default_label(k) for k in keys)
    return AQIResult(a, level_index(a), prim, over, keys, names)


def aqi(
    concentrations: Mapping[str, Any], edition: str = "auto", date: Any = None, *, round_inputs: bool = True
) -> AQIResult:
    """AQI from concentrations keyed ``"<pollutant>_<period>"`` (e.g. ``"pm2_5_24h"``, ``"o3_8h"``).

    Parameters
    ----------
    concentrations : mapping of key → array_like
        µg/m³ (CO mg/m³). HJ 633-2012 special rules are resolved here: SO2 1-h > 800 uses the ``so2_24h``
        IAQI when given; O3 8-h > 800 uses the ``o3_1h`` IAQI.
    edition, date, round_inputs
        As in :func:`iaqi`.
    """
    sub: dict[str, np.ndarray] = {}
    codes = None
    for key, values in concentrations.items():
        pollutant, _, period = key.rpartition("_")
        conc = to_float(values, key)
        codes = edition_codes(edition, date, conc.size) if codes is None else codes
        res = iaqi_values(pollutant, conc, period, codes, round_inputs=round_inputs)
        _warn(res, pollutant, period)
        sub[key] = res.values
    if "so2_1h" in sub and "so2_24h" in sub:  # 2012 note 2: report the 24-h IAQI instead
        fallback = np.isnan(sub["so2_1h"]) & (to_float(concentrations["so2_1h"], "so2_1h") > 800)
        sub["so2_1h"] = np.where(fallback, sub["so2_24h"], sub["so2_1h"])
    return aqi_from_iaqi(sub)
