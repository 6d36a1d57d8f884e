"""The plain pandas script a user would write for the area good-day ratio (benchmark peer, not liangshan).

``python benchmarks/air_pandas.py hourly.parquet`` — long table (station, time, so2, no2, pm10, pm2_5, co,
o3). Area hourly value = mean of the stations; daily means need ≥ 20 hours, the O3 daily maximum 8-hour mean
needs 8-hour windows with ≥ 6 hours; IAQI by linear interpolation (HJ 633-2012 表1), AQI = max IAQI,
good day = AQI ≤ 100; ratio per year.
"""

import sys

import numpy as np
import pandas as pd

IAQI = [0, 50, 100, 150, 200, 300, 400, 500]
BP = {
    "so2": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "no2": [0, 40, 80, 180, 280, 565, 750, 940],
    "pm10": [0, 50, 150, 250, 350, 420, 500, 600],
    "co": [0, 2, 4, 14, 24, 36, 48, 60],
    "pm2_5": [0, 35, 75, 115, 150, 250, 350, 500],
    "o3": [0, 100, 160, 215, 265, 800],
}

df = pd.read_parquet(sys.argv[1])
hourly = df.groupby("time").mean(numeric_only=True).asfreq("h")
day = hourly.index.floor("D")
count = hourly.groupby(day).count()
daily = hourly.groupby(day).mean().where(count >= 20)
o3_8h = hourly["o3"].rolling(8, min_periods=6).mean()
daily["o3"] = o3_8h.groupby(day).max()
iaqi = pd.DataFrame(index=daily.index)
for p, bp in BP.items():
    c = daily[p].round(1 if p == "co" else 0)
    iaqi[p] = np.interp(c, bp, IAQI[: len(bp)])
    iaqi.loc[c.isna(), p] = np.nan
valid = daily[list(BP)].notna().all(axis=1)
aqi = np.ceil(iaqi.max(axis=1))
good = valid & (aqi <= 100)
year = daily.index.year
out = pd.DataFrame({"valid": valid.groupby(year).sum(), "good": good.groupby(year).sum()})
out["ratio"] = (100 * out["good"] / out["valid"]).round(1)
print(out.to_string())
