"""Hourly (real-time, 实时报) AQI as the national monitoring centre publishes it.

HJ 633-2026 clauses 4.2.3/4.2.4 (and CNEMC practice under HJ 633-2012, docs/air.md): the 1-h
values of SO2, NO2, CO and O3 against their 1-h breakpoints; PM10 and PM2.5 1-h values against the 24-h
breakpoints; the O3 8-h moving average is not used. Missing pollutants do not invent values.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from liangshan.standards.air.aqi import aqi_from_iaqi, edition_codes, iaqi_values, label_series
from liangshan.standards.air.tables import POLLUTANTS

_LABELS = {
    "so2_1h": "SO2",
    "no2_1h": "NO2",
    "pm10_1h": "PM10",
    "pm2_5_1h": "PM2.5",
    "co_1h": "CO",
    "o3_1h": "O3",
}


def _trailing_so2_24h(df: pl.DataFrame, min_hours: int) -> np.ndarray:
    """Trailing 24-h mean of SO2 per station (hours t-23 … t, ≥ ``min_hours`` valid), µg/m³."""
    out = (
        df.with_row_index("_row")
        .sort("station", "time")
        .with_columns(
            pl.col("so2").rolling_mean_by("time", window_size="24h").over("station").alias("_m"),
            pl.col("so2")
            .is_not_null()
            .cast(pl.Int32)
            .rolling_sum_by("time", window_size="24h")
            .over("station")
            .alias("_n"),
        )
        .sort("_row")
    )
    m = out["_m"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return np.where(out["_n"].fill_null(0).to_numpy() >= min_hours, m, np.nan)


def hourly_aqi(
    df: pl.DataFrame,
    edition: str = "auto",
    *,
    round_inputs: bool = True,
    so2_fallback_min_hours: int = 20,
    with_iaqi: bool = False,
) -> pl.DataFrame:
    """Real-time AQI of each station-hour.

    Parameters
    ----------
    df : polars.DataFrame
        Validated hourly data (see :func:`liangshan.standards.air.io.read_hourly`): ``station``, ``time``
        (local hour start) and ``so2 no2 pm10 pm2_5 co o3`` in µg/m³ (CO mg/m³), null = missing.
    edition : {"auto", "HJ633-2012", "HJ633-2026"}
        ``auto`` chooses per row by the date of ``time`` (HJ633-2026 from 2026-03-01).
    round_inputs : bool
        GB/T 8170 rounding of concentrations before the IAQI (see :func:`iaqi`).
    so2_fallback_min_hours : int
        HJ 633-2012 note 2 — SO2 1-h > 800 µg/m³ reports the IAQI of the SO2 24-h mean instead; we use the
        station's trailing 24-h mean with at least this many valid hours (our choice, UNVERIFIED).
    with_iaqi : bool
        Also return the ``iaqi_<pollutant>`` columns.

    Returns
    -------
    ``df`` with ``aqi`` (Int64, null when no pollutant), ``level``, ``category``, ``primary_pollutant``
    (only when AQI > 50; ties joined by ',') and ``flag`` (爆表 = above the IAQI-500 breakpoint, reported as
    500; SO2>800 = special rule applied).
    """
    codes = edition_codes(edition, df["time"].cast(pl.Date).to_numpy(), df.height)
    subs: dict[str, np.ndarray] = {}
    top = np.zeros(df.height, dtype=bool)
    special = np.zeros(df.height, dtype=bool)
    for p in POLLUTANTS:
        conc = df[p].cast(pl.Float64).fill_null(np.nan).to_numpy()
        res = iaqi_values(p, conc, "1h", codes, round_inputs=round_inputs)
        top |= res.above_top
        special |= res.special
        subs[f"{p}_1h"] = res.values
    need = special & np.isnan(subs["so2_1h"])
    if need.any():
        so2_24 = _trailing_so2_24h(df, so2_fallback_min_hours)
        fb = iaqi_values("so2", so2_24[need], "24h", codes[need], round_inputs=round_inputs)
        subs["so2_1h"][need] = fb.values
    res_aqi = aqi_from_iaqi(subs, _LABELS)
    flag_idx = pl.Series(top.astype(np.int64) + 2 * special.astype(np.int64))
    flag = label_series("flag", [None, "爆表", "SO2>800", "爆表,SO2>800"], flag_idx.to_numpy())
    names = {k: k.removesuffix("_1h") for k in subs}
    cols = (
        [pl.Series(f"iaqi_{names[k]}", v).fill_nan(None).cast(pl.Int64) for k, v in subs.items()]
        if with_iaqi
        else []
    )
    return pl.concat(
        [
            df,
            pl.DataFrame(cols),
            res_aqi.to_polars(),
            pl.DataFrame([flag]),
        ],
        how="horizontal",
    )
