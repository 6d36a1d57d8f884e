"""Demo hook for indicator 1 (环境空气质量优良天数比例) of 卢氏县 (411224), 2020–2025.

Writes deterministic synthetic hourly data (示例数据, not official) for two county-seat stations, then runs
the air good-days calculator spec (:data:`liangshan.services.calculators.air.SPEC`, the same run as
``liangshan air good-days --to-indicator`` and the web upload) on that file with its default parameters
— read, validated, daily statistics with validity, area mean, annual good-day count — and returns one
:class:`ComputedValues` per year with the file's sha256 in its provenance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from liangshan.provenance import ComputedValues
from liangshan.services.calculators import air as air_calc

REGION = "411224"
FILE_NAME = "卢氏县_县城空气自动站_小时数据_2020-2025_示例数据.parquet"
STATIONS = ("县城1号站（示例）", "县城2号站（示例）")
SEED = 411224
# Year factors on particulates, tuned so the good-day ratios land at 87.8, 90.3, 87.8, 89.7, 91.7, 91.7 %
# (2020, 2022 and 2023 below the 90 % target; plausible for a clean mountain county, docs/demo.md).
YEAR_FACTOR = {2020: 1.00, 2021: 0.86, 2022: 1.15, 2023: 0.76, 2024: 1.06, 2025: 0.95}
README = """示例数据（非官方）— 卢氏县县城空气自动站小时浓度（合成）

本目录中的 {name} 由 liangshan.demo.air 以固定随机种子 {seed} 生成，仅用于演示，
不是卢氏县的真实监测数据。列：station, time（本地时间，小时开始时刻）, so2 no2 pm10 pm2_5 o3（µg/m³）,
co（mg/m³）；空值表示缺测。包含随机缺测小时及若干因停电/校准导致的无效日。
"""


def synthetic_hourly(seed: int = SEED) -> pl.DataFrame:
    """Plausible hourly concentrations for the two stations, 2020-01-01 … 2025-12-31 (vectorized)."""
    rng = np.random.default_rng(seed)
    start, end = np.datetime64("2020-01-01T00", "h"), np.datetime64("2026-01-01T00", "h")
    t = np.arange(start, end)
    n_h, n_d = t.size, t.size // 24
    doy = (t.astype("datetime64[D]") - t.astype("datetime64[Y]").astype("datetime64[D]")).astype(int)
    hour = (t - t.astype("datetime64[D]")).astype(int)
    year = t.astype("datetime64[Y]").astype(int) + 1970
    winter = np.cos(2 * np.pi * (doy - 15) / 365.25)  # +1 mid-January, −1 mid-July
    # Day-to-day weather: AR(1) in log space, shared by both stations (same town).
    eps = rng.normal(0, 0.42, n_d)
    ar = np.empty(n_d)
    ar[0] = eps[0]
    for i in range(1, n_d):  # one step per day (2,192 days), not per hour
        ar[i] = 0.65 * ar[i - 1] + eps[i]
    day_w = np.repeat(ar, 24)
    factor = np.vectorize(YEAR_FACTOR.get)(year)
    frames = []
    for k, name in enumerate(STATIONS):
        local = rng.normal(0, 0.12, n_h)
        diurnal = 1 + 0.18 * np.cos(2 * np.pi * (hour - 21) / 24)
        pm25 = (30 + 20 * winter) * factor * diurnal * np.exp(day_w * 0.95 + local) * (1.0 + 0.08 * k)
        pm10 = pm25 * rng.normal(1.75, 0.15, n_h).clip(1.2)
        o3_peak = (95 - 45 * winter) * np.exp(0.25 * day_w[::-1] + rng.normal(0, 0.08, n_h))
        o3 = (o3_peak * (0.35 + 0.65 * np.clip(np.sin(np.pi * (hour - 6) / 14), 0, 1))).clip(2)
        no2 = (22 + 8 * winter) * (1 + 0.3 * np.cos(2 * np.pi * (hour - 20) / 24)) * np.exp(local)
        so2 = (9 + 5 * winter) * np.exp(0.5 * local + 0.2 * day_w)
        co = (0.7 + 0.4 * winter) * np.exp(0.3 * day_w + 0.5 * local)
        values = {"so2": so2, "no2": no2, "pm10": pm10, "pm2_5": pm25, "co": co, "o3": o3}
        missing = rng.random(n_h) < 0.015
        rounded = {
            p: np.where(missing, np.nan, np.round(v, 1 if p == "co" else 0)) for p, v in values.items()
        }
        frames.append(pl.DataFrame({"station": name, "time": t.astype("datetime64[us]"), **rounded}))
    df = pl.concat(frames).with_columns([pl.col(p).fill_nan(None) for p in values])
    # A few station outages (both stations, e.g. power cut): 8 to 14 hours lost on ~4 days a year.
    outage_days = rng.choice(n_d, size=24, replace=False)
    lost = np.zeros(n_h, dtype=bool)
    for d, length in zip(outage_days, rng.integers(8, 15, outage_days.size), strict=True):
        lost[d * 24 + 6 : d * 24 + 6 + length] = True
    lost_both = pl.Series(np.concatenate([lost, lost]))
    return df.with_columns([pl.when(lost_both).then(None).otherwise(pl.col(p)).alias(p) for p in values])


def compute_demo(work_dir: Path) -> list[ComputedValues]:
    """Write the synthetic file into ``work_dir`` and compute indicator 1 for 2020–2025 from it.

    Parameters
    ----------
    work_dir : pathlib.Path
        Directory for ``卢氏县_…_示例数据.parquet`` and its README (created if absent).

    Returns
    -------
    list of ComputedValues, one per year, ``air_good_days`` and ``air_valid_days`` with provenance.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / FILE_NAME
    synthetic_hourly().write_parquet(path, compression="zstd", statistics=False)
    (work_dir / "README_空气示例数据.txt").write_text(
        README.format(name=FILE_NAME, seed=SEED), encoding="utf-8"
    )
    return air_calc.SPEC.compute({"hourly": path}, {}, REGION).results
