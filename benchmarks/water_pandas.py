"""The plain pandas script a user would write for surface-water sections (benchmark peer, not liangshan).

``python benchmarks/water_pandas.py results.csv limits.csv`` — long results (site, site_type, date, item,
value, unit) and a GB 3838-2002 limit table (item, cls, lo, hi). Annual mean per section and item (``<DL``
counted as half the detection limit); item class = first class whose range holds the mean; section class =
worst item; ratio of sections at class Ⅲ or better per year.
"""

import sys

import numpy as np
import pandas as pd

df = pd.read_csv(sys.argv[1], usecols=["site", "date", "item", "value"])
limits = pd.read_csv(sys.argv[2])
text = df["value"].astype(str)
nd = text.str.startswith("<")
df["x"] = pd.to_numeric(text.str.lstrip("<"), errors="coerce")
df.loc[nd, "x"] *= 0.5
df["year"] = pd.to_datetime(df["date"]).dt.year
means = df.groupby(["year", "site", "item"], as_index=False)["x"].mean()
m = means.merge(limits, on="item")
m["ok"] = (m["x"] >= m["lo"]) & (m["x"] <= m["hi"])
first = m[m["ok"]].groupby(["year", "site", "item"])["cls"].min()
cls = means.set_index(["year", "site", "item"]).join(first)["cls"].fillna(6)
site_cls = cls.groupby(level=["year", "site"]).max()
ratio = (site_cls <= 3).groupby(level="year").mean().mul(100).round(1)
print(pd.DataFrame({"sections": site_cls.groupby(level="year").size(), "ratio_le_iii": ratio}))
print(np.unique(site_cls, return_counts=True))
